"""Approval rounds: opening one for a new text, closing it, moving through its steps, and reassigning
a place in it. Each change is recorded on the aggregate's audit trail, which it is given as `trail`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from signoff.domain.approval import ApprovalStep, step_passed
from signoff.domain.audit import AuditEvent
from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import ApprovalRequest, Revision, Section, Stage
from signoff.domain.errors import InvalidInput, NotFound, NotPermitted
from signoff.domain.transitions import RequestEvent, RequestState, SectionEvent, SectionState
from signoff.domain.vocabulary import AuditAction, JsonValue


class Trail(Protocol):
    """The aggregate's audit trail (SignOff.record)."""

    def record(
        self,
        now: datetime,
        action: AuditAction,
        subject: str,
        *,
        actor_id: int | None,
        on_behalf_of_id: int | None = None,
        revision_hash: str | None = None,
        **details: JsonValue,
    ) -> AuditEvent: ...


def close_round(trail: Trail, section: Section, now: datetime, *, invalidate_approvals: bool) -> None:
    for request in section.current_requests():
        if request.is_open:
            request.fire(RequestEvent.SUPERSEDE, now)
        elif invalidate_approvals and request.state is RequestState.APPROVED:
            request.fire(RequestEvent.INVALIDATE, now)
            trail.record(
                now,
                AuditAction.APPROVAL_INVALIDATED,
                section.key,
                actor_id=None,
                revision_hash=request.revision_hash,
                approver_id=request.approver_id,
            )


def open_round(
    trail: Trail,
    stage: Stage,
    section: Section,
    steps: list[ApprovalStep],
    revision: Revision,
    now: datetime,
) -> None:
    """A new round on `revision`: a request per person of each step, the first step asked at once
    (unless the section waits for the others)."""
    section.round += 1
    section.last_activity_at = now
    section.stalled_at = None
    for step_number, step in enumerate(steps):
        for approver_id in step.round_approver_ids:
            section.requests.append(
                ApprovalRequest(
                    round=section.round,
                    step=step_number,
                    approver_id=approver_id,
                    revision_hash=revision.content_hash,
                    previously_approved_hash=section.last_approved_hash_by(approver_id),
                    due_at=stage.due_at,
                    created_at=now,
                )
            )
    # The round's quorum rules, minus the author, are kept on the section for this round.
    section.approval_steps = list(steps)
    section.awaiting_others = section.approve_after_others and not stage.others_approved(section)
    if section.awaiting_others:
        # Recorded because it is a fact worth knowing, and so that the new round's requests are bound.
        trail.record(
            now,
            AuditAction.APPROVAL_AWAITS_OTHERS,
            section.key,
            actor_id=None,
            revision_hash=revision.content_hash,
        )
    else:
        activate_step(trail, section, 0, now)


def activate_step(trail: Trail, section: Section, step: int, now: datetime) -> None:
    for request in section.current_requests():
        if request.step == step and request.state is RequestState.WAITING:
            request.fire(RequestEvent.ACTIVATE, now)
            trail.record(
                now,
                AuditAction.APPROVAL_REQUESTED,
                section.key,
                actor_id=None,
                revision_hash=request.revision_hash,
                approver_id=request.approver_id,
                step=step + 1,
            )


def regate_dependants(trail: Trail, stage: Stage, changed: Section, now: datetime) -> None:
    """A section approved 'after the others' is asked again when one of the others changes."""
    for section in stage.ordered_sections():
        if section is changed or not section.approve_after_others:
            continue
        if section.state not in (SectionState.IN_APPROVAL, SectionState.APPROVED) or section.awaiting_others:
            continue
        revision = section.current_revision
        assert revision is not None  # noqa: S101 - in approval or approved implies a revision
        close_round(trail, section, now, invalidate_approvals=True)
        section.fire(SectionEvent.RESTART_APPROVAL)
        trail.record(now, AuditAction.APPROVAL_RESTARTED, section.key, actor_id=None, because_of=changed.key)
        # The same people as the round before: the author left out, any reassignment kept.
        open_round(trail, stage, section, section.approval_steps, revision, now)


def release_dependants(trail: Trail, stage: Stage, now: datetime) -> None:
    for section in stage.ordered_sections():
        if section.awaiting_others and stage.others_approved(section):
            section.awaiting_others = False
            activate_step(trail, section, 0, now)


def after_approval(trail: Trail, stage: Stage, section: Section, step: int, now: datetime) -> bool:
    """Move on once the step has its quorum: to the next step, or approve the section (True)."""
    if not step_passed(section, step):
        return False
    for request in section.current_requests():
        if request.step == step and request.is_open:
            request.fire(RequestEvent.CANCEL, now)
    if step + 1 < len(section.approval_steps):
        activate_step(trail, section, step + 1, now)
        return False
    section.fire(SectionEvent.APPROVE)
    revision = section.current_revision
    trail.record(
        now,
        AuditAction.SECTION_APPROVED,
        section.key,
        actor_id=None,
        revision_hash=revision.content_hash if revision else None,
    )
    release_dependants(trail, stage, now)
    return True


def reassign_place(
    trail: Trail,
    section: Section,
    from_person_id: int,
    to_person: Participant,
    admin_id: int,
    roster: Roster,
    organisations: tuple[str, str],
    now: datetime,
) -> ApprovalRequest:
    """Give `from_person_id`'s open request on the section to `to_person`, in the same round and step.

    `organisations`: the sign-off's office and force, the only people it may name."""
    request = next((r for r in section.open_requests() if r.approver_id == from_person_id), None)
    if request is None:
        raise NotFound(
            f"{roster.describe(from_person_id)} holds no open approval request on section {section.key!r}"
        )
    if not to_person.active:
        raise InvalidInput(f"{to_person.email} is no longer active")
    pcc_org, force_org = organisations
    if to_person.organisation not in organisations:
        # As at the start: a sign-off names only people of its office and its force.
        raise NotPermitted(
            f"{to_person.email} is of {roster.organisation_name(to_person.organisation)}: a request "
            f"can be reassigned only to someone of {roster.organisation_name(pcc_org)} or "
            f"{roster.organisation_name(force_org)}"
        )
    place_of = roster.by_id(from_person_id).organisation
    # A holder the directory has since moved out of the sign-off's office and force cannot say whose the
    # place was (the place records no organisation of its own): either of the two may take it back, so that
    # the section does not wait for ever on someone who is no longer part of it.
    if place_of in organisations and to_person.organisation != place_of:
        # The place is its organisation's: the office's policy officer cannot take the force's approval of
        # the force's own answer, nor a force's lead the commissioner's (a PCC-addressed finding included).
        raise NotPermitted(
            f"{to_person.email} is of {roster.organisation_name(to_person.organisation)}: "
            f"{roster.describe(from_person_id)}'s place on section {section.key!r} is "
            f"{roster.organisation_name(place_of)}'s, so it can be reassigned only to someone of "
            f"{roster.organisation_name(place_of)}"
        )
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
    revision = section.current_revision
    if revision is not None and revision.author_id == to_person.id:
        raise NotPermitted(f"{to_person.email} wrote the current text and cannot approve it")
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
