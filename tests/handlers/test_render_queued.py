"""Queued emails are rendered once, after the change that caused them; a broken template fails one."""

from __future__ import annotations

from signoff.domain.notifications import NoticeEvent
from signoff.service.handlers.render_queued import render_queued
from tests.people import OWEN
from tests.support.app import InMemoryApp
from tests.support.story import draft, start_reference


def test_each_queued_email_is_rendered_once(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    assert render_queued(memory.deps) == 2
    assert [r.event.value for r in memory.renderer.rendered] == ["drafting_assigned", "approval_requested"]
    before = memory.fingerprint()
    assert render_queued(memory.deps) == 0
    assert memory.fingerprint() == before


def test_a_template_that_fails_fails_that_email_alone(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    memory.renderer.broken.add(NoticeEvent.APPROVAL_REQUESTED)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    assert render_queued(memory.deps) == 1
    states = {e.event.value: (e.state.value, e.last_error) for e in memory.store.state.outbox}
    assert states["drafting_assigned"] == ("queued", None)
    assert states["approval_requested"] == ("failed", "template for approval_requested is broken")
