"""Two `signoff serve` against one Prefect server: stopping one (SIGTERM, as systemd does) pauses nothing,
and the other's scheduled flows keep running."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.deployments import DEPLOYED
from signoff.settings import PROJECT_ROOT
from tests.resilience.harness import (
    BIN,
    Processes,
    config_for_faults,
    process_env,
    scratch_postgres,
    start_prefect_server,
    wait_until,
)
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.slow


def api_post(api: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310 - the test's own server on loopback
        f"{api}/{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def completed_scheduled_runs(api: str, flow_name: str, after: datetime) -> int:
    """Runs the schedule made (not asked for by anyone), due and completed after `after`."""
    runs = api_post(
        api,
        "flow_runs/filter",
        {
            "flows": {"name": {"any_": [flow_name]}},
            "flow_runs": {
                "state": {"type": {"any_": ["COMPLETED"]}},
                "expected_start_time": {"after_": after.isoformat()},
            },
        },
    )
    return sum(1 for run in runs if run["auto_scheduled"])


def start_serving(processes: Processes, name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`signoff serve` with a sweep every minute and a delivery every 30 s: few runs, as this machine
    (two cores, shared) takes seconds to start each one's process."""
    args = ["serve", "--deliver-seconds", "30", "--sweep-minutes", "1", "--web-port", "0"]
    process = processes.start(name, [str(BIN / "signoff"), *args], env)

    def serving() -> bool:
        assert process.poll() is None, processes.log(name)
        return "deployments are being served" in processes.log(name)

    wait_until(serving, f"{name} to serve")
    return process


@pytest.fixture
def rig(tmp_path: Path, postgres_url: str) -> Iterator[tuple[Processes, dict[str, str], str]]:
    smtp = SmtpServer(senders_elsewhere=True)
    smtp.start()
    config = config_for_faults(tmp_path)
    with scratch_postgres() as database_url:
        processes = Processes(tmp_path, process_env(tmp_path, database_url, config, smtp.port))
        try:
            _, api = start_prefect_server(processes)
            yield processes, {**processes.env, "PREFECT_API_URL": api}, api
        finally:
            processes.stop_all()  # SIGKILL to each process group: the Prefect server and any serve
            smtp.stop()


def test_one_serve_stopping_pauses_nothing_and_the_other_keeps_the_schedules(
    rig: tuple[Processes, dict[str, str], str],
) -> None:
    processes, env, api = rig
    first = start_serving(processes, "serve-a", env)
    second = start_serving(processes, "serve-b", env)

    os.killpg(first.pid, signal.SIGTERM)  # what `systemctl stop` sends
    first.wait(timeout=60)
    stopped = datetime.now(UTC)
    assert "SIGTERM received" in processes.log("serve-a")
    assert "Pausing all deployments" not in processes.log("serve-a")

    deployments = api_post(api, "deployments/filter", {})
    assert {d["name"] for d in deployments} >= {"deadline-sweep", "deliver-mail", "advance-signoff"}
    assert [d["name"] for d in deployments if d["paused"]] == []
    assert [s for d in deployments for s in d["schedules"] if not s["active"]] == []
    [sweep] = [d for d in deployments if d["name"] == "deadline-sweep"]
    assert sweep["schedules"][0]["schedule"]["cron"] == "* * * * *"
    assert sweep["schedules"][0]["schedule"]["timezone"] == "Europe/London"

    # The survivor runs what the schedules ask for after the other stopped: the sweep on the minute.
    wait_until(
        lambda: completed_scheduled_runs(api, "deadline-sweep", stopped) >= 1, "a scheduled sweep", 150
    )
    # And the delivery every 30 s (a run's process takes seconds to start on a loaded machine: wait for it).
    wait_until(
        lambda: completed_scheduled_runs(api, "deliver-mail", stopped) >= 1, "a scheduled delivery", 150
    )
    assert second.poll() is None, processes.log("serve-b")


def test_prefect_yaml_deploys_to_a_work_pool_and_signoff_serve_then_refuses_to_take_it_over(
    rig: tuple[Processes, dict[str, str], str],
) -> None:
    processes, env, api = rig
    prefect = str(BIN / "prefect")
    run = functools.partial(subprocess.run, env=env, capture_output=True, text=True, timeout=240, check=False)
    created = run([prefect, "work-pool", "create", "signoff", "--type", "process"])
    assert created.returncode == 0, created.stderr
    deployed = run([prefect, "--no-prompt", "deploy", "--all"], cwd=PROJECT_ROOT)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr

    deployments = {d["name"]: d for d in api_post(api, "deployments/filter", {})}
    assert set(deployments) == {spec.name for spec in DEPLOYED}
    assert {d["work_pool_name"] for d in deployments.values()} == {"signoff"}
    sweep = deployments["deadline-sweep"]
    assert sweep["schedules"][0]["schedule"] == {
        "cron": "*/15 * * * *",
        "timezone": "Europe/London",
        "day_or": True,
    }
    assert sweep["global_concurrency_limit"]["limit"] == 1
    assert sweep["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"

    refused = run([str(BIN / "signoff"), "serve", "--web-port", "0"], cwd=processes.root)
    assert refused.returncode == 1
    assert "deadline-sweep/deadline-sweep (work pool 'signoff')" in refused.stderr
    assert "signoff relay" in refused.stderr
    # Nothing was taken over: the deployments still belong to the pool.
    assert {d["work_pool_name"] for d in api_post(api, "deployments/filter", {})} == {"signoff"}
