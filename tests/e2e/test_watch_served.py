"""`signoff serve` against a real Prefect server serves the watch-publications deployment on its schedule: the
schedule's runs complete and are listed by the Prefect API (what the UI shows), and they propose the fixture
listing's reports once, however many runs there are."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from signoff.adapters.mail_sink import free_port
from signoff.adapters.orm import proposals
from signoff.settings import PROJECT_ROOT
from tests.resilience.test_serve_alongside import api_post
from tests.support.hmicfrs import serve_fixtures
from tests.support.prefect_server import BIN, start_prefect_server

pytestmark = pytest.mark.slow


def api_get(api: str, path: str) -> Any:
    with urllib.request.urlopen(f"{api}/{path}", timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def scheduled_watch_runs(api: str) -> list[dict[str, Any]]:
    return [
        run
        for run in api_post(
            api,
            "flow_runs/filter",
            {
                "flows": {"name": {"any_": ["watch-publications"]}},
                "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
            },
        )
        if run["auto_scheduled"]
    ]


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A config folder whose watcher reads the fixture listing, a migrated SQLite database, and a real Prefect
    server (its scheduler makes the runs; the test harness's server has none)."""
    with serve_fixtures() as fixtures:
        config = tmp_path / "config"
        shutil.copytree(PROJECT_ROOT / "config", config)
        watch = (config / "watch.yaml").read_text(encoding="utf-8")
        (config / "watch.yaml").write_text(
            watch.replace(
                "listing: https://hmicfrs.justiceinspectorates.gov.uk/publications/",
                f"listing: {fixtures}publications.html",
            ),
            encoding="utf-8",
        )
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SIGNOFF_", "PREFECT_"))}
        env = {
            **base,
            "SIGNOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'signoff.db'}",
            "SIGNOFF_CONFIG_DIR": str(config),
            "SIGNOFF_VAR_DIR": str(tmp_path / "var"),
            "SIGNOFF_MAIL_DIR": str(tmp_path / "mail"),
            "SIGNOFF_FROZEN_TIME": "2025-10-22T09:00:00+01:00",
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        for args in (["db", "upgrade"], ["directory", "load"]):
            subprocess.run(
                [str(BIN / "signoff"), *args], env=env, check=True, capture_output=True, timeout=120
            )
        # The scheduler looks for runs to make every 5 s instead of every minute: the test waits less.
        server, api = start_prefect_server(
            tmp_path, {**env, "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5"}, timeout=240
        )
        try:
            yield {**env, "PREFECT_API_URL": api}, api
        finally:
            stop(server)


def test_signoff_serve_runs_the_watcher_on_its_schedule_and_the_runs_show_in_prefect(
    system: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, api = system
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        serving = subprocess.Popen(
            [
                str(BIN / "signoff"),
                "serve",
                "--watch-seconds",
                "15",
                # The other schedules out of the way: each run is a process, and this machine is small.
                "--sweep-minutes",
                "60",
                "--deliver-seconds",
                "3600",
                "--web-port",
                "0",
                "--mail-sink-port",
                str(free_port()),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 420
            while len(scheduled_watch_runs(api)) < 2 and time.monotonic() < deadline:
                assert serving.poll() is None, log_path.read_text(errors="replace")
                time.sleep(1)
            runs = scheduled_watch_runs(api)
            assert len(runs) >= 2, log_path.read_text(errors="replace")[-3000:]
        finally:
            stop(serving)

    deployment = api_get(api, "deployments/name/watch-publications/watch-publications")
    assert deployment["paused"] is False
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["interval"] == 15.0
    assert all(run["deployment_id"] == deployment["id"] for run in runs)
    # However many runs, each report is proposed to each office once.
    engine = create_engine(env["SIGNOFF_DATABASE_URL"])
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(proposals)).scalar_one() == 16
    engine.dispose()
