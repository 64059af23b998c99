"""Two `signoff serve` processes on one database: nothing is done twice."""

from __future__ import annotations

import pytest

from tests.resilience.harness import (
    Serve,
)
from tests.resilience.rig import SIGNOFFS, Rig, finish

pytestmark = pytest.mark.slow


def test_two_serving_processes_on_one_database_do_nothing_twice(rig: Rig) -> None:
    first = Serve(rig.processes, "serve-a", rig.env)
    second = Serve(rig.processes, "serve-b", rig.env)
    first.start()
    second.start()
    ids = rig.bot.start(SIGNOFFS)
    rig.bot.run(ids)
    result = finish(rig, ids, "two serving processes")
    assert result.duplicates_received == 0
