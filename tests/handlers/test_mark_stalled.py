"""Work idle past the configured time is marked, once."""

from __future__ import annotations

from datetime import timedelta

from signoff.service.handlers.mark_stalled import mark_stalled
from tests.people import OWEN
from tests.support.app import InMemoryApp
from tests.support.story import draft, start_reference


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
