"""An administrator puts a failed email back in the queue (rendering it again if it never rendered)."""

from __future__ import annotations

from signoff.service.dependencies import Dependencies
from signoff.service.notify import render_for_wire


def retry_email(email_id: int, deps: Dependencies) -> None:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        email = uow.outbox.get(email_id)
        message = None
        if email.message is None:
            # It failed to render (a template problem since fixed, say): render it from its stored data.
            message = render_for_wire(deps.renderer, email.as_notice(), now)
        email.requeue(now, message)
        uow.commit()
