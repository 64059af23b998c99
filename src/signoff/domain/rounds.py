"""Approval rounds: opening one for a new text, closing it, moving through its steps (reassigning a
place in one is domain/places.py's). Each change is recorded on the aggregate's audit trail, which it is
given as `trail`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from signoff.domain.approval import ApprovalStep, step_passed
from signoff.domain.audit import AuditEvent
from signoff.domain.entities import ApprovalRequest, Revision, Section, Stage
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


def after_approval(
    trail: Trail, stage: Stage, section: Section, approved: ApprovalRequest, now: datetime
) -> bool:
    """Move on once the approved request's step has its quorum: to the next step, or approve the section
    (True). The step's other approvers who were asked and had not decided ("any one of", "2 of 3") are no
    longer needed: recorded, so that they are told and their calendar entry for it is cancelled."""
    step = approved.step
    if not step_passed(section, step):
        return False
    for request in section.current_requests():
        if request.step == step and request.is_open:
            asked = request.state is RequestState.PENDING
            request.fire(RequestEvent.CANCEL, now)
            if asked:
                trail.record(
                    now,
                    AuditAction.APPROVAL_NOT_NEEDED,
                    section.key,
                    actor_id=None,
                    revision_hash=request.revision_hash,
                    approver_id=request.approver_id,
                    # Who gave the approval that settled it: the approver, or whoever decided for them.
                    settled_by_id=approved.decision.decided_by_id
                    if approved.decision
                    else approved.approver_id,
                    settled_for_id=approved.approver_id,
                )
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
