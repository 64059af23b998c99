"""Faults while 20 sign-offs are driven through their whole lifecycle, on PostgreSQL, with `signoff serve`
as a real process sending to a real SMTP server: here, the serving process killed at random points; beside
it, the SMTP server down and PostgreSQL stopped and started (test_fault_postgres_restart.py), the Prefect
server stopped and started (test_fault_prefect_restart.py), and two serving processes at once
(test_fault_two_serves.py). Each time every sign-off is published, every decision is kept, and every
queued email arrives exactly once (counted by Message-ID in the SMTP server). The counts are printed:
`pytest -rP tests/resilience` shows them."""

from __future__ import annotations

import random

import pytest

from tests.resilience.harness import (
    Serve,
    in_flight,
)
from tests.resilience.rig import SIGNOFFS, Rig, finish

pytestmark = pytest.mark.slow


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
