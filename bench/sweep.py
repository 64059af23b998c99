"""The deadline sweep over 10,000 open sign-offs: with nothing due, with 1,000 due, and run again at the
same moment (nothing new to send), on SQLite and PostgreSQL. The baseline, in the same run, is the sweep
without its indexed queries: load every open sign-off and look at each one's due moments in Python.

The sweep timed is the deadline-sweep flow's work without Prefect around it: queue the due reminders,
overdue notices and escalations (rendered, in the outbox), mark idle work stalled, and find sign-offs a
lost trigger left behind. Seeding reuses bench/stalled_page.py's copies of a few real sign-offs.

Usage: python bench/sweep.py [--signoffs 10000] [--due 1000]
Writes bench/results/sweep.md and sweep.json.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from approval_latency import application, scratch_databases
from figures import Figure, record
from sqlalchemy import func, select
from stalled_page import copy_until, templates

from signoff.adapters.orm import signoffs, stages
from signoff.bootstrap import Application
from signoff.domain.transitions import SignoffState, StageState
from signoff.service.clock import FixedClock
from signoff.service.handlers.mark_stalled import mark_stalled
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
TARGET_NOTHING_DUE_S = 1.0  # a sweep every 15 minutes must cost next to nothing when nothing is due


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


def sweep(app: Application) -> dict[str, Any]:
    began = time.perf_counter()
    notices = send_due_notices(app.deps)
    after_notices = time.perf_counter()
    stalled = mark_stalled(app.deps)
    after_stalled = time.perf_counter()
    with app.deps.new_unit_of_work() as uow:
        behind = uow.signoffs.needing_advance()
    print(
        f"  notices {after_notices - began:.2f} s, stalled {after_stalled - after_notices:.2f} s, "
        f"behind {time.perf_counter() - after_stalled:.2f} s"
    )
    return {
        "seconds": time.perf_counter() - began,
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
                rows.append(f"| {name} | {note} | | | | |")
                continue
            app = application(url, Path(scratch) / name)
            clock = app.deps.clock
            assert isinstance(clock, FixedClock)
            began = time.perf_counter()
            copy_until(app, templates(app), args.signoffs)
            seeded = time.perf_counter() - began
            moments = first_reminders(app)
            quiet = moments[0] - timedelta(minutes=1)
            busy = moments[min(args.due, len(moments)) - 1]
            clock.set(quiet)
            first = sweep(app)  # marks what has been idle long enough, once
            nothing = sweep(app)
            naive_nothing = naive_sweep(app)
            clock.set(busy)
            thousand = sweep(app)
            again = sweep(app)
            naive_busy = naive_sweep(app)
            app.engine.dispose()
            rows += [
                f"| {name} | nothing due, first sweep (marks {first['stalled']:,} idle sections stalled) | "
                f"{first['seconds']:.2f} | {first['checked']} | {first['queued']} | |",
                f"| {name} | nothing due | {nothing['seconds']:.3f} | {nothing['checked']} | "
                f"{nothing['queued']} | {naive_nothing['seconds']:.2f} |",
                f"| {name} | {thousand['checked']:,} due | {thousand['seconds']:.2f} | {thousand['checked']:,} | "
                f"{thousand['queued']:,} | {naive_busy['seconds']:.2f} |",
                f"| {name} | the same moment again | {again['seconds']:.2f} | {again['checked']:,} | "
                f"{again['queued']} | |",
            ]
            figures += [
                Figure(
                    what=f"{name}: sweep, {args.signoffs:,} open, nothing due",
                    value=nothing["seconds"],
                    unit="s",
                    baseline_what="load every open sign-off",
                    baseline=naive_nothing["seconds"],
                    target=f"under {TARGET_NOTHING_DUE_S:.0f} s",
                    met=nothing["seconds"] < TARGET_NOTHING_DUE_S,
                    note=f"seeded {args.signoffs:,} sign-offs in {seeded:.0f} s",
                ),
                Figure(
                    what=f"{name}: sweep, {thousand['checked']:,} due",
                    value=thousand["seconds"],
                    unit="s",
                    baseline_what="load every open sign-off (finding, not sending)",
                    baseline=naive_busy["seconds"],
                    target="well inside the 15-minute interval (under 60 s)",
                    met=thousand["seconds"] < 60,
                    note=f"{thousand['queued']:,} emails rendered and queued; run again at the same moment: "
                    f"{again['queued']} queued in {again['seconds']:.2f} s",
                ),
            ]
    table = (
        f"### The deadline sweep over {args.signoffs:,} open sign-offs\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} (Python {platform.python_version()}).\n\n"
        "| database | when | sweep s | sign-offs checked | emails queued | baseline s (load every open sign-off) |\n"
        "| --- | --- | ---: | ---: | ---: | ---: |\n" + "\n".join(rows) + "\n\n"
        "The sweep asks the database for the sign-offs whose open stage has reached its reminder moment "
        "(an indexed query), and loads only those. The baseline loads all of them and looks in Python; "
        "it does not even render or queue anything.\n"
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sweep.md").write_text(table, encoding="utf-8")
    record("sweep", "The deadline sweep at 10,000 open sign-offs", figures, "sweep.md")


if __name__ == "__main__":
    main()
