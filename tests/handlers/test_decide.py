"""An approver approves, or asks for changes; someone else may not."""

from __future__ import annotations

from signoff.domain.entities import Outcome
from signoff.domain.errors import NotPermitted, TextChanged
from signoff.service.commands import Decide
from signoff.service.handlers.decide import decide
from signoff.service.queries.signoff_read import section_detail, signoff_detail
from tests.people import OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, request_changes, start_reference


def test_changes_requested_send_the_section_back_to_its_drafter(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    recorded = request_changes(memory, signoff_id, "report-summary", RACHEL, "Say how Cheshire was graded.")
    assert recorded.section_state == "changes_requested"
    summary = section_detail(signoff_id, "report-summary", memory.deps)
    assert summary.section.holders == [f"Owen Prescott <{OWEN}>"]
    assert ("changes_requested", OWEN) in memory.emails()


def test_an_approval_completes_the_stage_and_opens_the_next(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    recorded = approve(memory, signoff_id, "report-summary", RACHEL)
    assert recorded.section_state == "approved"
    assert recorded.on_behalf_of is None
    assert signoff_detail(signoff_id, memory.deps).current_stage == "constabulary_response"
    assert ("drafting_assigned", PRIYA) in memory.emails()


def test_someone_who_is_not_an_approver_may_not_decide(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    memory.refused(
        lambda: approve(memory, signoff_id, "report-summary", PRIYA), NotPermitted, "not an approver"
    )


def test_a_decision_on_the_revision_read_stands_and_on_an_older_one_is_refused(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected in 2023.")

    def on(outcome: Outcome, read: int) -> None:
        comment = "Say how Cheshire was graded." if outcome is Outcome.REQUEST_CHANGES else ""
        command = Decide(
            signoff_id=signoff_id,
            section="report-summary",
            actor=RACHEL,
            outcome=outcome,
            comment=comment,
            revision=read,
        )
        decide(command, memory.deps)

    # An approval, or a request for changes, on the text she read.
    memory.refused(lambda: on(Outcome.APPROVE, 1), TextChanged, "now revision 2, not revision 1")
    memory.refused(lambda: on(Outcome.REQUEST_CHANGES, 1), TextChanged, "now revision 2, not revision 1")
    on(Outcome.APPROVE, 2)
    assert section_detail(signoff_id, "report-summary", memory.deps).section.state == "approved"
