"""The sweep reads only the sign-offs whose notice watermark has passed, in batches, and migration 0009
gives every stored sign-off a watermark from which nothing already due is missed. A batch's sign-offs are
written together (one UPDATE per set of changed columns, the audit events in one INSERT): what it
writes is what each sign-off's own sweep would, and the stalled sweep reads exactly the idle ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select, update

from signoff.adapters.config_files import load_model
from signoff.adapters.database import alembic_config
from signoff.adapters.orm import audit_events, outbox, signoffs, stages
from signoff.bootstrap import Application
from signoff.domain.attention_rule import attention_limits
from signoff.domain.deadline_notices import due_notices, watermark_after_sweep
from signoff.domain.errors import ConcurrencyConflict
from signoff.domain.inspection import Inspection
from signoff.domain.notice_builder import NoticeBuilder
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff
from signoff.service.handlers import send_due_notices as sweep_module
from signoff.service.handlers.mark_stalled import mark_stalled
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.audit_verify import verify_audit
from signoff.settings import PROJECT_ROOT
from tests.people import JOHN, OWEN, RACHEL
from tests.support.story import delegate, draft, start_reference

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


def test_cover_arranged_ahead_brings_the_stored_watermark_back_to_its_start(
    app: Application, clock: FixedClock
) -> None:
    [signoff_id] = start_reports(app, 1)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    leave = datetime(2023, 11, 23, 0, 0, tzinfo=UTC)  # Thursday, after Wednesday's reminder to Rachel
    delegate(app, RACHEL, JOHN, days=7, starts_at=leave)
    clock.set(REMINDER_DUE)
    send_due_notices(app.deps)
    assert watermarks(app) == {signoff_id: leave}  # not Friday's due moment: John's cover starts first
    clock.set(leave + timedelta(minutes=15))
    assert send_due_notices(app.deps).queued == 1
    with app.engine.connect() as connection:
        told = connection.execute(select(outbox.c.event, outbox.c.recipient_email)).all()
    assert [tuple(row) for row in told].count(("reminder", JOHN)) == 1


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


def versions(app: Application) -> dict[int, int]:
    with app.engine.connect() as connection:
        return {row.id: row.version for row in connection.execute(select(signoffs.c.id, signoffs.c.version))}


def queued_keys(app: Application) -> set[str]:
    with app.engine.connect() as connection:
        return set(connection.execute(select(outbox.c.idempotency_key)).scalars())


def expected_sweep(app: Application, now: datetime) -> tuple[set[str], dict[int, datetime | None]]:
    """What the domain says a sweep at `now` queues and where it leaves each watermark, one sign-off at a
    time and nothing written: the batches' bulk writes must come to the same."""
    keys: set[str] = set()
    moved: dict[int, datetime | None] = {}
    with app.deps.new_unit_of_work() as uow:
        builder = NoticeBuilder(app.deps.load_notification_rules(), uow.directory.roster(), app.deps.links)
        for signoff_id in uow.signoffs.with_due_moments(now):
            signoff = uow.signoffs.get(signoff_id)
            keys |= {notice.key for notice in due_notices(signoff, builder, now)}
            moved[signoff_id] = watermark_after_sweep(signoff, now)
    return keys, moved


def test_batches_of_due_and_not_due_signoffs_queue_what_each_would_alone(
    app: Application, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = start_reports(app, 5)
    for signoff_id in ids[:3]:  # three wait for the chief executive's approval, two for their drafter
        draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    not_yet = datetime(2023, 12, 1, 9, 0, tzinfo=UTC)
    with app.engine.begin() as connection:  # one whose watermark has not passed: it is not read
        connection.execute(update(signoffs).where(signoffs.c.id == ids[1]).values(notices_due_from=not_yet))
    monkeypatch.setattr(sweep_module, "BATCH_SIZE", 2)  # the due ones in batches, the last one short
    for moment in (REMINDER_DUE, ESCALATED):
        clock.set(moment)
        keys, moved = expected_sweep(app, moment)
        assert ids[1] not in moved
        assert keys
        marks, written, queued = watermarks(app), versions(app), queued_keys(app)
        report = send_due_notices(app.deps)
        assert report.problems == []
        assert (report.signoffs_checked, report.queued) == (len(moved), len(keys - queued))
        assert queued_keys(app) == queued | keys
        after = watermarks(app)
        assert {signoff_id: after[signoff_id] for signoff_id in moved} == moved
        assert after[ids[1]] == not_yet
        # A sign-off's row is written, under its version, when its watermark moved; otherwise not at all.
        assert {i: v - written[i] for i, v in versions(app).items() if v != written[i]} == {
            signoff_id: 1 for signoff_id, moment in moved.items() if moment != marks[signoff_id]
        }


def test_a_signoff_changed_meanwhile_is_not_overwritten(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no row locks: a second writer waits for the first at BEGIN IMMEDIATE")
    signoff_id = start_reference(app)
    before = watermarks(app)[signoff_id]
    with app.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)  # read without a lock, as a page reads it
        with app.engine.begin() as connection:  # someone else's change commits meanwhile
            connection.execute(
                update(signoffs).where(signoffs.c.id == signoff_id).values(version=signoffs.c.version + 1)
            )
        signoff.notices_swept(ESCALATED)
        assert signoff.notices_due_from != before
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    assert watermarks(app)[signoff_id] == before


def idle_now(app: Application, now: datetime) -> set[int]:
    """The sign-offs the domain would mark stalled at `now`, each judged on its own and nothing written."""
    idle_days = app.deps.load_pipeline().monitoring.idle_after_working_days
    found: set[int] = set()
    with app.deps.new_unit_of_work() as uow:
        for signoff in uow.signoffs.page(states=["active"]):
            assert signoff.id is not None
            if signoff.mark_stalled(now, app.deps.calendar, idle_days):
                found.add(signoff.id)
    return found


def test_the_stalled_sweep_reads_and_marks_exactly_the_signoffs_idle_for_five_working_days(
    app: Application, clock: FixedClock
) -> None:
    ids = start_reports(app, 4)
    for n, signoff_id in enumerate(ids[:3]):  # drafted a day apart; the last never drafted
        clock.advance(timedelta(days=1))
        draft(app, signoff_id, "report-summary", OWEN, f"Summary {n}.")
    pipeline = app.deps.load_pipeline()
    marked: set[int] = set()
    events = dict.fromkeys(ids, 0)
    for _ in range(2 * 12):  # every twelve hours over twelve days, a weekend included
        clock.advance(timedelta(hours=12))
        now = clock.now()
        limits = attention_limits(
            now,
            app.deps.calendar,
            pipeline.working_hours.timezone,
            0,
            pipeline.monitoring.idle_after_working_days,
        )
        expected = idle_now(app, now)
        with app.deps.new_unit_of_work() as uow:
            # Idle for five calendar days is not yet five working days: such a sign-off is not even read.
            assert set(uow.signoffs.with_idle_work(limits.idle_before)) == expected
        written = versions(app)
        report = mark_stalled(app.deps)
        assert report.problems == []
        assert {int(mark.split()[0][1:]) for mark in report.marked} == expected
        assert {i for i, v in versions(app).items() if v != written[i]} == expected
        marked |= expected
        for signoff_id in expected:
            events[signoff_id] += 1
    assert marked == set(ids)  # each of them, the undrafted one's drafting too, once
    for signoff_id in ids:
        report = verify_audit(signoff_id, app.deps)
        assert report.intact, report.problems
        with app.engine.connect() as connection:
            actions = connection.execute(
                select(audit_events.c.action).where(audit_events.c.signoff_id == signoff_id)
            ).scalars()
            assert sum(action.endswith("_stalled") for action in actions) == events[signoff_id] == 1
