"""The attention rule's limits mean what the working-day counts always meant, every day of two years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest

from signoff.domain.attention_rule import AttentionFlag, attention_flags, attention_limits
from signoff.domain.deadlines import WorkingCalendar, local_day
from signoff.domain.pipeline import WorkingHours

# England and Wales's bank holidays as a plain set, so that counting thousands of spans stays quick.
CALENDAR = WorkingCalendar(frozenset(holidays.country_holidays("GB", subdiv="ENG", years=range(2022, 2026))))
HOURS = WorkingHours()
ZONE = HOURS.timezone


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=n) for n in range(count)]


@pytest.mark.parametrize(("due_soon", "idle"), [(0, 1), (3, 5), (1, 60), (30, 2)])
def test_the_limits_count_working_days_as_the_calendar_does(due_soon: int, idle: int) -> None:
    # Two years of mornings, Christmases, Easters and clock changes included.
    for today in _days(date(2023, 1, 1), 730)[::29]:
        now = datetime(today.year, today.month, today.day, 10, 30, tzinfo=UTC)
        limits = attention_limits(now, CALENDAR, ZONE, due_soon, idle)
        local_today = local_day(now, HOURS)
        for day in _days(local_today - timedelta(days=100), 160):
            moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
            counted_ahead = CALENDAR.working_days_between(local_today, local_day(moment, HOURS))
            counted_since = CALENDAR.working_days_between(local_day(moment, HOURS), local_today)
            flags = attention_flags(moment, moment, day, limits)
            due_soon_by_count = moment > now and counted_ahead <= due_soon
            assert (AttentionFlag.DUE_SOON in flags) == due_soon_by_count, (today, day)
            assert (AttentionFlag.OVERDUE in flags) == (moment <= now), (today, day)
            assert (AttentionFlag.IDLE in flags) == (counted_since >= idle), (today, day)
            at_risk_by_count = CALENDAR.working_days_between(local_today, day) <= due_soon
            assert (AttentionFlag.AT_RISK in flags) == at_risk_by_count, (today, day)


def test_nothing_moved_yet_is_never_idle() -> None:
    now = datetime(2023, 11, 20, 10, 0, tzinfo=UTC)
    limits = attention_limits(now, CALENDAR, ZONE, 3, 5)
    assert AttentionFlag.IDLE not in attention_flags(now + timedelta(days=30), None, date(2024, 6, 1), limits)
