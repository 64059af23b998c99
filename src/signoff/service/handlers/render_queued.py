"""Render the emails queued since the last look, after the change that caused them has committed.

A change queues its emails in its own transaction (nothing is lost), but rendering them (Jinja and the
MIME message: most of the cost of a decision) happens here, outside that transaction and its locks:
the relay and every delivery call this first. The rendered bytes are stored, so what is sent is exactly
what was rendered once. A template problem fails that email alone, visibly and retryably.
"""

from __future__ import annotations

from signoff.domain.errors import TemplateProblem
from signoff.domain.transitions import OutboxState
from signoff.service.dependencies import Dependencies
from signoff.service.notify import render_for_wire


def render_queued(deps: Dependencies, batch_size: int = 500) -> int:
    """Render queued emails that have no message yet, a batch at a time; returns how many were rendered."""
    done = 0
    while True:
        with deps.new_unit_of_work() as uow:
            # What rendering needs, read out here: the rows are not used once this transaction ends.
            waiting = [(e.id, e.as_notice(), e.created_at) for e in uow.outbox.unrendered(batch_size)]
        if not waiting:
            return done
        rendered: dict[int, bytes] = {}
        problems: dict[int, str] = {}
        for email_id, notice, queued_at in waiting:
            assert email_id is not None  # noqa: S101 - read from the database
            try:
                rendered[email_id] = render_for_wire(deps.renderer, notice, queued_at)
            except TemplateProblem as failure:
                problems[email_id] = failure.message
        with deps.new_unit_of_work() as uow:
            done += uow.outbox.store_rendered(rendered)
            for email_id, message in problems.items():
                email = uow.outbox.get(email_id)
                if email.message is None and email.state is OutboxState.QUEUED:  # nobody else got there first
                    email.render_failed(message)
            uow.commit()
        if len(waiting) < batch_size:
            return done
