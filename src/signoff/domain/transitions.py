"""Every state machine of the domain, declared once as (from state, event) -> to state.

Nothing assigns a state directly: objects call `fire`, which looks the move up here. The README's
state diagram is generated from these tables, and a test asserts each table whole.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, TypeVar

from signoff.domain.errors import InvalidTransition


class SignoffState(StrEnum):
    ACTIVE = "active"
    READY_TO_PUBLISH = "ready_to_publish"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class SignoffEvent(StrEnum):
    APPROVAL_STAGES_COMPLETE = "approval_stages_complete"
    PUBLISH = "publish"
    PUBLISH_CORRECTION = "publish_correction"
    WITHDRAW = "withdraw"


class StageState(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    COMPLETE = "complete"
    WITHDRAWN = "withdrawn"


class StageEvent(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    WITHDRAW = "withdraw"


class SectionState(StrEnum):
    PENDING = "pending"
    DRAFTING = "drafting"
    IN_APPROVAL = "in_approval"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class SectionEvent(StrEnum):
    OPEN = "open"
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    RESTART_APPROVAL = "restart_approval"
    WITHDRAW = "withdraw"


class RequestState(StrEnum):
    WAITING = "waiting"
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    SUPERSEDED = "superseded"
    INVALIDATED = "invalidated"
    CANCELLED = "cancelled"
    REASSIGNED = "reassigned"


class RequestEvent(StrEnum):
    ACTIVATE = "activate"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    SUPERSEDE = "supersede"
    INVALIDATE = "invalidate"
    CANCEL = "cancel"
    REASSIGN = "reassign"


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    WITHHELD = "withheld"


class OutboxEvent(StrEnum):
    CLAIM = "claim"
    DELIVERED = "delivered"
    RETRY_LATER = "retry_later"
    GIVE_UP = "give_up"
    RELEASE = "release"
    WITHHOLD = "withhold"
    REQUEUE = "requeue"


class ProposalState(StrEnum):
    PROPOSED = "proposed"
    STARTED = "started"
    DISMISSED = "dismissed"


class ProposalEvent(StrEnum):
    START = "start"
    DISMISS = "dismiss"


# Where each machine starts, declared here only: objects are created in this state (their constructors
# read these), never assigned one later.
SIGNOFF_INITIAL: Final[SignoffState] = SignoffState.ACTIVE
STAGE_INITIAL: Final[StageState] = StageState.PENDING
SECTION_INITIAL: Final[SectionState] = SectionState.PENDING
REQUEST_INITIAL: Final[RequestState] = RequestState.WAITING
OUTBOX_INITIAL: Final[OutboxState] = OutboxState.QUEUED
PROPOSAL_INITIAL: Final[ProposalState] = ProposalState.PROPOSED

SIGNOFF_TRANSITIONS: dict[tuple[SignoffState, SignoffEvent], SignoffState] = {
    (SignoffState.ACTIVE, SignoffEvent.APPROVAL_STAGES_COMPLETE): SignoffState.READY_TO_PUBLISH,
    (SignoffState.READY_TO_PUBLISH, SignoffEvent.PUBLISH): SignoffState.PUBLISHED,
    # A correction is published as a new version; the earlier versions are kept.
    (SignoffState.PUBLISHED, SignoffEvent.PUBLISH_CORRECTION): SignoffState.PUBLISHED,
    (SignoffState.ACTIVE, SignoffEvent.WITHDRAW): SignoffState.WITHDRAWN,
    (SignoffState.READY_TO_PUBLISH, SignoffEvent.WITHDRAW): SignoffState.WITHDRAWN,
}

STAGE_TRANSITIONS: dict[tuple[StageState, StageEvent], StageState] = {
    (StageState.PENDING, StageEvent.OPEN): StageState.OPEN,
    (StageState.OPEN, StageEvent.COMPLETE): StageState.COMPLETE,
    (StageState.PENDING, StageEvent.WITHDRAW): StageState.WITHDRAWN,
    (StageState.OPEN, StageEvent.WITHDRAW): StageState.WITHDRAWN,
}

SECTION_TRANSITIONS: dict[tuple[SectionState, SectionEvent], SectionState] = {
    (SectionState.PENDING, SectionEvent.OPEN): SectionState.DRAFTING,
    (SectionState.DRAFTING, SectionEvent.SUBMIT): SectionState.IN_APPROVAL,
    # A new revision while approval is under way starts a new round.
    (SectionState.IN_APPROVAL, SectionEvent.SUBMIT): SectionState.IN_APPROVAL,
    (SectionState.IN_APPROVAL, SectionEvent.APPROVE): SectionState.APPROVED,
    (SectionState.IN_APPROVAL, SectionEvent.REQUEST_CHANGES): SectionState.CHANGES_REQUESTED,
    (SectionState.CHANGES_REQUESTED, SectionEvent.SUBMIT): SectionState.IN_APPROVAL,
    # Editing approved text asks for approval again.
    (SectionState.APPROVED, SectionEvent.SUBMIT): SectionState.IN_APPROVAL,
    # A section approved after the others is asked again when one of the others changes.
    (SectionState.APPROVED, SectionEvent.RESTART_APPROVAL): SectionState.IN_APPROVAL,
    (SectionState.IN_APPROVAL, SectionEvent.RESTART_APPROVAL): SectionState.IN_APPROVAL,
    (SectionState.PENDING, SectionEvent.WITHDRAW): SectionState.WITHDRAWN,
    (SectionState.DRAFTING, SectionEvent.WITHDRAW): SectionState.WITHDRAWN,
    (SectionState.IN_APPROVAL, SectionEvent.WITHDRAW): SectionState.WITHDRAWN,
    (SectionState.CHANGES_REQUESTED, SectionEvent.WITHDRAW): SectionState.WITHDRAWN,
    (SectionState.APPROVED, SectionEvent.WITHDRAW): SectionState.WITHDRAWN,
}

REQUEST_TRANSITIONS: dict[tuple[RequestState, RequestEvent], RequestState] = {
    (RequestState.WAITING, RequestEvent.ACTIVATE): RequestState.PENDING,
    (RequestState.PENDING, RequestEvent.APPROVE): RequestState.APPROVED,
    (RequestState.PENDING, RequestEvent.REQUEST_CHANGES): RequestState.CHANGES_REQUESTED,
    (RequestState.WAITING, RequestEvent.SUPERSEDE): RequestState.SUPERSEDED,
    (RequestState.PENDING, RequestEvent.SUPERSEDE): RequestState.SUPERSEDED,
    (RequestState.APPROVED, RequestEvent.INVALIDATE): RequestState.INVALIDATED,
    (RequestState.WAITING, RequestEvent.CANCEL): RequestState.CANCELLED,
    (RequestState.PENDING, RequestEvent.CANCEL): RequestState.CANCELLED,
    (RequestState.WAITING, RequestEvent.REASSIGN): RequestState.REASSIGNED,
    (RequestState.PENDING, RequestEvent.REASSIGN): RequestState.REASSIGNED,
}

OUTBOX_TRANSITIONS: dict[tuple[OutboxState, OutboxEvent], OutboxState] = {
    (OutboxState.QUEUED, OutboxEvent.CLAIM): OutboxState.SENDING,
    # A deliverer that died holding a lease: once the lease expires another may claim the message.
    (OutboxState.SENDING, OutboxEvent.CLAIM): OutboxState.SENDING,
    (OutboxState.SENDING, OutboxEvent.DELIVERED): OutboxState.SENT,
    (OutboxState.SENDING, OutboxEvent.RETRY_LATER): OutboxState.QUEUED,
    (OutboxState.SENDING, OutboxEvent.GIVE_UP): OutboxState.FAILED,
    # A notice that cannot be rendered fails at once, for an administrator to see and retry.
    (OutboxState.QUEUED, OutboxEvent.GIVE_UP): OutboxState.FAILED,
    # The server could not be reached at all: back in the queue, no attempt counted.
    (OutboxState.SENDING, OutboxEvent.RELEASE): OutboxState.QUEUED,
    # An administrator retries a failed message.
    (OutboxState.FAILED, OutboxEvent.REQUEUE): OutboxState.QUEUED,
    # Claimed for a sign-off withdrawn since it was queued: a request for work no one wants any more is
    # kept, with why, and not sent.
    (OutboxState.SENDING, OutboxEvent.WITHHOLD): OutboxState.WITHHELD,
}

# A report the watcher proposed to an office: a person starts its sign-off, or says it is not for them.
PROPOSAL_TRANSITIONS: dict[tuple[ProposalState, ProposalEvent], ProposalState] = {
    (ProposalState.PROPOSED, ProposalEvent.START): ProposalState.STARTED,
    (ProposalState.PROPOSED, ProposalEvent.DISMISS): ProposalState.DISMISSED,
    # A start already under way when a colleague's "Not for us" landed: its sign-off exists and its drafters
    # have been emailed, so the record must say started (the start checked the proposal was open first).
    (ProposalState.DISMISSED, ProposalEvent.START): ProposalState.STARTED,
}

MACHINES: dict[str, dict[tuple[StrEnum, StrEnum], StrEnum]] = {
    "sign-off": SIGNOFF_TRANSITIONS,  # type: ignore[dict-item]
    "stage": STAGE_TRANSITIONS,  # type: ignore[dict-item]
    "section": SECTION_TRANSITIONS,  # type: ignore[dict-item]
    "approval request": REQUEST_TRANSITIONS,  # type: ignore[dict-item]
    "outgoing email": OUTBOX_TRANSITIONS,  # type: ignore[dict-item]
    "proposal": PROPOSAL_TRANSITIONS,  # type: ignore[dict-item]
}

INITIAL_STATES: dict[str, StrEnum] = {
    "sign-off": SIGNOFF_INITIAL,
    "stage": STAGE_INITIAL,
    "section": SECTION_INITIAL,
    "approval request": REQUEST_INITIAL,
    "outgoing email": OUTBOX_INITIAL,
    "proposal": PROPOSAL_INITIAL,
}


S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


def fire(table: dict[tuple[S, E], S], machine: str, current: S, event: E) -> S:
    """The state `event` moves `current` to, or InvalidTransition naming both."""
    try:
        return table[(current, event)]
    except KeyError:
        raise InvalidTransition(
            f"a {machine} that is {current.value.replace('_', ' ')} cannot {event.value.replace('_', ' ')}"
        ) from None


def mermaid_diagram(machine: str) -> str:
    """The machine as a Mermaid state diagram, for the README."""
    table = MACHINES[machine]
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATES[machine].value}"]
    for (source, event), target in table.items():
        lines.append(f"    {source.value} --> {target.value}: {event.value}")
    return "\n".join(lines)
