"""The one time zone in which people read dates and times: the pipeline's working hours.

Deadlines fall due in the zone a pipeline's working hours name (deadlines.py reads it from them), and the
configuration allows only the one; everything that shows a moment to a person (emails, pages, the
published document, the demo) takes it from here, so a moment never reads differently in two places.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from signoff.domain.deadlines import format_day
from signoff.domain.pipeline import WorkingHours

LOCAL_TIME: Final = ZoneInfo(WorkingHours().timezone)


def local_moment(moment: datetime) -> str:
    """As people read it: 'Friday 1 December 2023 at 17:00'."""
    local = moment.astimezone(LOCAL_TIME)
    return f"{format_day(local.date())} at {local:%H:%M}"
