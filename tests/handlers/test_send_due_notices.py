"""The sweep queues reminders and overdue notices as they fall due, each once."""

from __future__ import annotations

from datetime import timedelta

from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import OWEN, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import draft, start_reference


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
