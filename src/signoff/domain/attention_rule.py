"""What needs attention: overdue, due soon, idle, or with the statutory deadline at risk. The one rule.

The thresholds are counted in working days; `attention_limits` turns them into moments and a day once,
so every holding is judged by plain comparisons. The sweep (marking idle work stalled), the stalled list
and the administration page all judge with `attention_flags`; the page's SQL pre-filters with the same
limits, and shows the flags this module gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from signoff.domain.deadlines import WorkingCalendar


class AttentionFlag(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    IDLE = "idle"
    AT_RISK = "at_risk"


@dataclass(frozen=True)
class AttentionLimits:
    """The thresholds as of `now`, as moments and a day."""

    now: datetime
    # Due before this moment (and not yet due): due within the configured working days.
    due_soon_before: datetime
    # Last moved before this moment: idle for the configured working days or more.
    idle_before: datetime
    # A sign-off to publish by this day or earlier: its statutory deadline is at risk.
    at_risk_on_or_before: date


def attention_limits(
    now: datetime, calendar: WorkingCalendar, zone: str, due_soon_working_days: int, idle_working_days: int
) -> AttentionLimits:
    """The limits as of `now`: working days are counted after a day up to and including another, as
    `WorkingCalendar.working_days_between` counts them, in the working hours' time zone `zone`."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    day = timedelta(days=1)
    # The last day still "due soon", when at most `due_soon_working_days` working days follow today up to
    # it: the day before the next working day after those.
    soon = calendar.add_working_days(today, due_soon_working_days + 1) - day
    # The last day of activity that counts as idle, when at least `idle_working_days` working days follow
    # it up to today: the day before the earliest of those.
    quiet = (
        today
        if idle_working_days <= 0
        else calendar.subtract_working_days(today + day, idle_working_days) - day
    )

    def midnight_after(day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)

    return AttentionLimits(
        now=now,
        due_soon_before=midnight_after(soon),
        idle_before=midnight_after(quiet),
        at_risk_on_or_before=soon,
    )


def is_idle(since: datetime | None, limits: AttentionLimits) -> bool:
    """Whether work that last moved at `since` has waited idle long enough to be flagged."""
    return since is not None and since < limits.idle_before


def attention_flags(
    due_at: datetime, since: datetime | None, publish_by: date, limits: AttentionLimits
) -> list[AttentionFlag]:
    """The flags of one holding: due at `due_at`, last moved at `since`, in a sign-off due by `publish_by`."""
    found: list[AttentionFlag] = []
    if due_at <= limits.now:
        found.append(AttentionFlag.OVERDUE)
    elif due_at < limits.due_soon_before:
        found.append(AttentionFlag.DUE_SOON)
    if is_idle(since, limits):
        found.append(AttentionFlag.IDLE)
    if publish_by <= limits.at_risk_on_or_before:
        found.append(AttentionFlag.AT_RISK)
    return found
