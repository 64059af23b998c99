"""Failed emails, for administrators: list them and put one back in the queue."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from signoff.domain.access import Action, OfficeScope, Target, office_scope, require
from signoff.domain.errors import NotFound
from signoff.domain.transitions import OutboxState
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.retry_email import retry_email, why_not_sent_again


class FailedEmail(BaseModel):
    id: int
    event: str
    recipient: str
    signoff_id: int | None
    attempts: int
    created_at: datetime
    last_error: str | None
    # Why Retry would be refused (None: it may be): its recipient has since left the office and its force,
    # or it asks for work no longer theirs (a sign-off since published or withdrawn, a section since
    # approved or reassigned).
    not_sent_again: str | None = None


def _office_of_admin(email: str, action: Action, deps: Dependencies) -> OfficeScope:
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        roster = uow.directory.roster()
    require(person, action, Target.office_of(person, roster), roster)
    return office_scope(person, roster)


def failed_emails(
    admin_email: str, deps: Dependencies, limit: int = 100, offset: int = 0
) -> list[FailedEmail]:
    """The failed emails of the administrator's own office: its sign-offs', and its people's."""
    office = _office_of_admin(admin_email, Action.SEE_FAILED_EMAILS, deps)
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        # Each email listed is the office's business (its sign-offs', its people's); its sign-off is read
        # for whether it still asks that work of that person (else a request for work is not sent again).
        business = (office.office, office.force)
        emails = uow.outbox.page(state=OutboxState.FAILED.value, limit=limit, offset=offset, office=office)
        signoffs = {n: uow.signoffs.get(n) for n in {e.signoff_id for e in emails} if n is not None}
        return [
            FailedEmail(
                id=e.id or 0,
                event=str(e.event),
                recipient=f"{e.recipient_name} <{e.recipient_email}>",
                signoff_id=e.signoff_id,
                attempts=e.attempts,
                created_at=e.created_at,
                last_error=e.last_error,
                not_sent_again=why_not_sent_again(
                    e, roster, business, signoffs.get(e.signoff_id) if e.signoff_id is not None else None, now
                ),
            )
            for e in emails
        ]


def retry_failed_email(email_id: int, admin_email: str, deps: Dependencies) -> None:
    office = _office_of_admin(admin_email, Action.RETRY_EMAIL, deps)
    with deps.new_unit_of_work() as uow:
        # Unknown, or another office's (`concerns` is False for both): one answer, so that its existence
        # tells nothing.
        if not uow.outbox.concerns(email_id, office):
            raise NotFound(f"there is no failed email #{email_id} of {office.office}")
    retry_email(email_id, deps)
