"""The day a report was published, as the inspectorate's site prints it: a date, or a moment.

HMICFRS publishes at 00:01 UK time. A page or feed that prints the moment in UTC or GMT (as RSS and many
sites do) gives the previous day during British Summer Time; taken as it is printed, the statutory last day
would be a day early. A moment is read in England's time; a plain date is the date.
"""

from __future__ import annotations

from datetime import date, datetime

from signoff.domain.local_time import LOCAL_TIME


def day_in_england(moment: datetime) -> date:
    """The day a moment falls on in England (a moment without an offset: the day it names)."""
    return moment.astimezone(LOCAL_TIME).date() if moment.tzinfo is not None else moment.date()


def published_day(value: str) -> date:
    """The day of an ISO 8601 date or date-time ('2025-10-20', '2025-10-20T23:01:00Z'); ValueError if it
    is neither."""
    text = value.strip()
    try:
        return day_in_england(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        return date.fromisoformat(text[:10])
