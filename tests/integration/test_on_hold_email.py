"""On a database, delivered to a real SMTP server: two approvers must both approve the report summary; one
asks for changes while the other is still to decide. The other gets exactly one 'on hold' email, then,
when the new text comes, exactly one new request; the outbox and the audit trail agree on why each was
sent, and the chain still verifies."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from signoff.adapters.orm import audit_events, outbox
from signoff.adapters.smtp_mailer import SmtpMailer, SmtpSettings
from signoff.bootstrap import Application
from signoff.service.handlers.advance_signoff import advance_signoff
from signoff.service.handlers.deliver_mail import deliver_mail
from signoff.service.queries.audit_verify import verify_audit
from tests.people import JOHN, OWEN, RACHEL
from tests.smtp_server import SmtpServer, running_smtp_server
from tests.support.story import approve, draft, request_changes, start_reference
from tests.web.test_office_boundaries import require_all_app  # noqa: F401 - a fixture

# What is stored and sent: the outbox's rows and their audit events, on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_databases
OUTBOX_KEY = re.compile(r"^signoff:(\d+):audit:(\d+):")


def deliver(app: Application, server: SmtpServer) -> None:
    report = deliver_mail(
        app.deps,
        SmtpMailer(SmtpSettings(host="127.0.0.1", port=server.port, timeout=5)),
        app.settings.mail_from,
    )
    assert report.failed == report.retrying == 0


def received(server: SmtpServer, to: str, event: str) -> list[EmailMessage]:
    return [m for m in server.inbox.to(to) if m["X-Signoff-Event"] == event]


def plain(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return " ".join(str(body.get_content()).split())


def test_the_other_approver_gets_one_on_hold_email_then_one_new_request(
    require_all_app: Application,  # noqa: F811 - the fixture imported above
) -> None:
    app = require_all_app  # the summary approved by the chief executive AND the commissioner
    signoff_id = start_reference(app)
    with running_smtp_server() as server:
        draft(app, signoff_id, "report-summary", OWEN, "NWROCU inspected.")
        deliver(app, server)
        assert len(received(server, JOHN, "approval_requested")) == 1

        request_changes(app, signoff_id, "report-summary", RACHEL, "Add the grade.")
        deliver(app, server)
        [on_hold] = received(server, JOHN, "approval_on_hold")
        assert str(on_hold["Subject"]).startswith("On hold: Report summary (")
        text = plain(on_hold)
        assert "is on hold: Rachel Ashworth asked for changes to it." in text
        assert "we will ask you to approve the new text" in text
        assert received(server, RACHEL, "approval_on_hold") == []
        # The router running again (a retried flow run) tells nobody twice.
        advance_signoff(signoff_id, app.deps)
        deliver(app, server)
        assert len(received(server, JOHN, "approval_on_hold")) == 1
        assert len(received(server, JOHN, "approval_requested")) == 1

        draft(app, signoff_id, "report-summary", OWEN, "NWROCU inspected: outstanding.")
        deliver(app, server)
        first, again = received(server, JOHN, "approval_requested")
        assert str(first["Subject"]).startswith("Approval needed by")
        assert str(again["Subject"]).startswith("No longer on hold, approve by")
        assert "is no longer on hold" in plain(again)
        approve(app, signoff_id, "report-summary", RACHEL)
        approve(app, signoff_id, "report-summary", JOHN)
        deliver(app, server)
        assert len(received(server, JOHN, "approval_on_hold")) == 1
        assert len(received(server, JOHN, "approval_requested")) == 2

    # Each email in the outbox names the audit event that caused it, and that event is stored: the on-hold
    # email's is Rachel's request for changes.
    with app.engine.connect() as connection:
        events = {
            row.seq: row
            for row in connection.execute(
                select(audit_events.c.seq, audit_events.c.action).where(
                    audit_events.c.signoff_id == signoff_id
                )
            )
        }
        rows = connection.execute(
            select(outbox.c.event, outbox.c.idempotency_key.label("key"), outbox.c.state)
        ).all()
    assert len({row.key for row in rows}) == len(rows)
    assert {str(row.state) for row in rows} == {"sent"}
    causes: dict[str, set[str]] = {}
    for row in rows:
        match = OUTBOX_KEY.match(row.key)
        assert match, row.key
        assert int(match.group(1)) == signoff_id
        seq = int(match.group(2))
        assert seq in events, row.key
        causes.setdefault(str(row.event), set()).add(str(events[seq].action))
    assert causes["approval_on_hold"] == {"changes_requested"}
    report = verify_audit(signoff_id, app.deps)
    assert report.intact, report.problems
