"""Which sign-off the work in hand is about, for the log lines it makes.

A handler that acts on one sign-off runs inside `about_signoff(id)`; every line logged meanwhile, by any
logger, carries that id (logging_setup's filter reads it). A context variable, so the id follows the work
through every call without being passed, and two threads or tasks never see each other's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_SIGNOFF_ID: ContextVar[int | None] = ContextVar("signoff_id", default=None)


@contextmanager
def about_signoff(signoff_id: int | None) -> Iterator[None]:
    """Every log line made inside names this sign-off."""
    token = _SIGNOFF_ID.set(signoff_id)
    try:
        yield
    finally:
        _SIGNOFF_ID.reset(token)


def current_signoff_id() -> int | None:
    return _SIGNOFF_ID.get()
