"""A failed email goes back in the queue, rendered again if it never rendered."""

from __future__ import annotations

from signoff.domain.errors import InvalidTransition
from signoff.domain.notifications import NoticeEvent
from signoff.service.handlers.render_queued import render_queued
from signoff.service.handlers.retry_email import retry_email
from tests.support.app import InMemoryApp
from tests.support.story import start_reference


def test_an_email_whose_template_failed_is_rendered_and_queued_again(memory: InMemoryApp) -> None:
    start_reference(memory)
    memory.renderer.broken.add(NoticeEvent.DRAFTING_ASSIGNED)
    render_queued(memory.deps)
    [email] = memory.store.state.outbox
    assert email.state.value == "failed"
    assert email.id is not None

    memory.renderer.broken.clear()
    retry_email(email.id, memory.deps)
    [email] = memory.store.state.outbox
    assert (email.state.value, email.attempts, email.message is not None) == ("queued", 0, True)


def test_an_email_that_has_not_failed_cannot_be_retried(memory: InMemoryApp) -> None:
    start_reference(memory)
    render_queued(memory.deps)
    [email] = memory.store.state.outbox
    assert email.id is not None
    email_id = email.id
    memory.refused(lambda: retry_email(email_id, memory.deps), InvalidTransition)
