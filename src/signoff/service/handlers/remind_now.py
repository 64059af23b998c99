"""An administrator sends a reminder now to whoever holds a section, without waiting for its due moment."""

from __future__ import annotations

from signoff.domain.access import Action, allowed, holds_place, office_as_told_to, signoff_target
from signoff.domain.cover import Cover
from signoff.domain.errors import InvalidInput, NotFound, NotPermitted
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import Audience, NoticeEvent
from signoff.domain.vocabulary import AuditAction
from signoff.service.dependencies import Dependencies
from signoff.service.notify import queue


def remind_now(
    signoff_id: int, section_key: str, holder_email: str, admin_email: str, deps: Dependencies
) -> int:
    """How many emails were queued (the holder's reminder, and their delegate's while a delegation of theirs
    is live; none if one was already sent this minute)."""
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        admin = uow.directory.person(admin_email)
        roster = uow.directory.roster()
        signoff = uow.signoffs.get(signoff_id)
        if not allowed(admin, Action.REMIND, signoff_target(signoff), roster):
            raise NotPermitted(
                f"{admin.email} is not an administrator of {office_as_told_to(admin, signoff)}"
            )
        # Looked up once the administrator may act here: before, it told anyone who is in the directory.
        holder = roster.find_email(holder_email)
        holding = next(
            (
                h
                for h in signoff.holdings()
                if holder is not None and h.section.key == section_key and h.person_id == holder.id
            ),
            None,
        )
        if holder is None or holding is None:
            # Nobody at the address, or someone who holds nothing here: one answer, telling no one who is in
            # the directory.
            raise NotFound(
                f"{holder_email.strip().lower()} holds nothing on section {section_key!r} of sign-off #{signoff_id}"
            )
        place_of = holding.section.place_of(holder.id)
        if not holds_place(holder, signoff, place_of):
            # The reminder would go to nobody: say so, rather than that one went this minute.
            whose = (
                roster.organisation_name(place_of)
                if place_of
                else f"{roster.organisation_name(signoff.pcc_org)} or {roster.organisation_name(signoff.force_org)}"
            )
            raise InvalidInput(
                f"{holder.email} is no longer of {whose}, whose place it is, so is not reminded: "
                "reassign their place"
            )
        cover = Cover.at(uow.delegations.live_at(now), now)
        builder = NoticeBuilder(deps.load_notification_rules(), roster, deps.links, cover)
        # Keyed by the minute: a double click sends one reminder, a reminder tomorrow is a new one.
        due_key = f"signoff:{signoff_id}:manual-reminder:{section_key}:{now:%Y%m%dT%H%M}"
        # After the due moment, a reminder asking for the work "by" a day gone would read as if on time:
        # the holder is told it is overdue (and given no calendar entry for a day past).
        event = NoticeEvent.OVERDUE if now >= holding.due_at else NoticeEvent.REMINDER
        notices = [
            n
            for n in builder.for_holding(signoff, holding, event, due_key)
            # The holder, and whoever decides for them while they are away; not their escalation contact.
            if n.recipient.email == holder.email or n.context["audience"] == Audience.DELEGATE.value
        ]
        queued = queue(uow, notices, deps.renderer, now)
        if queued:  # the trail says what was sent: a second click in the minute sends, and records, nothing
            signoff.record(
                now, AuditAction.REMINDER_SENT, section_key, actor_id=admin.id, holder_id=holder.id
            )
        uow.commit()
        return queued
