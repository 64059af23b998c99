"""People, organisations, roles and delegations, as administrators (and the pages' choosers) see them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from signoff.domain.access import Action, Target, allowed, require
from signoff.service.dependencies import Dependencies


class PersonLine(BaseModel):
    email: str
    name: str
    title: str
    organisation: str
    organisation_key: str
    roles: list[str]
    active: bool
    escalation_contact: str | None


class DelegationLine(BaseModel):
    id: int
    from_person: str
    to_person: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    active: bool
    ended: bool  # ran out or ended early: nothing left to end


class DirectoryView(BaseModel):
    organisations: list[tuple[str, str]]
    roles: dict[str, str]
    people: list[PersonLine]
    delegations: list[DelegationLine]


def directory_view(
    admin_email: str, deps: Dependencies, roles: dict[str, str] | None = None
) -> DirectoryView:
    """The people of the administrator's office and of its force, and the delegations among them.

    Built inside the unit of work: delegations are mapped rows, unreadable once their session closes.
    """
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        admin = uow.directory.person(admin_email)
        roster = uow.directory.roster()
        require(admin, Action.SEE_PEOPLE, Target(person=admin), roster)
        shown = [
            p for p in roster.participants if allowed(admin, Action.SEE_PEOPLE, Target(person=p), roster)
        ]
        shown_organisations = {p.organisation for p in shown}
        delegations = [
            DelegationLine(
                id=d.id or 0,
                from_person=roster.describe(d.from_person_id),
                to_person=roster.describe(d.to_person_id),
                starts_at=d.starts_at,
                ends_at=d.ends_at,
                reason=d.reason,
                active=d.active_at(now),
                ended=d.revoked_at is not None or d.ends_at <= now,
            )
            for d in sorted(uow.delegations.all(), key=lambda d: d.starts_at, reverse=True)
            # Made in one of the administrator's organisations, whatever the directory has since said of its
            # people: the office still sees the cover it arranged (and that a move ended it), and the
            # organisation a person moved to does not read it (its reason included).
            if d.organisation in shown_organisations
        ]
    organisations = {p.organisation for p in shown}
    return DirectoryView(
        organisations=sorted(
            ((k, v) for k, v in roster.organisation_names.items() if k in organisations),
            key=lambda item: item[1],
        ),
        roles=roles or {},
        people=[
            PersonLine(
                email=p.email,
                name=p.name,
                title=p.title,
                organisation=roster.organisation_name(p.organisation),
                organisation_key=p.organisation,
                roles=sorted(p.roles),
                active=p.active,
                escalation_contact=p.escalation_contact,
            )
            for p in sorted(shown, key=lambda p: (roster.organisation_name(p.organisation), p.name))
        ],
        delegations=delegations,
    )


def person_name(email: str, asked_by: str, deps: Dependencies) -> str:
    """A person's name, for a page's outcome banner after `asked_by` acted on them (the address when
    the directory does not know it)."""
    with deps.new_unit_of_work() as uow:
        uow.directory.person(asked_by)  # the asker is someone the directory knows
        roster = uow.directory.roster()
        found = next((p for p in roster.participants if p.email.lower() == email.lower()), None)
    return found.name if found else email
