"""Send what the outbox holds: claim a batch under a lease, send it, record each result as it comes."""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from signoff.domain.errors import MailServerUnavailable
from signoff.domain.notifications import ASKS_FOR_WORK, NoticeEvent
from signoff.domain.outbox import OutgoingEmail
from signoff.domain.transitions import OutboxState
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.render_queued import render_queued
from signoff.service.log_context import about_signoff
from signoff.service.ports import Mailer, PreparedEmail, SendOutcome, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """One email the mail server would not take, this time (`for_good`: it will not be tried again)."""

    email_id: int
    signoff_id: int | None
    event: str
    error: str
    for_good: bool


@dataclass
class DeliveryReport:
    """What one delivery did; `problem` says why it stopped early (the mail server cannot be reached)."""

    sent: int = 0
    withheld: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    problem: str | None = None
    failures: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def deliverer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_mail(
    deps: Dependencies, mailer: Mailer, sender: str, *, max_batches: int | None = None
) -> DeliveryReport:
    """Deliver until nothing is due (or `max_batches`); stops at the first batch the server cannot take.

    `sender` is the envelope sender (the From address).
    """
    report = DeliveryReport()
    envelope_from = parseaddr(sender)[1]
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        render_queued(deps, deps.load_notification_rules().delivery.batch_size)
        if not _deliver_batch(deps, mailer, envelope_from, report) or report.problem:
            break
    if report.sent or report.retrying or report.failed or report.released or report.withheld:
        log.info(
            "mail delivered: %s sent, %s withheld, %s to try again, %s failed, %s released%s",
            report.sent,
            report.withheld,
            report.retrying,
            report.failed,
            report.released,
            f" ({report.problem})" if report.problem else "",
        )
    return report


def _deliver_batch(deps: Dependencies, mailer: Mailer, envelope_from: str, report: DeliveryReport) -> bool:
    policy = deps.load_notification_rules().delivery
    owner = deliverer_name()
    with deps.new_unit_of_work() as uow:
        claimed = uow.outbox.claim(owner, deps.clock.now(), policy, policy.batch_size)
        asking = {
            e.signoff_id
            for e in claimed
            if e.signoff_id is not None and NoticeEvent(e.event) in ASKS_FOR_WORK
        }
        withdrawn = uow.signoffs.withdrawn_among(asking)
        any_claimed = bool(claimed)
        claimed = [e for e in claimed if not _withheld(e, withdrawn, report)]
        batch = [
            PreparedEmail(id=e.id, sender=envelope_from, recipient=e.recipient_email, data=e.message)
            for e in claimed
            if e.id is not None and e.message is not None
        ]
        uow.commit()
    if not batch:
        # A batch all withheld is no empty outbox: more may be due behind it.
        return any_claimed
    recorder = _Recorder(deps, owner, report, [e.id for e in batch], policy.lease_seconds)
    try:
        mailer.send(batch, recorder.put)
    except MailServerUnavailable as unavailable:
        report.problem = unavailable.message
    finally:
        recorder.finish()
    if report.problem:
        _release(deps, [e.id for e in batch if e.id not in recorder.recorded], owner, report.problem, report)
    return True


def _withheld(email: OutgoingEmail, withdrawn: set[int], report: DeliveryReport) -> bool:
    """A request for work on a sign-off withdrawn since it was queued (a reminder held by an SMTP server's
    backoff, say) is not sent: withheld, with why, as an administrator's Retry would refuse it."""
    if email.signoff_id not in withdrawn or NoticeEvent(email.event) not in ASKS_FOR_WORK:
        return False
    email.withhold(f"not sent: sign-off #{email.signoff_id} was withdrawn before it could be delivered")
    report.withheld += 1
    with about_signoff(email.signoff_id):
        log.info("email #%s (%s) withheld: its sign-off was withdrawn", email.id, email.event)
    return True


class _Recorder:
    """Writes delivery results on its own thread, as many as have arrived in each transaction.

    Sending never waits for the database, yet a result is written within one commit of arriving: a
    crash loses at most the marks of that commit (those messages may then go twice; none is lost).
    """

    def __init__(
        self, deps: Dependencies, owner: str, report: DeliveryReport, batch: list[int], lease_seconds: int
    ) -> None:
        self._deps = deps
        self._owner = owner
        self._report = report
        # A batch slower to send than its lease (a slow mail server, large attachments) would be claimed
        # again by another deliverer while still sending, and its messages sent twice: the lease of what is
        # still unrecorded is renewed a third of the way through each lease.
        self._batch = batch
        self._lease_seconds = lease_seconds
        self._results: queue.SimpleQueue[tuple[int, SendOutcome] | None] = queue.SimpleQueue()
        self.recorded: set[int] = set()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="record-delivery", daemon=True)
        self._thread.start()

    def put(self, email_id: int, outcome: SendOutcome) -> None:
        if self._error is not None:
            # Results can no longer be recorded (the database went away): stop sending, or every message
            # sent from here on would be sent again once its lease runs out.
            raise self._error
        self._results.put((email_id, outcome))

    def finish(self) -> None:
        self._results.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            with self._deps.new_unit_of_work() as uow:
                done = False
                while not done:
                    try:
                        group = [self._results.get(timeout=self._lease_seconds / 3)]
                    except queue.Empty:
                        self._renew(uow)
                        continue
                    while not self._results.empty():
                        group.append(self._results.get())
                    done = group[-1] is None
                    results = [item for item in group if item is not None]
                    sent = [email_id for email_id, outcome in results if outcome.sent]
                    # A message whose lease another deliverer took over is theirs to record.
                    self._report.sent += uow.outbox.mark_delivered(sent, self._owner, self._deps.clock.now())
                    for email_id, outcome in results:
                        if not outcome.sent:
                            _record_failure(uow, self._deps, email_id, self._owner, outcome, self._report)
                    uow.commit()
                    self.recorded.update(email_id for email_id, _ in results)
        except BaseException as error:  # handed to the caller's thread by finish()
            self._error = error

    def _renew(self, uow: UnitOfWork) -> None:
        unrecorded = [email_id for email_id in self._batch if email_id not in self.recorded]
        until = self._deps.clock.now() + timedelta(seconds=self._lease_seconds)
        uow.outbox.renew_leases(unrecorded, self._owner, until)
        uow.commit()


def _record_failure(
    uow: UnitOfWork,
    deps: Dependencies,
    email_id: int,
    owner: str,
    outcome: SendOutcome,
    report: DeliveryReport,
) -> None:
    now = deps.clock.now()
    email = uow.outbox.get(email_id)
    if email.lease_owner != owner:
        return
    email.attempt_failed(
        outcome.error, now, deps.load_notification_rules().delivery, permanent=outcome.permanent
    )
    failed_for_good = email.state is OutboxState.FAILED
    report.refusals.append(
        Refusal(email_id, email.signoff_id, email.notice_event.value, outcome.error, failed_for_good)
    )
    with about_signoff(email.signoff_id):
        if failed_for_good:
            report.failed += 1
            report.failures.append(f"#{email_id}: {outcome.error}")
            log.warning("email #%s (%s) failed for good: %s", email_id, email.event, outcome.error)
        else:
            report.retrying += 1
            log.info("email #%s (%s) not sent, to try again: %s", email_id, email.event, outcome.error)


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
