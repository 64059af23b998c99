"""The flows' tasks retry what may pass (the database away for a moment) and nothing else: a refusal or a
bug fails the run at once, with its message."""

from __future__ import annotations

import pytest
from prefect import flow
from prefect.states import Failed
from sqlalchemy.exc import OperationalError

from flows import steps
from flows.signoff_flows import advance_task
from flows.task_policy import transient
from signoff.bootstrap import Application
from signoff.domain.errors import NotFound


def connection_lost() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (connection_lost(), True),
        (TimeoutError("the task ran over its time limit"), True),
        (NotFound("no sign-off #7"), False),
        (ValueError("a bug"), False),
    ],
    ids=["database away", "over its time", "a refusal", "a bug"],
)
def test_only_what_may_pass_is_retried(error: Exception, retried: bool) -> None:
    assert transient(None, None, Failed(data=error)) is retried


@flow
def advance_seven() -> list[str]:
    return advance_task(7)


def test_a_database_away_for_a_moment_is_retried_and_a_refusal_fails_at_once(
    flows_app: Application,  # the flows act on its database and clock
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def away_once(_app: Application, signoff_id: int) -> list[str]:
        calls.append(signoff_id)
        if len(calls) == 1:
            raise connection_lost()
        return ["nothing to do"]

    monkeypatch.setattr(steps, "advance", away_once)
    assert advance_seven() == ["nothing to do"]
    assert calls == [7, 7]

    def refused(_app: Application, signoff_id: int) -> list[str]:
        calls.append(signoff_id)
        raise NotFound(f"no sign-off #{signoff_id}")

    calls.clear()
    monkeypatch.setattr(steps, "advance", refused)
    with pytest.raises(NotFound, match="no sign-off #7"):
        advance_seven()
    assert calls == [7]
