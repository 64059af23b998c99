"""Queue the reminders, overdue notices and escalations that have fallen due, and delegation endings.

Safe to run as often as you like: each notice has an idempotency key (the due moment, the holder and the
recipient), so a second run queues nothing the first one did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from signoff.domain.errors import SignoffError
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import Notice, NoticeEvent
from signoff.service.dependencies import Dependencies
from signoff.service.log_context import about_signoff
from signoff.service.notify import queue

log = logging.getLogger(__name__)

# Delegations that ended longer ago than this are not announced any more (say, after an outage).
DELEGATION_END_WINDOW = timedelta(days=7)


@dataclass
class DueNoticesReport:
    queued: int = 0
    signoffs_checked: int = 0
    problems: list[str] | None = None


def send_due_notices(deps: Dependencies) -> DueNoticesReport:
    now = deps.clock.now()
    report = DueNoticesReport(problems=[])
    with deps.new_unit_of_work() as uow:
        candidates = uow.signoffs.with_due_moments(now)
    for signoff_id in candidates:
        # One sign-off at a time: a broken one is reported and never stops the rest.
        try:
            with about_signoff(signoff_id):
                report.queued += _for_signoff(signoff_id, deps)
        except SignoffError as error:
            assert report.problems is not None  # noqa: S101 - set above
            report.problems.append(f"sign-off #{signoff_id}: {error.message}")
        except Exception as error:
            assert report.problems is not None  # noqa: S101 - set above
            report.problems.append(
                f"sign-off #{signoff_id} could not be checked: {type(error).__name__}: {error}"
            )
        report.signoffs_checked += 1
    report.queued += _delegation_endings(deps)
    if report.queued or report.problems:
        log.info(
            "due notices: %s queued; %s sign-off(s) checked, %s could not be",
            report.queued,
            report.signoffs_checked,
            len(report.problems or []),
        )
    return report


def _for_signoff(signoff_id: int, deps: Dependencies) -> int:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get_unless_locked(signoff_id)
        if signoff is None:
            return 0  # another sweep, or a decision, holds it now; the next sweep comes back to it
        builder = NoticeBuilder(deps.load_notification_rules(), uow.directory.roster(), deps.links)
        notices: list[Notice] = []
        for holding in signoff.holdings():
            stage = holding.stage
            due_key = (
                f"signoff:{signoff.id}:section:{holding.section.key}:round:{holding.section.round}:"
                f"{holding.kind}:due:{stage.due_on.isoformat()}"
            )
            if stage.remind_at <= now < stage.due_at:
                notices += builder.for_holding(signoff, holding, NoticeEvent.REMINDER, due_key)
            if stage.due_at <= now:
                notices += builder.for_holding(signoff, holding, NoticeEvent.OVERDUE, due_key)
            if stage.escalate_at <= now:
                notices += builder.for_holding(signoff, holding, NoticeEvent.ESCALATION, due_key)
        queued = queue(uow, notices, deps.renderer, now)
        uow.commit()
        if queued:
            log.info("sign-off #%s: %s reminder, overdue or escalation notice(s) queued", signoff_id, queued)
        return queued


def _delegation_endings(deps: Dependencies) -> int:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        builder = NoticeBuilder(deps.load_notification_rules(), roster, deps.links)
        notices: list[Notice] = []
        for delegation in uow.delegations.ended_between(now - DELEGATION_END_WINDOW, now):
            assert delegation.id is not None  # noqa: S101 - stored rows
            notices += builder.for_delegation(
                NoticeEvent.DELEGATION_ENDED,
                delegation.id,
                roster.by_id(delegation.from_person_id),
                roster.by_id(delegation.to_person_id),
                delegation.starts_at,
                delegation.ends_at,
                delegation.reason,
            )
        queued = queue(uow, notices, deps.renderer, now)
        uow.commit()
        return queued
