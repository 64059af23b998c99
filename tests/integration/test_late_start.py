"""A late office still starts: its stage dates are compressed before the publish-by day (or into the
start day, once that has passed), it is told so, and the audit trail and the sign-off's page say so."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from signoff.bootstrap import Application
from signoff.domain.vocabulary import AuditAction
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoffs
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import OWEN
from tests.support.story import reference_inspection

pytestmark = pytest.mark.both_databases

# The reference report: published Friday 10 November 2023, statutory last day (and publish-by day)
# Thursday 4 January 2024.
LAST_DAY = date(2024, 1, 4)


def _start_on(app: Application, clock: FixedClock, day: date) -> tuple[int, list[str]]:
    clock.set(datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
    started = start_signoffs(StartSignoff(inspection=reference_inspection(), started_by=OWEN), app.deps)
    [signoff_id] = started.ids
    return signoff_id, started.warnings


def _due_days(app: Application, signoff_id: int) -> list[date]:
    return [stage.due_on for stage in signoff_detail(signoff_id, app.deps).stages]


def _started_event_details(app: Application, signoff_id: int) -> dict[str, object]:
    with app.deps.new_unit_of_work() as uow:
        events = uow.signoffs.audit_events(signoff_id)
        [started] = [e for e in events if e.action == AuditAction.SIGNOFF_STARTED.value]
        return dict(started.details)


def test_a_start_too_late_for_the_pipelines_dates_is_compressed_before_the_publish_by_day(
    app: Application, clock: FixedClock
) -> None:
    # Wednesday 20 December 2023: ten working days for the summary alone would run past 4 January.
    signoff_id, warnings = _start_on(app, clock, date(2023, 12, 20))
    [warning] = warnings
    assert f"#{signoff_id}" in warning
    assert "publish-by day, Thursday 4 January 2024" in warning
    assert "compressed" in warning
    due = _due_days(app, signoff_id)
    assert due == sorted(due)
    assert date(2023, 12, 20) <= due[0]
    assert due[-1] == LAST_DAY
    assert all(day <= LAST_DAY for day in due)
    # Recorded, and shown wherever the sign-off's deadline warning is (its page, the CLI's show).
    details = _started_event_details(app, signoff_id)
    assert "compressed" in str(details["late_start"])
    assert details["days_late"] == 0
    assert "compressed" in str(signoff_detail(signoff_id, app.deps).deadline_warning)


def test_a_start_after_the_statutory_last_day_is_late_from_the_outset_with_every_stage_due_at_once(
    app: Application, clock: FixedClock
) -> None:
    # Wednesday 10 January 2024: six days after the statutory last day.
    signoff_id, warnings = _start_on(app, clock, date(2024, 1, 10))
    [warning] = warnings
    assert "6 days after the statutory last day, Thursday 4 January 2024" in warning
    assert "late from the outset" in warning
    assert set(_due_days(app, signoff_id)) == {date(2024, 1, 10)}
    details = _started_event_details(app, signoff_id)
    assert details["days_late"] == 6
    assert "late from the outset" in str(details["late_start"])
    assert "late from the outset" in str(signoff_detail(signoff_id, app.deps).deadline_warning)


def test_a_start_in_good_time_has_the_pipelines_own_dates_and_no_warning(
    app: Application, clock: FixedClock
) -> None:
    signoff_id, warnings = _start_on(app, clock, date(2023, 11, 10))
    assert warnings == []
    # config/pipeline.yaml: 10 working days, 10 more, 5 before the publish-by day, the publish-by day.
    assert _due_days(app, signoff_id) == [
        date(2023, 11, 24),
        date(2023, 12, 8),
        date(2023, 12, 27),
        LAST_DAY,
    ]
    assert _started_event_details(app, signoff_id)["late_start"] is None
    assert signoff_detail(signoff_id, app.deps).deadline_warning is None


def test_a_start_after_the_publish_by_day_but_within_the_56_days_is_due_on_the_statutory_last_day(
    app: Application, clock: FixedClock
) -> None:
    # Published Wednesday 2 November 2022: the statutory last day is Tuesday 27 December 2022, a bank
    # holiday (Christmas Day fell on a Sunday), so the publish-by day is Friday 23 December. Started on
    # Saturday 24 December, the office is still in time, if it publishes by the 27th.
    clock.set(datetime(2022, 12, 24, 10, tzinfo=UTC))
    inspection = reference_inspection().model_copy(update={"published": date(2022, 11, 2)})
    started = start_signoffs(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
    [signoff_id] = started.ids
    assert set(_due_days(app, signoff_id)) == {date(2022, 12, 27)}  # not Wednesday 28, a day late
    [warning] = started.warnings
    assert "Started after the publish-by day, Friday 23 December 2022" in warning
    assert "statutory last day, Tuesday 27 December 2022, so every stage is due on it" in warning
    assert _started_event_details(app, signoff_id)["days_late"] == 0
    # The page's warning: the late start, then the bank holiday, each a sentence.
    shown = str(signoff_detail(signoff_id, app.deps).deadline_warning)
    assert "The statutory last day, Tuesday 27 December 2022, is a bank holiday" in shown


@pytest.mark.parametrize(
    ("started", "due"),
    [
        # The evening of the publish-by day: nothing is left of it, so as the next morning would.
        (datetime(2022, 12, 23, 18, tzinfo=UTC), {date(2022, 12, 27)}),
        # That afternoon, its due time still ahead: due that day.
        (datetime(2022, 12, 23, 14, tzinfo=UTC), {date(2022, 12, 23)}),
    ],
    ids=["after the due time", "before it"],
)
def test_a_late_start_after_the_days_due_time_is_not_overdue_before_it_begins(
    app: Application, clock: FixedClock, started: datetime, due: set[date]
) -> None:
    clock.set(started)
    inspection = reference_inspection().model_copy(update={"published": date(2022, 11, 2)})
    [signoff_id] = start_signoffs(StartSignoff(inspection=inspection, started_by=OWEN), app.deps).ids
    assert set(_due_days(app, signoff_id)) == due
    with app.deps.new_unit_of_work() as uow:
        assert all(stage.due_at > started for stage in uow.signoffs.get(signoff_id).stages)


def test_a_start_on_the_statutory_last_days_evening_is_due_that_day_not_the_next(
    app: Application, clock: FixedClock
) -> None:
    """The reference report's last day, Thursday 4 January 2024, at 18:00: still that day, the last the law
    allows; not Friday, when the response would be late."""
    clock.set(datetime(2024, 1, 4, 18, tzinfo=UTC))
    [signoff_id] = start_signoffs(
        StartSignoff(inspection=reference_inspection(), started_by=OWEN), app.deps
    ).ids
    assert set(_due_days(app, signoff_id)) == {LAST_DAY}
