"""The office's administrator reassigns a request, extends a due date, withdraws a sign-off."""

from __future__ import annotations

from datetime import UTC, date, datetime

from signoff.adapters.config_files import load_model
from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.domain.inspection import Inspection
from signoff.service.commands import ExtendDueDate, Reassign, StartSignoff, WithdrawSignoff
from signoff.service.handlers.administer import extend_due_date, reassign_request, withdraw_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.signoff_read import section_detail, signoff_detail
from signoff.settings import PROJECT_ROOT
from tests.people import ANDREW, CLAIRE, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, request_changes, start_reference

CUMBRIA_OFFICER = "matthew.armstrong@cumbria-pcc.example.org"
LANCASHIRE_ADMIN = "laura.sumner@lancashire-pcc.example.org"


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


def test_a_reassigned_place_stays_reassigned_after_the_text_is_edited(memory: InMemoryApp) -> None:
    """Daniel's approval of the force's answer goes to Claire; Claire asks for changes and Priya edits. The
    new text is Claire's to approve, not Daniel's again: the administrator reassigns a place once."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="finding-afi-1", from_person=DANIEL, to_person=CLAIRE, admin=HANNAH
        ),
        memory.deps,
    )
    request_changes(memory, signoff_id, "finding-afi-1", CLAIRE, "Name the training.")
    asked_before = len(memory.emails())
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training for every investigator.")

    afi = section_detail(signoff_id, "finding-afi-1", memory.deps)
    assert afi.section.holders == [f"Claire Bannister <{CLAIRE}>"]
    asked = [who for event, who in memory.emails()[asked_before:] if event == "approval_requested"]
    assert asked == [CLAIRE]
    memory.refused(lambda: approve(memory, signoff_id, "finding-afi-1", DANIEL), NotPermitted)
    approve(memory, signoff_id, "finding-afi-1", CLAIRE)
    assert section_detail(signoff_id, "finding-afi-1", memory.deps).section.state == "approved"


def test_an_approval_is_not_given_to_the_sections_only_drafter(memory: InMemoryApp) -> None:
    """Owen's summary is waiting for Rachel when his drafting place goes to Hannah, now its only drafter.
    Given Rachel's approval too, Hannah could approve none of the texts she alone may write, and the summary
    would wait for ever after its next edit: refused, saying why."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    give = Reassign(
        signoff_id=signoff_id, section="report-summary", from_person=OWEN, to_person=HANNAH, admin=HANNAH
    )
    reassign_request(give, memory.deps)
    memory.refused(
        lambda: reassign_request(give.model_copy(update={"from_person": RACHEL}), memory.deps),
        InvalidInput,
        "is the only drafter of section 'report-summary'",
    )
    approve(memory, signoff_id, "report-summary", RACHEL)


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


def test_another_offices_withdrawal_reaches_only_the_people_of_that_office_and_its_force(
    memory: InMemoryApp,
) -> None:
    # Cumbria's policy officer starts the regional report for the four offices; Lancashire withdraws its
    # own. Its reason is Lancashire's: the starter, of Cumbria, takes no part in Lancashire's response.
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)
    ids = start_signoff(StartSignoff(inspection=regional, started_by=CUMBRIA_OFFICER), memory.deps)
    lancashire = next(s.id for s in memory.store.state.signoffs if s.pcc_org == "lancashire-pcc")
    assert lancashire in ids
    withdraw_signoff(
        WithdrawSignoff(signoff_id=lancashire, reason="Lancashire's own reason", admin=LANCASHIRE_ADMIN),
        memory.deps,
    )
    told = {
        e.recipient_email
        for e in memory.store.state.outbox
        if e.signoff_id == lancashire and str(e.event) == "withdrawn"
    }
    assert told, "nobody heard of the withdrawal"
    assert CUMBRIA_OFFICER not in told
    assert all(
        email.split("@")[1] in ("lancashire-pcc.example.org", "lancashire.police.example.org")
        for email in told
    ), told


def test_a_stage_is_not_planned_more_than_a_year_past_the_statutory_day(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    command = ExtendDueDate(
        signoff_id=signoff_id,
        stage="report_summary",
        new_due_on=date(9999, 12, 31),
        admin=HANNAH,
        allow_past_statutory=True,
    )
    memory.refused(
        lambda: extend_due_date(command, memory.deps),
        InvalidInput,
        "more than a year after the statutory last day",
    )


def test_a_stage_is_not_extended_past_the_next_one_which_would_open_overdue(memory: InMemoryApp) -> None:
    # The reference plan: the summary due 24 November, the constabulary response 8 December.
    signoff_id = start_reference(memory)

    def extend(stage: str, day: date) -> None:
        extend_due_date(
            ExtendDueDate(signoff_id=signoff_id, stage=stage, new_due_on=day, admin=HANNAH), memory.deps
        )

    memory.refused(
        lambda: extend("report_summary", date(2023, 12, 11)),
        InvalidInput,
        "Constabulary response stage's due date, Friday 8 December 2023",
        "extend the later stages first",
    )
    extend("constabulary_response", date(2023, 12, 15))
    extend("report_summary", date(2023, 12, 11))
    assert [s.due_on for s in signoff_detail(signoff_id, memory.deps).stages][:2] == [
        date(2023, 12, 11),
        date(2023, 12, 15),
    ]
