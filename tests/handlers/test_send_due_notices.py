"""The sweep queues reminders and overdue notices as they fall due, each once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from signoff.domain.directory import DirectoryConfig
from signoff.domain.local_time import LOCAL_TIME
from signoff.service.commands import Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import HANNAH, OWEN, RACHEL
from tests.support.app import InMemoryApp, directory_config, pipeline
from tests.support.story import ZOE, approve, draft, load_with_zoe, start_reference


def test_a_reminder_falls_due_and_is_queued_once(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    due_on = signoff_detail(signoff_id, memory.deps).stages[0].due_on
    memory.clock.advance(timedelta(days=(due_on - memory.clock.now().date()).days))
    report = send_due_notices(memory.deps)
    assert report.problems == []
    assert report.queued >= 1
    assert ("reminder", RACHEL) in memory.emails()
    before = memory.fingerprint()
    assert send_due_notices(memory.deps).queued == 0
    assert memory.fingerprint() == before


def test_on_the_first_morning_nothing_is_due(memory: InMemoryApp) -> None:
    start_reference(memory)
    before = memory.fingerprint()
    report = send_due_notices(memory.deps)
    assert (report.queued, report.problems) == (0, [])
    assert memory.fingerprint() == before


HELEN = "helen.graham@cumbria-pcc.example.org"  # Cumbria's office's chief executive
CHESHIRE_ADMIN = "hannah.whitfield@cheshire-pcc.example.org"


def reload_with(memory: InMemoryApp, change: Callable[[dict[str, Any]], None]) -> None:
    """The shipped directory, changed by `change` (its data as the file has it), loaded again."""
    data = directory_config().model_dump(mode="json")
    change(data)
    load_directory(DirectoryConfig.model_validate(data), pipeline(), memory.deps)


def person(data: dict[str, Any], email: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in data["people"] if p["email"] == email)
    return found


def past_escalation(memory: InMemoryApp, signoff_id: int) -> list[tuple[str, str]]:
    """The deadline emails of a sweep three days after the first stage's due day, when it has escalated."""
    due_on = signoff_detail(signoff_id, memory.deps).stages[0].due_on
    memory.clock.set(datetime.combine(due_on + timedelta(days=3), time(10), tzinfo=LOCAL_TIME))
    told = len(memory.emails())
    send_due_notices(memory.deps)
    return [e for e in memory.emails()[told:] if e[0] in ("reminder", "overdue", "escalation")]


def test_a_holder_removed_from_the_directory_is_not_chased_and_the_office_hears(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")

    memory.move(RACHEL, None)
    sent = past_escalation(memory, signoff_id)
    assert not [e for e in sent if e[1] == RACHEL], sent
    assert ("escalation", CHESHIRE_ADMIN) in sent  # who reassigns her place


def test_a_holder_moved_to_another_office_is_not_chased_nor_is_its_escalation_contact(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)  # Owen drafts the summary

    def owen_moves(data: dict[str, Any]) -> None:
        person(data, OWEN).update(organisation="cumbria-pcc", escalation_contact=HELEN)

    reload_with(memory, owen_moves)
    sent = past_escalation(memory, signoff_id)
    assert not [e for e in sent if e[1] in (OWEN, HELEN)], sent
    assert ("escalation", CHESHIRE_ADMIN) in sent


def test_an_escalation_contact_of_another_office_is_passed_over_for_the_offices_administrators(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    reload_with(memory, lambda data: person(data, RACHEL).update(escalation_contact=HELEN))
    sent = past_escalation(memory, signoff_id)
    assert ("overdue", RACHEL) in sent
    assert not [e for e in sent if e[1] == HELEN], sent
    assert ("escalation", CHESHIRE_ADMIN) in sent


def test_work_handed_on_after_its_escalation_is_not_escalated_again_minutes_later(
    memory: InMemoryApp,
) -> None:
    """Owen's drafting lapsed and was escalated; the office gives it to Zoe. She is told it is overdue;
    nobody is sent a second escalation about her a quarter of an hour after she got it."""
    load_with_zoe(memory, "cheshire-pcc", [])
    signoff_id = start_reference(memory)
    escalated = past_escalation(memory, signoff_id)
    assert ("escalation", RACHEL) in escalated  # Owen's escalation contact
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=OWEN, to_person=ZOE, admin=HANNAH
        ),
        memory.deps,
    )
    memory.clock.advance(timedelta(minutes=15))
    told = len(memory.emails())
    send_due_notices(memory.deps)
    after = [e for e in memory.emails()[told:] if e[0] in ("reminder", "overdue", "escalation")]
    assert ("overdue", ZOE) in after
    assert not [e for e in after if e[0] == "escalation"], after


def test_a_stage_opened_after_its_reminder_moment_sends_no_reminder_minutes_after_the_work(
    memory: InMemoryApp,
) -> None:
    """The report summary approved late: the force's stage opens past its own reminder moment. Its drafters
    are given the work with its due date; the next sweep does not remind them of it again."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    with memory.deps.new_unit_of_work() as uow:
        next_stage = uow.signoffs.get(signoff_id).ordered_stages()[1]
        remind_at, due_at = next_stage.remind_at, next_stage.due_at
    memory.clock.set(remind_at + (due_at - remind_at) / 2)
    approve(memory, signoff_id, "report-summary", RACHEL)
    given = {e[1] for e in memory.emails() if e[0] == "drafting_assigned"} - {OWEN}
    assert given
    memory.clock.advance(timedelta(minutes=15))
    told = len(memory.emails())
    send_due_notices(memory.deps)
    assert not [e for e in memory.emails()[told:] if e[0] == "reminder" and e[1] in given]
