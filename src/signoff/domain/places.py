"""Reassigning a place on a section: an approval in the current round (and every later one), or a drafting
place, when the person holding it is away for good, has moved or has left. Only within the sign-off's
office and force, and only within the place's own organisation (Section.place_of, recorded at the start and
on each reassignment). Each change is recorded on the aggregate's audit trail (`trail`).
"""

from __future__ import annotations

from datetime import datetime

from signoff.domain.approval import steps_without_author
from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import ApprovalRequest, Section
from signoff.domain.errors import InvalidInput, NotFound, NotPermitted
from signoff.domain.rounds import Trail
from signoff.domain.transitions import RequestEvent, RequestState
from signoff.domain.vocabulary import AuditAction

# The id of nobody: an address the directory does not have holds no place, as someone holding none does.
NOBODY = 0


def reassign_place(
    trail: Trail,
    section: Section,
    from_person_id: int,
    to_person: Participant,
    admin_id: int,
    roster: Roster,
    organisations: tuple[str, str],
    now: datetime,
    from_address: str | None = None,
) -> ApprovalRequest | None:
    """Give `from_person_id`'s place on the section to `to_person`: their open approval request, in the
    same round and step (the new request, returned); else their drafting place (None).

    `organisations`: the sign-off's office and force, the only people it may name. `from_address`: the
    address the administrator gave, named if it holds nothing here (NOBODY's id, when the directory has no
    one of that address)."""
    request = next((r for r in section.open_requests() if r.approver_id == from_person_id), None)
    if request is None and from_person_id in section.drafter_ids:
        place_of = _organisation_of_place(section, from_person_id, to_person, roster, organisations)
        _give_drafting_place(trail, section, from_person_id, to_person, admin_id, now)
        section.record_place(to_person.id, place_of)
        return None
    if request is None:
        # Named by the address alone, whoever it is: the directory's name would tell an administrator who
        # someone of another office is.
        who = from_address or roster.by_id(from_person_id).email
        raise NotFound(
            f"{who} holds no open approval request and no drafting place on section {section.key!r}"
        )
    place_of = _organisation_of_place(section, from_person_id, to_person, roster, organisations)
    if any(r.approver_id == to_person.id for r in section.open_requests()):
        raise InvalidInput(f"{to_person.email} already holds an approval request on section {section.key!r}")
    # One person is one approval: someone who has approved this round cannot fill another place in it.
    if any(
        r.state is RequestState.APPROVED
        and to_person.id in (r.approver_id, r.decision.decided_by_id if r.decision else None)
        for r in section.current_requests()
    ):  # as themselves, or for someone through a delegation
        raise InvalidInput(
            f"{to_person.email} has already approved section {section.key!r} in this round; "
            "their approval cannot count twice"
        )
    if (theirs := section.written_by(to_person.id)) is not None:
        raise NotPermitted(
            f"{to_person.email} wrote revision {theirs.number} of its text and cannot approve it"
        )
    if section.drafter_ids == [to_person.id]:
        # The one person who may write its text could then approve none of their own: nobody approves
        # their own text, and the section would wait for ever (as a drafting place given the other way).
        raise InvalidInput(
            f"{to_person.email} is the only drafter of section {section.key!r}, and nobody approves their "
            "own text: give the approval to someone else"
        )
    was_pending = request.state is RequestState.PENDING
    request.fire(RequestEvent.REASSIGN, now)
    replacement = ApprovalRequest(
        round=request.round,
        step=request.step,
        approver_id=to_person.id,
        revision_hash=request.revision_hash,
        previously_approved_hash=section.last_approved_hash_by(to_person.id),
        due_at=request.due_at,
        created_at=now,
    )
    section.requests.append(replacement)
    section.record_place(to_person.id, place_of)
    if was_pending:
        replacement.fire(RequestEvent.ACTIVATE, now)
    # The place is the new person's from now on: each later round (after an edit, or changes asked for)
    # asks them, not the person it was taken from, who may have moved or left.
    section.approval_steps = [
        step.with_place_given(from_person_id, to_person.id) if number == request.step else step
        for number, step in enumerate(section.approval_steps)
    ]
    trail.record(
        now,
        AuditAction.REQUEST_REASSIGNED,
        section.key,
        actor_id=admin_id,
        from_person_id=from_person_id,
        to_person_id=to_person.id,
    )
    if was_pending:
        trail.record(
            now,
            AuditAction.APPROVAL_REQUESTED,
            section.key,
            actor_id=admin_id,
            revision_hash=replacement.revision_hash,
            approver_id=to_person.id,
            step=replacement.step + 1,
        )
    return replacement


def _give_drafting_place(
    trail: Trail, section: Section, from_person_id: int, to_person: Participant, admin_id: int, now: datetime
) -> None:
    """The drafter's place to someone else: the only way on for a section whose drafter moved or left, as
    nobody else may write its text."""
    if to_person.id in section.drafter_ids:
        raise InvalidInput(f"{to_person.email} already drafts section {section.key!r}")
    if to_person.id in {r.approver_id for r in section.open_requests()}:
        # They would be asked to approve a text they may now write: give their approval away first.
        raise InvalidInput(
            f"{to_person.email} holds an approval request on section {section.key!r}; reassign it first"
        )
    try:
        steps_without_author(section, to_person.id)
    except NotPermitted:
        # Nobody approves their own text: a step they are needed in could never pass once they write it.
        raise InvalidInput(
            f"{to_person.email} is needed to approve section {section.key!r}, and nobody approves their own "
            "text: give the drafting place to someone else, or their approval place away first"
        ) from None
    section.drafter_ids = [to_person.id if p == from_person_id else p for p in section.drafter_ids]
    # New hands: the section has waited on them since now, not since the last drafter's last word; and it
    # can be marked stalled again should they leave it idle too.
    section.last_activity_at, section.stalled_at = now, None
    trail.record(
        now,
        AuditAction.DRAFTING_REASSIGNED,
        section.key,
        actor_id=admin_id,
        from_person_id=from_person_id,
        to_person_id=to_person.id,
    )


def _organisation_of_place(
    section: Section,
    from_person_id: int,
    to_person: Participant,
    roster: Roster,
    organisations: tuple[str, str],
) -> str:
    """Whose the place will be in `to_person`'s hands; refused when it would leave its organisation."""
    if not to_person.active:
        raise InvalidInput(f"{to_person.email} is no longer active")
    pcc_org, force_org = organisations
    if to_person.organisation not in organisations:
        # As at the start: a sign-off names only people of its office and its force.
        raise NotPermitted(
            f"{to_person.email} is of {roster.organisation_name(to_person.organisation)}: a place can be "
            f"reassigned only to someone of {roster.organisation_name(pcc_org)} or "
            f"{roster.organisation_name(force_org)}"
        )
    place_of = section.place_of(from_person_id) or roster.by_id(from_person_id).organisation
    # A place recorded is its organisation's whatever the directory since says of its holder. One planned
    # before places were recorded, whose holder has moved out of the office and force, cannot say whose it
    # was: either of the two may take it back, so that the section does not wait for ever.
    if place_of in organisations and to_person.organisation != place_of:
        # The place is its organisation's: the office's policy officer cannot take the force's approval of
        # the force's own answer, nor a force's lead the commissioner's (a PCC-addressed finding included).
        raise NotPermitted(
            f"{to_person.email} is of {roster.organisation_name(to_person.organisation)}: "
            f"{roster.describe(from_person_id)}'s place on section {section.key!r} is "
            f"{roster.organisation_name(place_of)}'s, so it can be reassigned only to someone of "
            f"{roster.organisation_name(place_of)}"
        )
    return place_of if place_of in organisations else to_person.organisation
