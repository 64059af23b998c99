"""Approval requests put on hold, and why: the one rule behind the 'approval on hold' email and the later
request's 'no longer on hold', so that whoever is told their request is on hold is later told it is not,
and nobody else is told either.

A request that was waiting for its approver's decision is put on hold when
- the section is edited (or, approved only after the others, one of the others is) and a step before theirs
  must approve the new text first: their new request waits;
- another approver of their step asks for changes: the round ends, and they will be asked again on the
  revised text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from signoff.domain.audit import AuditEvent
from signoff.domain.directory import Roster
from signoff.domain.entities import ApprovalRequest, Section
from signoff.domain.signoff import SignOff
from signoff.domain.transitions import RequestState
from signoff.domain.vocabulary import AuditAction


@dataclass(frozen=True)
class Hold:
    """One approver's request put on hold, in the words of the email that tells them."""

    approver_id: int
    because: str
    changes_requested_by: str | None  # who asked for changes, when that is why
    comment: str  # what they asked for ("" when nobody asked for changes)


def holds_begun(signoff: SignOff, event: AuditEvent, roster: Roster) -> list[Hold]:
    """The requests `event` put on hold (a revision submitted, an approval restarted, changes requested)."""
    stage, section = signoff.section(event.subject)
    if event.action == AuditAction.CHANGES_REQUESTED:
        asked = _changes_requested_at(section, event.at)
        if asked is None or asked.decision is None:
            return []
        decision = asked.decision
        name = roster.by_id(decision.decided_by_id).name
        if decision.on_behalf_of_id is not None:
            name = f"{name} (for {roster.by_id(decision.on_behalf_of_id).name})"
        return [
            Hold(request.approver_id, f"{name} asked for changes to it", name, decision.comment)
            for request in _superseded_while_pending(section.current_requests(), event.at)
        ]
    held = [
        request
        for request in section.current_requests()
        if request.state is RequestState.WAITING
        and (previous := _previous(section, request)) is not None
        and previous in _superseded_while_pending(section.requests, event.at)
        and not _ended_by_changes(section, previous)
    ]
    holds: list[Hold] = []
    for request in held:
        if section.awaiting_others:
            changed_key = event.details.get("because_of")
            changed = (
                signoff.section(changed_key)[1].title if isinstance(changed_key, str) else "another section"
            )
            because = (
                f"{changed} was edited, and {section.title} is approved only once every other "
                f"section of {stage.title} is approved"
            )
        else:
            earlier = sorted(
                {
                    roster.by_id(r.approver_id).name
                    for r in section.current_requests()
                    if r.step < request.step
                }
            )
            because = (
                f"{section.title} was edited, and {names_in_words(earlier) or 'an earlier approver'} "
                "must approve the new text before you"
            )
        holds.append(Hold(request.approver_id, because, None, ""))
    return holds


def hold_lifted(section: Section, request: ApprovalRequest, *, edited_in_same_change: bool) -> bool:
    """Whether asking `request`'s approver now ends a hold they were told of. `edited_in_same_change`: the
    edit that began this round is part of the same change (their new request never waited, so nobody told
    them it was on hold)."""
    previous = _previous(section, request)
    if previous is None or previous.activated_at is None or previous.state is not RequestState.SUPERSEDED:
        return False
    if _ended_by_changes(section, previous):
        return True
    return previous.closed_at == request.created_at and not edited_in_same_change


def names_in_words(names: Sequence[str]) -> str:
    """["A"] -> "A"; ["A", "B", "C"] -> "A, B and C"."""
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else "".join(names)


def _previous(section: Section, request: ApprovalRequest) -> ApprovalRequest | None:
    """The approver's request of the latest round before `request`'s."""
    earlier = [
        r for r in section.requests if r.approver_id == request.approver_id and r.round < request.round
    ]
    return max(earlier, key=lambda r: r.round) if earlier else None


def _superseded_while_pending(requests: Sequence[ApprovalRequest], at: datetime) -> list[ApprovalRequest]:
    """Requests their approver had been asked to decide, closed at `at` before they did."""
    return [
        r
        for r in requests
        if r.state is RequestState.SUPERSEDED and r.activated_at is not None and r.closed_at == at
    ]


def _changes_requested_at(section: Section, at: datetime | None) -> ApprovalRequest | None:
    """The request on which someone asked for changes at `at`, in the section's current round."""
    return next(
        (
            r
            for r in section.current_requests()
            if r.state is RequestState.CHANGES_REQUESTED and r.closed_at == at
        ),
        None,
    )


def _ended_by_changes(section: Section, request: ApprovalRequest) -> bool:
    """Whether `request` was closed because another approver of its round asked for changes."""
    return any(
        r.round == request.round
        and r.state is RequestState.CHANGES_REQUESTED
        and r.closed_at == request.closed_at
        for r in section.requests
    )
