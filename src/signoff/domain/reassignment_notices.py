"""The emails a reassigned place causes: the approver it was taken from, and whoever decides for them while
they are away, are told it is no longer theirs (the new approver gets their own approval request, from the
trail's APPROVAL_REQUESTED); the drafter a section's drafting was taken from is told so, and its new
drafter, while it waits for its text, is asked to draft it."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from signoff.domain.deadlines import format_day
from signoff.domain.directory import Participant
from signoff.domain.notifications import Notice, NoticeEvent
from signoff.domain.transitions import SectionState, StageState
from signoff.domain.vocabulary import JsonValue, NoticeContext

if TYPE_CHECKING:
    from signoff.domain.notice_builder import Happened, NoticeBuilder


def approval_reassigned_away(builder: NoticeBuilder, happened: Happened) -> list[Notice]:
    """FROM_AUDIT's row for REQUEST_REASSIGNED: the calendar entry the approver's request email gave them
    is cancelled with it."""
    taken = _taken_from(builder, happened)
    if taken is None:
        return []
    holder, to_id, context, still_of_the_place = taken
    stage, section = happened.signoff.section(happened.event.subject)
    entry: list[JsonValue] = [{"kind": "approve", "item": section.key, "due_date": stage.due_on.isoformat()}]
    return builder.tell(
        NoticeEvent.APPROVAL_REASSIGNED,
        happened.signoff,
        happened.event,
        {**context, "calendar_cancel": entry, "holder_name": holder.name},
        holder=holder,
        approver=[holder] if still_of_the_place else [],
        # Asked to approve for them while they are away: told it is no longer theirs to approve. Not the
        # person it now goes to (asked in their own right), nor anyone never asked for them (the author of
        # the text, or someone whose one approval in the round goes to a place of their own).
        delegate=[
            d
            for d in builder.cover.standing_in_for(holder, happened.signoff, builder.roster)
            if d.id not in {to_id, section.author_id, *(r.approver_id for r in section.current_requests())}
        ],
    )


class _Taken(NamedTuple):
    former: Participant
    to_id: int
    context: NoticeContext
    still_of_the_place: bool


def _taken_from(builder: NoticeBuilder, happened: Happened) -> _Taken | None:
    """Of a reassignment: the person the place was taken from, whom it went to, the context both emails
    of a place taken away share, and whether that person is still of the organisation whose place it is
    (an office's approver or drafter now of its force hears no more of the office's section)."""
    signoff, event = happened.signoff, happened.event
    stage, section = signoff.section(event.subject)
    from_id, to_id = event.details.get("from_person_id"), event.details.get("to_person_id")
    if not isinstance(from_id, int) or not isinstance(to_id, int):
        return None
    actor = builder.roster.by_id(event.actor_id) if event.actor_id is not None else None
    context: NoticeContext = {
        **builder.contexts.section(signoff, section),
        "due": format_day(stage.due_on),
        "reassigned_to": builder.roster.by_id(to_id).name,
        "reassigned_by": actor.name if actor is not None else "An administrator",
    }
    former = builder.roster.by_id(from_id)
    return _Taken(former, to_id, context, section.place_of(to_id) in (None, former.organisation))


def drafting_reassigned(builder: NoticeBuilder, happened: Happened) -> list[Notice]:
    """FROM_AUDIT's row for DRAFTING_REASSIGNED: the drafter it was taken from is told (`drafting_taken`);
    while the section waits for its text in an open stage, its new drafter is asked for it, as the stage's
    drafters were when it opened. A stage not yet open asks them when it opens; a section past drafting
    waits for nothing from them now."""
    signoff, event = happened.signoff, happened.event
    stage, section = signoff.section(event.subject)
    to_id = event.details.get("to_person_id")
    waiting = section.state in (SectionState.DRAFTING, SectionState.CHANGES_REQUESTED)
    if not isinstance(to_id, int) or stage.state is not StageState.OPEN:
        return []
    taken = drafting_taken(builder, happened)
    if not waiting:
        return taken
    drafter = builder.roster.by_id(to_id)
    context = builder.contexts.drafting(signoff, stage, drafter.id)
    return taken + [
        notice
        for notice in builder.tell(
            NoticeEvent.DRAFTING_ASSIGNED, signoff, event, context, section=section, drafters=[drafter]
        )
        # Only the new drafter: the office's administrators heard of the stage's drafting when it opened.
        if notice.recipient.person_id == drafter.id
    ]


def drafting_taken(builder: NoticeBuilder, happened: Happened) -> list[Notice]:
    """The drafter a section's drafting was taken from, asked for its text when the stage opened, is told
    it is no longer theirs to write; the calendar entry that email gave them for the stage is cancelled
    unless they still draft another of its sections. Nobody who has left the office and its force, nor the
    organisation whose place it is."""
    taken = _taken_from(builder, happened)
    if taken is None or not taken.still_of_the_place:
        return []
    former, context = taken.former, taken.context
    stage, _ = happened.signoff.section(happened.event.subject)
    drafts_more = any(former.id in other.drafter_ids for other in stage.ordered_sections())
    entry: list[JsonValue] = [{"kind": "draft", "item": stage.title, "due_date": stage.due_on.isoformat()}]
    return builder.tell(
        NoticeEvent.DRAFTING_REASSIGNED,
        happened.signoff,
        happened.event,
        {**context, "calendar_cancel": [] if drafts_more else entry},
        drafters=[former],
    )
