"""The audit trail binds every revision, approval request, decision and publication it speaks of.

An honest sign-off, through every kind of change the domain makes, verifies with every row bound; a
change to any row afterwards is named; a sign-off recorded before rows were bound is reported as not
proved, not as broken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from signoff.domain.audit import AuditEvent, chain_problems, genesis_hash
from signoff.domain.audit_binding import BINDINGS, binding_problems, pending_bindings
from signoff.domain.model import ApprovalRequest, Outcome, SignOff
from signoff.domain.transitions import RequestState, SignoffState
from tests.unit.test_signoff_model import (
    CALENDAR,
    CLAIRE,
    DANIEL,
    HANNAH,
    JOHN,
    NINA,
    OWEN,
    PRIYA,
    RACHEL,
    ROSTER,
    approve,
    at,
    pipeline,
    request_changes,
    sec,
    section,
    start,
)


def settled(signoff: SignOff) -> None:
    """Every row a command created or changed is bound by one of its own events: a row left for a
    later command would be lost with the session (loaded rows start unmarked)."""
    assert pending_bindings(signoff) == {}


def every_kind_of_change() -> SignOff:
    """Sequential steps, a quorum of one, approval after the others, changes requested, a reassignment
    there and back, stalls, an extension, and publication."""
    signoff = start(
        pipeline(
            [
                section("summary", OWEN, [RACHEL, JOHN], order="sequence"),
                section("force", PRIYA, [DANIEL, CLAIRE], require="any"),
                section("final", NINA, [JOHN], after_others=True),
            ],
            [section("commissioner", OWEN, [JOHN])],
        )
    )
    signoff.submit_revision("summary", OWEN.id, "First draft.", at(1))
    settled(signoff)
    request_changes(signoff, "summary", RACHEL, "More detail.", at(2))
    settled(signoff)
    signoff.submit_revision("summary", OWEN.id, "Second draft.", at(3))
    settled(signoff)
    signoff.reassign("summary", RACHEL.id, NINA, HANNAH.id, ROSTER, at(4))
    settled(signoff)
    signoff.reassign("summary", NINA.id, RACHEL, HANNAH.id, ROSTER, at(5))
    settled(signoff)
    signoff.submit_revision("final", NINA.id, "In conclusion.", at(6))
    settled(signoff)
    assert sec(signoff, "final").awaiting_others
    assert signoff.mark_stalled(at(24 * 7), CALENDAR, 3)
    settled(signoff)
    signoff.extend("stage_1", date(2023, 11, 29), HANNAH.id, ROSTER, CALENDAR, at(24 * 7 + 1))
    settled(signoff)
    approve(signoff, "summary", RACHEL, at(24 * 7 + 2))
    settled(signoff)
    approve(signoff, "summary", JOHN, at(24 * 7 + 3))
    settled(signoff)
    signoff.submit_revision("force", PRIYA.id, "The force will act.", at(24 * 7 + 4))
    settled(signoff)
    approve(signoff, "force", DANIEL, at(24 * 7 + 5))
    settled(signoff)
    approve(signoff, "final", JOHN, at(24 * 7 + 6))
    settled(signoff)
    signoff.submit_revision("commissioner", OWEN.id, "I welcome it.", at(24 * 8))
    settled(signoff)
    approve(signoff, "commissioner", JOHN, at(24 * 8 + 1))
    settled(signoff)
    assert signoff.state is SignoffState.READY_TO_PUBLISH
    signoff.publish(
        by_id=HANNAH.id, roster=ROSTER, now=at(24 * 9), folder="/published/v1", manifest_sha256="a" * 64
    )
    settled(signoff)
    signoff.publish(
        by_id=HANNAH.id,
        roster=ROSTER,
        now=at(24 * 10),
        folder="/published/v2",
        manifest_sha256="b" * 64,
        note="A typo corrected.",
    )
    settled(signoff)
    return signoff


def test_every_row_of_an_honest_sign_off_is_bound_and_verifies() -> None:
    signoff = every_kind_of_change()
    [summary] = [s for s in signoff.stages[0].sections if s.key == "summary"]
    # Rachel was reassigned away and back: she holds the same place twice, told apart.
    assert [r.state for r in summary.requests if r.approver_id == RACHEL.id and r.round == 2] == [
        RequestState.REASSIGNED,
        RequestState.APPROVED,
    ]
    check = binding_problems(signoff, signoff.new_audit_events)
    assert check.problems == []
    assert check.unproved == []


def test_a_sign_off_that_is_withdrawn_verifies() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL, JOHN])]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    approve(signoff, "summary", RACHEL, at(2))
    signoff.withdraw("The report was withdrawn.", HANNAH.id, ROSTER, at(3))
    assert binding_problems(signoff, signoff.new_audit_events).problems == []


def _last_decided(signoff: SignOff) -> ApprovalRequest:
    return next(r for r in reversed(sec(signoff, "summary").requests) if r.decision is not None)


def _edit_revision(signoff: SignOff) -> None:
    sec(signoff, "summary").revisions[0].body = "Something else."


def _edit_decision(signoff: SignOff) -> None:
    decision = _last_decided(signoff).decision
    assert decision is not None
    decision.outcome = Outcome.REQUEST_CHANGES


def _edit_request(signoff: SignOff) -> None:
    request = _last_decided(signoff)
    request.due_at += timedelta(days=1)


def _edit_publication(signoff: SignOff) -> None:
    signoff.publications[0].note = "Nothing to see."


@pytest.mark.parametrize(
    ("table", "edit"),
    [
        ("revisions", _edit_revision),
        ("decisions", _edit_decision),
        ("approval_requests", _edit_request),
        ("publications", _edit_publication),
    ],
)
def test_a_change_to_any_row_after_it_was_recorded_is_named(
    table: str, edit: Callable[[SignOff], None]
) -> None:
    signoff = every_kind_of_change()
    edit(signoff)
    problems = binding_problems(signoff, signoff.new_audit_events).problems
    assert any(p.startswith(f"{table} row ") and "changed outside signoff" in p for p in problems), problems


def test_a_row_added_by_hand_is_named() -> None:
    signoff = every_kind_of_change()
    summary = sec(signoff, "summary")
    summary.requests.append(
        ApprovalRequest(
            round=summary.round,
            step=0,
            approver_id=HANNAH.id,
            revision_hash=summary.requests[-1].revision_hash,
            previously_approved_hash=None,
            due_at=at(24 * 20),
            created_at=at(24 * 11),
        )
    )
    problems = binding_problems(signoff, signoff.new_audit_events).problems
    assert any("approval_requests row" in p and "recorded by no audit event" in p for p in problems), problems


def _without_bindings(signoff: SignOff) -> list[AuditEvent]:
    """The same history as a version of signoff before rows were bound would have written it."""
    events: list[AuditEvent] = []
    previous = genesis_hash(signoff.audit_identity)
    for event in signoff.new_audit_events:
        old = AuditEvent(
            seq=event.seq,
            at=event.at,
            actor_id=event.actor_id,
            on_behalf_of_id=event.on_behalf_of_id,
            action=event.action,
            subject=event.subject,
            details={k: v for k, v in event.details.items() if k != BINDINGS},
            revision_hash=event.revision_hash,
            prev_hash=previous,
        )
        previous = old.hash
        events.append(old)
    return events


def test_a_sign_off_recorded_before_rows_were_bound_is_reported_as_not_proved() -> None:
    signoff = every_kind_of_change()
    events = _without_bindings(signoff)
    assert chain_problems(signoff.audit_identity, events, events[-1].hash, len(events)) == []
    check = binding_problems(signoff, events)
    assert check.problems == []
    assert any(u.startswith("revisions row") and "not proved" in u for u in check.unproved)
    assert any(u.startswith("decisions row") for u in check.unproved)
    assert any(u.startswith("publications row") for u in check.unproved)

    # A revision's text is still checked against its SHA-256, bound or not.
    sec(signoff, "final").revisions[0].body = "Changed."
    assert any("SHA-256" in p for p in binding_problems(signoff, events).problems)
