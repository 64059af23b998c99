"""A failed email goes back in the queue (rendered again if it never rendered), unless it is not to be sent
again (`why_not_sent_again`: an expired sign-in link, work no longer asked of its recipient, a recipient
who has left): the operator's `signoff mail retry` and an administrator's Retry alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from signoff.domain.directory import Roster
from signoff.domain.errors import InvalidInput
from signoff.domain.notifications import ASKS_FOR_WORK, TAKES_WORK_AWAY, NoticeEvent
from signoff.domain.outbox import OutgoingEmail
from signoff.domain.signoff import SignOff
from signoff.domain.transitions import SignoffState
from signoff.service.dependencies import Dependencies
from signoff.service.notify import render_for_wire
from signoff.service.ports import UnitOfWork


def retry_email(email_id: int, deps: Dependencies) -> None:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        email = uow.outbox.get(email_id)
        refuse_if_not_sent_again(uow, email, now)
        message = None
        if email.message is None:
            # It failed to render (a template problem since fixed, say): render it from its stored data.
            message = render_for_wire(deps.renderer, email.as_notice(), now)
        email.requeue(now, message)
        uow.commit()


# The audiences asked for work of their own on a section (not a delegate, an escalation contact, the office).
HOLDERS = frozenset({"approver", "holder"})


def refuse_if_not_sent_again(uow: UnitOfWork, email: OutgoingEmail, now: datetime) -> None:
    """InvalidInput, naming why, when the email is not to be sent again (`why_not_sent_again`)."""
    roster = uow.directory.roster()
    signoff = uow.signoffs.get(email.signoff_id) if email.signoff_id is not None else None
    reason = why_not_sent_again(email, roster, _whose_business(email, signoff, roster), signoff, now)
    if reason is not None:
        raise InvalidInput(reason)


def why_not_sent_again(
    email: OutgoingEmail,
    roster: Roster,
    business: tuple[str, str] | None,
    signoff: SignOff | None,
    now: datetime,
) -> str | None:
    """Why the email is not sent again (None: it may be): a sign-in link that has expired; a request for
    work that `signoff` (its sign-off) no longer asks of its recipient; or a recipient who has since left
    `business` (the office and force whose business it is; None: the recipient's own)."""
    return (
        _expired_link(email, now)
        or (_work_no_longer_theirs(email, signoff, roster) if signoff is not None else None)
        or _recipient_gone(email, roster, business)
    )


def _expired_link(email: OutgoingEmail, now: datetime) -> str | None:
    """A sign-in link past its minutes: sent again, it would open on "this link has expired"."""
    minutes = email.context.get("minutes")
    if NoticeEvent(email.event) is not NoticeEvent.SIGN_IN_LINK or not isinstance(minutes, int):
        return None
    if now < email.created_at + timedelta(minutes=minutes):
        return None
    return f"the sign-in link in email #{email.id} has expired: ask for a new one"


def _work_no_longer_theirs(email: OutgoingEmail, signoff: SignOff, roster: Roster) -> str | None:
    """A request for work on a sign-off since published or withdrawn, which takes no more; or asking its
    recipient for a section they no longer hold (approved since, or reassigned)."""
    if NoticeEvent(email.event) not in ASKS_FOR_WORK:
        return None
    if signoff.state in (SignoffState.PUBLISHED, SignoffState.WITHDRAWN):
        # A reminder to approve what can no longer change would send its reader looking for nothing.
        return (
            f"sign-off #{signoff.id} is {signoff.state.value}: email #{email.id} ({email.event}) asks for "
            "work it no longer takes, and is not sent again"
        )
    recipient = roster.find_email(email.recipient_email)
    section_key = email.context.get("section_key")
    if recipient is None or email.context.get("audience") not in HOLDERS or not isinstance(section_key, str):
        return None
    holds_it = any(h.section.key == section_key and h.person_id == recipient.id for h in signoff.holdings())
    if NoticeEvent(email.event) in TAKES_WORK_AWAY:
        # It tells them the section is no longer theirs, and cancels its calendar entry: true until they
        # are asked for it again (a new round, the place given back), when it would cancel the new one.
        if not holds_it:
            return None
        return (
            f"{recipient.email} has been asked for section {section_key!r} of sign-off #{signoff.id} again "
            f"since: email #{email.id} ({email.event}) would cancel that, and is not sent again"
        )
    if holds_it:
        return None
    # Asked again, they would get back the calendar entry a reassignment cancelled, for nothing to do.
    return (
        f"{recipient.email} no longer holds section {section_key!r} of sign-off #{signoff.id} (approved, "
        f"or given to someone else): email #{email.id} ({email.event}) is not sent again"
    )


def _recipient_gone(email: OutgoingEmail, roster: Roster, business: tuple[str, str] | None) -> str | None:
    """Someone of the directory who has since left the business's office and force, or left altogether:
    their work is not sent to them again. HMICFRS and the Home Secretary, not in the directory, are."""
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


def _whose_business(email: OutgoingEmail, signoff: SignOff | None, roster: Roster) -> tuple[str, str] | None:
    """The office and force the email is about: its sign-off's; else the organisation it was queued for
    (a sign-in link, a delegation notice) with its office or force; None for an email queued before that
    was recorded, which is its recipient's business."""
    if signoff is not None:
        return signoff.pcc_org, signoff.force_org
    organisation = email.organisation
    if organisation is None:
        return None
    force = roster.force_of_office(organisation)
    if force is not None:
        return organisation, force
    offices = [office for office, its_force in roster.office_forces.items() if its_force == organisation]
    return (offices[0], organisation) if len(offices) == 1 else (organisation, organisation)
