"""Who is told what: the kinds of notice, who may hear of each, and the notice itself as data.

Pure: a notice is data (event, recipient, a JSON context and an idempotency key). Which notices a change
gives is notice_builder's; rendering and sending belong to the adapters; the outbox stores notices in the
same transaction as the change behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from signoff.domain.text_fields import SingleLine
from signoff.domain.vocabulary import NoticeContext


class NoticeEvent(StrEnum):
    DRAFTING_ASSIGNED = "drafting_assigned"
    APPROVAL_REQUESTED = "approval_requested"
    CHANGES_REQUESTED = "changes_requested"
    APPROVAL_INVALIDATED = "approval_invalidated"
    APPROVAL_ON_HOLD = "approval_on_hold"
    APPROVAL_REASSIGNED = "approval_reassigned"
    APPROVAL_NOT_NEEDED = "approval_not_needed"
    DRAFTING_REASSIGNED = "drafting_reassigned"
    SECTION_APPROVED = "section_approved"
    STAGE_COMPLETED = "stage_completed"
    READY_TO_PUBLISH = "ready_to_publish"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    DUE_DATE_EXTENDED = "due_date_extended"
    PUBLICATION_DUE = "publication_due"
    DELEGATION_STARTED = "delegation_started"
    DELEGATION_ENDED = "delegation_ended"
    WITHDRAWN = "withdrawn"
    PUBLISHED = "published"
    FORMAL_COPY = "formal_copy"
    SIGN_IN_LINK = "sign_in_link"
    REPORT_PROPOSED = "report_proposed"
    WATCH_FAILING = "watch_failing"


class Audience(StrEnum):
    DRAFTERS = "drafters"
    AUTHOR = "author"
    APPROVER = "approver"
    HOLDER = "holder"
    ESCALATION_CONTACT = "escalation_contact"
    PCC_ADMINS = "pcc_admins"
    DELEGATOR = "delegator"
    DELEGATE = "delegate"
    PARTICIPANTS = "participants"
    HMICFRS = "hmicfrs"
    HOME_SECRETARY = "home_secretary"
    REQUESTER = "requester"
    POLICY_OFFICERS = "policy_officers"


# The notices that ask someone to do something on a sign-off (draft, decide, publish, by a date), or tell them
# it is no longer theirs to do. Once it is published or withdrawn it takes no more changes: one of these that
# failed then is not sent again.
ASKS_FOR_WORK = frozenset(
    {
        NoticeEvent.DRAFTING_ASSIGNED,
        NoticeEvent.APPROVAL_REQUESTED,
        NoticeEvent.CHANGES_REQUESTED,
        NoticeEvent.APPROVAL_INVALIDATED,
        NoticeEvent.APPROVAL_ON_HOLD,
        NoticeEvent.APPROVAL_REASSIGNED,
        NoticeEvent.APPROVAL_NOT_NEEDED,
        NoticeEvent.DRAFTING_REASSIGNED,
        NoticeEvent.READY_TO_PUBLISH,
        NoticeEvent.REMINDER,
        NoticeEvent.OVERDUE,
        NoticeEvent.ESCALATION,
        NoticeEvent.DUE_DATE_EXTENDED,
        NoticeEvent.PUBLICATION_DUE,
    }
)

# Of those, the ones that tell their recipient a section's work is no longer theirs (and cancel its calendar
# entry): they go precisely to someone who no longer holds it.
TAKES_WORK_AWAY = frozenset(
    {NoticeEvent.APPROVAL_REASSIGNED, NoticeEvent.APPROVAL_NOT_NEEDED, NoticeEvent.DRAFTING_REASSIGNED}
)

# Which audiences make sense for which event; the configuration may choose among them.
# `delegate` on an approval's emails: whoever a live delegation lets decide for the approver (domain/cover.py).
ALLOWED_AUDIENCES: dict[NoticeEvent, frozenset[Audience]] = {
    NoticeEvent.DRAFTING_ASSIGNED: frozenset({Audience.DRAFTERS, Audience.PCC_ADMINS}),
    NoticeEvent.APPROVAL_REQUESTED: frozenset({Audience.APPROVER, Audience.DELEGATE}),
    NoticeEvent.CHANGES_REQUESTED: frozenset({Audience.DRAFTERS, Audience.AUTHOR, Audience.PCC_ADMINS}),
    NoticeEvent.APPROVAL_INVALIDATED: frozenset({Audience.APPROVER}),
    NoticeEvent.APPROVAL_ON_HOLD: frozenset({Audience.APPROVER}),
    NoticeEvent.APPROVAL_REASSIGNED: frozenset({Audience.APPROVER, Audience.DELEGATE}),
    NoticeEvent.APPROVAL_NOT_NEEDED: frozenset({Audience.APPROVER, Audience.DELEGATE}),
    NoticeEvent.DRAFTING_REASSIGNED: frozenset({Audience.DRAFTERS}),
    NoticeEvent.SECTION_APPROVED: frozenset({Audience.DRAFTERS, Audience.AUTHOR}),
    NoticeEvent.STAGE_COMPLETED: frozenset({Audience.PCC_ADMINS, Audience.PARTICIPANTS}),
    NoticeEvent.READY_TO_PUBLISH: frozenset({Audience.PCC_ADMINS, Audience.PARTICIPANTS}),
    NoticeEvent.REMINDER: frozenset({Audience.HOLDER, Audience.DELEGATE}),
    NoticeEvent.OVERDUE: frozenset({Audience.HOLDER, Audience.DELEGATE, Audience.PCC_ADMINS}),
    NoticeEvent.ESCALATION: frozenset({Audience.ESCALATION_CONTACT, Audience.PCC_ADMINS}),
    NoticeEvent.DUE_DATE_EXTENDED: frozenset({Audience.HOLDER, Audience.DELEGATE}),
    # Approved and not yet published: a reminder, then overdue, then the administrators' escalation contacts.
    NoticeEvent.PUBLICATION_DUE: frozenset(
        {Audience.PCC_ADMINS, Audience.POLICY_OFFICERS, Audience.ESCALATION_CONTACT}
    ),
    NoticeEvent.DELEGATION_STARTED: frozenset({Audience.DELEGATOR, Audience.DELEGATE}),
    NoticeEvent.DELEGATION_ENDED: frozenset({Audience.DELEGATOR, Audience.DELEGATE}),
    NoticeEvent.WITHDRAWN: frozenset({Audience.PARTICIPANTS, Audience.PCC_ADMINS, Audience.DELEGATE}),
    NoticeEvent.PUBLISHED: frozenset({Audience.PARTICIPANTS, Audience.PCC_ADMINS}),
    NoticeEvent.FORMAL_COPY: frozenset({Audience.HMICFRS, Audience.HOME_SECRETARY}),
    # Only the person who asked for it: a sign-in link is theirs alone.
    NoticeEvent.SIGN_IN_LINK: frozenset({Audience.REQUESTER}),
    # The publications watcher: a new report to check and start, and a listing it cannot read.
    NoticeEvent.REPORT_PROPOSED: frozenset({Audience.POLICY_OFFICERS, Audience.PCC_ADMINS}),
    NoticeEvent.WATCH_FAILING: frozenset({Audience.PCC_ADMINS}),
}


class FormalRecipient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    name: SingleLine = Field(min_length=1, max_length=200)
    email: EmailStr


class FormalCopies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    hmicfrs: FormalRecipient
    home_secretary: FormalRecipient


class DeliveryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    batch_size: int = Field(default=100, ge=1, le=5000)
    max_attempts: int = Field(default=8, ge=1, le=50)
    first_retry_seconds: int = Field(default=60, ge=1, le=86_400)
    max_retry_seconds: int = Field(default=3600, ge=1, le=7 * 86_400)
    lease_seconds: int = Field(default=300, ge=10, le=86_400)

    def retry_delay(self, attempts: int) -> int:
        """Seconds before the next try after `attempts` failed ones: doubling, capped."""
        return int(min(self.max_retry_seconds, self.first_retry_seconds * 2 ** max(0, attempts - 1)))


class NotificationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    formal_copies: FormalCopies
    events: dict[NoticeEvent, list[Audience]]
    delivery: DeliveryPolicy = DeliveryPolicy()

    @model_validator(mode="after")
    def _audiences_fit(self) -> NotificationRules:
        missing = [event.value for event in NoticeEvent if event not in self.events]
        if missing:
            raise ValueError(f"events: say who is told of {', '.join(missing)} (an empty list tells nobody)")
        for event, audiences in self.events.items():
            wrong = [a.value for a in audiences if a not in ALLOWED_AUDIENCES[event]]
            if wrong:
                allowed = ", ".join(sorted(a.value for a in ALLOWED_AUDIENCES[event]))
                raise ValueError(
                    f"events.{event.value}: cannot tell {', '.join(wrong)} (choose from {allowed})"
                )
        return self


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    person_id: int | None = None


@dataclass(frozen=True)
class Attachment:
    """A file that goes with an email, such as the published PDF in the formal copies."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Notice:
    event: NoticeEvent
    recipient: Recipient
    signoff_id: int | None
    key: str
    context: NoticeContext
    attachments: tuple[Attachment, ...] = ()
    # Of no sign-off: the office or force whose business it is (a delegation's, a sign-in's), so that it
    # stays theirs to see and retry whatever the directory later says of its recipient.
    organisation: str | None = None


class Links:
    """Where the web app shows things; one place, so emails and pages agree."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def signoff(self, signoff_id: int | None) -> str:
        return f"{self.base_url}/signoffs/{signoff_id}"

    def section(self, signoff_id: int | None, section_key: str) -> str:
        return f"{self.base_url}/signoffs/{signoff_id}/sections/{section_key}"

    def tasks(self) -> str:
        return f"{self.base_url}/tasks"

    def publish(self, signoff_id: int | None) -> str:
        """Where the office previews and publishes the response."""
        return f"{self.base_url}/signoffs/{signoff_id}/publish"

    def published(self, signoff_id: int | None, version: int, file_name: str) -> str:
        return f"{self.base_url}/signoffs/{signoff_id}/published/{version}/{file_name}"

    def public_response(self, signoff_id: int | None) -> str:
        """The published response's public page: no sign-in, for HMICFRS, the Home Office and anyone."""
        return f"{self.base_url}/responses/{signoff_id}"

    def public_responses(self) -> str:
        return f"{self.base_url}/responses"

    def proposal(self, proposal_id: int | None) -> str:
        """Where the office checks a report the watcher proposed, and starts its sign-off."""
        return f"{self.base_url}/proposals/{proposal_id}"
