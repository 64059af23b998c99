"""What a person is offered to decide is exactly what a decision would accept: the section page's form and
the task list, after delegations and reassignments. The author of the text decides nothing, even for
someone through a delegation; someone who has approved in this round may still ask for changes but not
approve again; and a place is not reassigned to someone who approved this round for someone else."""

from __future__ import annotations

from dataclasses import replace

from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.service.commands import Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.queries.my_tasks import my_tasks
from signoff.service.queries.section_page import section_page
from tests.people import HANNAH, JOHN, OWEN, RACHEL
from tests.support.app import InMemoryApp, stricter_pipeline
from tests.support.story import approve, delegate, draft, request_changes, start_reference


def with_stricter_summary_stage(memory: InMemoryApp) -> InMemoryApp:
    """The stricter pipeline: the summary approved by Rachel then John in sequence, and a second section,
    'context', approved by two of Rachel, John and Hannah."""
    stricter = stricter_pipeline()
    memory.deps = replace(memory.deps, load_pipeline=lambda: stricter)
    return memory


def test_the_author_standing_in_for_the_approver_is_offered_no_decision(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    delegate(memory, RACHEL, OWEN)  # Rachel, its approver, away: Owen, who wrote it, stands in
    page = section_page(signoff_id, "report-summary", OWEN, memory.deps)
    assert not page.can_decide
    assert [t.section_key for t in my_tasks(OWEN, memory.deps) if t.kind == "approve"] == []
    memory.refused(lambda: approve(memory, signoff_id, "report-summary", OWEN), NotPermitted, "own text")


def test_who_has_approved_this_round_may_ask_for_changes_for_someone_but_not_approve_again(
    memory: InMemoryApp,
) -> None:
    with_stricter_summary_stage(memory)
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "context", OWEN, "Context.")
    approve(memory, signoff_id, "context", RACHEL)
    delegate(memory, JOHN, RACHEL)
    page = section_page(signoff_id, "context", RACHEL, memory.deps)
    assert (page.can_decide, page.can_approve, page.deciding_for) == (True, False, "John Dwyer")
    memory.refused(lambda: approve(memory, signoff_id, "context", RACHEL), NotPermitted, "two places")
    recorded = request_changes(memory, signoff_id, "context", RACHEL, "Add the dates.")
    assert recorded.section_state == "changes_requested"


def test_a_place_is_not_reassigned_to_someone_who_approved_this_round_for_someone_else(
    memory: InMemoryApp,
) -> None:
    with_stricter_summary_stage(memory)
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    delegate(memory, RACHEL, HANNAH)
    approve(memory, signoff_id, "report-summary", HANNAH)  # step 1, for Rachel; John's step 2 opens
    command = Reassign(
        signoff_id=signoff_id, section="report-summary", from_person=JOHN, to_person=HANNAH, admin=HANNAH
    )
    memory.refused(lambda: reassign_request(command, memory.deps), InvalidInput, "already approved")
