"""How long a command that changes a sign-off takes, from the shell's point of view, with a Prefect server:
`signoff draft` (a new revision, then the router's run asked for), `signoff advance` (the same, asked
directly) and `signoff publish` (the publish-signoff run asked for), each run as a fresh process, as a
person or a script runs them. The deployments are registered on a real `prefect server` (SQLite, its
own home) but nothing serves them: a command asks for its run and returns without waiting for it.

Beside them: `signoff --help` (Python, Typer and the command table: it imports every command's module
to list them) and importing Prefect's `run_deployment` alone, which every such command did before issue
#17 (about 2.9 s in all then).

The commands run with their bytecode cached (PYTHONPYCACHEPREFIX in the scratch folder, one untimed run
of each first), as an installed package has it, whatever the environment says: with
PYTHONDONTWRITEBYTECODE set and no cache, every run compiles signoff's own modules from source, which
says more about the checkout than about the command. One row shows `signoff draft` that way too.

Usage: python bench/cli_latency.py [--runs 7]
Writes bench/results/cli_latency.md and cli_latency.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from approval_latency import application
from figures import Figure, machine_note, record

from signoff.adapters.config_files import load_model
from signoff.domain.inspection import Inspection
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.settings import PROJECT_ROOT
from tests.people import HANNAH, OWEN
from tests.publication.reference import ready_to_publish
from tests.support.prefect_server import start_prefect_server

RESULTS = PROJECT_ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
TARGET_S = 1.0
BEFORE_S = 2.9  # issue #17: a command that changed a sign-off, with a Prefect server, before this work
# Run as `nice -n -10 python bench/cli_latency.py` on a shared machine: the commands then get the CPU
# when they want it, as they would on a machine of their own.
NICE_NOTE = f" (this run at nice {os.nice(0)})" if os.nice(0) != 0 else ""
PUBLISHING_DAY = datetime(2023, 12, 21, 10, 0, tzinfo=UTC)


def timed(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    runs: int,
    before: Callable[[int], object] | None = None,
    *,
    warm_up: bool = True,
) -> tuple[list[float], list[float], str]:
    times: list[float] = []
    cpu: list[float] = []
    said = ""
    if warm_up:  # untimed: writes the bytecode cache, as installing the package would have
        if before is not None:
            before(-1)
        subprocess.run(args, env=env, cwd=cwd, capture_output=True, check=False)  # noqa: S603
    for run in range(runs):
        if before is not None:
            before(run)  # untimed: what makes each run a change (a new text to draft)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
        times.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
        if done.returncode != 0:
            raise RuntimeError(f"{args[1:]} failed: {done.stdout}{done.stderr}")
        said = (
            (done.stdout + done.stderr).strip().splitlines()[-1]
            if (done.stdout + done.stderr).strip()
            else ""
        )
    return times, cpu, said


def drafting_signoff(app: Any) -> int:
    """A second report's sign-off, its summary in drafting, for `signoff draft` to revise."""
    reference = load_model(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml", Inspection)
    data = reference.model_dump(mode="json")
    other = Inspection.model_validate(
        {**data, "title": "Another report", "report_url": data["report_url"] + "b/"}
    )
    [signoff_id] = start_signoff(StartSignoff(inspection=other, started_by=OWEN), app.deps)
    return signoff_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        url = f"sqlite:///{scratch / 'signoff.db'}"
        app = application(url, scratch)
        clock = app.deps.clock
        assert isinstance(clock, FixedClock)
        published = ready_to_publish(app)
        drafting = drafting_signoff(app)
        app.engine.dispose()
        server, api = start_prefect_server(scratch, {**os.environ})
        load_at_start = os.getloadavg()[0]
        try:
            env = {
                **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
                "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
                "PREFECT_API_URL": api,
                "PREFECT_HOME": str(scratch / "prefect-client"),
                "SIGNOFF_DATABASE_URL": url,
                "SIGNOFF_VAR_DIR": str(scratch / "var"),
                "SIGNOFF_PUBLISHED_DIR": str(scratch / "published"),
                "SIGNOFF_FROZEN_TIME": PUBLISHING_DAY.isoformat(),
            }
            register = (
                "from flows.signoff_flows import advance_signoff_flow, publish_signoff_flow\n"
                "advance_signoff_flow.to_deployment(name='advance-signoff').apply()\n"
                "publish_signoff_flow.to_deployment(name='publish-signoff').apply()\n"
            )
            subprocess.run([sys.executable, "-c", register], env=env, cwd=PROJECT_ROOT, check=True)  # noqa: S603
            text = scratch / "summary.md"
            text.write_text("A summary.", encoding="utf-8")
            signoff = str(BIN / "signoff")
            commands = {
                "signoff --help": [signoff, "--help"],
                f"signoff draft {drafting} report-summary": [
                    signoff,
                    "draft",
                    str(drafting),
                    "report-summary",
                    "--as",
                    OWEN,
                    "--file",
                    str(text),
                ],
                f"signoff advance {drafting}": [signoff, "advance", str(drafting)],
                f"signoff publish {published}": [signoff, "publish", str(published), "--as", HANNAH],
            }
            rows: list[str] = []
            figures: list[Figure] = []
            for label, command in commands.items():
                new_text = (
                    (lambda run: text.write_text(f"A summary, take {run}.", encoding="utf-8"))
                    if " draft " in label
                    else None
                )
                times, cpu, said = timed(command, env, scratch, args.runs, new_text)
                median = statistics.median(times)
                rows.append(
                    f"| `{label}` | {median:.2f} | {min(times):.2f} | {max(times):.2f} | "
                    f"{statistics.median(cpu):.2f} | {min(cpu):.2f} | {said[:110]} |"
                )
                if " draft " in label:
                    uncached = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
                    del uncached["PYTHONPYCACHEPREFIX"]
                    source_times, source_cpu, _ = timed(
                        command,
                        uncached,
                        scratch,
                        args.runs,
                        lambda run: text.write_text(f"A summary, uncached, take {run}.", encoding="utf-8"),
                        warm_up=False,
                    )
                    rows.append(
                        f"| `{label}`, no bytecode cache (PYTHONDONTWRITEBYTECODE: signoff's modules compiled "
                        f"each run) | {statistics.median(source_times):.2f} | {min(source_times):.2f} | "
                        f"{max(source_times):.2f} | {statistics.median(source_cpu):.2f} | {min(source_cpu):.2f} | |"
                    )
                if label != "signoff --help":
                    figures.append(
                        Figure(
                            what=f"`{label.split(' ')[1]}` with a Prefect server, median of {args.runs}",
                            value=median,
                            unit="s",
                            baseline_what="before issue #17 (the issue's figure)",
                            baseline=BEFORE_S,
                            target=f"under {TARGET_S:.0f} s",
                            met=median < TARGET_S,
                            note=(
                                f"fastest {min(times):.2f} s; its CPU {statistics.median(cpu):.2f} s "
                                f"(median), {min(cpu):.2f} s (least); load average {os.getloadavg()[0]:.1f}"
                            ),
                        )
                    )
            prefect_times, prefect_cpu, _ = timed(
                [sys.executable, "-c", "from prefect.deployments import run_deployment"], env, scratch, 3
            )
            rows.append(
                f"| importing Prefect's `run_deployment` alone (what each command paid before) | "
                f"{statistics.median(prefect_times):.2f} | {min(prefect_times):.2f} | {max(prefect_times):.2f} | "
                f"{statistics.median(prefect_cpu):.2f} | {min(prefect_cpu):.2f} | |"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    table = (
        "### A command that changes a sign-off, with a Prefect server\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} (Python {platform.python_version()}); "
        f"load average {load_at_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end, on "
        f"{os.cpu_count()} cores{NICE_NOTE}: {machine_note(max(load_at_start, os.getloadavg()[0]))}; the "
        "fastest run and the command's own CPU time say most about the command itself.\n\n"
        "| command | median s | fastest s | slowest s | its CPU s (median) | its CPU s (least) | its last line |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n"
        + "\n".join(rows)
        + "\n\nEach command is a fresh process against a SQLite database and a `prefect server` on loopback "
        "whose deployments nothing serves: the command asks for its run (over the REST API, without importing "
        "Prefect) and returns. Commands are imported one at a time (the command table names each command's "
        "module), so `signoff draft` never loads the document renderer, the mail sink or the web app; and "
        "building the application imports no adapter a command does not use (Jinja, the SMTP client, the "
        "bank holidays: `tests/unit/test_cli_imports.py`). Each command ran once untimed first, so its "
        "bytecode was cached as an installed package's is. "
        "`signoff publish` asks for the same run each time (the sign-off's state, and so the run's "
        "idempotency key, does not change until the run publishes).\n"
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cli_latency.md").write_text(table, encoding="utf-8")
    record(
        "cli_latency", "A command that changes a sign-off, with a Prefect server", figures, "cli_latency.md"
    )


if __name__ == "__main__":
    main()
