"""A fault in Prefect: its server killed while sign-offs move, and started again; the scheduled runs resume."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

import pytest

from tests.resilience.harness import (
    Processes,
    Serve,
    start_prefect_server,
    wait_until,
)
from tests.resilience.rig import SIGNOFFS, Rig, finish

pytestmark = pytest.mark.slow


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
    # Serve's runner finds the server again on its own back-off, and the minute's sweep must then come due:
    # on a loaded machine (the work-pool test beside it on the other worker) that took over a minute.
    wait_until(lambda: completed_runs_since(api, back_at[0]) >= 2, "scheduled runs after the restart", 180)
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
