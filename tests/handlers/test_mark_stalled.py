"""Work idle past the configured time is marked, once."""

from __future__ import annotations

from datetime import timedelta

from signoff.service.commands import Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.handlers.mark_stalled import mark_stalled
from tests.people import HANNAH, OWEN
from tests.support.app import InMemoryApp
from tests.support.story import ZOE, draft, load_with_zoe, start_reference


def test_an_approval_left_idle_is_marked_once(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.clock.advance(timedelta(days=21))
    report = mark_stalled(memory.deps)
    assert report.marked == [f"#{signoff_id} report-summary"]
    assert report.problems == []
    assert mark_stalled(memory.deps).marked == []


def test_fresh_work_is_not_marked_and_nothing_changes(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    before = memory.fingerprint()
    assert mark_stalled(memory.deps).marked == []
    assert memory.fingerprint() == before


def test_a_drafting_place_given_to_someone_else_waits_on_them_from_then(memory: InMemoryApp) -> None:
    """The new drafter is not idle since the last one's last word: not shown so, and marked stalled
    (again) only when they leave it idle themselves."""
    load_with_zoe(memory, "cheshire-pcc", [])
    signoff_id = start_reference(memory)
    memory.clock.advance(timedelta(days=21))
    assert mark_stalled(memory.deps).marked == [f"#{signoff_id} report-summary"]
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=OWEN, to_person=ZOE, admin=HANNAH
        ),
        memory.deps,
    )
    with memory.deps.new_unit_of_work() as uow:
        [holding] = [h for h in uow.signoffs.get(signoff_id).holdings() if h.section.key == "report-summary"]
    assert holding.since == memory.clock.now()
    memory.clock.advance(timedelta(days=1))
    assert mark_stalled(memory.deps).marked == []
    memory.clock.advance(timedelta(days=21))
    assert mark_stalled(memory.deps).marked == [f"#{signoff_id} report-summary"]
