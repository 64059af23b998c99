"""The flows' tasks retry what may pass (the database away for a moment) and nothing else: a refusal or a
bug fails the run at once, with its message."""

from __future__ import annotations

from dataclasses import replace

import pytest
from prefect import flow
from prefect.states import Failed
from sqlalchemy.exc import OperationalError

from flows.runtime import acting_on
from flows.signoff_flows import advance_task
from flows.task_policy import transient
from signoff.bootstrap import Application
from signoff.domain.errors import NotFound
from signoff.service.ports import UnitOfWork
from tests.support.story import start_reference


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
def advance_task_alone(signoff_id: int) -> list[str]:
    return advance_task(signoff_id)


def test_a_database_away_for_a_moment_is_retried_and_a_refusal_fails_at_once(flows_app: Application) -> None:
    signoff_id = start_reference(flows_app)
    opened: list[int] = []

    def away_once() -> UnitOfWork:
        opened.append(1)
        if len(opened) == 1:
            raise connection_lost()
        return flows_app.deps.new_unit_of_work()

    flaky = replace(flows_app, deps=replace(flows_app.deps, new_unit_of_work=away_once))
    with acting_on(flaky):
        assert advance_task_alone(signoff_id) == []  # the sign-off had nothing more to do
    assert len(opened) >= 2  # the first attempt met the database away; the retry went through

    opened.clear()
    with acting_on(flaky), pytest.raises(NotFound, match="999"):
        advance_task_alone(999)  # no such sign-off: a refusal, not retried
    assert len(opened) == 2  # away once (retried), then the refusal, which is not tried a third time
