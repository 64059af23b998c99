"""What Prefect should see of signoff beyond its flow runs' states: events an automation can act on.

- `signoff.email.refused`: the mail server would not take an email this time (it is tried again);
- `signoff.email.failed`: an email failed for good (an administrator must look: `signoff mail retry`);
- `signoff.smtp.unreachable`: the mail server could not be reached; the emails wait in the outbox;
- `signoff.publication.done`: a response was published.

Each names the sign-off it concerns as a related resource (`signoff.signoff.ID`), never a section's text or
an email's body. Emitted from a flow run, Prefect relates them to the run too.
"""

from __future__ import annotations

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
