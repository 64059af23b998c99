"""The statutory 56 days and the working-day calendar of England and Wales.

The 56 days are calendar days beginning with the day of publication (Police Act 1996 s55(5A)), so the
last lawful day is publication + 55 days. Internal steps are planned in working days.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from signoff.domain.errors import InvalidInput, PlanDoesNotFit
from signoff.domain.pipeline import Pipeline, StageSpec, WorkingHours

STATUTORY_PERIOD_DAYS = 56


class WorkingCalendar:
    """Monday to Friday, less the bank holidays it is given."""

    def __init__(self, bank_holidays: Container[date]) -> None:
        self._bank_holidays = bank_holidays

    def is_bank_holiday(self, day: date) -> bool:
        return day in self._bank_holidays

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_bank_holiday(day)

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`th working day after `day` (`day` itself when count is 0 and it is a working day)."""
        if count == 0:
            return day if self.is_working_day(day) else self.add_working_days(day, 1)
        current = day
        remaining = count
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def subtract_working_days(self, day: date, count: int) -> date:
        """The `count`th working day before `day` (the last working day on or before it when count is 0)."""
        if count == 0:
            return self.last_working_day_on_or_before(day)
        current = day
        remaining = count
        while remaining:
            current -= timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def last_working_day_on_or_before(self, day: date) -> date:
        current = day
        while not self.is_working_day(current):
            current -= timedelta(days=1)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when end is earlier."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n))
        )


class _EnglandAndWalesBankHolidays:
    """holidays' GB/ENG, loaded when a day is first asked about: importing holidays loads every country's
    calendar (a tenth of a second), which a command that never counts working days need not pay."""

    def __contains__(self, day: object) -> bool:
        return day in self._days

    @cached_property
    def _days(self) -> Container[date]:
        import holidays

        days: Container[date] = holidays.country_holidays("GB", subdiv="ENG")
        return days


def england_and_wales() -> WorkingCalendar:
    """Bank holidays of England and Wales, GOV.UK's 'england-and-wales' division (holidays' GB/ENG)."""
    return WorkingCalendar(_EnglandAndWalesBankHolidays())


@dataclass(frozen=True)
class StatutoryDeadline:
    published: date
    last_day: date
    publish_by: date
    warning: str | None


def statutory_deadline(published: date, calendar: WorkingCalendar) -> StatutoryDeadline:
    if published > date.max - timedelta(days=STATUTORY_PERIOD_DAYS - 1):
        raise InvalidInput(
            f"publication date: {published.isoformat()} is too late: its statutory last day would fall after "
            f"{date.max.isoformat()}"
        )
    last_day = published + timedelta(days=STATUTORY_PERIOD_DAYS - 1)
    publish_by = calendar.last_working_day_on_or_before(last_day)
    warning = None
    if publish_by != last_day:
        # A weekend first: Christmas Day on a Sunday is a weekend day; its bank holiday is the Tuesday after.
        why = "a weekend" if last_day.weekday() >= 5 else "a bank holiday"
        warning = (
            f"the statutory last day, {format_day(last_day)}, is {why}: "
            f"publish by {format_day(publish_by)}, the working day before"
        )
    return StatutoryDeadline(published=published, last_day=last_day, publish_by=publish_by, warning=warning)


def as_sentence(warning: str | None) -> str | None:
    """A warning written to follow "warning:" ("the statutory last day ..."), as a sentence of its own."""
    return warning[:1].upper() + warning[1:] if warning else warning


def check_publication_date(published: date, today: date) -> None:
    if published > today:
        raise InvalidInput(
            f"published: {published.isoformat()} is in the future; a sign-off starts once the report is out"
        )


@dataclass(frozen=True)
class StageDates:
    key: str
    title: str
    due_on: date
    remind_on: date
    escalate_on: date


def plan_stage_dates(
    pipeline: Pipeline, start_day: date, deadline: StatutoryDeadline, calendar: WorkingCalendar
) -> list[StageDates]:
    """Due dates for every stage, or PlanDoesNotFit when any falls after the publish-by day."""
    planned: list[StageDates] = []
    previous_due: date | None = None
    for stage in pipeline.stages:
        due_on = _due_on(stage, start_day, previous_due, deadline, calendar)
        if previous_due is not None and due_on < previous_due:
            raise PlanDoesNotFit(
                f"stage {stage.key!r} would be due on {format_day(due_on)}, before the stage ahead of it "
                f"({format_day(previous_due)}): the plan does not fit the time left"
            )
        if due_on > deadline.publish_by:
            raise PlanDoesNotFit(
                f"stage {stage.key!r} would be due on {format_day(due_on)}, after the publish-by day "
                f"{format_day(deadline.publish_by)} (statutory last day {format_day(deadline.last_day)}); "
                "shorten the stages in the pipeline or start sooner"
            )
        remind_on, escalate_on = notice_days(
            due_on, stage.remind_before_working_days, stage.escalate_after_working_days, calendar
        )
        planned.append(
            StageDates(
                key=stage.key, title=stage.title, due_on=due_on, remind_on=remind_on, escalate_on=escalate_on
            )
        )
        previous_due = due_on
    return planned


@dataclass(frozen=True)
class FittedPlan:
    """A new sign-off's stage dates; `compressed` when the pipeline's own dates did not fit."""

    dates: list[StageDates]
    compressed: bool


def fit_stage_dates(
    pipeline: Pipeline,
    start_day: date,
    deadline: StatutoryDeadline,
    calendar: WorkingCalendar,
    *,
    day_over: bool = False,
) -> FittedPlan:
    """The pipeline's dates when they fit before the publish-by day; else every stage compressed into
    the working days from `start_day` to the publish-by day (to `start_day` itself when that is later),
    in order, the last stage due on the last of them. A late office can still start.

    Started after the publish-by day but within the 56 days (the weekend or bank holidays that end them),
    no working day is left before the statutory last day: every stage is due on that day itself, the day
    the law asks for, not on the working day after it, when the response would already be late.

    `day_over`: started after the start day's due time, so a compressed plan begins the day after it."""
    try:
        return FittedPlan(plan_stage_dates(pipeline, start_day, deadline, calendar), compressed=False)
    except PlanDoesNotFit:
        pass
    if day_over:
        start_day += timedelta(days=1)
    if deadline.publish_by < start_day <= deadline.last_day:
        days = [deadline.last_day]
    else:
        first = calendar.add_working_days(start_day, 0)
        last = max(deadline.publish_by, first)
        days = [first] + [
            calendar.add_working_days(first, n)
            for n in range(1, calendar.working_days_between(first, last) + 1)
        ]
    count = len(pipeline.stages)
    dates: list[StageDates] = []
    for number, stage in enumerate(pipeline.stages, start=1):
        # Spread evenly: stage `number` of `count` takes that share of the days left.
        due_on = days[max(0, -(-number * len(days) // count) - 1)]
        remind_on, escalate_on = notice_days(
            due_on, stage.remind_before_working_days, stage.escalate_after_working_days, calendar
        )
        dates.append(StageDates(stage.key, stage.title, due_on, remind_on, escalate_on))
    return FittedPlan(dates, compressed=True)


def notice_days(
    due_on: date, remind_before_working_days: int, escalate_after_working_days: int, calendar: WorkingCalendar
) -> tuple[date, date]:
    """The day a reminder falls due before `due_on`, and the day an escalation falls due after it."""
    return (
        calendar.subtract_working_days(due_on, remind_before_working_days),
        calendar.add_working_days(due_on, escalate_after_working_days),
    )


@dataclass(frozen=True)
class StageMoments:
    due_at: datetime
    remind_at: datetime
    escalate_at: datetime


def stage_moments(
    due_on: date,
    remind_before_working_days: int,
    escalate_after_working_days: int,
    calendar: WorkingCalendar,
    hours: WorkingHours,
) -> StageMoments:
    """When a stage due on `due_on` is due, and when its reminder and escalation go out, in UTC."""
    remind_on, escalate_on = notice_days(
        due_on, remind_before_working_days, escalate_after_working_days, calendar
    )
    return StageMoments(
        due_at=at_local_time(due_on, hours.due_time, hours),
        remind_at=at_local_time(remind_on, hours.notice_time, hours),
        escalate_at=at_local_time(escalate_on, hours.notice_time, hours),
    )


def _due_on(
    stage: StageSpec,
    start_day: date,
    previous_due: date | None,
    deadline: StatutoryDeadline,
    calendar: WorkingCalendar,
) -> date:
    rule = stage.due
    if rule.after_start_working_days is not None:
        return calendar.add_working_days(start_day, rule.after_start_working_days)
    if rule.after_previous_working_days is not None:
        assert previous_due is not None  # noqa: S101 - the pipeline model refuses it for the first stage
        return calendar.add_working_days(previous_due, rule.after_previous_working_days)
    assert rule.before_statutory_working_days is not None  # noqa: S101 - DueRule requires exactly one
    return calendar.subtract_working_days(deadline.publish_by, rule.before_statutory_working_days)


def at_local_time(day: date, clock_time: str, hours: WorkingHours) -> datetime:
    """A local wall-clock moment on `day`, as an aware UTC datetime."""
    hour, minute = (int(part) for part in clock_time.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(hours.timezone))
    return local.astimezone(ZoneInfo("UTC"))


def local_day(moment: datetime, hours: WorkingHours) -> date:
    return moment.astimezone(ZoneInfo(hours.timezone)).date()


def format_day(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"
