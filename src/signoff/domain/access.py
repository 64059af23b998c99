"""Who may do what, in one place: every permission is a row of one table (role, action, scope).

Handlers and queries ask `allowed` / `require`; nothing else derives a permission from roles or
organisations. One installation serves many PCC offices and their forces, so every grant is scoped:
to the person themselves, to their own office's sign-offs, to the people of their office and its
force, or to the sections that name them. Whatever the table does not grant is refused.

The domain still enforces the rules of the work itself (nobody approves their own text, one person
is one approval, a decision only on a pending request); this table says who may even ask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from signoff.domain.directory import ADMIN_ROLE, POLICY_OFFICER_ROLE, Participant, Roster
from signoff.domain.errors import NotPermitted

# A grant to every signed-in, active person (their scope still limits it).
ANYONE = "anyone"

# The PCC office's people who may publish its response.
PUBLISHER_ROLES = frozenset({ADMIN_ROLE, POLICY_OFFICER_ROLE, "chief_executive", "commissioner"})
# The PCC office's people who may start a sign-off for it.
STARTER_ROLES = frozenset({ADMIN_ROLE, POLICY_OFFICER_ROLE})
# The role a finding's lead must hold in the force the finding is addressed to.
STRATEGIC_LEAD_ROLE = "strategic_lead"


class Action(StrEnum):
    START_SIGNOFF = "start a sign-off"
    READ_SIGNOFF = "read a whole sign-off"
    READ_SECTION = "read a section"
    DRAFT_SECTION = "draft a section"
    DECIDE_SECTION = "approve a section or ask for changes"
    DELEGATE_OWN = "delegate their own approvals"
    DELEGATE_FOR_OTHERS = "delegate someone else's approvals"
    REASSIGN = "reassign an approval or a drafting place"
    EXTEND = "extend a stage's due date"
    REMIND = "send a reminder now"
    WITHDRAW = "withdraw a sign-off"
    PUBLISH = "publish the response"
    READ_PUBLISHED_FILES = "read the published files"
    SEE_ATTENTION = "see what is stalled or at risk"
    SEE_FIGURES = "see on-time figures"
    SEE_PEOPLE = "see people and delegations"
    SEE_FAILED_EMAILS = "see failed emails"
    RETRY_EMAIL = "put a failed email back in the queue"
    END_SESSIONS = "end a person's sessions"
    HANDLE_PROPOSAL = "check a proposed report, then start its sign-off or dismiss it"


class Scope(StrEnum):
    SELF = "themselves"
    OWN_OFFICE = "their own office's sign-offs"
    OWN_OFFICE_AND_FORCE = "sign-offs of their office or of their force"
    OWN_FORCE_SECTIONS = "sections their force takes part in, of sign-offs their force answers"
    NAMED = "sections that name them, or the person they stand in for"
    DRAFTER = "sections that name them as a drafter"
    APPROVER = "sections that name them as an approver, or the person they stand in for"
    OWN_OFFICE_PEOPLE = "people of their office and of its force"


@dataclass(frozen=True)
class Grant:
    role: str
    action: Action
    scope: Scope


def _grants(roles: Iterable[str], actions: Iterable[Action], scope: Scope) -> tuple[Grant, ...]:
    return tuple(Grant(role, action, scope) for action in actions for role in sorted(roles))


ACCESS_TABLE: tuple[Grant, ...] = (
    *_grants(STARTER_ROLES, [Action.START_SIGNOFF, Action.HANDLE_PROPOSAL], Scope.OWN_OFFICE),
    Grant(ANYONE, Action.READ_SIGNOFF, Scope.OWN_OFFICE),
    Grant(ANYONE, Action.READ_SECTION, Scope.OWN_OFFICE),
    Grant(ANYONE, Action.READ_SECTION, Scope.OWN_FORCE_SECTIONS),
    Grant(ANYONE, Action.READ_SECTION, Scope.NAMED),
    Grant(ANYONE, Action.DRAFT_SECTION, Scope.DRAFTER),
    Grant(ANYONE, Action.DECIDE_SECTION, Scope.APPROVER),
    Grant(ANYONE, Action.DELEGATE_OWN, Scope.SELF),
    Grant(ADMIN_ROLE, Action.DELEGATE_FOR_OTHERS, Scope.OWN_OFFICE_PEOPLE),
    *_grants(
        {ADMIN_ROLE},
        [Action.REASSIGN, Action.EXTEND, Action.REMIND, Action.WITHDRAW, Action.SEE_ATTENTION],
        Scope.OWN_OFFICE,
    ),
    *_grants(PUBLISHER_ROLES, [Action.PUBLISH], Scope.OWN_OFFICE),
    Grant(ANYONE, Action.READ_PUBLISHED_FILES, Scope.OWN_OFFICE_AND_FORCE),
    *_grants(
        {ADMIN_ROLE},
        [Action.SEE_FIGURES, Action.SEE_FAILED_EMAILS, Action.RETRY_EMAIL],
        Scope.OWN_OFFICE,
    ),
    *_grants({ADMIN_ROLE}, [Action.SEE_PEOPLE, Action.END_SESSIONS], Scope.OWN_OFFICE_PEOPLE),
)


@dataclass(frozen=True)
class Target:
    """What an action is on. A sign-off's office and force; a person; the people a section names
    (all of them to read it, its drafters to draft it, its approvers to decide on it).

    `office` alone (no sign-off) stands for the office's own pages: its queue, figures and emails.
    """

    office: str | None = None
    force: str | None = None
    person: Participant | None = None
    named: frozenset[int] = field(default_factory=frozenset)
    force_takes_part: bool = False
    # Whose place each of the named holds (the office's or the force's), where the section records it.
    places: Mapping[int, str] = field(default_factory=dict, hash=False)

    @classmethod
    def office_of(cls, person: Participant, roster: Roster) -> Target:
        """The caller's own office's pages (nothing, for someone outside a PCC office)."""
        return cls(office=person.organisation if roster.force_of_office(person.organisation) else None)


@dataclass(frozen=True)
class OfficeScope:
    """An office and its force: what the office's administrators see of people and emails."""

    office: str
    force: str


def office_scope(person: Participant, roster: Roster) -> OfficeScope:
    """The caller's office and its force; NotPermitted for someone outside a PCC office."""
    force = roster.force_of_office(person.organisation)
    if force is None:
        raise NotPermitted(f"{person.email} is not of a PCC office")
    return OfficeScope(person.organisation, force)


class SignoffLike(Protocol):
    pcc_org: str
    force_org: str


def holds_place(person: Participant, signoff: SignoffLike, place_of: str | None) -> bool:
    """Takes part, and is of the organisation whose place it is (`place_of`; None: not recorded)."""
    return takes_part(person, signoff) and place_of in (None, person.organisation)


def takes_part(person: Participant, signoff: SignoffLike) -> bool:
    """Active, and of the sign-off's office or force: nobody else hears of its work (the starter of a
    regional report for several offices, someone the directory moved away, another office's contact)."""
    return person.active and person.organisation in (signoff.pcc_org, signoff.force_org)


def office_as_told_to(person: Participant, signoff: SignoffLike) -> str:
    """How a refusal names a sign-off's office to this person: by its key to the people of the office and
    its force, as "its office" to anyone else, so that trying sign-off numbers does not tell another office
    whose each one is."""
    return signoff.pcc_org if person.organisation in (signoff.pcc_org, signoff.force_org) else "its office"


def signoff_target(
    signoff: SignoffLike,
    *,
    named: Iterable[int] = (),
    force_takes_part: bool = False,
    places: Mapping[int, str] | None = None,
) -> Target:
    return Target(
        office=signoff.pcc_org,
        force=signoff.force_org,
        named=frozenset(named),
        force_takes_part=force_takes_part,
        places=places or {},
    )


def _in_scope(
    person: Participant, scope: Scope, target: Target, roster: Roster, acting_for: set[int]
) -> bool:
    own = person.organisation
    if scope is Scope.SELF:
        return target.person is not None and target.person.id == person.id
    if scope is Scope.OWN_OFFICE:
        return target.office is not None and target.office == own
    if scope is Scope.OWN_OFFICE_AND_FORCE:
        return target.office is not None and own in (target.office, target.force)
    if scope is Scope.OWN_FORCE_SECTIONS:
        return target.force is not None and own == target.force and target.force_takes_part
    if scope in (Scope.NAMED, Scope.APPROVER, Scope.DRAFTER):
        # Named on a sign-off, but only while of its office or its force: someone the directory has since
        # moved to another organisation keeps no part in it (as a delegation across organisations gives
        # none), so one office never drafts, reads or approves another's response through a move.
        if target.office is not None and own not in (target.office, target.force):
            return False
        # And a place is its organisation's: someone moved from the office to its force (or back) does not
        # take the office's places with them; a delegate stands in only for a place of their organisation.
        holders = {person.id} if scope is Scope.DRAFTER else {person.id} | acting_for
        return any(p in target.named and target.places.get(p, own) == own for p in holders)
    # OWN_OFFICE_PEOPLE: the person acted on belongs to the caller's office or to its force.
    force = roster.force_of_office(own)
    return force is not None and target.person is not None and target.person.organisation in (own, force)


def allowed(
    person: Participant,
    action: Action,
    target: Target,
    roster: Roster,
    *,
    acting_for: Iterable[int] = (),
) -> bool:
    """Whether a row of the table lets this person do this to this target. Inactive people: never."""
    if not person.active:
        return False
    standing_in_for = set(acting_for)
    return any(
        grant.action is action
        and (grant.role == ANYONE or grant.role in person.roles)
        and _in_scope(person, grant.scope, target, roster, standing_in_for)
        for grant in ACCESS_TABLE
    )


def refused(person: Participant, action: Action) -> NotPermitted:
    """The refusal of `action` to `person`, naming who could: the same whoever or whatever it was about."""
    if not person.active:
        return NotPermitted(f"{person.email} is no longer active in the directory")
    who = [
        f"{'anyone' if g.role == ANYONE else g.role} for {g.scope.value}"
        for g in ACCESS_TABLE
        if g.action is action
    ]
    return NotPermitted(f"{person.email} may not {action.value} here (allowed: {'; '.join(who)})")


def require(
    person: Participant,
    action: Action,
    target: Target,
    roster: Roster,
    *,
    acting_for: Iterable[int] = (),
) -> None:
    """NotPermitted, naming the person, the action and who could, unless the table allows it."""
    if allowed(person, action, target, roster, acting_for=acting_for):
        return
    raise refused(person, action)


class DelegationLike(Protocol):
    from_person_id: int
    to_person_id: int

    def active_at(self, now: datetime) -> bool: ...


def stands_in_for(
    person: Participant, delegations: Iterable[DelegationLike], roster: Roster, now: datetime
) -> set[int]:
    """Whom this person may act for now: active delegations to them from their own organisation.

    A delegation across organisations is never honoured, even one stored before the rule existed:
    it would let one office (or force) decide another's response.
    """
    return honoured_delegators(
        person,
        (d.from_person_id for d in delegations if d.to_person_id == person.id and d.active_at(now)),
        roster,
    )


def honoured_delegators(person: Participant, delegator_ids: Iterable[int], roster: Roster) -> set[int]:
    """Of the people whose live delegations name this person, those it lets them act for: active people of
    the person's own organisation (the directory may have moved either since the delegation was made)."""
    found: set[int] = set()
    for delegator_id in delegator_ids:
        try:
            delegator = roster.by_id(delegator_id)
        except KeyError:
            continue
        if delegator.active and delegator.organisation == person.organisation:
            found.add(delegator.id)
    return found


def check_ending_delegation(
    by: Participant, from_person: Participant, to_person: Participant, roster: Roster
) -> None:
    """Who may end a delegation early: whoever may make it (the person for themselves, their office's
    administrator), and the delegate, who may say they cannot cover after all."""
    if by.id == to_person.id and by.active:
        return
    if by.id == from_person.id:
        require(by, Action.DELEGATE_OWN, Target(person=from_person), roster)
    else:
        require(by, Action.DELEGATE_FOR_OTHERS, Target(person=from_person), roster)


def check_delegation(
    by: Participant, from_person: Participant, to_person: Participant | None, to_email: str, roster: Roster
) -> Participant:
    """Who may set up a delegation: the person for themselves, or their office's administrator, and only
    to an active person of the same organisation as the person whose approvals are delegated (`to_person`,
    None when the directory holds nobody at `to_email`). Whether the address is someone elsewhere, someone
    who has left, or nobody, the refusal is the same: it tells no one who else is in the directory."""
    if by.id == from_person.id:
        require(by, Action.DELEGATE_OWN, Target(person=from_person), roster)
    else:
        require(by, Action.DELEGATE_FOR_OTHERS, Target(person=from_person), roster)
    if to_person is not None and from_person.id == to_person.id:
        raise NotPermitted(f"{from_person.email} cannot delegate to themselves")
    if to_person is not None and by.id == to_person.id and by.id != from_person.id:
        # Approving in someone's name is theirs to allow: an administrator sets up cover for others, not
        # for themselves.
        raise NotPermitted(
            f"{by.email} cannot delegate {from_person.email}'s approvals to themselves: {from_person.email} "
            "may, or another administrator"
        )
    if to_person is None or not to_person.active or to_person.organisation != from_person.organisation:
        raise NotPermitted(
            f"{from_person.email}'s approvals can be delegated only to an active person of "
            f"{roster.organisation_name(from_person.organisation)}, and {to_email.strip()} is not one"
        )
    return to_person
