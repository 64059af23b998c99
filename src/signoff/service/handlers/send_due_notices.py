"""Queue the reminders, overdue notices and escalations that have fallen due, and delegation endings.

Safe to run as often as you like: each notice has an idempotency key (the due moment, the holder and the
recipient), so a second run queues nothing the first one did. Only sign-offs whose notice watermark has
passed are read (domain/deadline_notices.py), so a sweep with nothing due reads none; after queueing
what is due, each sign-off's watermark moves on to its next moment.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from signoff.domain.cover import Cover
from signoff.domain.deadline_notices import due_notices, watermark_for_upcoming_cover
from signoff.domain.errors import SignoffError
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import Notice, NoticeEvent, NotificationRules
from signoff.service.dependencies import Dependencies
from signoff.service.log_context import about_signoff
from signoff.service.notify import queue, queue_new

log = logging.getLogger(__name__)

# Delegations that ended longer ago than this are not announced any more (say, after an outage).
DELEGATION_END_WINDOW = timedelta(days=7)
# Sign-offs read, and committed, together: one transaction and one read of the directory per batch
# rather than per sign-off (at 1,000 due, most of the sweep's cost was those), each batch's rows written
# in a few statements (adapters/repositories.py), while a batch holds its locks for a fraction of a second
# (fifty a batch made 1,000 due cost twenty commits, each a write to disk, for little shorter locks).
BATCH_SIZE = 100


@dataclass
class DueNoticesReport:
    queued: int = 0
    signoffs_checked: int = 0
    problems: list[str] | None = None
    # The sign-offs this sweep first told someone are past their internal due date (an overdue notice newly
    # queued), and those it told anything while their statutory deadline is at risk (the one attention
    # rule): what the flow reports to Prefect as events, each at the moment signoff tells people.
    overdue: list[int] = field(default_factory=list)
    at_risk: list[int] = field(default_factory=list)


@dataclass
class _BatchResult:
    queued: int = 0
    problems: list[str] = field(default_factory=list)
    overdue: set[int] = field(default_factory=set)
    at_risk: set[int] = field(default_factory=set)


def send_due_notices(deps: Dependencies) -> DueNoticesReport:
    now = deps.clock.now()
    report = DueNoticesReport(problems=[])
    problems: list[str] = []
    with deps.new_unit_of_work() as uow:
        candidates = uow.signoffs.with_due_moments(now)
    rules = deps.load_notification_rules() if candidates else None
    at_risk_on = deps.attention_limits().at_risk_on_or_before if candidates else date.min
    overdue: set[int] = set()
    at_risk: set[int] = set()
    for start in range(0, len(candidates), BATCH_SIZE):
        batch = candidates[start : start + BATCH_SIZE]
        try:
            result = _for_batch(batch, deps, rules, now, at_risk_on)
        except Exception:  # whatever broke the batch, each sign-off is tried alone
            log.warning("a batch of %s sign-offs could not be committed; trying each alone", len(batch))
            result = _BatchResult()
            for signoff_id in batch:
                one = _for_batch((signoff_id,), deps, rules, now, at_risk_on, alone=True)
                result.queued += one.queued
                result.problems += one.problems
                result.overdue |= one.overdue
                result.at_risk |= one.at_risk
        report.queued += result.queued
        problems += result.problems
        overdue |= result.overdue
        at_risk |= result.at_risk
        report.signoffs_checked += len(batch)
    report.problems = problems
    report.overdue, report.at_risk = sorted(overdue), sorted(at_risk)
    report.queued += _delegation_endings(deps)
    if report.queued or report.problems:
        log.info(
            "due notices: %s queued; %s sign-off(s) checked, %s could not be",
            report.queued,
            report.signoffs_checked,
            len(report.problems),
        )
    return report


def _for_batch(
    signoff_ids: Sequence[int],
    deps: Dependencies,
    rules: NotificationRules | None,
    now: datetime,
    at_risk_on: date,
    *,
    alone: bool = False,
) -> _BatchResult:
    """Queue what is due for each sign-off of the batch and move its watermark on, in one transaction.

    A sign-off whose notices cannot be built is reported and keeps its watermark (the next sweep tries
    it again); the others go ahead. Alone (after a batch failed to commit), a failure is reported too.
    """
    result = _BatchResult()
    try:
        with deps.new_unit_of_work() as uow:
            # Those another sweep or a decision holds now are left out; the next sweep comes back to them.
            signoffs = uow.signoffs.get_many_unless_locked(signoff_ids)
            builder = NoticeBuilder(
                rules or deps.load_notification_rules(),
                uow.directory.roster(),
                deps.links,
                Cover.at(uow.delegations.live_at(now), now),
            )
            upcoming = uow.delegations.starting_after(now)
            due: list[Notice] = []
            publish_by = {signoff.id: signoff.publish_by for signoff in signoffs}
            for signoff in signoffs:
                try:
                    with about_signoff(signoff.id):
                        found = due_notices(signoff, builder, now)
                        signoff.notices_swept(now)
                        watermark_for_upcoming_cover(signoff, upcoming)
                except SignoffError as error:
                    result.problems.append(f"sign-off #{signoff.id}: {error.message}")
                    continue
                except Exception as error:  # one broken sign-off never stops the rest
                    result.problems.append(_could_not_check(signoff.id, error))
                    continue
                if found:
                    log.info(
                        "sign-off #%s: %s reminder, overdue or escalation notice(s) due",
                        signoff.id,
                        len(found),
                    )
                due += found
            # One insert for the batch; a notice already queued (its key taken) is skipped.
            new = queue_new(uow, due, deps.renderer, now)
            uow.commit()
            result.queued = len(new)
            for notice in due:
                if notice.key not in new or notice.signoff_id is None:
                    continue
                if _tells_overdue(notice):
                    result.overdue.add(notice.signoff_id)
                if publish_by[notice.signoff_id] <= at_risk_on:
                    result.at_risk.add(notice.signoff_id)
    except SignoffError as error:
        if not alone:
            raise
        return _BatchResult(problems=[f"sign-off #{signoff_ids[0]}: {error.message}"])
    except Exception as error:
        if not alone:
            raise
        return _BatchResult(problems=[_could_not_check(signoff_ids[0], error)])
    return result


def _tells_overdue(notice: Notice) -> bool:
    """An overdue notice to whoever holds the work, or the publication stage's, past their due moment."""
    return notice.event is NoticeEvent.OVERDUE or (
        notice.event is NoticeEvent.PUBLICATION_DUE and notice.context.get("phase") == "overdue"
    )


def _could_not_check(signoff_id: int | None, error: Exception) -> str:
    return f"sign-off #{signoff_id} could not be checked: {type(error).__name__}: {error}"


def _delegation_endings(deps: Dependencies) -> int:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        ended = uow.delegations.ended_between(now - DELEGATION_END_WINDOW, now)
        if not ended:
            return 0  # the usual case: no directory to read
        roster = uow.directory.roster()
        builder = NoticeBuilder(deps.load_notification_rules(), roster, deps.links)
        notices: list[Notice] = []
        for delegation in ended:
            assert delegation.id is not None  # noqa: S101 - stored rows
            notices += builder.for_delegation(
                NoticeEvent.DELEGATION_ENDED,
                delegation,
                roster.by_id(delegation.from_person_id),
                roster.by_id(delegation.to_person_id),
            )
        queued = queue(uow, notices, deps.renderer, now)
        uow.commit()
        return queued
