"""The email an approver gets when their approval is no longer needed: they were asked, and the others of
their step gave it its approvals first ("any one of", "2 of 3"). The calendar entry their request gave them
is cancelled with it; whoever decides for them while they are away hears it too, without one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from signoff.domain.deadlines import format_day
from signoff.domain.notifications import Notice, NoticeEvent
from signoff.domain.vocabulary import JsonValue

if TYPE_CHECKING:
    from signoff.domain.notice_builder import Happened, NoticeBuilder


def approval_not_needed(builder: NoticeBuilder, happened: Happened) -> list[Notice]:
    """FROM_AUDIT's row for APPROVAL_NOT_NEEDED."""
    signoff, event = happened.signoff, happened.event
    stage, section = signoff.section(event.subject)
    approver = builder.roster.by_id(event.person_id("approver_id"))
    settled_by_id, settled_for_id = event.details.get("settled_by_id"), event.details.get("settled_for_id")
    settled_by = builder.roster.by_id(settled_by_id) if isinstance(settled_by_id, int) else None
    # Given for someone away: "Zoe Example, for Rachel Ashworth".
    settled_for = (
        builder.roster.by_id(settled_for_id)
        if isinstance(settled_for_id, int) and settled_for_id != settled_by_id
        else None
    )
    entry: list[JsonValue] = [{"kind": "approve", "item": section.key, "due_date": stage.due_on.isoformat()}]
    asked_in_the_round = {section.author_id, *(r.approver_id for r in section.current_requests())}
    return builder.tell(
        NoticeEvent.APPROVAL_NOT_NEEDED,
        signoff,
        event,
        {
            **builder.contexts.section(signoff, section),
            "due": format_day(stage.due_on),
            "holder_name": approver.name,
            "approved_by": (settled_by.name if settled_by is not None else "Another approver")
            + (f", for {settled_for.name}," if settled_for is not None else ""),
            "calendar_cancel": entry,
        },
        holder=approver,
        section=section,
        approver=[approver],
        # Told of the request as the one deciding for them: told it is settled. Not someone asked in
        # their own right in this round (they hear of their own request), nor the text's author.
        delegate=[
            d
            for d in builder.cover.standing_in_for(approver, signoff, builder.roster)
            if d.id not in asked_in_the_round
        ],
    )
