"""An extended due date is told to whoever the stage waits for: their reminders and calendar entries would
otherwise keep the old date until the next reminder.

One email per thing waiting for a person (a section to draft, an approval to give), as the reminders are,
each with the calendar entry of that item at its new date: the entry the earlier emails gave is the same
one (domain/notice_contexts.calendar_items), so the person's calendar moves it rather than adding another.
A stage not yet open waits for nobody; its people hear of its date when it opens.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from signoff.domain.deadlines import format_day
from signoff.domain.notifications import Notice, NoticeEvent

if TYPE_CHECKING:
    from signoff.domain.notice_builder import Happened, NoticeBuilder


def due_date_extended(builder: NoticeBuilder, happened: Happened) -> list[Notice]:
    """FROM_AUDIT's row for AuditAction.DUE_DATE_EXTENDED (the event's subject is the stage's key)."""
    signoff, event = happened.signoff, happened.event
    previous = format_day(date.fromisoformat(str(event.details["previous"])))
    notices: list[Notice] = []
    for holding in signoff.holdings():
        if holding.stage.key != event.subject:
            continue
        key = f"signoff:{signoff.id}:audit:{event.seq}:section:{holding.section.key}:{holding.kind}"
        notices += [
            replace(notice, context={**notice.context, "previous_due": previous})
            for notice in builder.for_holding(signoff, holding, NoticeEvent.DUE_DATE_EXTENDED, key)
        ]
    return notices
