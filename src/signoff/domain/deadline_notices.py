"""Which deadline notices (reminders, overdue notices, escalations) are due for a sign-off at `now`, and
how far they have been sent: the watermark, the next moment at which any more could fall due.

The sweep (service/handlers/send_due_notices.py) looks only at sign-offs whose watermark has passed, so
a sweep with nothing due reads no sign-off at all. These rules keep it exact:

- after the sweep has queued what was due at `now`, nothing more can fall due before the open stage's
  next reminder, due or escalation moment after `now` (`watermark_after_sweep`); once all three have
  passed, nothing more can until the sign-off changes;
- a change to the sign-off (a revision, a decision, a reassignment, an extension, a stage opening) may
  give it new holders, or new moments, with notices due at once (a new approver after the due date is
  overdue already), so every recorded change brings the watermark back (`watermark_after_change`);
- so does a delegation, to the moment it starts, on every sign-off its delegator holds an approval of: its
  delegate is due the holder's notices from then (`watermark_for_cover`); and a sweep keeps the watermark
  no later than the start of a delegation still to come (`watermark_for_upcoming_cover`).

Marking work stalled and a manual reminder change no one's holdings, so they leave it where it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from signoff.domain.notifications import Notice, NoticeEvent
from signoff.domain.publication_notices import publication_due_notices
from signoff.domain.transitions import SignoffState, StageState
from signoff.domain.vocabulary import AuditAction, HoldingKind

if TYPE_CHECKING:
    from signoff.domain.entities import Delegation, Stage
    from signoff.domain.notice_builder import NoticeBuilder
    from signoff.domain.signoff import SignOff

# Recorded changes that leave every holding and every stage moment as it was.
ACTIONS_THAT_KEEP_THE_WATERMARK = frozenset(
    {AuditAction.DRAFTING_STALLED, AuditAction.APPROVAL_STALLED, AuditAction.REMINDER_SENT}
)


def due_notices(signoff: SignOff, builder: NoticeBuilder, now: datetime) -> list[Notice]:
    """Every deadline notice due at `now` to the people the sign-off waits for: a reminder between the
    open stage's reminder and due moments, an overdue notice from its due moment, an escalation from its
    escalation moment. Each carries its idempotency key (the stage's due day, the section's round, the
    holder), so queueing the same notice twice stores it once. A sign-off ready to publish holds nobody: its
    publication stage's notices go to the office (domain/publication_notices.py)."""
    notices: list[Notice] = publication_due_notices(signoff, builder, now)
    for holding in signoff.holdings():
        stage = holding.stage
        due_key = (
            f"signoff:{signoff.id}:section:{holding.section.key}:round:{holding.section.round}:"
            f"{holding.kind}:due:{stage.due_on.isoformat()}"
        )
        # Handed the work after the reminder moment, the email that gave it them gave its due date too: a
        # reminder minutes later would say nothing new.
        handed_after_reminder = holding.since is not None and holding.since >= stage.remind_at
        if stage.remind_at <= now < stage.due_at and not handed_after_reminder:
            notices += builder.for_holding(signoff, holding, NoticeEvent.REMINDER, due_key)
        if stage.due_at <= now:
            notices += builder.for_holding(signoff, holding, NoticeEvent.OVERDUE, due_key)
        # Never before the due moment: with no working days after it (escalate_after_working_days: 0) the
        # escalation moment is the due day's morning, and the work is not late until its evening. Once per
        # lapse: someone handed the work after its escalation moment (reassigned to them, sent back for
        # changes, their step's turn come late) is told it is overdue, not escalated about minutes later;
        # whoever handed it on knows it is late, and /admin shows it idle should it wait on.
        handed_late = holding.since is not None and holding.since >= stage.escalate_at
        if stage.escalate_at <= now and stage.due_at <= now and not handed_late:
            notices += builder.for_holding(signoff, holding, NoticeEvent.ESCALATION, due_key)
    return notices


def notice_moments(stage: Stage) -> tuple[datetime, datetime, datetime]:
    """The moments at which a stage's reminder, overdue notice and escalation fall due."""
    return (stage.remind_at, stage.due_at, stage.escalate_at)


def watermark_after_sweep(signoff: SignOff, now: datetime) -> datetime | None:
    """The first moment after `now` at which the open stage has a notice to fall due; None when the
    sign-off is neither active nor ready to publish (its publication stage is then the open one), has no
    open stage, or all its open stage's moments have passed."""
    stage = signoff.current_stage()
    if signoff.state not in (SignoffState.ACTIVE, SignoffState.READY_TO_PUBLISH) or stage is None:
        return None
    later = [moment for moment in notice_moments(stage) if moment > now]
    return min(later) if later else None


def watermark_after_change(signoff: SignOff, now: datetime, current: datetime | None) -> datetime:
    """The watermark after a change recorded at `now`: no later than `now` (the next sweep looks again)
    and no later than any moment of a stage still to finish, so that a sweep run at a moment before
    `now` (a clock set back) still finds what it would have found. Never later than it was."""
    candidates = [now]
    if current is not None:
        candidates.append(current)
    for stage in signoff.stages:
        if stage.state in (StageState.PENDING, StageState.OPEN):
            candidates.extend(notice_moments(stage))
    return min(candidates)


def watermark_for_upcoming_cover(signoff: SignOff, upcoming: Iterable[Delegation]) -> None:
    """After a sweep: no later than the start of any delegation not live yet whose delegator holds an
    approval of the sign-off (a delegation covers approvals, not drafting; the sweep's own watermark knows
    only the stage's moments)."""
    upcoming = list(upcoming)
    holders = (
        {h.person_id for h in signoff.holdings() if h.kind is HoldingKind.APPROVE} if upcoming else set()
    )
    for delegation in upcoming:
        if delegation.from_person_id in holders:
            watermark_for_cover(signoff, delegation.starts_at)


def watermark_for_cover(signoff: SignOff, starts: datetime) -> None:
    """Bring the watermark back to `starts`, when someone starts to decide for a holder of the sign-off: from
    then the holder's reminders, overdue notices and escalations are due to whoever covers for them as well
    (the builder's Cover), however far the sweep had moved on after telling the holder alone."""
    if signoff.notices_due_from is None or signoff.notices_due_from > starts:
        signoff.notices_due_from = starts
