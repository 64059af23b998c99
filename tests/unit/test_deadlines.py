"""The statutory 56 days, the England and Wales working-day calendar, and the stage plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from signoff.adapters.config_files import load_model
from signoff.domain.deadlines import (
    WorkingCalendar,
    at_local_time,
    check_publication_date,
    england_and_wales,
    local_day,
    plan_stage_dates,
    statutory_deadline,
)
from signoff.domain.errors import InvalidInput, PlanDoesNotFit
from signoff.domain.pipeline import Pipeline, WorkingHours
from signoff.settings import PROJECT_ROOT

CALENDAR = england_and_wales()


@pytest.fixture(scope="module")
def default_pipeline() -> Pipeline:
    return load_model(PROJECT_ROOT / "config" / "pipeline.yaml", Pipeline)


# ----- the statutory 56 days -----


def test_reference_report_last_day_is_4_january_2024_with_no_warning() -> None:
    deadline = statutory_deadline(date(2023, 11, 10), CALENDAR)
    assert deadline.published == date(2023, 11, 10)
    assert deadline.last_day == date(2024, 1, 4)
    assert deadline.publish_by == date(2024, 1, 4)
    assert deadline.warning is None


def test_published_8_march_2023_last_day_is_2_may_2023() -> None:
    deadline = statutory_deadline(date(2023, 3, 8), CALENDAR)
    assert deadline.last_day == date(2023, 5, 2)
    assert deadline.publish_by == date(2023, 5, 2)
    assert deadline.warning is None


def test_the_publication_day_is_day_one_of_56() -> None:
    published = date(2024, 2, 1)
    deadline = statutory_deadline(published, CALENDAR)
    assert (deadline.last_day - published).days + 1 == 56
    assert deadline.last_day == date(2024, 3, 27)


def test_last_day_on_a_substitute_bank_holiday_publishes_the_working_day_before() -> None:
    # 27 December 2022 was the substitute Christmas Day bank holiday; 26th was Boxing Day.
    deadline = statutory_deadline(date(2022, 11, 2), CALENDAR)
    assert deadline.last_day == date(2022, 12, 27)
    assert deadline.publish_by == date(2022, 12, 23)
    assert deadline.warning is not None
    assert "bank holiday" in deadline.warning
    assert "weekend" not in deadline.warning
    assert "Tuesday 27 December 2022" in deadline.warning
    assert "Friday 23 December 2022" in deadline.warning


def test_last_day_on_easter_monday_publishes_the_thursday_before_good_friday() -> None:
    # Published Tuesday 6 February 2024: day 56 is Easter Monday, 1 April 2024.
    deadline = statutory_deadline(date(2024, 2, 6), CALENDAR)
    assert deadline.last_day == date(2024, 4, 1)
    assert deadline.publish_by == date(2024, 3, 28)
    assert deadline.warning is not None
    assert "bank holiday" in deadline.warning
    assert "Thursday 28 March 2024" in deadline.warning


@pytest.mark.parametrize(
    ("published", "last_day", "last_day_text", "friday", "friday_text"),
    [
        # Published Monday 6 November 2023: Nov 6 + 24 days = Nov 30, + 31 = Sunday 31 December.
        (
            date(2023, 11, 6),
            date(2023, 12, 31),
            "Sunday 31 December 2023",
            date(2023, 12, 29),
            "Friday 29 December 2023",
        ),
        # Published Sunday 5 March 2023: Mar 5 + 26 = Mar 31, + 29 = Saturday 29 April.
        (
            date(2023, 3, 5),
            date(2023, 4, 29),
            "Saturday 29 April 2023",
            date(2023, 4, 28),
            "Friday 28 April 2023",
        ),
    ],
    ids=["sunday", "saturday"],
)
def test_last_day_at_a_weekend_publishes_the_friday_before(
    published: date, last_day: date, last_day_text: str, friday: date, friday_text: str
) -> None:
    deadline = statutory_deadline(published, CALENDAR)
    assert deadline.last_day == last_day
    assert deadline.publish_by == friday
    assert friday.weekday() == 4
    assert deadline.warning is not None
    assert "weekend" in deadline.warning
    assert "bank holiday" not in deadline.warning
    assert last_day_text in deadline.warning
    assert friday_text in deadline.warning


def test_the_statutory_period_is_calendar_days_even_across_christmas() -> None:
    # Bank holidays inside the 56 days do not lengthen them.
    deadline = statutory_deadline(date(2023, 12, 1), CALENDAR)
    assert deadline.last_day == date(2024, 1, 25)


def test_check_publication_date_refuses_a_future_date() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_publication_date(date(2023, 11, 11), today=date(2023, 11, 10))
    assert "published" in str(raised.value)
    assert "2023-11-11" in str(raised.value)
    assert "future" in str(raised.value)


def test_check_publication_date_accepts_today_and_the_past() -> None:
    check_publication_date(date(2023, 11, 10), today=date(2023, 11, 10))
    check_publication_date(date(2022, 11, 2), today=date(2023, 11, 10))


# ----- the working-day calendar -----


def test_england_and_wales_bank_holidays() -> None:
    for holiday in [
        date(2023, 12, 25),
        date(2023, 12, 26),
        date(2024, 1, 1),
        date(2024, 3, 29),  # Good Friday
        date(2024, 4, 1),  # Easter Monday
        date(2022, 12, 27),  # substitute Christmas Day
    ]:
        assert CALENDAR.is_bank_holiday(holiday), holiday
        assert not CALENDAR.is_working_day(holiday), holiday
    # Scotland's 2 January and St Andrew's Day are not England and Wales bank holidays.
    assert CALENDAR.is_working_day(date(2024, 1, 2))
    assert CALENDAR.is_working_day(date(2023, 11, 30))
    assert not CALENDAR.is_working_day(date(2023, 12, 23))  # a Saturday
    assert not CALENDAR.is_bank_holiday(date(2023, 12, 23))


def test_add_working_days_skips_christmas_and_new_year() -> None:
    assert CALENDAR.add_working_days(date(2023, 12, 22), 1) == date(2023, 12, 27)
    assert CALENDAR.add_working_days(date(2023, 12, 22), 4) == date(2024, 1, 2)
    assert CALENDAR.add_working_days(date(2023, 12, 22), 5) == date(2024, 1, 3)


def test_add_working_days_skips_easter() -> None:
    assert CALENDAR.add_working_days(date(2024, 3, 28), 1) == date(2024, 4, 2)
    assert CALENDAR.add_working_days(date(2024, 3, 27), 2) == date(2024, 4, 2)


def test_add_zero_working_days_is_the_day_itself_or_the_next_working_day() -> None:
    assert CALENDAR.add_working_days(date(2023, 12, 22), 0) == date(2023, 12, 22)
    assert CALENDAR.add_working_days(date(2023, 12, 25), 0) == date(2023, 12, 27)
    assert CALENDAR.add_working_days(date(2024, 3, 30), 0) == date(2024, 4, 2)


def test_subtract_working_days_skips_christmas_and_easter() -> None:
    assert CALENDAR.subtract_working_days(date(2023, 12, 27), 1) == date(2023, 12, 22)
    assert CALENDAR.subtract_working_days(date(2024, 1, 2), 3) == date(2023, 12, 27)
    assert CALENDAR.subtract_working_days(date(2024, 1, 4), 5) == date(2023, 12, 27)
    assert CALENDAR.subtract_working_days(date(2024, 4, 2), 1) == date(2024, 3, 28)
    assert CALENDAR.subtract_working_days(date(2024, 4, 2), 0) == date(2024, 4, 2)


def test_last_working_day_on_or_before_a_holiday_run() -> None:
    assert CALENDAR.last_working_day_on_or_before(date(2024, 1, 1)) == date(2023, 12, 29)
    assert CALENDAR.last_working_day_on_or_before(date(2024, 4, 1)) == date(2024, 3, 28)
    assert CALENDAR.last_working_day_on_or_before(date(2024, 4, 2)) == date(2024, 4, 2)


def test_working_days_between_counts_after_start_up_to_end() -> None:
    # 27, 28, 29 December and 2 January.
    assert CALENDAR.working_days_between(date(2023, 12, 22), date(2024, 1, 2)) == 4
    assert CALENDAR.working_days_between(date(2024, 1, 2), date(2023, 12, 22)) == -4
    # 28 March, then 2 April after Good Friday, the weekend and Easter Monday.
    assert CALENDAR.working_days_between(date(2024, 3, 27), date(2024, 4, 2)) == 2
    assert CALENDAR.working_days_between(date(2024, 3, 29), date(2024, 4, 1)) == 0
    assert CALENDAR.working_days_between(date(2023, 12, 22), date(2023, 12, 22)) == 0


def test_working_days_between_inverts_add_working_days() -> None:
    start = date(2023, 12, 20)
    for count in range(15):
        end = CALENDAR.add_working_days(start, count)
        assert CALENDAR.working_days_between(start, end) == count


def test_a_calendar_uses_only_the_holidays_it_is_given() -> None:
    plain = WorkingCalendar(set())
    assert plain.is_working_day(date(2023, 12, 25))
    assert plain.add_working_days(date(2023, 12, 22), 1) == date(2023, 12, 25)


# ----- local times -----


def test_due_times_are_london_wall_clock_in_winter_and_summer() -> None:
    hours = WorkingHours()
    assert at_local_time(date(2023, 12, 8), "17:00", hours) == datetime(2023, 12, 8, 17, 0, tzinfo=UTC)
    assert at_local_time(date(2024, 6, 3), "17:00", hours) == datetime(2024, 6, 3, 16, 0, tzinfo=UTC)
    # 23:30 UTC on 2 June is already 3 June in London.
    assert local_day(datetime(2024, 6, 2, 23, 30, tzinfo=UTC), hours) == date(2024, 6, 3)


# ----- the stage plan -----


def test_default_pipeline_plan_for_the_reference_report(default_pipeline: Pipeline) -> None:
    deadline = statutory_deadline(date(2023, 11, 10), CALENDAR)
    plan = plan_stage_dates(default_pipeline, date(2023, 11, 10), deadline, CALENDAR)
    assert [(stage.key, stage.due_on) for stage in plan] == [
        ("report_summary", date(2023, 11, 24)),
        ("constabulary_response", date(2023, 12, 8)),
        ("commissioner_response", date(2023, 12, 27)),
        ("publication", date(2024, 1, 4)),
    ]


def test_default_pipeline_reminders_and_escalations(default_pipeline: Pipeline) -> None:
    deadline = statutory_deadline(date(2023, 11, 10), CALENDAR)
    plan = {s.key: s for s in plan_stage_dates(default_pipeline, date(2023, 11, 10), deadline, CALENDAR)}
    # Two working days before Friday 24 November; one after is Monday 27 November.
    assert plan["report_summary"].remind_on == date(2023, 11, 22)
    assert plan["report_summary"].escalate_on == date(2023, 11, 27)
    # Two working days before Wednesday 27 December skips Christmas: Thursday 21 December.
    assert plan["commissioner_response"].remind_on == date(2023, 12, 21)
    assert plan["commissioner_response"].escalate_on == date(2023, 12, 28)
    assert plan["publication"].escalate_on == date(2024, 1, 4)


def test_a_plan_starting_40_days_after_publication_does_not_fit(default_pipeline: Pipeline) -> None:
    deadline = statutory_deadline(date(2023, 11, 10), CALENDAR)
    with pytest.raises(PlanDoesNotFit) as raised:
        plan_stage_dates(default_pipeline, date(2023, 12, 20), deadline, CALENDAR)
    message = str(raised.value)
    assert "'report_summary'" in message
    assert "Monday 8 January 2024" in message
    assert "publish-by day Thursday 4 January 2024" in message


def test_a_plan_whose_later_stage_overruns_names_that_stage(default_pipeline: Pipeline) -> None:
    # Starting 10 December: the summary is due 22 December, the force's response 10 January.
    deadline = statutory_deadline(date(2023, 11, 10), CALENDAR)
    with pytest.raises(PlanDoesNotFit) as raised:
        plan_stage_dates(default_pipeline, date(2023, 12, 10), deadline, CALENDAR)
    assert "'constabulary_response'" in str(raised.value)
    assert "Thursday 4 January 2024" in str(raised.value)


def test_a_plan_whose_stages_would_run_backwards_does_not_fit(default_pipeline: Pipeline) -> None:
    # Starting 28 November: the force's response is due 28 December, but the commissioner's
    # response (5 working days before 4 January) would be due 27 December.
    deadline = statutory_deadline(date(2023, 11, 10), CALENDAR)
    with pytest.raises(PlanDoesNotFit) as raised:
        plan_stage_dates(default_pipeline, date(2023, 11, 28), deadline, CALENDAR)
    assert "'commissioner_response'" in str(raised.value)
    assert "before the stage ahead of it" in str(raised.value)


def test_the_latest_start_that_still_fits(default_pipeline: Pipeline) -> None:
    deadline = statutory_deadline(date(2023, 11, 10), CALENDAR)
    plan = plan_stage_dates(default_pipeline, date(2023, 11, 27), deadline, CALENDAR)
    assert [s.due_on for s in plan] == [
        date(2023, 12, 11),
        date(2023, 12, 27),
        date(2023, 12, 27),
        date(2024, 1, 4),
    ]


def test_plan_counts_back_from_the_publish_by_day_not_the_bank_holiday(default_pipeline: Pipeline) -> None:
    # Published 2 November 2022: day 56 is a bank holiday, so publication is due Friday 23 December.
    deadline = statutory_deadline(date(2022, 11, 2), CALENDAR)
    plan = {
        s.key: s.due_on for s in plan_stage_dates(default_pipeline, date(2022, 11, 2), deadline, CALENDAR)
    }
    assert plan["publication"] == date(2022, 12, 23)
    assert plan["commissioner_response"] == date(2022, 12, 16)


def test_a_publication_date_whose_last_day_is_past_the_calendars_end_is_refused_naming_it() -> None:
    assert statutory_deadline(date(9999, 11, 6), CALENDAR).last_day == date(9999, 12, 31)
    with pytest.raises(InvalidInput, match="9999-11-07 is too late"):
        statutory_deadline(date(9999, 11, 7), CALENDAR)


@pytest.mark.parametrize(
    ("published", "said"),
    [
        # Christmas Day 2022 fell on a Sunday: a weekend day (its bank holiday was Tuesday 27 December).
        (date(2022, 10, 31), "the statutory last day, Sunday 25 December 2022, is a weekend"),
        (date(2021, 11, 7), "the statutory last day, Saturday 1 January 2022, is a weekend"),
        (date(2022, 11, 2), "the statutory last day, Tuesday 27 December 2022, is a bank holiday"),
    ],
)
def test_a_last_day_on_a_weekend_is_called_a_weekend_even_when_a_holiday_falls_on_it(
    published: date, said: str
) -> None:
    assert said in str(statutory_deadline(published, CALENDAR).warning)
