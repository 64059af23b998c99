"""The suite's own scheduling: the files named as the slowest (run first under pytest-xdist) exist, so that a
renamed one does not drop silently to the end of the run, where it would keep one worker busy alone."""

from __future__ import annotations

from signoff.settings import PROJECT_ROOT
from tests.conftest import SLOWEST


def test_every_file_named_slowest_exists() -> None:
    missing = [path for path in SLOWEST if not (PROJECT_ROOT / "tests" / path).is_file()]
    assert missing == []
    assert len(set(SLOWEST)) == len(SLOWEST)
