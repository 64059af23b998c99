"""An approver asked who had not decided when the others of their step gave it its approvals ("any one of",
"2 of 3") is told it is no longer needed, and the calendar entry their request gave them is cancelled; so is
whoever decides for them while they are away. Nobody else hears of it: not those who approved, not an
approver of a later step who was never asked."""

from __future__ import annotations

from dataclasses import replace

from signoff.domain.errors import InvalidInput
from signoff.domain.notifications import NoticeEvent
from signoff.service.handlers.admin_mail import failed_emails
from signoff.service.handlers.render_queued import render_queued
from signoff.service.handlers.retry_email import retry_email
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


def test_a_failed_not_needed_email_is_sent_again_only_while_its_approver_is_not_asked_again(
    memory: InMemoryApp,
) -> None:
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "context", OWEN, "Context.")
    memory.renderer.broken.add(NoticeEvent.APPROVAL_NOT_NEEDED)
    approve(memory, signoff_id, "context", RACHEL)
    approve(memory, signoff_id, "context", JOHN)
    render_queued(memory.deps)
    memory.renderer.broken.clear()
    [failed] = [
        e.id
        for e in memory.store.state.outbox
        if e.state.value == "failed" and e.recipient_email == HANNAH and e.id is not None
    ]
    assert {e.id: e.not_sent_again for e in failed_emails(HANNAH, memory.deps)}[failed] is None

    # The text is edited: Hannah is asked again. Sent now, the old email would cancel her new entry.
    draft(memory, signoff_id, "context", OWEN, "Context, edited.")
    listed = {e.id: e.not_sent_again for e in failed_emails(HANNAH, memory.deps)}
    assert f"{HANNAH} has been asked for section 'context'" in (listed[failed] or "")
    memory.refused(lambda: retry_email(failed, memory.deps), InvalidInput, "is not sent again")


def test_the_not_needed_email_names_whoever_gave_the_settling_approval_and_for_whom(
    memory: InMemoryApp,
) -> None:
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    load_with_zoe(memory, "cheshire-pcc", [])
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, ZOE, days=120)
    draft(memory, signoff_id, "context", OWEN, "Context.")
    approve(memory, signoff_id, "context", JOHN)
    start = len(memory.store.state.outbox)
    approve(memory, signoff_id, "context", ZOE)  # for Rachel: the second of two
    [to_hannah] = [
        e
        for e in memory.store.state.outbox[start:]
        if str(e.event) == "approval_not_needed" and e.recipient_email == HANNAH
    ]
    assert to_hannah.context["approved_by"] == "Zoe Example, for Rachel Ashworth,"
