"""An approver asked who had not decided when the others of their step gave it its approvals ("any one of",
"2 of 3") is told it is no longer needed, and the calendar entry their request gave them is cancelled; so is
whoever decides for them while they are away. Nobody else hears of it: not those who approved, not an
approver of a later step who was never asked."""

from __future__ import annotations

from dataclasses import replace

from signoff.service.queries.signoff_page import signoff_page
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import HANNAH, JOHN, OWEN, RACHEL
from tests.support.app import InMemoryApp, stricter_pipeline
from tests.support.story import ZOE, approve, delegate, draft, load_with_zoe, start_reference


def told_since(memory: InMemoryApp, start: int, event: str) -> list[tuple[str, str]]:
    return [
        (e.recipient_email, str(e.context["audience"]))
        for e in memory.store.state.outbox[start:]
        if str(e.event) == event
    ]


def test_the_third_approver_of_two_of_three_and_their_delegate_are_told_they_are_not_needed(
    memory: InMemoryApp,
) -> None:
    # 'context' needs two of Rachel, John and Hannah; Hannah is away, and Zoe, of the office, decides for her.
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    signoff_id = start_reference(memory)
    load_with_zoe(memory, "cheshire-pcc", [])
    delegate(memory, HANNAH, ZOE, days=120)
    draft(memory, signoff_id, "context", OWEN, "Context.")
    start = len(memory.store.state.outbox)
    approve(memory, signoff_id, "context", RACHEL)
    assert told_since(memory, start, "approval_not_needed") == []  # one of two: Hannah may still be needed
    approve(memory, signoff_id, "context", JOHN)

    assert sorted(told_since(memory, start, "approval_not_needed")) == [
        (HANNAH, "approver"),
        (ZOE, "delegate"),
    ]
    [to_hannah] = [
        e
        for e in memory.store.state.outbox[start:]
        if str(e.event) == "approval_not_needed" and e.recipient_email == HANNAH
    ]
    due_on = next(
        s for s in signoff_detail(signoff_id, memory.deps).stages if s.key == "report_summary"
    ).due_on
    assert to_hannah.context["calendar_cancel"] == [
        {"kind": "approve", "item": "context", "due_date": due_on.isoformat()}
    ]
    assert to_hannah.context["approved_by"] == "John Dwyer"  # whose approval made it two
    assert "you are an approver of this section" in str(to_hannah.context["why"])

    page = signoff_page(signoff_id, HANNAH, memory.deps)
    [line] = [a for a in page.audit if a.what == "Approval no longer needed: Context"]
    assert line.details == "Approver: Hannah Whitfield; the step had its approvals once John Dwyer approved"


def test_an_approver_of_every_step_in_sequence_is_never_told_they_are_not_needed(
    memory: InMemoryApp,
) -> None:
    # 'report-summary' goes to Rachel, then John: each step needs its one approver, and each is asked in turn.
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    signoff_id = start_reference(memory)
    start = len(memory.store.state.outbox)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    assert (JOHN, "approver") in told_since(memory, start, "approval_requested")
    approve(memory, signoff_id, "report-summary", JOHN)
    assert told_since(memory, start, "approval_not_needed") == []
