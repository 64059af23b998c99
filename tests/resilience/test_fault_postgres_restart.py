"""A fault that stops PostgreSQL itself: the SMTP server down for a while, then PostgreSQL stopped for five
seconds and started again. It restarts the server every other test uses, so `make test` runs it alone,
after the rest (marker `restarts_postgres`)."""

from __future__ import annotations

import os

import pytest

from tests.resilience.harness import (
    Serve,
    in_flight,
    postgres_cluster,
    restart_postgres,
)
from tests.resilience.rig import SIGNOFFS, Rig, finish

pytestmark = [pytest.mark.slow, pytest.mark.restarts_postgres]


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
