"""How the flows' tasks meet a failure: retried when it may pass (the database or a server briefly away),
never when it is an answer (a refusal, bad input, a bug); and each bounded in time.

A sign-off's handler already retries its own write conflicts, and a refusal (SignoffError) says the same
the second time; so only errors of the connection are retried here, twice, after a pause. A task that runs
over its time limit is failed by Prefect (its transaction rolls back: nothing half done is kept) and
retried as the same kind of trouble.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

# Transient: the database went away or was locked, a connection dropped or timed out.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRIES = 2
RETRY_DELAYS_S = [2, 10]
# Time limits, in seconds: generous beside what each takes (a decision's routing in a second or two, a
# sweep of 10,000 open sign-offs in under five, a publication's PDF in seconds).
ADVANCE_S = 120
DELIVER_S = 300
SWEEP_S = 600
PUBLISH_S = 600
WATCH_S = 900


def failure_of(state: Any) -> BaseException | None:
    """The exception a failed task run's state holds, if any."""
    data = getattr(state, "data", None)
    if isinstance(data, BaseException):
        return data
    try:
        found = state.result(raise_on_failure=False)
    except Exception as error:  # a result that cannot be read is itself the failure
        return error
    return found if isinstance(found, BaseException) else None


def transient(task: Any, task_run: Any, state: Any) -> bool:  # noqa: ARG001 - Prefect's signature
    """Prefect's retry_condition_fn: retry only what a moment later may not meet again."""
    return isinstance(failure_of(state), TRANSIENT)


def retried(timeout_s: int) -> dict[str, Any]:
    """The options of a task that talks to the database or the mail server."""
    return {
        "retries": RETRIES,
        "retry_delay_seconds": RETRY_DELAYS_S,
        "retry_condition_fn": transient,
        "timeout_seconds": timeout_s,
    }
