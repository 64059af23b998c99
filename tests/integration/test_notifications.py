"""Emails: queued with the change that causes them, once each, delivered to a real SMTP server on loopback."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select, text

from signoff.adapters.orm import outbox
from signoff.adapters.smtp_mailer import SmtpMailer, SmtpSettings
from signoff.bootstrap import Application
from signoff.domain.notifications import NoticeEvent
from signoff.service.clock import FixedClock
from signoff.service.commands import DelegateApprovals, WithdrawSignoff
from signoff.service.handlers.administer import withdraw_signoff
from signoff.service.handlers.advance_signoff import advance_signoff
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.deliver_mail import deliver_mail
from signoff.service.handlers.retry_email import retry_email
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.notification_examples import EXAMPLE_CONTEXTS, RECIPIENT
from tests.people import ANDREW, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL, SARAH
from tests.smtp_server import SmtpServer, running_smtp_server
from tests.support.story import EXPECTED, approve, delegate, draft, drive_reference, start_reference

# The outbox's rows, its leases and the sweep's row locks (SKIP LOCKED on PostgreSQL).
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases


def queued(app: Application) -> Counter[tuple[str, str]]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.event, outbox.c.recipient_email))
        return Counter((str(event), str(email)) for event, email in rows)


def test_each_change_queues_the_expected_emails_once(app: Application, clock: FixedClock) -> None:
    signoff_id = drive_reference(app, clock)
    assert queued(app) == EXPECTED
    # The router running again, or the same decision refused, queues nothing more.
    assert advance_signoff(signoff_id, app.deps) == []
    assert queued(app) == EXPECTED


def test_real_notices_carry_exactly_the_example_variables(app: Application, clock: FixedClock) -> None:
    drive_reference(app, clock)
    with app.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.event, outbox.c.context)).all()
    for event, context in rows:
        expected = set(EXAMPLE_CONTEXTS[NoticeEvent(event)]) | set(RECIPIENT)
        assert set(context) == expected, event


def test_every_queued_email_arrives_once_with_both_parts_and_its_link(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = drive_reference(app, clock)
    with running_smtp_server() as server:
        report = deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    assert report.sent == sum(EXPECTED.values())
    assert report.failed == report.retrying == 0
    received = Counter((str(m["X-Signoff-Event"]), recipient_of(m)) for m in server.inbox.messages)
    assert received == EXPECTED
    [request] = [m for m in server.inbox.to(JOHN) if m["X-Signoff-Event"] == "approval_requested"]
    text = request.get_body(preferencelist=("plain",))
    html = request.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    link = f"http://127.0.0.1:8000/signoffs/{signoff_id}/sections/commissioner-response"
    assert link in text.get_content()
    assert f'href="{link}"' in html.get_content()
    assert [part.get_filename() for part in request.iter_attachments()] == ["due-date.ics"]
    assert len({m["Message-ID"] for m in server.inbox.messages}) == len(server.inbox.messages)
    # Delivered once: a second run finds nothing to send.
    with running_smtp_server() as again:
        assert deliver_mail(app.deps, mailer_for(app, again), app.settings.mail_from).sent == 0


def test_a_server_that_is_down_then_up_gets_everything_exactly_once(
    app: Application, clock: FixedClock
) -> None:
    drive_reference(app, clock)
    server = SmtpServer()  # not started: nothing listens on its port yet
    down = deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    assert down.sent == 0
    assert down.problem is not None
    assert "cannot reach the SMTP server" in down.problem
    assert states(app) == {"queued": sum(EXPECTED.values())}
    server.start()
    try:
        up = deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    finally:
        server.stop()
    assert up.sent == sum(EXPECTED.values())
    assert Counter((str(m["X-Signoff-Event"]), recipient_of(m)) for m in server.inbox.messages) == EXPECTED


def test_a_server_stopped_mid_run_gets_the_rest_once_it_is_back(app: Application, clock: FixedClock) -> None:
    server = SmtpServer()
    server.start()
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    assert deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from).sent == 2
    server.stop()
    approve(app, signoff_id, "report-summary", RACHEL)  # approved, stage complete, the force asked
    down = deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    assert down.sent == 0
    assert down.released == 3
    server.start()
    try:
        assert deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from).sent == 3
        assert deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from).sent == 0
    finally:
        server.stop()
    received = Counter((str(m["X-Signoff-Event"]), recipient_of(m)) for m in server.inbox.messages)
    assert received == Counter(
        {
            ("drafting_assigned", OWEN): 1,
            ("approval_requested", RACHEL): 1,
            ("section_approved", OWEN): 1,
            ("stage_completed", HANNAH): 1,
            ("drafting_assigned", PRIYA): 1,
        }
    )


def test_a_refused_login_says_so_and_leaves_the_queue_intact(app: Application) -> None:
    start_reference(app)
    server = SmtpServer(login=("signoff", "right"))
    server.start()
    try:
        wrong = SmtpMailer(
            SmtpSettings(host="127.0.0.1", port=server.port, username="signoff", password="wrong")
        )
        report = deliver_mail(app.deps, wrong, app.settings.mail_from)
        assert report.problem is not None
        assert "refused the login" in report.problem
        assert "SIGNOFF_SMTP_PASSWORD" in report.problem
        assert states(app) == {"queued": 1}
        right = SmtpMailer(
            SmtpSettings(host="127.0.0.1", port=server.port, username="signoff", password="right")
        )
        assert deliver_mail(app.deps, right, app.settings.mail_from).sent == 1
    finally:
        server.stop()


def test_a_permanent_refusal_fails_one_message_and_the_rest_go(app: Application, clock: FixedClock) -> None:
    drive_reference(app, clock)
    with running_smtp_server() as server:
        server.inbox.refuse[HANNAH] = "550 5.1.1 mailbox unavailable"
        report = deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    hannahs = EXPECTED[("stage_completed", HANNAH)] + EXPECTED[("ready_to_publish", HANNAH)]
    assert report.failed == hannahs
    assert report.sent == sum(EXPECTED.values()) - hannahs
    assert states(app) == {"sent": report.sent, "failed": hannahs}
    assert all("550" in failure for failure in report.failures)


def test_a_transient_refusal_is_retried_later_and_a_failed_one_on_request(
    app: Application, clock: FixedClock
) -> None:
    drive_reference(app, clock)
    policy = app.deps.load_notification_rules().delivery
    with running_smtp_server() as server:
        server.inbox.refuse[HANNAH] = "451 4.3.0 try again later"
        first = deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
        assert first.retrying == 4
        # Not due again until the backoff has passed.
        assert deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from).sent == 0
        for _ in range(policy.max_attempts):
            clock.advance(timedelta(seconds=policy.max_retry_seconds))
            deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
        assert states(app)["failed"] == 4
        del server.inbox.refuse[HANNAH]
        with app.engine.connect() as connection:
            failed_ids = (
                connection.execute(select(outbox.c.id).where(outbox.c.state == "failed")).scalars().all()
            )
        for email_id in failed_ids:
            retry_email(email_id, app.deps)
        assert deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from).sent == 4
    assert len(server.inbox.to(HANNAH)) == 4


def test_two_deliverers_at_once_send_each_message_once(app: Application, clock: FixedClock) -> None:
    drive_reference(app, clock)
    with running_smtp_server() as server:
        barrier = threading.Barrier(2)
        reports = []

        def deliver() -> None:
            barrier.wait()
            reports.append(deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from))

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sum(r.sent for r in reports) == sum(EXPECTED.values())
    assert Counter((str(m["X-Signoff-Event"]), recipient_of(m)) for m in server.inbox.messages) == EXPECTED


def test_reminders_overdue_notices_and_escalations_go_once_each(app: Application, clock: FixedClock) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    # The summary stage is due Friday 24 November 2023 at 17:00; reminders two working days before.
    clock.set(datetime(2023, 11, 22, 9, 5, tzinfo=UTC))
    assert send_due_notices(app.deps).queued == 1
    assert send_due_notices(app.deps).queued == 0
    clock.set(datetime(2023, 11, 27, 9, 5, tzinfo=UTC))  # due date passed; escalation one working day after
    assert send_due_notices(app.deps).queued == 2
    assert send_due_notices(app.deps).queued == 0
    mail = queued(app)
    assert mail[("reminder", RACHEL)] == 1
    assert mail[("overdue", RACHEL)] == 1
    # Rachel, the chief executive, names no escalation contact: the office's administrator hears.
    assert mail[("escalation", HANNAH)] == 1

    with running_smtp_server() as server:
        deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    link = f"http://127.0.0.1:8000/signoffs/{signoff_id}/sections/report-summary"
    for event, person in [("reminder", RACHEL), ("overdue", RACHEL), ("escalation", HANNAH)]:
        [message] = [m for m in server.inbox.to(person) if m["X-Signoff-Event"] == event]
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        assert text is not None
        assert html is not None
        assert "Report summary" in str(message["Subject"])
        assert link in text.get_content()
        assert f'href="{link}"' in html.get_content()


def test_withdrawing_tells_everyone_taking_part(app: Application) -> None:
    signoff_id = start_reference(app)
    withdraw_signoff(
        WithdrawSignoff(
            signoff_id=signoff_id, reason="Cheshire is not a subject of the report.", admin=HANNAH
        ),
        app.deps,
    )
    with running_smtp_server() as server:
        deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    told = {recipient_of(m) for m in server.inbox.messages if m["X-Signoff-Event"] == "withdrawn"}
    assert {OWEN, RACHEL, PRIYA, DANIEL, ANDREW, JOHN} <= told
    [to_john] = [m for m in server.inbox.to(JOHN) if m["X-Signoff-Event"] == "withdrawn"]
    assert (
        "Cheshire is not a subject of the report."
        in to_john.get_body(preferencelist=("plain",)).get_content()
    )


def test_a_delegation_that_ends_is_announced_once(app: Application, clock: FixedClock) -> None:
    delegate_approvals(
        DelegateApprovals(
            from_person=ANDREW,
            to_person=SARAH,
            starts_at=clock.now(),
            ends_at=clock.now() + timedelta(days=2),
            reason="leave",
            by=ANDREW,
        ),
        app.deps,
    )
    clock.advance(timedelta(days=3))
    send_due_notices(app.deps)
    send_due_notices(app.deps)
    mail = queued(app)
    assert mail[("delegation_ended", ANDREW)] == mail[("delegation_ended", SARAH)] == 1


def test_the_delegate_of_an_approver_away_gets_the_request_and_the_reminder(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = start_reference(app)
    delegate(app, RACHEL, JOHN, days=30)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    clock.set(datetime(2023, 11, 22, 9, 5, tzinfo=UTC))  # two working days before the summary is due
    assert send_due_notices(app.deps).queued == 2
    mail = queued(app)
    assert mail[("approval_requested", RACHEL)] == mail[("approval_requested", JOHN)] == 1
    assert mail[("reminder", RACHEL)] == mail[("reminder", JOHN)] == 1

    with running_smtp_server() as server:
        deliver_mail(app.deps, mailer_for(app, server), app.settings.mail_from)
    for event in ("approval_requested", "reminder"):
        [message] = [m for m in server.inbox.to(JOHN) if m["X-Signoff-Event"] == event]
        assert "for Rachel Ashworth" in str(message["Subject"])
        text = message.get_body(preferencelist=("plain",))
        assert text is not None
        assert "Rachel Ashworth has delegated their approvals to you" in text.get_content()
        assert [part.get_content_type() for part in message.iter_attachments()] == []


def mailer_for(app: Application, server: SmtpServer) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host="127.0.0.1", port=server.port, timeout=5))


def recipient_of(message: EmailMessage) -> str:
    return str(message["To"]).rsplit("<", 1)[-1].rstrip(">")


def states(app: Application) -> dict[str, int]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        return {str(state): int(count) for state, count in rows}


def test_the_sweep_passes_over_a_signoff_another_transaction_holds(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no row locks: a second writer waits for the first at BEGIN IMMEDIATE")
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    clock.set(datetime(2023, 11, 22, 9, 5, tzinfo=UTC))  # the reminder is due
    with app.engine.connect() as holder:
        holder.execute(text("SELECT id FROM signoffs WHERE id = :id FOR UPDATE"), {"id": signoff_id})
        assert send_due_notices(app.deps).queued == 0
        holder.rollback()
    assert send_due_notices(app.deps).queued == 1
