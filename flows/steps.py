"""The steps of the flows as plain functions of the application: the flows wrap them in tasks, and
the in-process trigger (no Prefect server configured) calls them directly."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from signoff.bootstrap import Application
from signoff.domain.errors import MailServerUnavailable
from signoff.service.handlers.advance_signoff import advance_signoff
from signoff.service.handlers.deliver_mail import DeliveryReport, deliver_mail
from signoff.service.handlers.mark_stalled import mark_stalled
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.queries.signoff_read import SignoffDetail, signoff_detail


def advance(app: Application, signoff_id: int) -> list[str]:
    return advance_signoff(signoff_id, app.deps)


def deliver(app: Application) -> dict[str, Any]:
    """Send what is due; with no SMTP server configured the emails simply wait in the outbox."""
    report = deliver_report(app)
    return {"sent": 0, "problem": NO_MAIL_SERVER} if report is None else asdict(report)


NO_MAIL_SERVER = "no SMTP server is configured: the emails wait in the outbox"


def deliver_report(app: Application) -> DeliveryReport | None:
    """What a delivery did; None when no SMTP server is configured (nothing to send through)."""
    try:
        mailer = app.mailer()
    except MailServerUnavailable:
        return None
    return deliver_mail(app.deps, mailer, app.settings.mail_from)


def queue_due_notices(app: Application) -> dict[str, Any]:
    return asdict(send_due_notices(app.deps))


def mark_stalled_work(app: Application) -> dict[str, Any]:
    return asdict(mark_stalled(app.deps))


def needing_advance(app: Application) -> list[int]:
    with app.deps.new_unit_of_work() as uow:
        return uow.signoffs.needing_advance()


def status(app: Application, signoff_id: int) -> SignoffDetail:
    return signoff_detail(signoff_id, app.deps)


def status_table(detail: SignoffDetail) -> list[dict[str, str]]:
    """One row per section: where the sign-off stands, for the Prefect UI."""
    rows = []
    for stage in detail.stages:
        for section in stage.sections:
            decided = [
                f"{r.decided_by} ({r.state})" + (f" for {r.on_behalf_of}" if r.on_behalf_of else "")
                for r in section.requests
                if r.decided_by
            ]
            rows.append(
                {
                    "stage": f"{stage.title} ({stage.state})",
                    "due": stage.due_on.isoformat(),
                    "section": section.key,
                    "state": section.state,
                    "held by": ", ".join(section.holders) or "-",
                    "decisions": "; ".join(decided) or "-",
                }
            )
    return rows
