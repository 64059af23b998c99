"""The emails a withdrawn sign-off causes: everyone taking part is told why, with every calendar entry their
deadline emails gave them for it cancelled; so is whoever was deciding for an approver away, whose request
the withdrawal cancelled (they were asked to approve it for them)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from signoff.domain.notice_contexts import calendar_items
from signoff.domain.notifications import Notice, NoticeEvent
from signoff.domain.transitions import RequestState

if TYPE_CHECKING:
    from signoff.domain.notice_builder import Happened, NoticeBuilder


def withdrawn(builder: NoticeBuilder, happened: Happened) -> list[Notice]:
    """FROM_AUDIT's row for SIGNOFF_WITHDRAWN."""
    signoff, event = happened.signoff, happened.event
    context = {**builder.contexts.signoff(signoff), "reason": event.details.get("reason", "")}
    cancelled = {
        request.approver_id
        for stage in signoff.stages
        for section in stage.sections
        for request in section.current_requests()
        if request.state is RequestState.CANCELLED and request.closed_at == event.at
    }
    delegates = [
        delegate
        for holder_id in sorted(cancelled)
        for delegate in builder.cover.standing_in_for(
            builder.roster.by_id(holder_id), signoff, builder.roster
        )
    ]
    return [
        replace(
            notice,
            context={
                **notice.context,
                "calendar_cancel": calendar_items(signoff, notice.recipient.person_id),
            },
        )
        for notice in builder.tell(NoticeEvent.WITHDRAWN, signoff, event, context, delegate=delegates)
    ]
