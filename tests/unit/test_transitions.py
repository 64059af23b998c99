"""The transition tables, asserted whole: any change to a table must change this file too."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from enum import StrEnum

import pytest

from signoff.domain.errors import InvalidTransition
from signoff.domain.transitions import (
    INITIAL_STATES,
    MACHINES,
    OUTBOX_TRANSITIONS,
    PROPOSAL_TRANSITIONS,
    REQUEST_TRANSITIONS,
    SECTION_TRANSITIONS,
    SIGNOFF_TRANSITIONS,
    STAGE_TRANSITIONS,
    OutboxEvent,
    OutboxState,
    ProposalEvent,
    ProposalState,
    RequestEvent,
    RequestState,
    SectionEvent,
    SectionState,
    SignoffEvent,
    SignoffState,
    StageEvent,
    StageState,
    fire,
    mermaid_diagram,
)
from signoff.settings import PROJECT_ROOT

EXPECTED_SIGNOFF = {
    ("active", "approval_stages_complete", "ready_to_publish"),
    ("ready_to_publish", "publish", "published"),
    ("published", "publish_correction", "published"),
    ("active", "withdraw", "withdrawn"),
    ("ready_to_publish", "withdraw", "withdrawn"),
}

EXPECTED_STAGE = {
    ("pending", "open", "open"),
    ("open", "complete", "complete"),
    ("pending", "withdraw", "withdrawn"),
    ("open", "withdraw", "withdrawn"),
}

EXPECTED_SECTION = {
    ("pending", "open", "drafting"),
    ("drafting", "submit", "in_approval"),
    ("in_approval", "submit", "in_approval"),
    ("in_approval", "approve", "approved"),
    ("in_approval", "request_changes", "changes_requested"),
    ("changes_requested", "submit", "in_approval"),
    ("approved", "submit", "in_approval"),
    ("approved", "restart_approval", "in_approval"),
    ("in_approval", "restart_approval", "in_approval"),
    ("pending", "withdraw", "withdrawn"),
    ("drafting", "withdraw", "withdrawn"),
    ("in_approval", "withdraw", "withdrawn"),
    ("changes_requested", "withdraw", "withdrawn"),
    ("approved", "withdraw", "withdrawn"),
}

EXPECTED_REQUEST = {
    ("waiting", "activate", "pending"),
    ("pending", "approve", "approved"),
    ("pending", "request_changes", "changes_requested"),
    ("waiting", "supersede", "superseded"),
    ("pending", "supersede", "superseded"),
    ("approved", "invalidate", "invalidated"),
    ("waiting", "cancel", "cancelled"),
    ("pending", "cancel", "cancelled"),
    ("waiting", "reassign", "reassigned"),
    ("pending", "reassign", "reassigned"),
}

EXPECTED_OUTBOX = {
    ("queued", "claim", "sending"),
    ("sending", "claim", "sending"),
    ("sending", "delivered", "sent"),
    ("sending", "retry_later", "queued"),
    ("sending", "give_up", "failed"),
    ("queued", "give_up", "failed"),
    ("sending", "release", "queued"),
    ("failed", "requeue", "queued"),
    ("sending", "withhold", "withheld"),
}

EXPECTED_PROPOSAL = {
    ("proposed", "start", "started"),
    ("proposed", "dismiss", "dismissed"),
    ("dismissed", "start", "started"),
}

# machine name, table, its state enum, its event enum, the expected triples
TABLES = [
    ("sign-off", SIGNOFF_TRANSITIONS, SignoffState, SignoffEvent, EXPECTED_SIGNOFF),
    ("stage", STAGE_TRANSITIONS, StageState, StageEvent, EXPECTED_STAGE),
    ("section", SECTION_TRANSITIONS, SectionState, SectionEvent, EXPECTED_SECTION),
    ("approval request", REQUEST_TRANSITIONS, RequestState, RequestEvent, EXPECTED_REQUEST),
    ("outgoing email", OUTBOX_TRANSITIONS, OutboxState, OutboxEvent, EXPECTED_OUTBOX),
    ("proposal", PROPOSAL_TRANSITIONS, ProposalState, ProposalEvent, EXPECTED_PROPOSAL),
]
TABLE_IDS = [name for name, *_ in TABLES]


def triples(table: Mapping[tuple[StrEnum, StrEnum], StrEnum]) -> set[tuple[str, str, str]]:
    return {(source.value, event.value, target.value) for (source, event), target in table.items()}


def test_signoff_table_is_exactly_as_expected() -> None:
    assert triples(SIGNOFF_TRANSITIONS) == EXPECTED_SIGNOFF


def test_stage_table_is_exactly_as_expected() -> None:
    assert triples(STAGE_TRANSITIONS) == EXPECTED_STAGE


def test_section_table_is_exactly_as_expected() -> None:
    assert triples(SECTION_TRANSITIONS) == EXPECTED_SECTION


def test_request_table_is_exactly_as_expected() -> None:
    assert triples(REQUEST_TRANSITIONS) == EXPECTED_REQUEST


def test_outbox_table_is_exactly_as_expected() -> None:
    assert triples(OUTBOX_TRANSITIONS) == EXPECTED_OUTBOX


def test_machines_are_the_six_tables_with_their_initial_states() -> None:
    assert {name: triples(table) for name, table in MACHINES.items()} == {
        "sign-off": EXPECTED_SIGNOFF,
        "stage": EXPECTED_STAGE,
        "section": EXPECTED_SECTION,
        "approval request": EXPECTED_REQUEST,
        "outgoing email": EXPECTED_OUTBOX,
        "proposal": EXPECTED_PROPOSAL,
    }
    assert {name: state.value for name, state in INITIAL_STATES.items()} == {
        "sign-off": "active",
        "stage": "pending",
        "section": "pending",
        "approval request": "waiting",
        "outgoing email": "queued",
        "proposal": "proposed",
    }


@pytest.mark.parametrize(("machine", "table", "states", "events", "expected"), TABLES, ids=TABLE_IDS)
def test_every_state_is_reachable_and_every_event_used(
    machine: str,
    table: dict[tuple[StrEnum, StrEnum], StrEnum],
    states: type[StrEnum],
    events: type[StrEnum],
    expected: set[tuple[str, str, str]],
) -> None:
    reached = {INITIAL_STATES[machine]}
    frontier = [INITIAL_STATES[machine]]
    while frontier:
        current = frontier.pop()
        for (source, _event), target in table.items():
            if source == current and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(states)
    assert {event for _source, event in table} == set(events)
    assert {event for _s, event, _t in expected} == {e.value for e in events}


@pytest.mark.parametrize(("machine", "table", "states", "events", "expected"), TABLES, ids=TABLE_IDS)
def test_fire_follows_the_table_and_refuses_everything_else(
    machine: str,
    table: dict[tuple[StrEnum, StrEnum], StrEnum],
    states: type[StrEnum],
    events: type[StrEnum],
    expected: set[tuple[str, str, str]],
) -> None:
    allowed = {(source, event): target for source, event, target in expected}
    for state, event in itertools.product(states, events):
        if (state.value, event.value) in allowed:
            assert fire(table, machine, state, event).value == allowed[(state.value, event.value)]
        else:
            with pytest.raises(InvalidTransition) as raised:
                fire(table, machine, state, event)
            message = str(raised.value)
            assert machine in message
            assert state.value.replace("_", " ") in message
            assert event.value.replace("_", " ") in message


def test_fire_message_reads_as_a_sentence() -> None:
    with pytest.raises(InvalidTransition) as raised:
        fire(SECTION_TRANSITIONS, "section", SectionState.APPROVED, SectionEvent.REQUEST_CHANGES)
    assert str(raised.value) == "a section that is approved cannot request changes"
    with pytest.raises(InvalidTransition) as raised:
        fire(SIGNOFF_TRANSITIONS, "sign-off", SignoffState.WITHDRAWN, SignoffEvent.APPROVAL_STAGES_COMPLETE)
    assert str(raised.value) == "a sign-off that is withdrawn cannot approval stages complete"


def test_terminal_states_take_no_events() -> None:
    terminal = {
        # A published sign-off takes one event more: publishing a correction (tested below).
        "sign-off": {"withdrawn"},
        "stage": {"complete", "withdrawn"},
        "section": {"withdrawn"},
        "approval request": {"changes_requested", "superseded", "invalidated", "cancelled", "reassigned"},
        "outgoing email": {"sent", "withheld"},
        "proposal": {"started"},
    }
    for machine, table in MACHINES.items():
        sources = {source.value for source, _event in table}
        targets = {target.value for target in table.values()}
        assert targets - sources == terminal[machine], machine


def test_a_published_signoff_takes_only_a_correction() -> None:
    events = {event for (source, event) in SIGNOFF_TRANSITIONS if source is SignoffState.PUBLISHED}
    assert events == {SignoffEvent.PUBLISH_CORRECTION}
    with pytest.raises(InvalidTransition):
        fire(SIGNOFF_TRANSITIONS, "sign-off", SignoffState.PUBLISHED, SignoffEvent.WITHDRAW)


def test_mermaid_diagram_lists_every_transition() -> None:
    diagram = mermaid_diagram("stage")
    assert diagram.splitlines() == [
        "stateDiagram-v2",
        "    [*] --> pending",
        "    pending --> open: open",
        "    open --> complete: complete",
        "    pending --> withdrawn: withdraw",
        "    open --> withdrawn: withdraw",
    ]


@pytest.mark.parametrize("machine", list(MACHINES))
def test_readme_shows_each_state_diagram_as_the_code_draws_it(machine: str) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid_diagram(machine)}\n```" in readme
