"""The domain's named words: what an audit event says happened, what a holding waits for, what a stage is.

Each is a StrEnum whose values are the strings already stored (audit_events.action, stages.kind) and shown
(the administration page's "waiting to"), so naming them changed no row and no page.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias

# What JSON can hold: the audit trail's details are hashed as JSON, so nothing else may go in them.
JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
AuditDetails: TypeAlias = dict[str, JsonValue]
# What an email's templates are given: JSON, as the outbox stores it beside the email.
NoticeContext: TypeAlias = dict[str, JsonValue]


class AuditAction(StrEnum):
    """Every action the aggregate records; notices, certificates and pages read these back."""

    SIGNOFF_STARTED = "signoff_started"
    STAGE_OPENED = "stage_opened"
    STAGE_COMPLETED = "stage_completed"
    READY_TO_PUBLISH = "ready_to_publish"
    REVISION_SUBMITTED = "revision_submitted"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_AWAITS_OTHERS = "approval_awaits_others"
    APPROVAL_RESTARTED = "approval_restarted"
    APPROVAL_INVALIDATED = "approval_invalidated"
    DECISION = "decision"
    CHANGES_REQUESTED = "changes_requested"
    SECTION_APPROVED = "section_approved"
    # An approver asked, not needed once their step had its quorum from the others.
    APPROVAL_NOT_NEEDED = "approval_not_needed"
    REQUEST_REASSIGNED = "request_reassigned"
    DRAFTING_REASSIGNED = "drafting_reassigned"
    DUE_DATE_EXTENDED = "due_date_extended"
    SIGNOFF_WITHDRAWN = "signoff_withdrawn"
    PUBLISHED = "published"
    DRAFTING_STALLED = "drafting_stalled"
    APPROVAL_STALLED = "approval_stalled"
    REMINDER_SENT = "reminder_sent"


class HoldingKind(StrEnum):
    """What a person holding a section is waiting to do."""

    DRAFT = "draft"
    APPROVE = "approve"


class StageKind(StrEnum):
    """An approval stage completes when its sections are approved; the publication stage, on publishing."""

    APPROVAL = "approval"
    PUBLICATION = "publication"
