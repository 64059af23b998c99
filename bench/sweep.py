"""The deadline sweep over 10,000 open sign-offs, on SQLite and PostgreSQL: with nothing due, with 1,000
due, and run again just after (1,000 already notified, nothing new due). The baseline, in the same run,
is the sweep without its indexed queries: load every open sign-off and look at each one's due moments in
Python. The figures before the notice watermark (issue #17) are kept beside the new ones.

The sweep timed is the deadline-sweep flow's work without Prefect around it: queue the due reminders,
overdue notices and escalations (rendered, in the outbox), mark idle work stalled, and find sign-offs a
lost trigger left behind. Seeding reuses bench/stalled_page.py's copies of a few real sign-offs.

Usage: python bench/sweep.py [--signoffs 10000] [--due 1000]
Writes bench/results/sweep.md and sweep.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from approval_latency import application, scratch_databases
from figures import Figure, machine_note, record
from sqlalchemy import bindparam, func, select, update
from stalled_page import analyse, copy_until, templates

from signoff.adapters.orm import signoffs, stages
from signoff.bootstrap import Application
from signoff.domain.transitions import SignoffState, StageState
from signoff.service.clock import FixedClock
from signoff.service.handlers.mark_stalled import mark_stalled
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
TARGET_NOTHING_DUE_S = 0.2  # a sweep every 15 minutes must cost next to nothing when nothing is due
TARGET_DUE_S = 5.0  # 1,000 due: queued, idle work marked, lost triggers found
# The same benchmark before the watermark and the batches (2026-11-26, commit before issue #17's sweep
# work): the sweep re-read every sign-off whose reminder moment had passed, one transaction each.
BEFORE = {
    "SQLite": {"nothing due": 0.047, "1,000 due": 12.05, "1,000 notified, nothing new due": 4.09},
    "PostgreSQL": {"nothing due": 0.054, "1,000 due": 17.97, "1,000 notified, nothing new due": 7.64},
}
# The same benchmark before each batch's rows were written in a few statements and the stalled marks read
# only the sign-offs idle for the working days (2026-11-30 03:22, load average 6.0 on 2 cores): a
# versioned UPDATE per sign-off, an INSERT per audit event on SQLite, batches of fifty.
BEFORE_BULK = {
    "SQLite": {
        "nothing due, first sweep (marks idle work stalled)": 2.341,
        "nothing due": 0.237,
        "1,000 due": 5.469,
        "1,000 notified, nothing new due": 0.286,
    },
    "PostgreSQL": {
        "nothing due, first sweep (marks idle work stalled)": 3.966,
        "nothing due": 0.067,
        "1,000 due": 17.501,
        "1,000 notified, nothing new due": 0.706,
    },
}


def first_reminders(app: Application) -> list[datetime]:
    """Each open sign-off's first reminder moment (its open stage's), earliest first."""
    with app.engine.connect() as connection:
        moments = connection.execute(
            select(func.min(stages.c.remind_at))
            .join(signoffs, signoffs.c.id == stages.c.signoff_id)
            .where(signoffs.c.state == SignoffState.ACTIVE.value, stages.c.state == StageState.OPEN.value)
            .group_by(stages.c.signoff_id)
        ).scalars()
        return sorted(m for m in moments if m is not None)


def settle_watermarks(app: Application) -> None:
    """Each copy's notice watermark as migration 0009 sets it (its unfinished stages' earliest moment):
    the copies' own are their templates' (the moment of their last change), not moved with the copy."""
    with app.engine.begin() as connection:
        rows = connection.execute(
            select(stages.c.signoff_id, stages.c.remind_at, stages.c.due_at, stages.c.escalate_at).where(
                stages.c.state.in_([StageState.PENDING.value, StageState.OPEN.value])
            )
        ).all()
        earliest: dict[int, datetime] = {}
        for signoff_id, *moments in rows:
            first = min(moments)
            earliest[signoff_id] = min(first, earliest.get(signoff_id, first))
        connection.execute(
            update(signoffs)
            .where(signoffs.c.id == bindparam("signoff_id"))
            .values(notices_due_from=bindparam("moment")),
            [{"signoff_id": key, "moment": moment} for key, moment in earliest.items()],
        )


def sweep(app: Application) -> dict[str, Any]:
    began = time.perf_counter()
    cpu = time.process_time()
    notices = send_due_notices(app.deps)
    after_notices = time.perf_counter()
    stalled = mark_stalled(app.deps)
    after_stalled = time.perf_counter()
    with app.deps.new_unit_of_work() as uow:
        behind = uow.signoffs.needing_advance()
    ended = time.perf_counter()
    print(
        f"  notices {after_notices - began:.3f} s, stalled {after_stalled - after_notices:.3f} s, "
        f"behind {ended - after_stalled:.3f} s"
    )
    return {
        "seconds": ended - began,
        "cpu_s": time.process_time() - cpu,
        "notices_s": after_notices - began,
        "stalled_s": after_stalled - after_notices,
        "queued": notices.queued,
        "checked": notices.signoffs_checked,
        "stalled": len(stalled.marked) if hasattr(stalled, "marked") else 0,
        "behind": len(behind),
    }


def naive_sweep(app: Application) -> dict[str, Any]:
    """Every open sign-off loaded and looked at: what the sweep would cost without its queries."""
    now = app.deps.clock.now()
    began = time.perf_counter()
    due = 0
    with app.deps.new_unit_of_work() as uow:
        for signoff in uow.signoffs.page(states=[SignoffState.ACTIVE.value], limit=1_000_000):
            stage = signoff.current_stage()
            if stage is not None and stage.remind_at <= now:
                due += 1
            signoff.holdings()
    return {"seconds": time.perf_counter() - began, "due": due}


def row(name: str, when: str, result: dict[str, Any], baseline: float | None = None) -> str:
    before = BEFORE.get(name, {}).get(when)
    before_bulk = BEFORE_BULK.get(name, {}).get(when)
    return (
        f"| {name} | {when} | {result['seconds']:.3f} | {result['cpu_s']:.3f} | {result['notices_s']:.3f} | "
        f"{result['stalled_s']:.3f} | "
        f"{result['checked']:,} | {result['queued']:,} | {result['stalled']:,} | "
        f"{'' if before_bulk is None else f'{before_bulk:.2f}'} | "
        f"{'' if before is None else f'{before:.2f}'} | {'' if baseline is None else f'{baseline:.2f}'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signoffs", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    rows: list[str] = []
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as scratch, scratch_databases(Path(scratch)) as databases:
        for name, url, note in databases:
            if url is None:
                rows.append(f"| {name} | {note} | | | | | | | | | | |")
                continue
            app = application(url, Path(scratch) / name)
            clock = app.deps.clock
            assert isinstance(clock, FixedClock)
            began = time.perf_counter()
            copy_until(app, templates(app), args.signoffs)
            settle_watermarks(app)
            analyse(app)
            seeded = time.perf_counter() - began
            moments = first_reminders(app)
            quiet = moments[0] - timedelta(minutes=1)
            busy = moments[min(args.due, len(moments)) - 1]
            clock.set(quiet)
            first = sweep(app)  # idle work marked stalled, once
            nothing = sweep(app)
            naive_nothing = naive_sweep(app)
            clock.set(busy)
            thousand = sweep(app)
            naive_busy = naive_sweep(app)
            clock.set(busy + timedelta(minutes=15))  # the next sweep: everything due went out already
            notified = sweep(app)
            app.engine.dispose()
            rows += [
                row(name, "nothing due, first sweep (marks idle work stalled)", first),
                row(name, "nothing due", nothing, naive_nothing["seconds"]),
                row(name, "1,000 due", thousand, naive_busy["seconds"]),
                row(name, "1,000 notified, nothing new due", notified),
            ]
            figures += [
                Figure(
                    what=f"{name}: sweep, {args.signoffs:,} open, 1,000 already notified, nothing new due",
                    value=notified["seconds"],
                    unit="s",
                    baseline_what="before the notice watermark (2026-11-26)",
                    baseline=BEFORE[name]["1,000 notified, nothing new due"],
                    target=f"under {TARGET_NOTHING_DUE_S} s",
                    met=notified["seconds"] < TARGET_NOTHING_DUE_S,
                    note=f"{notified['checked']} sign-offs read; seeded {args.signoffs:,} in {seeded:.0f} s",
                ),
                Figure(
                    what=f"{name}: sweep, {args.signoffs:,} open, nothing due",
                    value=nothing["seconds"],
                    unit="s",
                    baseline_what="load every open sign-off",
                    baseline=naive_nothing["seconds"],
                    target=f"under {TARGET_NOTHING_DUE_S} s",
                    met=nothing["seconds"] < TARGET_NOTHING_DUE_S,
                    note=f"{nothing['checked']} sign-offs read",
                ),
                Figure(
                    what=f"{name}: sweep, {thousand['checked']:,} due",
                    value=thousand["seconds"],
                    unit="s",
                    baseline_what="before the notice watermark (2026-11-26)",
                    baseline=BEFORE[name]["1,000 due"],
                    target=f"under {TARGET_DUE_S:.0f} s",
                    met=thousand["seconds"] < TARGET_DUE_S,
                    note=f"{thousand['queued']:,} emails queued in {thousand['notices_s']:.2f} s; "
                    f"{thousand['stalled']:,} sections newly idle marked stalled in {thousand['stalled_s']:.2f} s",
                ),
            ]
    table = (
        f"### The deadline sweep over {args.signoffs:,} open sign-offs\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} (Python {platform.python_version()}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end, the benchmark at nice "
        f"{os.nice(0)} and PostgreSQL's server at its own priority: {machine_note(os.getloadavg()[0])}; "
        "'its CPU' is the sweep process's own CPU time "
        "(PostgreSQL's work is in its server, not counted there).\n\n"
        "| database | when | sweep s | its CPU s | notices s | stalled s | sign-offs read | emails queued | "
        "marked stalled | before the batch writes s | before the watermark s | "
        "baseline s (load every open sign-off) |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        + "\n".join(rows)
        + "\n\n"
        "The sweep reads only the sign-offs whose notice watermark (`signoffs.notices_due_from`, indexed) "
        "has passed: the next moment a reminder, overdue notice or escalation could fall due. After queueing "
        "what is due it moves each one's watermark on to its open stage's next moment, and any change to a "
        "sign-off brings it back. Sign-offs are read and committed a hundred at a time, and each batch's "
        "rows written in a few statements: the sign-offs' in one UPDATE for those changing the same "
        "columns (still under their versions), the audit events in one INSERT. The stalled marks read only "
        "the sign-offs with work idle for the configured working days (the attention rule's limit, in SQL), "
        "not every one idle for as many calendar days. The sweep timed is the deadline-sweep flow's work "
        "without Prefect: due notices queued (rendered later, by delivery), idle "
        'work marked stalled, sign-offs a lost trigger left behind found. "Before the batch writes" is '
        "this benchmark's run of 2026-11-30 03:22 (load average 6.0), when each sign-off of a batch was "
        'an UPDATE of its own, each audit event an INSERT on SQLite, fifty a batch. "Before the watermark" is '
        "the same benchmark on 2026-11-26, when the sweep re-read every sign-off past its reminder moment, "
        "one transaction each. The baseline loads every open sign-off and looks in Python, sending nothing.\n"
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sweep.md").write_text(table, encoding="utf-8")
    record("sweep", "The deadline sweep at 10,000 open sign-offs", figures, "sweep.md")


if __name__ == "__main__":
    main()
