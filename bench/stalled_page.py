"""The administration page (stalled and at-risk work) with 10,000 sign-offs in the database, on SQLite and
PostgreSQL, through `signoff web` on loopback, signed in as the office's administrator.

Seeding: a few sign-offs are driven through the handlers to different points (drafting, approvals
pending, changes requested), then copied row by row, each copy with its due and activity moments moved
by a random number of days, until there are 10,000.

Usage: python bench/stalled_page.py [--signoffs 10000] [--requests 30]
Writes bench/results/stalled_page.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from approval_latency import (
    OWEN,
    RACHEL,
    START,
    application,
    percentile,
    scratch_databases,
    signed_in_client,
    web_process,
)
from figures import Figure, record
from sqlalchemy import Table, func, insert, select, text

from signoff.adapters.config_files import load_model
from signoff.adapters.orm import approval_requests, revisions, sections, signoffs, stages
from signoff.bootstrap import Application
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.service.commands import Decide, StartSignoff, SubmitRevision
from signoff.service.handlers.decide import decide
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.service.queries.stalled import stalled
from signoff.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
HANNAH = "hannah.whitfield@cheshire-pcc.example.org"
PRIYA = "priya.mistry@cheshire.police.example.org"
LOOKED_AT = START + timedelta(days=20)  # the server's frozen "now": three weeks into every sign-off
MOMENTS = {
    "signoffs": ("started_at", "updated_at"),
    "stages": ("due_at", "remind_at", "escalate_at", "opened_at", "completed_at"),
    "sections": ("last_activity_at", "stalled_at"),
    "revisions": ("created_at",),
    "approval_requests": (
        "due_at",
        "created_at",
        "activated_at",
        "closed_at",
        "stalled_at",
    ),
}


def templates(app: Application) -> list[int]:
    """Sign-offs at different points: drafting, summary in approval, changes requested, force stage."""
    reference = load_model(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml", Inspection)
    made: list[int] = []
    for n in range(4):
        # Each template its own report: a report is known by its address.
        data = reference.model_dump(mode="json")
        inspection = Inspection.model_validate(
            {**data, "title": f"Template {n}: {reference.title}", "report_url": f"{data['report_url']}t{n}/"}
        )
        [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
        made.append(signoff_id)
        if n >= 1:
            submit_revision(
                SubmitRevision(signoff_id=signoff_id, section="report-summary", author=OWEN, body="Summary."),
                app.deps,
            )
        if n == 2:
            decide(
                Decide(
                    signoff_id=signoff_id,
                    section="report-summary",
                    actor=RACHEL,
                    outcome=Outcome.REQUEST_CHANGES,
                    comment="More, please.",
                ),
                app.deps,
            )
        if n == 3:
            decide(
                Decide(
                    signoff_id=signoff_id, section="report-summary", actor=RACHEL, outcome=Outcome.APPROVE
                ),
                app.deps,
            )
            submit_revision(
                SubmitRevision(
                    signoff_id=signoff_id, section="finding-afi-1", author=PRIYA, body="Training."
                ),
                app.deps,
            )
    return made


def copy_until(app: Application, template_ids: list[int], total: int) -> None:
    """Copies of the templates' rows until there are `total` sign-offs (no audit trail: the page needs none)."""
    rng = random.Random(6)  # noqa: S311 - reproducible spread, not secrets
    with app.engine.connect() as connection:
        rows: dict[str, list[dict[str, Any]]] = {}
        rows["signoffs"] = [
            dict(r._mapping)
            for r in connection.execute(select(signoffs).where(signoffs.c.id.in_(template_ids)))
        ]
        rows["stages"] = [
            dict(r._mapping)
            for r in connection.execute(select(stages).where(stages.c.signoff_id.in_(template_ids)))
        ]
        stage_ids = [r["id"] for r in rows["stages"]]
        rows["sections"] = [
            dict(r._mapping)
            for r in connection.execute(select(sections).where(sections.c.stage_id.in_(stage_ids)))
        ]
        section_ids = [r["id"] for r in rows["sections"]]
        rows["revisions"] = [
            dict(r._mapping)
            for r in connection.execute(select(revisions).where(revisions.c.section_id.in_(section_ids)))
        ]
        rows["approval_requests"] = [
            dict(r._mapping)
            for r in connection.execute(
                select(approval_requests).where(approval_requests.c.section_id.in_(section_ids))
            )
        ]
        next_id = {
            name: int(connection.execute(select(func.max(table.c.id))).scalar_one() or 0) + 1
            for name, table in TABLES.items()
        }
    batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    existing = len(template_ids)
    for n in range(total - existing):
        template = template_ids[n % len(template_ids)]
        shift = timedelta(days=rng.randint(-25, 30), hours=rng.randint(0, 8))
        signoff_row = next(r for r in rows["signoffs"] if r["id"] == template)
        new_signoff = _moved({**signoff_row, "id": next_id["signoffs"]}, "signoffs", shift)
        new_signoff["inspection_key"] = f"bench-{n}:{signoff_row['inspection_key']}"[:120]
        new_signoff["title"] = f"Copy {n}: {signoff_row['title']}"
        new_signoff["statutory_last_day"] = signoff_row["statutory_last_day"] + timedelta(days=shift.days)
        new_signoff["publish_by"] = signoff_row["publish_by"] + timedelta(days=shift.days)
        next_id["signoffs"] += 1
        batch["signoffs"].append(new_signoff)
        for stage in (s for s in rows["stages"] if s["signoff_id"] == template):
            new_stage = _moved(
                {**stage, "id": next_id["stages"], "signoff_id": new_signoff["id"]}, "stages", shift
            )
            new_stage["due_on"] = stage["due_on"] + timedelta(days=shift.days)
            next_id["stages"] += 1
            batch["stages"].append(new_stage)
            for section in (s for s in rows["sections"] if s["stage_id"] == stage["id"]):
                new_section = _moved(
                    {**section, "id": next_id["sections"], "stage_id": new_stage["id"]}, "sections", shift
                )
                next_id["sections"] += 1
                batch["sections"].append(new_section)
                for name in ("revisions", "approval_requests"):
                    for child in (c for c in rows[name] if c["section_id"] == section["id"]):
                        batch[name].append(
                            _moved(
                                {**child, "id": next_id[name], "section_id": new_section["id"]}, name, shift
                            )
                        )
                        next_id[name] += 1
        if len(batch["signoffs"]) >= 1000:
            _flush(app, batch)
    _flush(app, batch)


TABLES: dict[str, Table] = {
    "signoffs": signoffs,
    "stages": stages,
    "sections": sections,
    "revisions": revisions,
    "approval_requests": approval_requests,
}


def _moved(row: dict[str, Any], table: str, shift: timedelta) -> dict[str, Any]:
    for column in MOMENTS[table]:
        if row.get(column) is not None:
            row[column] = row[column] + shift
    return row


def analyse(app: Application) -> None:
    """Planner statistics, as autovacuum keeps them on a live database (a bulk copy leaves none)."""
    with app.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _flush(app: Application, batch: dict[str, list[dict[str, Any]]]) -> None:
    with app.engine.begin() as connection:
        for name, table in TABLES.items():
            if batch[name]:
                connection.execute(insert(table), batch[name])
            batch[name].clear()


def timed(client: httpx.Client, path: str, count: int) -> tuple[list[float], int]:
    client.get(path)  # warm
    latencies: list[float] = []
    size = 0
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:500]
        size = len(response.content)
    return latencies, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signoffs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    pages = [
        "/admin",
        "/admin?organisation=cheshire-constabulary&sort=holder",
        "/admin?flag=overdue&sort=statutory&descending=true&page=20",
        "/api/admin/attention?flag=idle&per_page=200",
    ]
    lines: list[str] = []
    notes: list[str] = []
    worst: dict[str, float] = {}
    old_query: float | None = None
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        with scratch_databases(folder) as databases:
            for name, url, note in databases:
                if url is None:
                    lines.append(f"| {name} | {note} | | | | |")
                    continue
                app = application(url, folder)
                try:
                    started = time.perf_counter()
                    copy_until(app, templates(app), args.signoffs)
                    analyse(app)
                    with app.engine.connect() as connection:
                        count = connection.execute(select(func.count()).select_from(signoffs)).scalar_one()
                        waiting = connection.execute(
                            select(func.count())
                            .select_from(approval_requests)
                            .where(approval_requests.c.state == "pending")
                        ).scalar_one()
                    notes.append(
                        f"{name}: {count} sign-offs, {waiting} pending approval requests, seeded in "
                        f"{time.perf_counter() - started:.0f} s."
                    )
                    with web_process(url, folder, frozen=LOOKED_AT) as base:
                        cookies, _headers = signed_in_client(base, app, HANNAH)
                        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as client:
                            for path in pages:
                                latencies, size = timed(client, path, args.requests)
                                worst[name] = max(worst.get(name, 0.0), percentile(latencies, 0.95))
                                lines.append(
                                    f"| {name} | `{path}` | {statistics.median(latencies):.1f} "
                                    f"| {percentile(latencies, 0.95):.1f} | {max(latencies):.1f} | {size // 1024} kB |"
                                )
                    if name == "SQLite":
                        app.deps.clock.set(LOOKED_AT)  # type: ignore[attr-defined]
                        began = time.perf_counter()
                        found = len(stalled(app.deps))
                        old_query = time.perf_counter() - began
                        notes.append(
                            f"For comparison, the older `stalled` query (loads every active sign-off) took "
                            f"{time.perf_counter() - began:.1f} s on SQLite to list {found} items."
                        )
                finally:
                    app.engine.dispose()
    report = "\n".join(
        [
            "# The administration page with 10,000 sign-offs",
            "",
            f"Run {datetime.now(ZoneInfo('Europe/London')):%Y-%m-%d %H:%M} on {platform.node()} "
            f"({os.cpu_count()} CPUs, Python {platform.python_version()}, load average {_load()} at the end, "
            "1/5/15 min): `python bench/stalled_page.py "
            f"--signoffs {args.signoffs} --requests {args.requests}`.",
            "",
            "Each page requested one after another over HTTP on loopback from `signoff web` (one uvicorn "
            "process), signed in as the office's administrator; the full response (HTML with 50 rows, or "
            "JSON) is timed. The query is one SQL statement over pending approval requests and open drafting "
            "sections (indexed by state and moment), counted and paginated in the database.",
            "",
            *[f"- {line}" for line in notes],
            "",
            "| database | page | median ms | p95 ms | max ms | size |",
            "| --- | --- | --- | --- | --- | --- |",
            *lines,
            "",
            "Target: under 200 ms.",
            "",
        ]
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stalled_page.md").write_text(report, encoding="utf-8")
    print(report)
    record(
        "stalled_page",
        f"The stalled-requests page at {args.signoffs:,} sign-offs",
        [
            Figure(
                what=f"{name}: slowest page's p95",
                value=value,
                unit="ms",
                baseline_what="the older query that loads every active sign-off (SQLite)",
                baseline=old_query * 1000 if old_query is not None else None,
                target="under 200 ms",
                met=value < 200,
                note=f"{len(pages)} pages and filters, {args.requests} requests each, over HTTP",
            )
            for name, value in worst.items()
        ],
        "stalled_page.md",
    )


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
