"""Faults while 20 sign-offs are driven through their whole lifecycle, on PostgreSQL, with `signoff serve`
as a real process sending to a real SMTP server: the serving process killed at random points, the SMTP
server down for a while, PostgreSQL stopped and started, the Prefect server stopped and started, and two
serving processes at once. Each time every sign-off is published, every decision is kept, and every
queued email arrives exactly once (counted by Message-ID in the SMTP server). The counts are printed:
`pytest -rP tests/resilience` shows them."""

from __future__ import annotations

import json
import os
import random
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from signoff.bootstrap import Application
from tests.resilience.harness import (
    Bot,
    Counts,
    Processes,
    Serve,
    audits_intact,
    config_for_faults,
    counts,
    in_flight,
    postgres_cluster,
    process_env,
    report,
    restart_postgres,
    scratch_postgres,
    start_prefect_server,
    wait_for_all_mail,
    wait_until,
)
from tests.resilience.harness import application as make_application
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.slow

SIGNOFFS = 20


@dataclass
class Rig:
    root: Path
    smtp: SmtpServer
    database_url: str
    env: dict[str, str]
    processes: Processes
    app: Application
    bot: Bot
    cut_off: set[str]


@pytest.fixture
def rig(tmp_path: Path, postgres_url: str) -> Iterator[Rig]:
    smtp = SmtpServer()
    smtp.start()
    config = config_for_faults(tmp_path)
    with scratch_postgres() as database_url:
        env = process_env(tmp_path, database_url, config, smtp.port)
        processes = Processes(tmp_path, env)
        app, clock = make_application(database_url, config, tmp_path)
        try:
            yield Rig(tmp_path, smtp, database_url, env, processes, app, Bot(app, clock, seed=2023), set())
        finally:
            processes.stop_all()
            app.engine.dispose()
            smtp.stop()


def finish(rig: Rig, ids: list[int], what: str) -> Counts:
    """Every sign-off published, every decision kept, every email once; twice only if a fault cut its
    delivery off between the SMTP server's acceptance and the record of it (SMTP cannot close that gap)."""
    wait_for_all_mail(rig.app, rig.smtp)
    result = counts(rig.app, ids, rig.bot, rig.smtp, rig.cut_off)
    report(f"{what}: {result.line()}")
    assert result.published == SIGNOFFS, result.line()
    assert result.decisions_recorded == result.decisions_made, result.line()
    assert result.emails_sent == result.emails_queued, result.line()
    assert result.lost == 0, result.line()
    assert result.duplicates_received == result.duplicates_cut_off, result.line()
    assert result.emails_received - result.duplicates_received == result.emails_queued, result.line()
    assert audits_intact(rig.app, ids) == []
    # Each sign-off's formal copies went to HMICFRS and the Home Secretary, with the PDF. Counted by
    # Message-ID: a copy whose delivery a fault cut off may arrive twice, as counted above.
    copies = {
        str(m["Message-ID"]): m for m in rig.smtp.inbox.messages if str(m["X-Signoff-Event"]) == "formal_copy"
    }
    assert len(copies) == 2 * SIGNOFFS
    for copy in copies.values():
        assert [a.get_content_type() for a in copy.iter_attachments()] == ["application/pdf"]
    return result


def test_serve_killed_at_random_points_loses_and_repeats_nothing(rig: Rig) -> None:
    serve = Serve(rig.processes, "serve", rig.env)
    serve.start()
    ids = rig.bot.start(SIGNOFFS)
    chance = random.Random(56)  # noqa: S311 - reproducible kill points, not a secret
    kills = set(chance.sample(range(10, 220), 5))
    down_since: list[int] = []

    def fault(step: int) -> None:
        if step in kills and serve.process is not None:
            serve.kill()
            rig.cut_off.update(in_flight(rig.app))
            down_since.append(step)
        elif down_since and serve.process is None and step >= down_since[-1] + chance.randint(3, 12):
            serve.start()

    rig.bot.run(ids, on_step=fault)
    if serve.process is None:
        serve.start()
    finish(rig, ids, f"killed {serve.kills} times at steps {sorted(down_since)}")
    assert serve.kills == 5
    assert rig.bot.tally.changes_requested > 0  # the run included sending work back


def test_smtp_down_and_postgres_restarted_the_system_recovers_by_itself(rig: Rig) -> None:
    version = postgres_cluster()
    if version is None:
        if os.environ.get("SIGNOFF_TEST_REQUIRE_POSTGRES"):
            pytest.fail("this machine cannot stop and start PostgreSQL (pg_ctlcluster as root)")
        pytest.skip("stopping PostgreSQL needs pg_ctlcluster, as root")
    serve = Serve(rig.processes, "serve", rig.env)
    serve.start()
    ids = rig.bot.start(SIGNOFFS)
    events: list[str] = []

    def fault(step: int) -> None:
        if step == 40:
            rig.smtp.stop()
            rig.cut_off.update(in_flight(rig.app))
            events.append("SMTP server stopped at step 40")
        elif step == 90:
            rig.smtp.start()
            events.append("SMTP server started at step 90")
        elif step == 130:
            restart_postgres(version, down_seconds=5)
            rig.cut_off.update(in_flight(rig.app))
            events.append("PostgreSQL stopped for 5 s at step 130")

    rig.bot.run(ids, on_step=fault)
    finish(rig, ids, "; ".join(events))
    assert serve.process is not None
    assert serve.process.poll() is None, "signoff serve died: " + rig.processes.log("serve-1")


def test_the_prefect_server_stopped_and_started_the_system_recovers_by_itself(rig: Rig) -> None:
    prefect, api = start_prefect_server(rig.processes)
    port = int(api.rsplit(":", 1)[1].split("/")[0])
    env = {**rig.env, "PREFECT_API_URL": api}
    serve = Serve(rig.processes, "serve", env)
    serve.start()
    ids = rig.bot.start(SIGNOFFS)
    events: list[str] = []
    back_at: list[datetime] = []

    def fault(step: int) -> None:
        if step == 50:
            Processes.kill(prefect)
            events.append("Prefect server killed at step 50")
        elif step == 110:
            start_prefect_server(rig.processes, port)
            back_at.append(datetime.now(UTC))
            events.append("Prefect server started again at step 110")

    rig.bot.run(ids, on_step=fault)
    result = finish(rig, ids, "; ".join(events))
    # The scheduled flows run again through the restarted server, without anyone restarting serve.
    wait_until(lambda: completed_runs_since(api, back_at[0]) >= 2, "scheduled runs after the restart", 60)
    assert result.duplicates_received == 0
    assert serve.process is not None
    assert serve.process.poll() is None, "signoff serve died: " + rig.processes.log("serve-1")


def completed_runs_since(api: str, moment: datetime) -> int:
    body = {
        "flow_runs": {
            "state": {"type": {"any_": ["COMPLETED"]}},
            "start_time": {"after_": moment.isoformat()},
        }
    }
    request = urllib.request.Request(  # noqa: S310 - the test's own server on loopback
        f"{api}/flow_runs/filter",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return len(json.loads(response.read()))


def test_two_serving_processes_on_one_database_do_nothing_twice(rig: Rig) -> None:
    first = Serve(rig.processes, "serve-a", rig.env)
    second = Serve(rig.processes, "serve-b", rig.env)
    first.start()
    second.start()
    ids = rig.bot.start(SIGNOFFS)
    rig.bot.run(ids)
    result = finish(rig, ids, "two serving processes")
    assert result.duplicates_received == 0
