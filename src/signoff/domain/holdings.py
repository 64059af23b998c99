"""Who a sign-off waits for (its holdings), and marking what has waited idle too long as stalled.

Whether a holding is idle is the attention rule's to say (attention_rule.py), here as on the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from signoff.domain.attention_rule import attention_limits, is_idle
from signoff.domain.audit_binding import mark_changed
from signoff.domain.deadlines import WorkingCalendar, local_day
from signoff.domain.entities import Section, Stage
from signoff.domain.transitions import RequestState, SectionState, SignoffState
from signoff.domain.vocabulary import AuditAction, HoldingKind

if TYPE_CHECKING:
    from signoff.domain.signoff import SignOff


@dataclass(frozen=True)
class Holding:
    """One thing waiting for one person: a section to draft or an approval to give."""

    signoff_id: int | None
    stage: Stage
    section: Section
    person_id: int
    kind: HoldingKind
    due_at: datetime
    since: datetime | None


def holdings_of(signoff: SignOff) -> list[Holding]:
    """Everything the sign-off waits for, and from whom."""
    found: list[Holding] = []
    stage = signoff.current_stage()
    if stage is None or signoff.state is not SignoffState.ACTIVE:
        return found
    for section in stage.ordered_sections():
        if section.state in (SectionState.DRAFTING, SectionState.CHANGES_REQUESTED):
            found.extend(
                Holding(
                    signoff.id,
                    stage,
                    section,
                    person,
                    HoldingKind.DRAFT,
                    stage.due_at,
                    section.last_activity_at,
                )
                for person in section.drafter_ids
            )
        for request in section.current_requests():
            if request.state is RequestState.PENDING:
                found.append(
                    Holding(
                        signoff.id,
                        stage,
                        section,
                        request.approver_id,
                        HoldingKind.APPROVE,
                        request.due_at,
                        request.activated_at,
                    )
                )
    return found


def mark_stalled(
    signoff: SignOff, now: datetime, calendar: WorkingCalendar, idle_working_days: int
) -> list[str]:
    """Mark what has waited idle for `idle_working_days` or more; each is marked (and recorded) once.

    Returns the sections newly marked. A new revision or a decision starts the clock again.
    """
    marked: list[str] = []
    hours = signoff.hours
    today = local_day(now, hours)
    # Only idleness matters here: no due-soon threshold is given.
    limits = attention_limits(now, calendar, hours.timezone, 0, idle_working_days)
    for holding in holdings_of(signoff):
        if holding.since is None or not is_idle(holding.since, limits):
            continue
        idle = calendar.working_days_between(local_day(holding.since, hours), today)
        section = holding.section
        if holding.kind is HoldingKind.DRAFT and section.stalled_at is None:
            section.stalled_at = now
            signoff.record(
                now, AuditAction.DRAFTING_STALLED, section.key, actor_id=None, idle_working_days=idle
            )
            marked.append(section.key)
        if holding.kind is HoldingKind.APPROVE:
            for request in section.current_requests():
                if (
                    request.approver_id == holding.person_id
                    and request.state is RequestState.PENDING
                    and request.stalled_at is None
                ):
                    request.stalled_at = now
                    mark_changed(request)
                    signoff.record(
                        now,
                        AuditAction.APPROVAL_STALLED,
                        section.key,
                        actor_id=None,
                        approver_id=request.approver_id,
                        idle_working_days=idle,
                    )
                    marked.append(section.key)
    return marked
