"""A failed email goes back in the queue (rendered again if it never rendered), unless its recipient has
since left the organisation whose business it is: the operator's `signoff mail retry` and an
administrator's Retry alike."""

from __future__ import annotations

from signoff.domain.directory import Roster
from signoff.domain.errors import InvalidInput
from signoff.domain.outbox import OutgoingEmail
from signoff.service.dependencies import Dependencies
from signoff.service.notify import render_for_wire
from signoff.service.ports import UnitOfWork


def retry_email(email_id: int, deps: Dependencies) -> None:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        email = uow.outbox.get(email_id)
        refuse_if_recipient_left(uow, email)
        message = None
        if email.message is None:
            # It failed to render (a template problem since fixed, say): render it from its stored data.
            message = render_for_wire(deps.renderer, email.as_notice(), now)
        email.requeue(now, message)
        uow.commit()


def refuse_if_recipient_left(uow: UnitOfWork, email: OutgoingEmail) -> None:
    """InvalidInput, naming why, when the email is not to be sent again (see `why_not_sent_again`)."""
    roster = uow.directory.roster()
    reason = why_not_sent_again(email, roster, _whose_business(uow, email, roster))
    if reason is not None:
        raise InvalidInput(reason)


def why_not_sent_again(email: OutgoingEmail, roster: Roster, business: tuple[str, str] | None) -> str | None:
    """Why the email is not sent again, when its recipient is someone of the directory who has since left
    `business` (the office and force whose business it is; None: the recipient's own), or left altogether:
    their work is not sent to them again. None otherwise; HMICFRS and the Home Secretary, not in the
    directory, are sent it."""
    recipient = roster.find_email(email.recipient_email)
    if recipient is None:
        return None
    office, force = business or (recipient.organisation, recipient.organisation)
    if recipient.active and recipient.organisation in (office, force):
        return None
    return (
        f"{recipient.email} is no longer of {roster.organisation_name(office)} or its force: "
        f"email #{email.id} is not sent again"
    )


def _whose_business(uow: UnitOfWork, email: OutgoingEmail, roster: Roster) -> tuple[str, str] | None:
    """The office and force the email is about: its sign-off's; else the organisation it was queued for
    (a sign-in link, a delegation notice) with its office or force; None for an email queued before that
    was recorded, which is its recipient's business."""
    if email.signoff_id is not None:
        signoff = uow.signoffs.get(email.signoff_id)
        return signoff.pcc_org, signoff.force_org
    organisation = email.organisation
    if organisation is None:
        return None
    force = roster.force_of_office(organisation)
    if force is not None:
        return organisation, force
    offices = [office for office, its_force in roster.office_forces.items() if its_force == organisation]
    return (offices[0], organisation) if len(offices) == 1 else (organisation, organisation)
