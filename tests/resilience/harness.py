"""The pieces of the fault tests: a scratch PostgreSQL database, `signoff serve` as a real process that can
be killed, a Prefect server, a bot that drives many sign-offs through their whole lifecycle, and the
counts that must hold at the end (every decision kept, every email sent exactly once)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from pydantic import HttpUrl
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from signoff.adapters.config_files import load_model
from signoff.adapters.mail_sink import free_port
from signoff.adapters.orm import decisions, outbox, publications
from signoff.bootstrap import Application, bootstrap
from signoff.domain.errors import SignoffError
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, PublishSignoff, StartSignoff, SubmitRevision
from signoff.service.handlers.decide import decide
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.signoff_read import signoff_detail
from signoff.settings import PROJECT_ROOT, Settings
from tests.people import OWEN
from tests.smtp_server import SmtpServer
from tests.support.prefect_server import postgres_server_url, seed_prefect_home
from tests.support.prefect_server import scratch_postgres as shared_scratch_postgres
from tests.support.prefect_server import start_prefect_server as shared_start_prefect_server
from tests.support.work_pool import POOL, process_tree

BIN = Path(sys.executable).parent
REFERENCE = PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml"
LONDON = ZoneInfo("Europe/London")
START = datetime(2023, 11, 10, 9, 30, tzinfo=LONDON)
# The offices of the north-west region: one inspection starts a sign-off for each.
REGION = ["cheshire-pcc", "cumbria-pcc", "greater-manchester-mayor", "lancashire-pcc", "merseyside-pcc"]


# What each resilience test counted, printed at the end of the run (tests/resilience/conftest.py).
REPORTED: list[str] = []


def report(line: str) -> None:
    print(line)
    REPORTED.append(line)


# ----- a scratch PostgreSQL database -----


def scratch_postgres(server: str | None = None) -> AbstractContextManager[str]:
    """A migrated database of its own on the suite's PostgreSQL server (or `server`'s), dropped afterwards."""
    return shared_scratch_postgres("signoff_fault", server)


def postgres_version() -> str | None:
    """The local PostgreSQL's version, when this machine can make, stop and start clusters (Debian's
    pg_createcluster and pg_ctlcluster, as root)."""
    clusters = Path("/etc/postgresql")
    tools = ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster")
    if os.geteuid() != 0 or not all(shutil.which(t) for t in tools) or not clusters.is_dir():
        return None
    versions = sorted(p.name for p in clusters.iterdir())
    return versions[0] if versions else None


@dataclass(frozen=True)
class Cluster:
    """A PostgreSQL cluster of a test's own: `url` names its `postgres` database."""

    version: str
    name: str
    url: str


@contextmanager
def private_postgres_cluster(version: str) -> Iterator[Cluster]:
    """A cluster of the test's own on a free loopback port, trusting local connections as the suite's
    server does, dropped afterwards: a test that stops it touches no other test's database, so it can run
    beside them."""
    name = f"signoff_fault_{uuid.uuid4().hex[:8]}"
    port = free_port()
    subprocess.run(
        ["pg_createcluster", version, name, "--port", str(port), "--", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    try:
        cluster = Cluster(version, name, f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
        _pg_ctlcluster(cluster, "start")
        wait_until(
            lambda: _postgres_answers(cluster.url), f"PostgreSQL cluster {name} to accept connections", 60
        )
        yield cluster
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, name], check=False, capture_output=True)


def restart_postgres(cluster: Cluster, down_seconds: float) -> None:
    """Stop the cluster (every connection drops), wait, start it again."""
    _pg_ctlcluster(cluster, "stop", "--mode", "fast")
    time.sleep(down_seconds)
    _pg_ctlcluster(cluster, "start")
    wait_until(lambda: _postgres_answers(cluster.url), "PostgreSQL to accept connections again", 60)


def _pg_ctlcluster(cluster: Cluster, action: str, *options: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster.version, cluster.name, action, *options],
        check=True,
        capture_output=True,
    )


def _postgres_answers(url: str) -> bool:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# ----- processes: signoff serve and a Prefect server -----


@dataclass
class Processes:
    """Real processes in their own sessions, so that a SIGKILL takes their children too."""

    root: Path
    env: dict[str, str]
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.root / f"{name}.log").open("ab")
        self.logs.append(log)
        process = subprocess.Popen(
            args,
            env=env or self.env,
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                self.kill(process)
        for log in self.logs:
            log.close()


class Serve:
    """One `signoff serve`; `kill` is SIGKILL, with no chance to tidy up."""

    def __init__(self, processes: Processes, name: str, env: dict[str, str]) -> None:
        self.processes = processes
        self.name = name
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        self.starts += 1
        log_name = f"{self.name}-{self.starts}"
        self.process = self.processes.start(
            log_name,
            [
                str(BIN / "signoff"),
                "serve",
                # The relay inside sends each email within a moment of its commit (and takes up what a
                # killed deliverer had leased once its lease runs out); the deliver-mail flow is the
                # backstop, every 5 minutes in production, every 10 s here so that a run sees several
                # (every 2 s, as before, ran flows that found nothing to send: test_faults and
                # test_fault_prefect_restart took 90 s together, now 76 s, on the quiet machine).
                "--deliver-seconds",
                "10",
                "--sweep-minutes",
                "1",
                "--web-port",
                "0",
            ],
            self.env,
        )
        process = self.process

        def ready() -> bool:
            assert process.poll() is None, self.processes.log(log_name)
            log = self.processes.log(log_name)
            # Ephemeral mode says "ready"; against a Prefect server, Prefect's runner says it is serving.
            return "ready" in log or "deployments are being served" in log

        wait_until(ready, f"{log_name} to serve")

    def kill(self) -> None:
        assert self.process is not None
        Processes.kill(self.process)
        self.kills += 1
        self.process = None


# How long a stopped worker has to end before it is killed (systemd's TimeoutStopSec is 90 s; the test is shorter).
STOP_TIMEOUT_SECONDS = 45


class Worker:
    """One `prefect worker start --pool signoff`, as on a machine of its own (a Prefect home of its own).

    A process worker starts each flow run in a session of its own: `kill` (the machine lost) and `stop`
    (`systemctl stop`, which signals the unit's whole control group) reach those processes too.
    """

    def __init__(self, processes: Processes, name: str, env: dict[str, str]) -> None:
        self.processes = processes
        self.name = name
        self.env = {**env, "PREFECT_HOME": str(processes.root / name)}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.launch()
        self.wait_until_polling()

    def launch(self) -> None:
        self.starts += 1
        self.process = self.processes.start(
            self.log_name,
            [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", self.name],
            self.env,
        )

    def wait_until_polling(self) -> None:
        process = self.process
        assert process is not None

        def ready() -> bool:
            assert process.poll() is None, self.processes.log(self.log_name)
            return "started!" in self.processes.log(self.log_name)

        wait_until(ready, f"{self.log_name} to poll the pool")

    @property
    def log_name(self) -> str:
        return f"{self.name}-{self.starts}"

    def flow_runs_in_flight(self) -> int:
        """How many processes the worker has started that are still alive (each is a flow run's)."""
        return 0 if self.process is None else len(process_tree(self.process.pid)) - 1

    def kill(self) -> None:
        """SIGKILL the worker and every flow run it started: nothing of theirs reports anything again."""
        assert self.process is not None
        tree = self._frozen_tree()
        for pid in tree:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> bool:
        """SIGTERM to the worker and its flow runs, as `systemctl stop` sends it; they end by themselves, or,
        as systemd does after its stop timeout, are killed. Whether they had to be (Prefect's worker now
        and then misses the SIGINT it sends itself on SIGTERM, and polls on)."""
        assert self.process is not None
        for pid in process_tree(self.process.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            return True
        self.process = None
        return False

    def _frozen_tree(self) -> list[int]:
        """Every process of the worker's, stopped (SIGSTOP) so that none starts another meanwhile."""
        assert self.process is not None
        stopped: set[int] = set()
        while unstopped := [pid for pid in process_tree(self.process.pid) if pid not in stopped]:
            for pid in unstopped:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
                stopped.add(pid)
        return sorted(stopped)


def start_prefect_server(
    processes: Processes,
    port: int | None = None,
    *,
    database_url: str | None = None,
    settings: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """A Prefect server among the processes (its log kept, killable with the rest); on SQLite under the
    processes' root, or on the PostgreSQL database `database_url` names (see `empty_postgres`); with
    `settings` (Prefect's environment variables) besides."""
    env = {**processes.env, **(settings or {})}
    if database_url:
        env = {**env, "PREFECT_API_DATABASE_CONNECTION_URL": database_url}
    return shared_start_prefect_server(
        processes.root,
        env,
        port=port,
        launch=lambda args, env: processes.start("prefect-server", args, env),
    )


@contextmanager
def empty_postgres(prefix: str) -> Iterator[str]:
    """An empty database of its own on the suite's PostgreSQL server, for a Prefect server (which makes its
    own tables), as Prefect names it (asyncpg); dropped afterwards even if in use."""
    address = make_url(postgres_server_url())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(address.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield address.set(drivername="postgresql+asyncpg", database=name).render_as_string(
                hide_password=False
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def prefect_api(api: str, path: str, body: dict[str, Any]) -> Any:
    """A POST to the Prefect server's REST API, its JSON answer."""
    request = urllib.request.Request(  # noqa: S310 - the test's own server on loopback
        f"{api}/{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def config_for_faults(root: Path) -> Path:
    """The shipped config with quick retries and short leases, so that recovery fits in a test."""
    config = root / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    rules = (config / "notifications.yaml").read_text(encoding="utf-8")
    for slow, quick in (
        ("lease_seconds: 300", "lease_seconds: 10"),
        ("first_retry_seconds: 60", "first_retry_seconds: 1"),
        ("max_retry_seconds: 3600", "max_retry_seconds: 2"),
        ("max_attempts: 8", "max_attempts: 50"),
    ):
        assert slow in rules, slow
        rules = rules.replace(slow, quick)
    (config / "notifications.yaml").write_text(rules, encoding="utf-8")
    return config


def process_env(root: Path, database_url: str, config: Path, smtp_port: int) -> dict[str, str]:
    """The environment of the rig's processes; their Prefect home seeded with a migrated database (for
    `signoff serve`'s ephemeral server)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SIGNOFF_", "PREFECT_"))}
    return {
        **base,
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_CONFIG_DIR": str(config),
        "SIGNOFF_PUBLISHED_DIR": str(root / "published"),
        # No frozen clock for the servers: leases must expire for a killed deliverer's mail to be taken
        # up again. Their sweeps then find the 2023 sign-offs overdue and send those notices too.
        "SIGNOFF_SMTP_HOST": "127.0.0.1",
        "SIGNOFF_SMTP_PORT": str(smtp_port),
        "PREFECT_HOME": str(seed_prefect_home(root / "prefect")),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


# ----- the workload: many sign-offs driven through their whole lifecycle -----


@dataclass
class Tally:
    decisions: int = 0
    changes_requested: int = 0
    revisions: int = 0
    published: int = 0
    refused: Counter[str] = field(default_factory=Counter)


class Bot:
    """Plays every person of every office: drafts what waits for a draft, decides what waits for a
    decision (asking for changes now and then), publishes what is ready. Each step is a handler call,
    as the CLI or the web app makes it; nothing here talks to `signoff serve`."""

    def __init__(self, app: Application, clock: FixedClock, seed: int) -> None:
        self.app = app
        self.clock = clock
        self.random = random.Random(seed)  # noqa: S311 - a reproducible run, not a secret
        self.tally = Tally()

    def start(self, count: int) -> list[int]:
        reference = load_model(REFERENCE, Inspection)
        # The reference's only finding names Cheshire's lead; the other forces' leads are found by role.
        findings = [f.model_copy(update={"lead": None}) for f in reference.findings]
        ids: list[int] = []
        for number in range((count + len(REGION) - 1) // len(REGION)):
            inspection = reference.model_copy(
                update={
                    "title": f"Resilience run {number + 1}: {reference.title}",
                    # A report is known by its address: each run's is its own.
                    "report_url": HttpUrl(f"{reference.report_url}run-{number + 1}/"),
                    "findings": findings,
                    "respond_for": REGION,
                }
            )
            ids += start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), self.app.deps)
        return ids[:count]

    def step(self, signoff_id: int) -> bool:
        """Do one thing the sign-off waits for; False when it waits for nothing (published)."""
        deps = self.app.deps
        detail = signoff_detail(signoff_id, deps)
        if detail.state == "published":
            return False
        if detail.state == "ready_to_publish":
            with deps.new_unit_of_work() as uow:
                [admin, *_] = uow.directory.roster().admins_of(detail.pcc)
            publish_signoff(PublishSignoff(signoff_id=signoff_id, by=admin.email), deps)
            self.tally.published += 1
            return True
        stage = next(s for s in detail.stages if s.state == "open")
        for section in stage.sections:
            if not section.holders:
                continue
            who = section.holders[0].rsplit("<", 1)[-1].rstrip(">")
            if section.state in ("drafting", "changes_requested"):
                body = f"Revision {section.revision + 1 if section.revision else 1} of {section.key}: " + (
                    "text " * self.random.randint(5, 40)
                )
                submit_revision(
                    SubmitRevision(signoff_id=signoff_id, section=section.key, author=who, body=body), deps
                )
                self.tally.revisions += 1
                return True
            if section.state == "in_approval":
                changes = self.random.random() < 0.15 and (section.revision or 0) < 2
                outcome = Outcome.REQUEST_CHANGES if changes else Outcome.APPROVE
                decide(
                    Decide(
                        signoff_id=signoff_id,
                        section=section.key,
                        actor=who,
                        outcome=outcome,
                        comment="Please add the grade." if changes else "",
                    ),
                    deps,
                )
                self.tally.decisions += 1
                self.tally.changes_requested += changes
                return True
        raise AssertionError(f"sign-off #{signoff_id} waits for nobody in stage {stage.key}")

    def run(self, ids: list[int], on_step: Callable[[int], None] | None = None) -> None:
        """Round-robin over the sign-offs until every one is published."""
        active = list(ids)
        steps = 0
        while active:
            for signoff_id in list(active):
                try:
                    moved = self.step(signoff_id)
                except SignoffError as error:  # never expected: the bot only does what is asked of it
                    raise AssertionError(f"sign-off #{signoff_id}: {error.message}") from error
                if not moved:
                    active.remove(signoff_id)
                steps += 1
                if on_step:
                    on_step(steps)


def application(database_url: str, config: Path, root: Path) -> tuple[Application, FixedClock]:
    clock = FixedClock(START)
    settings = Settings(
        database_url=database_url,
        config_dir=config,
        var_dir=root / "var",
        published_dir=root / "published",
    )
    app = bootstrap(settings, clock=clock)
    load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
    return app, clock


# ----- the counts that must hold -----


def in_flight(app: Application) -> set[str]:
    """The Message-IDs of emails claimed for sending but not yet recorded as sent.

    Taken just after a fault: the SMTP server may have accepted some of them before the deliverer died
    (or lost its database), and nothing can tell which, so those may arrive twice. No other can.
    """
    with app.engine.connect() as connection:
        messages = connection.execute(select(outbox.c.message).where(outbox.c.state == "sending")).scalars()
        return {_message_id(m) for m in messages if m}


@dataclass(frozen=True)
class Counts:
    signoffs: int
    published: int
    decisions_recorded: int
    decisions_made: int
    emails_queued: int
    emails_sent: int
    emails_received: int
    duplicates_received: int
    duplicates_cut_off: int
    lost: int

    def line(self) -> str:
        return (
            f"sign-offs {self.signoffs}, published {self.published}; decisions made {self.decisions_made}, "
            f"recorded {self.decisions_recorded}; emails queued {self.emails_queued}, sent "
            f"{self.emails_sent}, received {self.emails_received} ({self.emails_received - self.duplicates_received} "
            f"distinct); received twice {self.duplicates_received}, of which cut off mid-delivery by a "
            f"fault {self.duplicates_cut_off}; lost {self.lost}"
        )


def counts(
    app: Application, ids: list[int], bot: Bot, smtp: SmtpServer, cut_off: set[str] | None = None
) -> Counts:
    with app.engine.connect() as connection:
        queued = connection.execute(select(outbox.c.message)).scalars().all()
        sent = connection.scalar(select(func.count()).select_from(outbox).where(outbox.c.state == "sent"))
        recorded = connection.scalar(select(func.count()).select_from(decisions))
        published = connection.scalar(select(func.count()).select_from(publications))
    expected_ids = Counter(_message_id(m) for m in queued if m)
    received_ids = Counter(str(m["Message-ID"]) for m in smtp.inbox.messages)
    return Counts(
        signoffs=len(ids),
        published=int(published or 0),
        decisions_recorded=int(recorded or 0),
        decisions_made=bot.tally.decisions,
        emails_queued=len(queued),
        emails_sent=int(sent or 0),
        emails_received=sum(received_ids.values()),
        duplicates_received=sum(n - 1 for n in received_ids.values() if n > 1),
        duplicates_cut_off=sum(
            n - 1 for key, n in received_ids.items() if n > 1 and key in (cut_off or set())
        ),
        lost=sum(1 for key in expected_ids if key not in received_ids),
    )


def _message_id(message: bytes) -> str:
    for line in message.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
        if not line:
            break
    raise AssertionError("a queued message has no Message-ID")


def wait_for_all_mail(app: Application, smtp: SmtpServer, timeout: float = 120) -> None:
    def delivered() -> bool:
        with app.engine.connect() as connection:
            waiting = connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.state != "sent")
            )
            total = connection.scalar(select(func.count()).select_from(outbox))
        return waiting == 0 and len(smtp.inbox.messages) >= int(total or 0)

    try:
        wait_until(delivered, "every queued email to be delivered", timeout)
    except AssertionError:
        with app.engine.connect() as connection:
            states = dict(
                connection.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)).all()
            )
            errors = (
                connection.execute(select(outbox.c.last_error).where(outbox.c.state != "sent").limit(3))
                .scalars()
                .all()
            )
        raise AssertionError(
            f"not every email was delivered in {timeout:.0f} s: outbox {states}, "
            f"{len(smtp.inbox.messages)} received; errors: {errors}"
        ) from None


def audits_intact(app: Application, ids: list[int]) -> list[str]:
    return [f"#{i}: {p}" for i in ids for p in verify_audit(i, app.deps).problems]
