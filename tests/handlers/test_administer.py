"""The office's administrator reassigns a request, extends a due date, withdraws a sign-off."""

from __future__ import annotations

from datetime import date

from signoff.domain.errors import NotPermitted
from signoff.service.commands import ExtendDueDate, Reassign, WithdrawSignoff
from signoff.service.handlers.administer import extend_due_date, reassign_request, withdraw_signoff
from signoff.service.queries.signoff_read import section_detail, signoff_detail
from tests.people import ANDREW, CLAIRE, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, start_reference


def test_the_administrator_withdraws_a_signoff_with_a_reason(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    withdraw_signoff(
        WithdrawSignoff(signoff_id=signoff_id, reason="Report withdrawn", admin=HANNAH), memory.deps
    )
    detail = signoff_detail(signoff_id, memory.deps)
    assert detail.state == "withdrawn"
    assert detail.withdrawn_reason == "Report withdrawn"


def test_a_policy_officer_may_not_withdraw(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    command = WithdrawSignoff(signoff_id=signoff_id, reason="Because", admin=OWEN)
    memory.refused(lambda: withdraw_signoff(command, memory.deps), NotPermitted)
    assert signoff_detail(signoff_id, memory.deps).state == "active"


def test_the_administrator_extends_a_stage(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    before = signoff_detail(signoff_id, memory.deps).stages[0].due_on
    later = date(2023, 12, 1)
    assert later > before
    extend_due_date(
        ExtendDueDate(signoff_id=signoff_id, stage="report_summary", new_due_on=later, admin=HANNAH),
        memory.deps,
    )
    assert signoff_detail(signoff_id, memory.deps).stages[0].due_on == later


def test_the_administrator_reassigns_an_approval_and_someone_else_may_not(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    move = Reassign(
        signoff_id=signoff_id, section="finding-afi-1", from_person=DANIEL, to_person=CLAIRE, admin=PRIYA
    )
    memory.refused(lambda: reassign_request(move, memory.deps), NotPermitted)

    reassign_request(move.model_copy(update={"admin": HANNAH}), memory.deps)
    afi = section_detail(signoff_id, "finding-afi-1", memory.deps)
    assert afi.section.holders == [f"Claire Bannister <{CLAIRE}>"]


def test_a_place_is_reassigned_only_within_its_organisation(memory: InMemoryApp) -> None:
    """The office's administrator may move a request to another person of the same sign-off, but a place
    is its organisation's: the force's approval of its own answer does not go to the office's policy
    officer, nor the office's approval of its summary to the force's chief constable. Either is refused,
    naming whose the place is, and nothing changes."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    to_the_force = Reassign(
        signoff_id=signoff_id, section="report-summary", from_person=RACHEL, to_person=ANDREW, admin=HANNAH
    )
    memory.refused(
        lambda: reassign_request(to_the_force, memory.deps), NotPermitted, ANDREW, "Office of the Police"
    )
    approve(memory, signoff_id, "report-summary", RACHEL)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    to_the_office = Reassign(
        signoff_id=signoff_id, section="finding-afi-1", from_person=DANIEL, to_person=JOHN, admin=HANNAH
    )
    memory.refused(lambda: reassign_request(to_the_office, memory.deps), NotPermitted, JOHN, "Constabulary")
    afi = section_detail(signoff_id, "finding-afi-1", memory.deps)
    assert afi.section.holders == [f"Daniel Holt <{DANIEL}>"]
