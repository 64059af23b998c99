"""Send what the outbox holds: claim a batch under a lease, send it over one connection, record each result."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

from signoff.domain.errors import MailServerUnavailable, TemplateProblem
from signoff.service.dependencies import Dependencies
from signoff.service.ports import EmailRenderer, Mailer, SendOutcome


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    problem: str | None = None
    failures: list[str] = field(default_factory=list)


def deliverer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_mail(
    deps: Dependencies, mailer: Mailer, renderer: EmailRenderer, *, max_batches: int | None = None
) -> DeliveryReport:
    """Deliver until nothing is due (or `max_batches`); stops at the first batch the server cannot take."""
    report = DeliveryReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        if not _deliver_batch(deps, mailer, renderer, report) or report.problem:
            break
    return report


def _deliver_batch(
    deps: Dependencies, mailer: Mailer, renderer: EmailRenderer, report: DeliveryReport
) -> bool:
    policy = deps.load_notification_rules().delivery
    owner = deliverer_name()
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        claimed = uow.outbox.claim(owner, now, policy, policy.batch_size)
        batch = [(e.id, e.notice_event, e.context, e.recipient_email, e.idempotency_key) for e in claimed]
        uow.commit()
    if not batch:
        return False

    messages: list[tuple[int, EmailMessage]] = []
    for email_id, event, context, recipient, key in batch:
        assert email_id is not None  # noqa: S101 - claimed rows are stored rows
        try:
            messages.append((email_id, renderer.render(event, context, to=recipient, key=key, now=now)))
        except TemplateProblem as problem:
            _record(deps, email_id, owner, report, permanent=True, error=problem.message)

    recorded: set[int] = set()

    def record(email_id: int, outcome: SendOutcome) -> None:
        recorded.add(email_id)
        if outcome.sent:
            _record_sent(deps, email_id, owner, report)
        else:
            _record(deps, email_id, owner, report, permanent=outcome.permanent, error=outcome.error)

    try:
        mailer.send(messages, record)
    except MailServerUnavailable as unavailable:
        report.problem = unavailable.message
        _release(deps, [i for i, _ in messages if i not in recorded], owner, unavailable.message, report)
    return True


def _record_sent(deps: Dependencies, email_id: int, owner: str, report: DeliveryReport) -> None:
    # One small transaction per message: a crash right after sending loses at most this one mark.
    with deps.new_unit_of_work() as uow:
        email = uow.outbox.get(email_id)
        if email.lease_owner != owner:
            return  # our lease ran out and another deliverer took it; it will record its own result
        email.delivered(deps.clock.now())
        uow.commit()
    report.sent += 1


def _record(
    deps: Dependencies, email_id: int, owner: str, report: DeliveryReport, *, permanent: bool, error: str
) -> None:
    with deps.new_unit_of_work() as uow:
        email = uow.outbox.get(email_id)
        if email.lease_owner != owner:
            return
        email.attempt_failed(
            error, deps.clock.now(), deps.load_notification_rules().delivery, permanent=permanent
        )
        failed = email.state.value == "failed"
        uow.commit()
    if failed:
        report.failed += 1
        report.failures.append(f"#{email_id}: {error}")
    else:
        report.retrying += 1


def _release(deps: Dependencies, ids: list[int], owner: str, error: str, report: DeliveryReport) -> None:
    if not ids:
        return
    with deps.new_unit_of_work() as uow:
        for email_id in ids:
            email = uow.outbox.get(email_id)
            if email.lease_owner == owner:
                email.release(error)
                report.released += 1
        uow.commit()
