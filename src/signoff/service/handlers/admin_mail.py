"""Failed emails, for administrators: list them and put one back in the queue."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from signoff.domain.directory import ADMIN_ROLE
from signoff.domain.errors import NotPermitted
from signoff.domain.transitions import OutboxState
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.retry_email import retry_email


class FailedEmail(BaseModel):
    id: int
    event: str
    recipient: str
    signoff_id: int | None
    attempts: int
    created_at: datetime
    last_error: str | None


def _require_admin(email: str, deps: Dependencies) -> None:
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
    if ADMIN_ROLE not in person.roles:
        raise NotPermitted(f"{person.email} is not a PCC administrator")


def failed_emails(
    admin_email: str, deps: Dependencies, limit: int = 100, offset: int = 0
) -> list[FailedEmail]:
    _require_admin(admin_email, deps)
    with deps.new_unit_of_work() as uow:
        return [
            FailedEmail(
                id=e.id or 0,
                event=str(e.event),
                recipient=f"{e.recipient_name} <{e.recipient_email}>",
                signoff_id=e.signoff_id,
                attempts=e.attempts,
                created_at=e.created_at,
                last_error=e.last_error,
            )
            for e in uow.outbox.page(state=OutboxState.FAILED.value, limit=limit, offset=offset)
        ]


def retry_failed_email(email_id: int, admin_email: str, deps: Dependencies) -> None:
    _require_admin(admin_email, deps)
    retry_email(email_id, deps)
