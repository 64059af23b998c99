"""From a recorded decision to the next person's email, and the memory that 200 waiting sign-offs hold:
`signoff serve` (state in the database, short flow runs started by run_deployment) beside one Prefect
flow per sign-off that waits with pause_flow_run and is resumed with resume_flow_run (default settings);
and the two production shapes beside each other: `signoff serve` against the work-pool shape
(prefect.yaml deployed to a process work pool, `prefect worker start` and `signoff relay`).

All run against the same local `prefect server` and send to the same SMTP server.
Usage: python bench/decision_latency.py [--rounds 5] [--waiting 200]
Writes bench/results/decision_latency.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from figures import Figure, record  # bench/figures.py: scripts run as `python bench/NAME.py`

from signoff.adapters.config_files import load_model
from signoff.adapters.database import upgrade_to_head
from signoff.adapters.mail_sink import free_port
from signoff.bootstrap import Application, bootstrap
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, StartSignoff, SubmitRevision
from signoff.service.handlers.decide import decide
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.settings import PROJECT_ROOT, Settings

# The Prefect server is started as the fault tests start theirs.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.prefect_server import start_prefect_server
from tests.support.work_pool import POOL, deploy_to_work_pool, process_tree

RESULTS = PROJECT_ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
START = datetime(2023, 11, 10, 9, 30, tzinfo=ZoneInfo("Europe/London"))
OWEN = "owen.prescott@cheshire-pcc.example.org"
RACHEL = "rachel.ashworth@cheshire-pcc.example.org"
PRIYA = "priya.mistry@cheshire.police.example.org"


class Counting:
    """An SMTP server's handler that remembers when each recipient's mail arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802, ARG002
        with self.lock:
            self.arrivals.extend((time.monotonic(), r) for r in envelope.rcpt_tos)
        return "250 OK"

    def wait_for(self, recipient: str, after: float, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [t for t, r in self.arrivals if r == recipient and t >= after]
            if found:
                return min(found)
            time.sleep(0.01)
        raise SystemExit(f"no email to {recipient} within {timeout} s")


def rss_mib(*pids: int) -> float:
    """Resident memory of the processes and everything they started (a flow run's process included)."""
    total = 0
    for pid in {p for root in pids for p in process_tree(root)}:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total / 1024


class PeakMemory:
    """The most the processes held at once, sampled every 0.2 s while the rounds run."""

    def __init__(self, *pids: int) -> None:
        self.pids = pids
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, rss_mib(*self.pids))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def waiting_signoffs(root: Path, name: str, count: int, smtp_port: int) -> tuple[Application, list[int]]:
    """A database of its own with `count` sign-offs, each waiting for Rachel's approval of its summary."""
    database = f"sqlite:///{root / f'{name}.db'}"
    upgrade_to_head(database)
    settings = Settings(database_url=database, smtp_host="127.0.0.1", smtp_port=smtp_port)
    app = bootstrap(settings, clock=FixedClock(START))
    load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
    reference = load_model(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml", Inspection)
    ids = []
    for number in range(count):
        inspection = reference.model_copy(update={"title": f"Bench {number}: {reference.title}"})
        [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
        submit_revision(
            SubmitRevision(signoff_id=signoff_id, section="report-summary", author=OWEN, body="Summary."),
            app.deps,
        )
        ids.append(signoff_id)
    return app, ids


def signoff_env(env: dict[str, str], app: Application, smtp_port: int, home: Path) -> dict[str, str]:
    return {
        **env,
        "SIGNOFF_DATABASE_URL": app.settings.database_url,
        "SIGNOFF_SMTP_HOST": "127.0.0.1",
        "SIGNOFF_SMTP_PORT": str(smtp_port),
        "SIGNOFF_FROZEN_TIME": START.isoformat(),
        "PREFECT_HOME": str(home),
    }


def started(
    root: Path, name: str, args: list[str], env: dict[str, str], ready: str
) -> subprocess.Popen[bytes]:
    """A long-running command in a session of its own, once its log says `ready`."""
    log = root / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            args, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_until(lambda: ready in log.read_text(errors="replace"), name)
    return process


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """SIGKILL each and every flow run it started (a worker starts them in sessions of their own)."""
    for process in processes:
        for pid in process_tree(process.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def decisions_to_email(app: Application, ids: list[int], smtp: Counting, pids: list[int]) -> dict[str, Any]:
    """Rachel approves each sign-off's summary and the router is asked for, as the web app does; how long
    until Priya's email arrives. And the memory of the shape's processes: settled before the rounds, and
    the most at once during them (a flow run's process included)."""
    from flows.triggers import trigger_advance

    time.sleep(3)  # let the first scheduled delivery clear what the set-up queued
    settled = rss_mib(*pids)
    latencies = []
    with PeakMemory(*pids) as peak:
        for signoff_id in ids:
            decide(
                Decide(
                    signoff_id=signoff_id, section="report-summary", actor=RACHEL, outcome=Outcome.APPROVE
                ),
                app.deps,
            )
            recorded = time.monotonic()
            said = trigger_advance(app, signoff_id)
            if "advance-signoff run" not in said:
                raise SystemExit(f"the router was not started: {said}")
            latencies.append(smtp.wait_for(PRIYA, recorded) - recorded)
            time.sleep(1)
    return {"latencies": latencies, "memory": settled, "peak": peak.peak}


def signoff_serve(
    root: Path, env: dict[str, str], rounds: int, waiting: int, smtp: Counting, smtp_port: int
) -> dict[str, Any]:
    app, ids = waiting_signoffs(root, "serve", max(waiting, rounds), smtp_port)
    serve_env = signoff_env(env, app, smtp_port, root / "prefect-serve")
    os.environ["PREFECT_API_URL"] = env["PREFECT_API_URL"]
    serve = started(
        root, "serve", [str(BIN / "signoff"), "serve", "--web-port", "0"], serve_env, "being served"
    )
    try:
        return decisions_to_email(app, ids[:rounds], smtp, [serve.pid])
    finally:
        stop(serve)
        app.engine.dispose()


def work_pool(
    root: Path, env: dict[str, str], rounds: int, waiting: int, smtp: Counting, smtp_port: int
) -> dict[str, Any]:
    """The same rounds against the work-pool shape: the repository's prefect.yaml deployed to a process
    work pool (taking over the deployments `signoff serve` made), one worker and one mail relay."""
    app, ids = waiting_signoffs(root, "pool", max(waiting, rounds), smtp_port)
    pool_env = signoff_env(env, app, smtp_port, root / "prefect-pool")
    deploy_to_work_pool(pool_env)
    worker = started(
        root, "worker", [str(BIN / "prefect"), "worker", "start", "--pool", POOL], pool_env, "started!"
    )
    relay = started(root, "relay", [str(BIN / "signoff"), "relay"], pool_env, "ready")
    try:
        return decisions_to_email(app, ids[:rounds], smtp, [worker.pid, relay.pid])
    finally:
        stop(worker, relay)
        app.engine.dispose()


def paused_flows(
    root: Path, env: dict[str, str], rounds: int, waiting: int, smtp: Counting, smtp_port: int
) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run

    os.environ["PREFECT_API_URL"] = env["PREFECT_API_URL"]

    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))

    async def paused_ids() -> list[Any]:
        async with get_client() as client:
            return [run.id for run in await client.read_flow_runs(flow_run_filter=paused, limit=10)]

    async def paused_count() -> int:
        async with get_client() as client:
            return int(await client.count_flow_runs(flow_run_filter=paused))

    def run_flows(count: int) -> subprocess.Popen[bytes]:
        log = (root / f"paused-{count}.log").open("ab")
        return subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(PROJECT_ROOT / "bench" / "paused_flow.py"), str(count), str(smtp_port)],
            env={**env, "PREFECT_HOME": str(root / "prefect-paused")},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    latencies = []
    sizes = []
    for _ in range(rounds):
        process = run_flows(1)
        wait_until(lambda: asyncio.run(paused_count()) == 1, "a paused flow run")
        sizes.append(rss_mib(process.pid))
        resumed = time.monotonic()
        resume_flow_run(asyncio.run(paused_ids())[0])
        latencies.append(smtp.wait_for("next.approver.0@example.org", resumed) - resumed)
        process.wait(timeout=120)
    # Served deployments run each flow run in a process of its own, and a paused run keeps its
    # process for as long as it waits: the memory of `waiting` sign-offs is that many such processes.
    memory = statistics.median(sizes) * waiting
    return {"latencies": latencies, "memory": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--waiting", type=int, default=200)
    args = parser.parse_args()
    smtp = Counting()
    smtp_port = free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SIGNOFF_", "PREFECT_"))},
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        server, api = start_prefect_server(root, env)
        env["PREFECT_API_URL"] = api
        load_before = os.getloadavg()[0]
        try:
            ours = signoff_serve(root, env, args.rounds, args.waiting, smtp, smtp_port)
            pool = work_pool(root, env, args.rounds, args.waiting, smtp, smtp_port)
            theirs = paused_flows(root, env, args.rounds, args.waiting, smtp, smtp_port)
        finally:
            server.kill()
            server.wait()
            controller.stop()
        load_after = os.getloadavg()[0]
    report = (
        f"### Decision to the next person's email, and {args.waiting} sign-offs waiting\n\n"
        "| design | median decision to email | worst | memory while waiting |\n"
        "| --- | ---: | ---: | ---: |\n"
        f"| `signoff serve`: state in the database; its mail relay sends what a commit queued, and "
        "run_deployment starts the router's flow run "
        f"| {statistics.median(ours['latencies']):.2f} s | {max(ours['latencies']):.2f} s "
        f"| {ours['memory']:.0f} MiB (the serve process; the waiting sign-offs are rows) |\n"
        f"| one flow per sign-off, pause_flow_run / resume_flow_run (default settings) "
        f"| {statistics.median(theirs['latencies']):.2f} s | {max(theirs['latencies']):.2f} s "
        f"| {theirs['memory']:.0f} MiB ({args.waiting} paused flow-run processes of "
        f"{theirs['memory'] / args.waiting:.0f} MiB each, as measured for one) |\n\n"
        f"{args.rounds} rounds each, against one local `prefect server` (SQLite) on this machine. A paused "
        "flow learns it was resumed by polling every 10 s (pause_flow_run's default), so it answers in up "
        "to 10 s, and each waiting sign-off keeps a flow run in memory for as long as it waits (weeks). "
        "`signoff serve`'s mail relay looks for newly queued email twice a second and sends it at once; "
        "the router's flow run, asked for by run_deployment, follows within a few seconds (starting its "
        "process is most of that) and finds the email already sent.\n"
    )
    serve_median, pool_median = statistics.median(ours["latencies"]), statistics.median(pool["latencies"])
    noise = (
        f"On a two-core machine shared with other work: load average {load_before:.1f} before the run and "
        f"{load_after:.1f} after it, so a flow run's process takes longer to start than on a quiet machine."
    )
    report += (
        "\n### The two production shapes\n\n"
        "| shape | median decision to email | worst | memory, settled | memory, most during the rounds |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        f"| `signoff serve` (one process: the served flows and the mail relay) | {serve_median:.2f} s "
        f"| {max(ours['latencies']):.2f} s | {ours['memory']:.0f} MiB | {ours['peak']:.0f} MiB |\n"
        f"| the work pool: `prefect worker start --pool signoff` and `signoff relay` | {pool_median:.2f} s "
        f"| {max(pool['latencies']):.2f} s | {pool['memory']:.0f} MiB | {pool['peak']:.0f} MiB |\n\n"
        f"{args.rounds} rounds each, the same Prefect server and SMTP server. In both shapes the mail relay sends "
        "the email the decision's commit queued, so the next approver hears within its half-second look; the "
        "router's flow run follows (a worker asks for runs every 10 s, Prefect's default, and starts a "
        "process for each). Memory is resident memory of the shape's processes and every flow-run process "
        "they started: settled, before the rounds; the most at once while a router run's process is alive. "
        "The web app is not in either (`signoff serve --web-port 0`; `signoff web` is its own process in the "
        f"work-pool shape).\n\n{noise}\n"
    )
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "decision_latency.md").write_text(report, encoding="utf-8")
    ours_median = statistics.median(ours["latencies"])
    theirs_median = statistics.median(theirs["latencies"])
    record(
        "decision_latency",
        "Decision to the next person's email, and sign-offs waiting",
        [
            Figure(
                what="decision to next email, median",
                value=ours_median,
                unit="s",
                baseline_what="pause_flow_run / resume_flow_run",
                baseline=theirs_median,
                target="faster than pause/resume",
                met=ours_median < theirs_median,
                note=f"worst {max(ours['latencies']):.2f} s against {max(theirs['latencies']):.2f} s",
            ),
            Figure(
                what=f"memory of {args.waiting} waiting sign-offs",
                value=ours["memory"],
                unit="MiB",
                baseline_what=f"{args.waiting} paused flow runs",
                baseline=theirs["memory"],
                target="less than paused flows",
                met=ours["memory"] < theirs["memory"],
                note="ours is the one serve process (waiting sign-offs are rows); theirs is measured for "
                "one paused flow-run process and multiplied",
            ),
            Figure(
                what="work pool + relay: decision to next email, median",
                value=pool_median,
                unit="s",
                baseline_what="signoff serve",
                baseline=serve_median,
                target="within 2x of serve's median",
                met=pool_median <= 2 * serve_median,
                note=f"worst {max(pool['latencies']):.2f} s against {max(ours['latencies']):.2f} s. {noise}",
            ),
            Figure(
                what="work pool + relay: memory, settled",
                value=pool["memory"],
                unit="MiB",
                baseline_what="signoff serve",
                baseline=ours["memory"],
                target="within 2x of serve's",
                met=pool["memory"] <= 2 * ours["memory"],
                note=f"the worker and the relay, two processes against one; the most during the rounds "
                f"{pool['peak']:.0f} MiB against {ours['peak']:.0f} MiB (a flow run's process included)",
            ),
        ],
        "decision_latency.md",
    )


if __name__ == "__main__":
    main()
