"""An administrator puts a failed email back in the queue (rendering it again if it never rendered)."""

from __future__ import annotations

from signoff.domain.notifications import Notice, NoticeEvent, Recipient
from signoff.service.dependencies import Dependencies
from signoff.service.notify import render_for_wire


def retry_email(email_id: int, deps: Dependencies) -> None:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        email = uow.outbox.get(email_id)
        message = None
        if email.message is None:
            # It failed to render (a template problem since fixed, say): render it from its stored data.
            notice = Notice(
                event=NoticeEvent(email.event),
                recipient=Recipient(email=email.recipient_email, name=email.recipient_name),
                signoff_id=email.signoff_id,
                key=email.idempotency_key,
                context=email.context,
            )
            message = render_for_wire(deps.renderer, notice, now)
        email.requeue(now, message)
        uow.commit()
