"""The administrator reminds whoever holds a section, now."""

from __future__ import annotations

from datetime import timedelta

from signoff.domain.errors import NotFound, NotPermitted
from signoff.service.handlers.remind_now import remind_now
from tests.people import HANNAH, JOHN, OWEN, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import draft, start_reference


def test_the_holder_gets_one_reminder_however_often_it_is_pressed(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    assert remind_now(signoff_id, "report-summary", RACHEL, HANNAH, memory.deps) == 1
    assert remind_now(signoff_id, "report-summary", RACHEL, HANNAH, memory.deps) == 0
    assert memory.emails().count(("reminder", RACHEL)) == 1


def test_only_an_administrator_reminds_and_only_a_holder(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.refused(
        lambda: remind_now(signoff_id, "report-summary", RACHEL, OWEN, memory.deps),
        NotPermitted,
        "not an administrator",
    )
    memory.refused(
        lambda: remind_now(signoff_id, "report-summary", JOHN, HANNAH, memory.deps), NotFound, "holds nothing"
    )


def test_a_reminder_pressed_after_the_due_day_tells_the_holder_it_is_overdue(memory: InMemoryApp) -> None:
    """Not "please do this by" a day already gone, with a calendar entry for it."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    with memory.deps.new_unit_of_work() as uow:
        due_at = uow.signoffs.get(signoff_id).current_stage().due_at  # type: ignore[union-attr]
    memory.clock.set(due_at + timedelta(days=3))
    assert remind_now(signoff_id, "report-summary", RACHEL, HANNAH, memory.deps) == 1
    assert memory.emails()[-1] == ("overdue", RACHEL)
    assert ("reminder", RACHEL) not in memory.emails()
