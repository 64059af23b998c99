"""Which sections of a sign-off a person may see: the PCC office that responds sees the whole sign-off;
the force sees the sections its people draft or approve (not the office's own drafting); anyone else sees
what they personally draft, approve or decide by delegation. The access table decides each one; acting is
checked again by the domain when they act.
"""

from __future__ import annotations

from signoff.domain.access import Action, allowed, signoff_target, takes_part
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import NotPermitted
from signoff.domain.model import Section, SignOff, Stage, approvers_of


def section_people(section: Section) -> set[int]:
    return set(section.drafter_ids) | approvers_of(section)


def visible_section_keys(
    person: Participant, signoff: SignOff, roster: Roster, delegators: set[int]
) -> set[str]:
    visible: set[str] = set()
    for stage in signoff.stages:
        for section in stage.sections:
            involved = section_people(section)
            places = section.places()
            # Whose places they are, not where their holders are now: the office's own section stays the
            # office's when one of its people moves to the force.
            organisations = {places.get(p) or roster.by_id(p).organisation for p in involved}
            target = signoff_target(
                signoff,
                named=involved,
                force_takes_part=signoff.force_org in organisations,
                places=places,
            )
            if allowed(person, Action.READ_SECTION, target, roster, acting_for=delegators):
                visible.add(section.key)
    return visible


def section_seen_by(
    person: Participant,
    signoff: SignOff,
    key: str,
    roster: Roster,
    delegators: set[int],
    *,
    to_act: bool = False,
) -> tuple[Stage, Section]:
    """The section, if this person may see it (or, `to_act`, one of the sign-off's own office and force
    would act on: the handler refuses in its own words). To anyone else, one refusal whether it exists or
    not: another office must not probe, key by key, which findings an unpublished response answers."""
    if key in visible_section_keys(person, signoff, roster, delegators):
        return signoff.section(key)
    if takes_part(person, signoff) or allowed(person, Action.READ_SIGNOFF, signoff_target(signoff), roster):
        found = signoff.section(key)  # NotFound, naming it, to the sign-off's own people
        if to_act:
            return found
    raise NotPermitted(f"{person.email} may not see section {key!r} of sign-off #{signoff.id}")
