"""An administrator puts a failed email back in the queue."""

from __future__ import annotations

from signoff.service.dependencies import Dependencies


def retry_email(email_id: int, deps: Dependencies) -> None:
    with deps.new_unit_of_work() as uow:
        uow.outbox.get(email_id).requeue(deps.clock.now())
        uow.commit()
