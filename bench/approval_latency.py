"""The approval POST under load: 20 concurrent clients on loopback against `signoff web` (uvicorn, one
process), on SQLite and on PostgreSQL, beside a bare FastAPI endpoint served the same way in the same run.

Each client signs in once (the real magic-link flow), then approves distinct sign-offs' report summaries
through the JSON API: a real decision each time (row lock, audit event, stage completed, next stage
opened, emails queued in the outbox).

Usage: python bench/approval_latency.py [--decisions 600] [--saturated-decisions 200] [--clients 20]
Writes bench/results/approval_latency.md. PostgreSQL: 127.0.0.1:5432, user postgres (a scratch database
is made and dropped); skipped with a note when no server answers.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import httpx
from figures import Figure, record
from pydantic import BaseModel
from sqlalchemy import select, text

from signoff.adapters.config_files import load_model
from signoff.adapters.database import upgrade_to_head
from signoff.adapters.mail_sink import free_port
from signoff.adapters.orm import outbox
from signoff.bootstrap import Application, bootstrap
from signoff.domain.inspection import Inspection
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff, SubmitRevision
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.settings import PROJECT_ROOT, Settings

# The scratch database is made and dropped as the fault tests make theirs.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.prefect_server import scratch_postgres

RESULTS = PROJECT_ROOT / "bench" / "results"
SIGNOFF = str(Path(sys.executable).parent / "signoff")
START = datetime(2023, 11, 10, 9, 30, tzinfo=ZoneInfo("Europe/London"))
OWEN = "owen.prescott@cheshire-pcc.example.org"
RACHEL = "rachel.ashworth@cheshire-pcc.example.org"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"  # noqa: S105 - a throwaway server's key
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# ----- databases -----


@contextmanager
def scratch_databases(folder: Path) -> Iterator[list[tuple[str, str | None, str]]]:
    """[(name, url or None, note)]: a SQLite file, and a scratch PostgreSQL database (dropped after)."""
    sqlite_db: tuple[str, str | None, str] = ("SQLite", f"sqlite:///{folder / 'bench.db'}", "WAL, one file")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_postgres("signoff_bench", SERVER))
            postgres: tuple[str, str | None, str] = ("PostgreSQL", url, "local server")
        except Exception as error:
            postgres = ("PostgreSQL", None, f"skipped: {type(error).__name__}")
        yield [sqlite_db, postgres]


def application(url: str, folder: Path) -> Application:
    upgrade_to_head(url)
    settings = Settings(database_url=url, config_dir=PROJECT_ROOT / "config", var_dir=folder / "var")
    app = bootstrap(settings, clock=FixedClock(START))
    load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
    return app


def waiting_for_rachel(app: Application, count: int) -> list[int]:
    """`count` sign-offs, each with a drafted report summary that waits for the chief executive."""
    reference = load_model(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml", Inspection)
    ids: list[int] = []
    for n in range(count):
        inspection = reference.model_copy(update={"title": f"Bench {n}: {reference.title}"})
        [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
        submit_revision(
            SubmitRevision(
                signoff_id=signoff_id, section="report-summary", author=OWEN, body=f"Summary {n}."
            ),
            app.deps,
        )
        ids.append(signoff_id)
    return ids


def settle(app: Application) -> None:
    """Before each measured run, what pgbench does before its own: the database's housekeeping for what
    the seeding and the last run wrote (PostgreSQL: vacuum, statistics, a checkpoint; SQLite: the WAL
    copied back into the file), so that it does not fall inside the run by chance. And the load
    generator's own heap put out of its garbage collector's reach: its pauses would count as latency."""
    if app.engine.dialect.name == "postgresql":
        with app.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # not in a transaction
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("CHECKPOINT"))
    else:
        # A connection of its own: the engine's begins every transaction with BEGIN IMMEDIATE.
        database = sqlite3.connect(str(app.engine.url.database), isolation_level=None)
        try:
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            database.close()
    gc.collect()
    gc.freeze()


# ----- servers -----


@contextmanager
def web_process(
    database_url: str, folder: Path, frozen: datetime = START, smtp_port: int | None = None
) -> Iterator[str]:
    """`signoff web` in its own process (its own interpreter: the load generator's threads share no GIL).

    With `smtp_port`, its mail relay renders and sends every email the decisions queue, in the same
    process, during the run: the cost of an email is counted as it is in `signoff serve`.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_FROZEN_TIME": frozen.isoformat(),
        "SIGNOFF_SECRET_KEY": SECRET,
        "SIGNOFF_BASE_URL": base,
        "SIGNOFF_VAR_DIR": str(folder / "var"),
        # A sign-in link per client would trip the limits meant for people.
        "SIGNOFF_SIGN_IN_REQUESTS_PER_CLIENT": "1000",
    }
    env.pop("SIGNOFF_SMTP_HOST", None)
    if smtp_port is not None:
        env.update({"SIGNOFF_SMTP_HOST": "127.0.0.1", "SIGNOFF_SMTP_PORT": str(smtp_port)})
    log = (folder / f"web-{port}.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command
        [SIGNOFF, "web", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_until_up(f"{base}/sign-in", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@contextmanager
def relay_process(database_url: str, folder: Path, smtp_port: int) -> Iterator[None]:
    """`signoff serve --web-port 0` beside the web process: its mail relay renders and sends every email
    the decisions queue, just after each commits, in a process of its own (the production layout)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SIGNOFF_", "PREFECT_"))},
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_FROZEN_TIME": START.isoformat(),
        "SIGNOFF_SMTP_HOST": "127.0.0.1",
        "SIGNOFF_SMTP_PORT": str(smtp_port),
        "PREFECT_HOME": str(folder / "prefect"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    log_path = folder / f"relay-{smtp_port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command
        # The default schedules: delivery every minute, the sweep every 15.
        [SIGNOFF, "serve", "--web-port", "0"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # so that its ephemeral Prefect server goes with it
    )
    try:
        deadline = time.monotonic() + 120
        while "ready" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"signoff serve did not start: {log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        # "ready" comes before its first flow run starts Prefect's temporary server, which then takes a
        # whole core for ten seconds or more: that start-up is not the steady state being measured.
        wait_until_idle(process.pid)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()  # it was stopping gracefully too slowly; nothing of the run is left to do
            process.wait(timeout=10)
        # Its ephemeral Prefect server is a child process: left behind, it would load every later run.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def wait_until_idle(session: int, share: float = 0.1, timeout: float = 180) -> None:
    """Until the processes of `session` (a session id) together use under `share` of a CPU over two seconds."""
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds() -> float:
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # it ended while we looked
            fields = stat[stat.rindex(")") + 2 :].split()  # after the command's name, which may hold spaces
            if int(fields[3]) == session:
                total += int(fields[11]) + int(fields[12])  # user and system time
        return total / ticks

    deadline = time.monotonic() + timeout
    used = cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(2.0)
        now = cpu_seconds()
        if now - used < 2.0 * share:
            return
        used = now
    raise SystemExit(f"signoff serve was still busy after {timeout:.0f} s")


@contextmanager
def bare_process() -> Iterator[str]:
    """A FastAPI app with one POST endpoint and nothing else, under the same uvicorn settings."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--serve-bare", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


class BareBody(BaseModel):
    outcome: str
    comment: str = ""


def serve_bare(port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/decisions", status_code=201)
    def decisions(body: BareBody) -> dict[str, str]:
        return {"outcome": body.outcome}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}) before answering {url}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within 60 s")


# ----- signing in, as a person does -----


def signed_in_client(base: str, app: Application, email: str) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a session for `email`: ask for a link, take it from the outbox, press the button."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        form = client.get("/sign-in")
        token = _csrf(form.text)
        client.post("/sign-in", data={"email": email, "next": "/tasks", "csrf_token": token})
        with app.engine.connect() as connection:
            context = connection.execute(
                select(outbox.c.context)
                .where(outbox.c.event == "sign_in_link", outbox.c.recipient_email == email)
                .order_by(outbox.c.id.desc())
            ).scalar_one()
        path = str(context["sign_in_url"]).removeprefix(base)
        confirm = client.get(path)
        done = client.post(path, data={"csrf_token": _csrf(confirm.text)})
        assert done.status_code == 303, done.text
        session = client.get("/api/session").json()
        return dict(client.cookies.items()), {"X-CSRF-Token": session["csrf_token"]}


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


# ----- load -----


def run_load(
    base: str,
    clients: int,
    jobs: list[str],
    body: dict[str, str],
    cookies: dict[str, str],
    headers: dict[str, str],
    think_ms: float = 0.0,
) -> Measured:
    """POST each path once, `clients` at a time: the latencies, the wall time, the status codes, and how
    long the disk took to flush, probed ten times a second meanwhile.

    With `think_ms`, each client pauses a random 0 to 2 x think_ms before each request, as a person does
    between two approvals; without, each sends its next request the moment the last one returns.
    """
    latencies: list[float] = []
    statuses = Counter()
    lock = threading.Lock()
    queue = list(reversed(jobs))
    barrier = threading.Barrier(clients)

    def worker() -> None:
        with httpx.Client(base_url=base, cookies=cookies, headers=headers, timeout=30) as client:
            client.get("/health" if "/api/" not in jobs[0] else "/api/session")  # warm the connection
            barrier.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop()
                if think_ms:
                    time.sleep(random.uniform(0, 2 * think_ms) / 1000)  # noqa: S311 - pacing, not secrets
                started = time.perf_counter()
                response = client.post(path, json=body)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses.add(response.status_code)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    with FlushProbe(scratch_disk(), interval=0.1) as disk:
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    return Measured(latencies, wall, statuses, disk.taken)


class Measured(NamedTuple):
    latencies: list[float]  # ms
    wall: float  # s
    statuses: Counter
    flushes: list[float]  # ms, the disk probe's during the run


class Counter(dict[int, int]):
    def add(self, key: int) -> None:
        self[key] = self.get(key, 0) + 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def row(name: str, measured: Measured) -> str:
    latencies = measured.latencies
    return (
        f"| {name} | {len(latencies)} | {statistics.median(latencies):.1f} | {percentile(latencies, 0.99):.1f} "
        f"| {max(latencies):.1f} | {len(latencies) / measured.wall:.0f} | "
        + ", ".join(f"{code}: {n}" for code, n in sorted(measured.statuses.items()))
        + f" | {max(measured.flushes, default=0.0):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # The 99th percentile of 600 is the sixth-slowest request; of 200 it would be the second-slowest, which
    # swings by tens of milliseconds from one run to the next.
    parser.add_argument("--decisions", type=int, default=600, help="Decisions per paced run.")
    parser.add_argument(
        "--saturated-decisions", type=int, default=200, help="Decisions in the back-to-back run."
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--think-ms", type=float, default=1000.0, help="The paced run's average pause.")
    parser.add_argument("--serve-bare", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    lines: list[str] = []
    RELAYED = f"paced, {args.think_ms:.0f} ms average pause, with the mail relay sending beside it"  # noqa: N806
    modes = [("back to back", 0.0), (f"paced, {args.think_ms:.0f} ms average pause", args.think_ms)]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        bare_results: dict[str, list[float]] = {}
        with bare_process() as bare:
            for mode, think in modes:
                jobs = ["/decisions"] * (args.decisions if think else args.saturated_decisions)
                measured = run_load(bare, args.clients, jobs, {"outcome": "approve"}, {}, {}, think)
                lines.append(row(f"bare FastAPI endpoint, {mode}", measured))
                bare_results[mode] = measured.latencies
        results: dict[tuple[str, str], list[float]] = {}
        sink = SinkProcess()
        sink.start()
        sent = 0
        with scratch_databases(folder) as databases:
            for name, url, note in databases:
                if url is None:
                    lines.append(f"| approval POST, {name} | {note} | | | | | | |")
                    continue
                app = application(url, folder)
                try:
                    seeded = 2 * args.decisions + args.saturated_decisions
                    print(f"{name}: seeding {seeded} sign-offs...", flush=True)
                    ids = iter(waiting_for_rachel(app, seeded))
                    with web_process(url, folder) as base:
                        cookies, headers = signed_in_client(base, app, RACHEL)

                        def measure(
                            label: str,
                            think: float,
                            ids: Iterator[int] = ids,
                            cookies: dict[str, str] = cookies,
                            headers: dict[str, str] = headers,
                            name: str = name,
                            app: Application = app,
                        ) -> None:
                            jobs = [
                                f"/api/signoffs/{next(ids)}/sections/report-summary/decisions"
                                for _ in range(args.decisions if think else args.saturated_decisions)
                            ]
                            settle(app)
                            measured = run_load(
                                base, args.clients, jobs, {"outcome": "approve"}, cookies, headers, think
                            )
                            lines.append(row(f"approval POST, {name}, {label}", measured))
                            results[(name, label)] = measured.latencies

                        for mode, think in modes:
                            measure(mode, think)
                        # The same paced load while `signoff serve` renders and sends every email the
                        # decisions queue, beside the web process on this machine's two cores.
                        with relay_process(url, folder, sink.port):
                            # First the earlier runs' emails, and serve's first sweep and delivery runs:
                            # the measurement is of the steady state, with only its own emails to send.
                            wait_for_delivery(app)
                            time.sleep(5)
                            measure(RELAYED, args.think_ms)
                            wait_for_delivery(app)
                        with app.deps.new_unit_of_work() as uow:
                            sent += uow.outbox.counts().get("sent", 0)
                finally:
                    app.engine.dispose()
    report = "\n".join(
        [
            "# Approval POST latency",
            "",
            f"Run {datetime.now(ZoneInfo('Europe/London')):%Y-%m-%d %H:%M} on {platform.node()} "
            f"({os.cpu_count()} CPUs, Python {platform.python_version()}, load average {_load()} at the end, "
            "1/5/15 min): `python bench/approval_latency.py "
            f"--decisions {args.decisions} --saturated-decisions {args.saturated_decisions} "
            f"--clients {args.clients} --think-ms {args.think_ms:.0f}`.",
            "",
            f"{args.clients} concurrent clients (threads with keep-alive connections) on loopback against one "
            "uvicorn process (`signoff web`). Each approval is a real decision through the JSON API with its "
            "session cookie and CSRF header: it locks the sign-off, records the decision and its audit event, "
            "completes the stage, opens the next and queues its emails, in one transaction. The bare endpoint "
            "validates a body and answers: the floor this machine, uvicorn and FastAPI set. A decision queues "
            "its emails; they are rendered and sent just after it commits, by the mail relay of `signoff "
            "serve`. In the last run of each database `signoff serve --web-port 0` does that beside the web "
            f"process (to a local SMTP sink: {sent:,} emails in all), on the same two cores as the web "
            "process and the load generator.",
            "",
            "Back to back, 20 clients keep the one process saturated: the latency is the queue of 20 "
            "requests. Paced, each client is a person who pauses about a second between approvals; the "
            "target is held against the paced run with the relay sending beside it (the whole system on "
            "this machine).",
            "",
            "| what | requests | median ms | p99 ms | max ms | per second | statuses | slowest disk flush ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            *lines,
            "",
            "Target: p99 under 100 ms, for the paced runs (people pausing between approvals).",
            "",
            "Both databases wait at every commit for their log to reach the disk (PostgreSQL's WAL; SQLite's "
            "WAL, as its default synchronous=FULL does), so a slow flush holds up every commit behind it: "
            "an approval is acknowledged only once it would survive a power cut. The last column is the "
            "slowest flush of a probe that wrote 8 KiB and called fdatasync ten times a second during the "
            "run, on the PostgreSQL server's disk. It is usually a few milliseconds on this virtual machine; "
            "earlier runs met flushes of up to 137 ms, which no code above the disk can hide. "
            "The same probe, a hundred times a second on the idle machine after the runs: "
            + disk_flushes(scratch_disk())
            + ".",
            "",
        ]
    )
    sink.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "approval_latency.md").write_text(report, encoding="utf-8")
    print(report)
    paced = modes[1][0]
    relayed = {name: lat for (name, mode), lat in results.items() if mode == RELAYED}
    figures = []
    # The latencies are in milliseconds already.
    bare_p99 = percentile(bare_results[paced], 0.99) if paced in bare_results else None
    for name, latencies in relayed.items():
        alone = results.get((name, paced), [0.0])
        saturated = results.get((name, modes[0][0]), [0.0])
        for what, measured, note in (
            (
                f"approval POST p99, {name}, {args.clients} clients",
                alone,
                f"median {statistics.median(alone):.0f} ms; each client pauses about a second; "
                f"back to back (20 clients saturating one process) p99 "
                f"{percentile(saturated, 0.99):.0f} ms: the queue of 20 requests",
            ),
            (
                f"the same, the mail relay sending beside it, {name}",
                latencies,
                f"median {statistics.median(latencies):.0f} ms; `signoff serve` renders and sends "
                "the decisions' emails on the same two cores as the web process and the load generator",
            ),
        ):
            p99 = percentile(measured, 0.99)
            figures.append(
                Figure(
                    what=what,
                    value=p99,
                    unit="ms",
                    baseline_what="bare FastAPI endpoint, p99, same pacing",
                    baseline=bare_p99,
                    target="p99 under 100 ms",
                    met=p99 < 100,
                    note=note if p99 < 100 else f"missed by {p99 - 100:.0f} ms ({p99 / 100 - 1:.0%}); {note}",
                )
            )
    record("approval_latency", "Approval POST latency, 20 clients", figures, "approval_latency.md")


class SinkProcess:
    """A local SMTP server that accepts and drops, in its own process (aiosmtpd's Sink handler), so that
    receiving mail takes nothing from the load generator's process."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own venv's aiosmtpd
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-c",
                "aiosmtpd.handlers.Sink",
                "-l",
                f"127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)


def wait_for_delivery(app: Application, timeout: float = 120) -> None:
    """Until the relay has rendered and sent everything the run queued."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.deps.new_unit_of_work() as uow:
            if not uow.outbox.any_due(app.deps.clock.now()):
                return
        time.sleep(0.5)
    raise SystemExit("the web process's relay did not deliver the run's emails")


def scratch_disk() -> Path:
    """The PostgreSQL server's folder where this process may write there (its disk), else the temp folder."""
    if os.access("/var/lib/postgresql", os.W_OK):
        return Path("/var/lib/postgresql")
    return Path(tempfile.gettempdir())


class FlushProbe:
    """In a thread, times an fdatasync of one 8 KiB write every `interval` seconds in `folder` (ms)."""

    def __init__(self, folder: Path, interval: float) -> None:
        self.taken: list[float] = []
        self._path = folder / f"signoff-bench-flush-{os.getpid()}-{threading.get_ident()}"
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FlushProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        handle = os.open(self._path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while not self._stopping.wait(self._interval):
                os.write(handle, b"x" * 8192)
                started = time.perf_counter()
                os.fdatasync(handle)  # releases the GIL: the load generator's threads go on meanwhile
                self.taken.append((time.perf_counter() - started) * 1000)
        finally:
            os.close(handle)
            self._path.unlink()


def disk_flushes(folder: Path, seconds: float = 20.0) -> str:
    """How long an fdatasync of one 8 KiB write takes, a hundred times a second for `seconds`."""
    with FlushProbe(folder, interval=0.01) as probe:
        time.sleep(seconds)
    taken = probe.taken
    return (
        f"{len(taken):,} flushes (fdatasync) in {folder}: median {statistics.median(taken):.2f} ms, "
        f"p99 {percentile(taken, 0.99):.1f} ms, p99.9 {percentile(taken, 0.999):.1f} ms, "
        f"slowest {max(taken):.0f} ms"
    )


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
