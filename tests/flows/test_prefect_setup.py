"""`signoff prefect setup` against a Prefect server (the flow tests' own, stopped with the session): run
twice, it leaves signoff's automations once each, as the code says."""

from __future__ import annotations

import inspect
from datetime import timedelta

import prefect.states
import pytest
from prefect.blocks.notifications import SlackWebhook
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State, StateType
from prefect.events.schemas.automations import Automation, EventTrigger, Posture

from signoff.domain.errors import InvalidInput
from signoff.entrypoints.cli.prefect_commands import (
    FLOW_RUN_STATES,
    MAIL,
    NAMES,
    STUCK,
    automations,
    ensure_automations,
)


def signoff_automations() -> list[Automation]:
    with get_client(sync_client=True) as client:
        return [a for a in client.read_automations() if a.name in NAMES]


@pytest.fixture(autouse=True)
def no_automations() -> None:
    with get_client(sync_client=True) as client:
        for automation in signoff_automations():
            assert automation.id is not None
            client.delete_automation(automation.id)


def test_setup_twice_leaves_each_automation_once_updated() -> None:
    first = ensure_automations(stuck_after=timedelta(minutes=10), notify_block=None)
    assert [line for line in first if not line.startswith(" ")] == [f"created: {STUCK}", f"created: {MAIL}"]
    assert any("notifies nobody yet" in line for line in first)

    second = ensure_automations(stuck_after=timedelta(minutes=7), notify_block=None)
    assert [line for line in second if not line.startswith(" ")] == [f"updated: {STUCK}", f"updated: {MAIL}"]

    by_name = {a.name: a for a in signoff_automations()}
    assert sorted(a.name for a in signoff_automations()) == sorted(NAMES)
    stuck, mail = by_name[STUCK], by_name[MAIL]
    assert isinstance(stuck.trigger, EventTrigger)
    assert stuck.trigger.posture == Posture.Proactive
    assert stuck.trigger.within == timedelta(minutes=7)  # the second run's
    assert {"prefect.flow-run.Pending", "prefect.flow-run.Running"} <= stuck.trigger.after
    assert stuck.trigger.for_each == {"prefect.resource.id"}
    [crash] = stuck.actions
    assert crash.type == "change-flow-run-state"
    assert crash.model_dump()["state"] == "CRASHED"
    assert isinstance(mail.trigger, EventTrigger)
    assert mail.trigger.expect == {"signoff.email.failed", "signoff.smtp.unreachable"}
    assert [a.type for a in mail.actions] == ["do-nothing"]


def test_a_duplicate_made_by_hand_is_deleted() -> None:
    ensure_automations(stuck_after=timedelta(minutes=10), notify_block=None)
    with get_client(sync_client=True) as client:
        client.create_automation(automations(timedelta(minutes=10), None)[1])
    assert len([a for a in signoff_automations() if a.name == MAIL]) == 2

    lines = ensure_automations(stuck_after=timedelta(minutes=10), notify_block=None)

    assert f"updated: {MAIL} (1 duplicate(s) deleted)" in lines
    assert sorted(a.name for a in signoff_automations()) == sorted(NAMES)


@pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")  # apprise, under the block
def test_a_named_notification_block_is_told_and_stays_when_setup_runs_without_it() -> None:
    block_id = SlackWebhook(url="https://hooks.slack.invalid/services/test").save(
        "signoff-ops", overwrite=True
    )

    ensure_automations(stuck_after=timedelta(minutes=10), notify_block="slack-webhook/signoff-ops")
    ensure_automations(stuck_after=timedelta(minutes=10), notify_block=None)

    with get_client(sync_client=True) as client:
        [mail] = client.read_automations_by_name(MAIL)
    [notify] = mail.actions
    assert notify.type == "send-notification"
    assert notify.model_dump()["block_document_id"] == block_id
    assert sorted(a.name for a in signoff_automations()) == sorted(NAMES)


def test_an_unknown_notification_block_is_refused_and_nothing_is_made() -> None:
    with pytest.raises(InvalidInput, match="no notification block named 'nobody'"):
        ensure_automations(stuck_after=timedelta(minutes=10), notify_block="nobody")
    assert signoff_automations() == []


def test_a_stuck_run_waits_for_a_state_outside_pending_and_running() -> None:
    """A worker's run killed after its pull step (Pending), after Submitting or after a heartbeat (Running)
    is still crashed: none of those is progress. Every state Prefect can give either starts the wait or
    ends it, never both (Prefect's proactive trigger then ends one wait without starting the next)."""
    [stuck, _] = automations(timedelta(minutes=10), None)
    assert isinstance(stuck.trigger, EventTrigger)
    after, expected = stuck.trigger.after, stuck.trigger.expect
    assert not after & expected
    assert "prefect.flow-run.pull-step.executed" not in expected
    assert "prefect.flow-run.heartbeat" not in expected
    assert not any("*" in name for name in expected)
    constructors = [
        f for name, f in vars(prefect.states).items() if name[0].isupper() and inspect.isfunction(f)
    ]
    made = [state for f in constructors if isinstance(state := f(), State)]
    assert {state.name for state in made} <= FLOW_RUN_STATES
    waiting = {state.name for state in made if state.type in (StateType.PENDING, StateType.RUNNING)}
    assert {f"prefect.flow-run.{name}" for name in waiting} == after
    assert {f"prefect.flow-run.{state.name}" for state in made if state.name not in waiting} <= expected
