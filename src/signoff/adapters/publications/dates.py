"""The day a report was published, as the inspectorate's site prints it: a date, or a moment.

HMICFRS publishes at 00:01 UK time. A page or feed that prints the moment in UTC or GMT (as RSS and many
sites do) gives the previous day during British Summer Time; taken as it is printed, the statutory last day
would be a day early. A moment is read in England's time; a plain date is the date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from signoff.domain.local_time import LOCAL_TIME


def day_in_england(moment: datetime, *, naive_is_utc: bool = False) -> date:
    """The day a moment falls on in England. A moment without an offset is the day it names, or, where the
    format says such a moment is UTC (RFC 2822's '-0000', as RSS prints it), UTC's."""
    if moment.tzinfo is None:
        if not naive_is_utc:
            return moment.date()
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIME).date()


def published_day(value: str) -> date:
    """The day of an ISO 8601 date or date-time ('2025-10-20', '2025-10-20T23:01:00Z', '2025-10-20 23:01
    UTC'); ValueError if it is neither."""
    text = value.strip()
    text = re.sub(r"\s*(?:Z|UTC|GMT)$", "+00:00", text, flags=re.IGNORECASE) if len(text) > 10 else text
    try:
        return day_in_england(datetime.fromisoformat(text))
    except ValueError:
        return date.fromisoformat(text[:10])
