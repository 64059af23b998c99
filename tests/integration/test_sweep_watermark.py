"""The sweep reads only the sign-offs whose notice watermark has passed, in batches, and migration 0009
gives every stored sign-off a watermark from which nothing already due is missed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select, update

from signoff.adapters.config_files import load_model
from signoff.adapters.database import alembic_config
from signoff.adapters.orm import signoffs, stages
from signoff.bootstrap import Application
from signoff.domain.inspection import Inspection
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff
from signoff.service.handlers import send_due_notices as sweep_module
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.handlers.start_signoff import start_signoff
from signoff.settings import PROJECT_ROOT
from tests.people import OWEN
from tests.support.story import draft, start_reference

# The sweep's indexed query, its batches under row locks, and a migration's backfill are storage.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases

REMINDER_DUE = datetime(2023, 11, 22, 9, 5, tzinfo=UTC)  # the summary is due Friday 24 November
ESCALATED = datetime(2023, 11, 28, 9, 5, tzinfo=UTC)


def start_reports(app: Application, count: int) -> list[int]:
    """`count` sign-offs of copies of the reference report, each at its own address."""
    reference = load_model(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml", Inspection)
    ids: list[int] = []
    for n in range(count):
        data = reference.model_dump(mode="json")
        copy = Inspection.model_validate(
            {**data, "title": f"Report {n}", "report_url": f"{data['report_url']}copy-{n}/"}
        )
        ids += start_signoff(StartSignoff(inspection=copy, started_by=OWEN), app.deps)
    return ids


def watermarks(app: Application) -> dict[int, datetime | None]:
    with app.engine.connect() as connection:
        return {row.id: row.notices_due_from for row in connection.execute(select(signoffs))}


def test_a_sweep_with_nothing_new_due_reads_no_signoff(app: Application, clock: FixedClock) -> None:
    ids = start_reports(app, 3)
    for signoff_id in ids[:2]:
        draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    clock.set(REMINDER_DUE)
    first = send_due_notices(app.deps)
    # One reminder each: two sign-offs wait for the chief executive's approval, one for its drafter.
    assert (first.signoffs_checked, first.queued) == (3, 3)
    again = send_due_notices(app.deps)
    assert (again.signoffs_checked, again.queued) == (0, 0)
    # Each watermark moved on to the summary's due moment, Friday at 17:00 London time.
    assert set(watermarks(app).values()) == {datetime(2023, 11, 24, 17, 0, tzinfo=UTC)}
    clock.set(ESCALATED)
    late = send_due_notices(app.deps)
    assert late.signoffs_checked == 3
    assert late.queued > 0
    assert set(watermarks(app).values()) == {None}  # every moment of the open stage has passed
    assert send_due_notices(app.deps).signoffs_checked == 0


def test_a_batch_that_cannot_commit_is_swept_one_signoff_at_a_time(
    app: Application, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = start_reports(app, 3)
    for signoff_id in ids:
        draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    monkeypatch.setattr(sweep_module, "BATCH_SIZE", 2)
    clock.set(REMINDER_DUE)
    real = sweep_module._for_batch
    calls: list[int] = []

    def first_batch_fails(batch: tuple[int, ...], *args: object, **kwargs: object) -> object:
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("the database went away mid-batch")
        return real(batch, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sweep_module, "_for_batch", first_batch_fails)
    report = send_due_notices(app.deps)
    assert report.problems == []
    assert (report.signoffs_checked, report.queued) == (3, 3)
    assert calls == [2, 1, 1, 1]  # the failed pair alone, each, then the last batch


def test_the_migration_gives_each_active_signoff_its_earliest_unfinished_moment(
    app: Application, database_url: str
) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    with app.engine.begin() as connection:
        moments = connection.execute(
            select(stages.c.remind_at, stages.c.due_at, stages.c.escalate_at).where(
                stages.c.signoff_id == signoff_id, stages.c.state.in_(["pending", "open"])
            )
        ).all()
        connection.execute(update(signoffs).values(notices_due_from=None))
    app.engine.dispose()
    config = alembic_config(database_url)
    try:
        command.downgrade(config, "0008")
        command.upgrade(config, "head")
    finally:
        command.upgrade(config, "head")
    assert watermarks(app) == {signoff_id: min(min(row) for row in moments)}
