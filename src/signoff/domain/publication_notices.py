"""The publication stage's deadline notices: a response approved and not yet published is chased too.

Once every approval stage is complete, the sign-off waits for nobody in particular: any of the office's
publishers may publish it. Its publication stage still has a due day (by default the publish-by day, the
last working day on or before the statutory 56th) and the pipeline's reminder and escalation offsets for
it, so the sweep tells the office as each moment passes:

- from the stage's reminder moment until its due moment, a reminder that the response is ready and when
  it must be published;
- from its due moment, that publication is overdue (the statutory day may already have passed);
- from its escalation moment, the same to the escalation contacts of the office's administrators (their
  chief executive, say), who can see that it is done.

Who hears is config/notifications.yaml's `publication_due` (the office's administrators, its policy
officers, those escalation contacts). Each notice is keyed by the stage's due day and its phase, so a
sweep queues it once, and an extension to a new due day starts the reminders again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from signoff.domain.access import takes_part
from signoff.domain.deadlines import format_day
from signoff.domain.directory import POLICY_OFFICER_ROLE, Participant
from signoff.domain.notifications import Audience, Notice, NoticeEvent
from signoff.domain.transitions import SignoffState, StageState
from signoff.domain.vocabulary import StageKind

if TYPE_CHECKING:
    from signoff.domain.notice_builder import NoticeBuilder
    from signoff.domain.signoff import SignOff


def publication_due_notices(signoff: SignOff, builder: NoticeBuilder, now: datetime) -> list[Notice]:
    """The publication stage's notices due at `now`; none unless the sign-off is ready to publish."""
    stage = next((s for s in signoff.stages if s.kind is StageKind.PUBLICATION), None)
    if (
        signoff.state is not SignoffState.READY_TO_PUBLISH
        or stage is None
        or stage.state is not StageState.OPEN
    ):
        return []
    phase = "overdue" if stage.due_at <= now else "reminder" if stage.remind_at <= now else None
    audiences = builder.rules.events[NoticeEvent.PUBLICATION_DUE]
    roster = builder.roster
    office = signoff.pcc_org
    recipients: list[tuple[Participant, Audience, str]] = []
    if phase is not None:
        if Audience.PCC_ADMINS in audiences:
            recipients += [(p, Audience.PCC_ADMINS, phase) for p in roster.admins_of(office)]
        if Audience.POLICY_OFFICERS in audiences:
            recipients += [
                (p, Audience.POLICY_OFFICERS, phase) for p in roster.holders(POLICY_OFFICER_ROLE, office)
            ]
    # Not before the due moment: with escalate_after_working_days 0 the escalation moment is that day's morning.
    if stage.escalate_at <= now and stage.due_at <= now and Audience.ESCALATION_CONTACT in audiences:
        contacts = [p for p in _contacts(builder, signoff) if takes_part(p, signoff)]
        recipients += [(p, Audience.ESCALATION_CONTACT, "escalation") for p in contacts]
        if not contacts:  # as with a holder's escalation: with no contact, the administrators hear
            recipients += [(p, Audience.PCC_ADMINS, "overdue") for p in roster.admins_of(office)]
    context = {
        **builder.contexts.ready_to_publish(signoff),
        "due": format_day(stage.due_on),
        "due_date": stage.due_on.isoformat(),
    }
    office_name = roster.organisation_name(office)
    notices: list[Notice] = []
    told: set[int] = set()  # one email a person: someone both administrator and policy officer, as the first
    for person, audience, told_as in recipients:
        if person.id in told or not takes_part(person, signoff):
            continue
        told.add(person.id)
        notices.append(
            builder.notice(
                NoticeEvent.PUBLICATION_DUE,
                signoff.id,
                person,
                f"signoff:{signoff.id}:publication:due:{stage.due_on.isoformat()}:{told_as}",
                {**context, "phase": told_as},
                _why(audience, office_name),
                audience,
            )
        )
    return notices


def _contacts(builder: NoticeBuilder, signoff: SignOff) -> Iterable[Participant]:
    """The escalation contacts the office's administrators name, each once."""
    found: dict[int, Participant] = {}
    for admin in builder.roster.admins_of(signoff.pcc_org):
        contact = builder.roster.escalation_contact_of(admin.id)
        if contact is not None:
            found.setdefault(contact.id, contact)
    return found.values()


def _why(audience: Audience, office: str) -> str:
    if audience is Audience.ESCALATION_CONTACT:
        return f"an administrator of {office} names you as their escalation contact"
    if audience is Audience.POLICY_OFFICERS:
        return f"you are a policy officer of {office}, who may publish its response"
    return f"you administer sign-offs for {office}"
