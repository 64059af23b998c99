"""The drafter a section's drafting is taken from is told it is no longer theirs to write, and the calendar
entry for the stage's drafting is cancelled unless they still draft another of its sections; nobody who
has left the office and its force hears of it."""

from __future__ import annotations

from signoff.domain.notifications import NoticeEvent
from signoff.service.commands import Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.notification_examples import EXAMPLE_CONTEXTS
from tests.people import CLAIRE, HANNAH, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, start_reference

RECIPIENT_KEYS = {"recipient_name", "why", "audience"}


def give_drafting(
    memory: InMemoryApp, signoff_id: int, section: str, from_person: str, to_person: str
) -> None:
    """Hannah, the office's administrator, gives `from_person`'s drafting place on `section` to `to_person`."""
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section=section, from_person=from_person, to_person=to_person, admin=HANNAH
        ),
        memory.deps,
    )


def _told(memory: InMemoryApp, since: int, address: str) -> list[dict[str, object]]:
    return [
        dict(e.context)
        for e in memory.store.state.outbox[since:]
        if e.event is NoticeEvent.DRAFTING_REASSIGNED and e.recipient_email == address
    ]


def test_the_drafter_whose_section_goes_to_a_colleague_is_told_and_their_entry_cancelled(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    before = len(memory.store.state.outbox)
    give_drafting(memory, signoff_id, "report-summary", OWEN, HANNAH)
    [told] = _told(memory, before, OWEN)
    assert told["reassigned_to"] == "Hannah Whitfield"
    assert told["section_title"] == "Report summary"
    # The entry his request to draft gave him, for the stage: he drafts nothing else of it.
    [asked] = [e.context for e in memory.store.state.outbox[:before] if e.recipient_email == OWEN]
    assert told["calendar_cancel"] == [
        {"kind": "draft", "item": "Report summary", "due_date": asked["due_date"]}
    ]
    assert set(told) == set(EXAMPLE_CONTEXTS[NoticeEvent.DRAFTING_REASSIGNED]) | RECIPIENT_KEYS
    # The new drafter is asked for the text; nobody else hears of the change.
    assert [(event, who) for event, who in memory.emails()[before:]] == [
        ("drafting_reassigned", OWEN),
        ("drafting_assigned", HANNAH),
    ]


def test_a_drafter_who_still_drafts_more_of_the_stage_keeps_its_calendar_entry(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    before = len(memory.store.state.outbox)
    give_drafting(memory, signoff_id, "finding-afi-1", PRIYA, CLAIRE)
    [told] = _told(memory, before, PRIYA)
    assert told["calendar_cancel"] == []


def test_a_drafter_of_a_stage_not_yet_open_was_never_asked_and_is_not_told(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    before = len(memory.store.state.outbox)
    give_drafting(memory, signoff_id, "finding-afi-1", PRIYA, CLAIRE)
    assert memory.emails()[before:] == []


def test_a_drafter_who_has_left_the_office_and_its_force_hears_nothing_more(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    before = len(memory.store.state.outbox)
    give_drafting(memory, signoff_id, "report-summary", OWEN, HANNAH)
    assert memory.emails()[before:] == [("drafting_assigned", HANNAH)]


def test_an_office_drafter_now_of_its_force_hears_nothing_more_of_the_offices_section(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    memory.move(OWEN, "cheshire-constabulary", ["force_liaison"])
    before = len(memory.store.state.outbox)
    give_drafting(memory, signoff_id, "report-summary", OWEN, HANNAH)
    assert memory.emails()[before:] == [("drafting_assigned", HANNAH)]
