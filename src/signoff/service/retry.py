"""Run a handler again when it lost a race; the second run sees the winner's change and decides afresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from signoff.domain.errors import ConcurrencyConflict

Result = TypeVar("Result")
ATTEMPTS = 4


def retry_on_conflict(operation: Callable[[], Result]) -> Result:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return operation()
        except ConcurrencyConflict:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
