"""What Prefect should see of signoff beyond its flow runs' states: events an automation can act on.

- `signoff.email.refused`: the mail server would not take an email this time (it is tried again);
- `signoff.email.failed`: an email failed for good (an administrator must look: `signoff mail retry`);
- `signoff.smtp.unreachable`: the mail server could not be reached; the emails wait in the outbox;
- `signoff.publication.done`: a response was published;
- `signoff.signoff.overdue`: a sign-off is past an internal due date (a stage's, the publication stage's
  included): emitted by the deadline sweep when it first tells someone so;
- `signoff.signoff.at-risk`: the sweep told someone of a sign-off whose statutory deadline is at risk (its
  publish-by day within the attention rule's working days, or past): at each new reminder, overdue notice
  or escalation, so an automation hears as it grows more urgent, never at every quarter hour.

Each names the sign-off it concerns as a related resource (`signoff.signoff.ID`), never a section's text or
an email's body. Emitted from a flow run, Prefect relates them to the run too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prefect.events import emit_event

from signoff.service.handlers.deliver_mail import DeliveryReport

MAIL_SERVER = {"prefect.resource.id": "signoff.smtp", "prefect.resource.name": "the mail server"}


def _signoff(signoff_id: int | None) -> list[dict[str, str]]:
    if signoff_id is None:
        return []
    return [
        {
            "prefect.resource.id": f"signoff.signoff.{signoff_id}",
            "prefect.resource.role": "signoff",
            "prefect.resource.name": f"sign-off #{signoff_id}",
        }
    ]


def emit_deadline_events(overdue: list[int], at_risk: list[int]) -> None:
    """The deadline sweep's events (see the module's list); `due_notices`' report gives the ids."""
    for name, ids in (("signoff.signoff.overdue", overdue), ("signoff.signoff.at-risk", at_risk)):
        for signoff_id in ids:
            emit_event(
                name,
                resource={
                    "prefect.resource.id": f"signoff.signoff.{signoff_id}",
                    "prefect.resource.name": f"sign-off #{signoff_id}",
                },
                payload={"signoff_id": signoff_id},
            )


def emit_delivery_events(report: DeliveryReport) -> None:
    for refusal in report.refusals:
        emit_event(
            "signoff.email.failed" if refusal.for_good else "signoff.email.refused",
            resource={
                "prefect.resource.id": f"signoff.email.{refusal.email_id}",
                "prefect.resource.name": f"email #{refusal.email_id} ({refusal.event})",
            },
            related=_signoff(refusal.signoff_id),
            payload={"event": refusal.event, "error": refusal.error, "for_good": refusal.for_good},
        )
    if report.problem:
        emit_event(
            "signoff.smtp.unreachable",
            resource=MAIL_SERVER,
            payload={"problem": report.problem, "sent_before": report.sent, "released": report.released},
        )


class RelayEvents:
    """The relay's deliveries told to Prefect, with an outage told once rather than at every attempt.

    The relay tries again every half second: emitting `signoff.smtp.unreachable` each time flooded the
    administrators with one notification per attempt. It is emitted when the server stops answering, and
    again every `remind_after_seconds` while it still does not; each refused or failed email is its own event.
    """

    def __init__(
        self, remind_after_seconds: float = 900.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._remind_after = remind_after_seconds
        self._monotonic = monotonic
        self._outage_told_at: float | None = None

    def __call__(self, report: DeliveryReport) -> None:
        if report.problem is None:
            self._outage_told_at = None
            emit_delivery_events(report)
            return
        now = self._monotonic()
        if self._outage_told_at is not None and now - self._outage_told_at < self._remind_after:
            emit_delivery_events(DeliveryReport(refusals=report.refusals))
            return
        self._outage_told_at = now
        emit_delivery_events(report)


def emit_publication_done(signoff_id: int, published: dict[str, Any]) -> None:
    emit_event(
        "signoff.publication.done",
        resource={
            "prefect.resource.id": f"signoff.signoff.{signoff_id}",
            "prefect.resource.name": f"sign-off #{signoff_id}",
        },
        payload={
            key: published[key] for key in ("version", "folder", "on_time", "days_late", "emails_queued")
        },
    )
