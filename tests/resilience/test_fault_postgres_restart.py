"""A fault that stops PostgreSQL itself: the SMTP server down for a while, then PostgreSQL stopped for five
seconds and started again. The sign-offs live on a PostgreSQL cluster of the test's own (made with Debian's
pg_createcluster, dropped after), so stopping it touches no other test's database and the test runs beside
the rest."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resilience.harness import (
    Cluster,
    Serve,
    in_flight,
    postgres_version,
    private_postgres_cluster,
    restart_postgres,
)
from tests.resilience.rig import SIGNOFFS, Rig, finish, rig_on

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    version = postgres_version()
    if version is None:
        if os.environ.get("SIGNOFF_TEST_REQUIRE_POSTGRES"):
            pytest.fail(
                "this machine cannot make, stop and start a PostgreSQL cluster (pg_createcluster as root)"
            )
        pytest.skip("stopping PostgreSQL needs a cluster of the test's own: pg_createcluster, as root")
    with private_postgres_cluster(version) as made:
        yield made


@pytest.fixture
def rig(tmp_path: Path, cluster: Cluster) -> Iterator[Rig]:
    with rig_on(tmp_path, server=cluster.url) as made:
        yield made


def test_smtp_down_and_postgres_restarted_the_system_recovers_by_itself(rig: Rig, cluster: Cluster) -> None:
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
            restart_postgres(cluster, down_seconds=5)
            rig.cut_off.update(in_flight(rig.app))
            events.append("PostgreSQL stopped for 5 s at step 130")

    rig.bot.run(ids, on_step=fault)
    finish(rig, ids, "; ".join(events))
    assert serve.process is not None
    assert serve.process.poll() is None, "signoff serve died: " + rig.processes.log("serve-1")
