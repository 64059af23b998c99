"""Who is told what: audit events and due moments turned into notices, one per recipient.

Pure: a notice is data (event, recipient, a JSON context and an idempotency key). Rendering and sending
belong to the adapters; the outbox stores notices in the same transaction as the change behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from signoff.domain.audit import AuditEvent
from signoff.domain.deadlines import format_day
from signoff.domain.directory import Participant, Roster
from signoff.domain.model import Holding, Section, SignOff, Stage
from signoff.domain.publication import Publication
from signoff.domain.text_fields import SingleLine
from signoff.domain.transitions import RequestState


class NoticeEvent(StrEnum):
    DRAFTING_ASSIGNED = "drafting_assigned"
    APPROVAL_REQUESTED = "approval_requested"
    CHANGES_REQUESTED = "changes_requested"
    APPROVAL_INVALIDATED = "approval_invalidated"
    SECTION_APPROVED = "section_approved"
    STAGE_COMPLETED = "stage_completed"
    READY_TO_PUBLISH = "ready_to_publish"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    DELEGATION_STARTED = "delegation_started"
    DELEGATION_ENDED = "delegation_ended"
    WITHDRAWN = "withdrawn"
    PUBLISHED = "published"
    FORMAL_COPY = "formal_copy"
    SIGN_IN_LINK = "sign_in_link"


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


# Which audiences make sense for which event; the configuration may choose among them.
ALLOWED_AUDIENCES: dict[NoticeEvent, frozenset[Audience]] = {
    NoticeEvent.DRAFTING_ASSIGNED: frozenset({Audience.DRAFTERS, Audience.PCC_ADMINS}),
    NoticeEvent.APPROVAL_REQUESTED: frozenset({Audience.APPROVER}),
    NoticeEvent.CHANGES_REQUESTED: frozenset({Audience.DRAFTERS, Audience.AUTHOR, Audience.PCC_ADMINS}),
    NoticeEvent.APPROVAL_INVALIDATED: frozenset({Audience.APPROVER}),
    NoticeEvent.SECTION_APPROVED: frozenset({Audience.DRAFTERS, Audience.AUTHOR}),
    NoticeEvent.STAGE_COMPLETED: frozenset({Audience.PCC_ADMINS, Audience.PARTICIPANTS}),
    NoticeEvent.READY_TO_PUBLISH: frozenset({Audience.PCC_ADMINS, Audience.PARTICIPANTS}),
    NoticeEvent.REMINDER: frozenset({Audience.HOLDER}),
    NoticeEvent.OVERDUE: frozenset({Audience.HOLDER, Audience.PCC_ADMINS}),
    NoticeEvent.ESCALATION: frozenset({Audience.ESCALATION_CONTACT, Audience.PCC_ADMINS}),
    NoticeEvent.DELEGATION_STARTED: frozenset({Audience.DELEGATOR, Audience.DELEGATE}),
    NoticeEvent.DELEGATION_ENDED: frozenset({Audience.DELEGATOR, Audience.DELEGATE}),
    NoticeEvent.WITHDRAWN: frozenset({Audience.PARTICIPANTS, Audience.PCC_ADMINS}),
    NoticeEvent.PUBLISHED: frozenset({Audience.PARTICIPANTS, Audience.PCC_ADMINS}),
    NoticeEvent.FORMAL_COPY: frozenset({Audience.HMICFRS, Audience.HOME_SECRETARY}),
    # Only the person who asked for it: a sign-in link is theirs alone.
    NoticeEvent.SIGN_IN_LINK: frozenset({Audience.REQUESTER}),
}


class FormalRecipient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: SingleLine = Field(min_length=1, max_length=200)
    email: EmailStr


class FormalCopies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hmicfrs: FormalRecipient
    home_secretary: FormalRecipient


class DeliveryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    batch_size: int = Field(default=100, ge=1, le=5000)
    max_attempts: int = Field(default=8, ge=1, le=50)
    first_retry_seconds: int = Field(default=60, ge=1, le=86_400)
    max_retry_seconds: int = Field(default=3600, ge=1, le=7 * 86_400)
    lease_seconds: int = Field(default=300, ge=10, le=86_400)

    def retry_delay(self, attempts: int) -> int:
        """Seconds before the next try after `attempts` failed ones: doubling, capped."""
        return int(min(self.max_retry_seconds, self.first_retry_seconds * 2 ** max(0, attempts - 1)))


class NotificationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
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
    context: dict[str, Any]
    attachments: tuple[Attachment, ...] = ()


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

    def published(self, signoff_id: int | None, version: int, file_name: str) -> str:
        return f"{self.base_url}/signoffs/{signoff_id}/published/{version}/{file_name}"


class NoticeBuilder:
    """Turns what happened to one sign-off into the notices the rules ask for."""

    def __init__(self, rules: NotificationRules, roster: Roster, links: Links) -> None:
        self.rules = rules
        self.roster = roster
        self.links = links

    # ----- from the audit trail -----

    def for_events(self, signoff: SignOff, events: Sequence[AuditEvent]) -> list[Notice]:
        notices: list[Notice] = []
        reasked = {
            (e.subject, e.details.get("approver_id"))
            for e in events
            if e.action == "approval_invalidated"
            and any(
                later.action == "approval_requested"
                and later.subject == e.subject
                and later.details.get("approver_id") == e.details.get("approver_id")
                for later in events
            )
        }
        for event in events:
            if (
                event.action == "approval_requested"
                and (event.subject, event.details.get("approver_id")) in reasked
            ):
                continue  # the invalidation notice already asks them again, with what changed
            notices.extend(self._for_event(signoff, event, reasked))
        return _unique(notices)

    def _for_event(self, signoff: SignOff, event: AuditEvent, reasked: set[tuple[str, Any]]) -> list[Notice]:
        action = event.action
        if action == "stage_opened":
            stage = signoff.stage(event.subject)
            if not stage.sections:
                return []
            drafters = self._people(p for s in stage.sections for p in s.drafter_ids)
            return self._to(
                NoticeEvent.DRAFTING_ASSIGNED,
                signoff,
                event,
                self._drafting_context(signoff, stage, None),
                drafters=drafters,
                personalise=lambda person: self._drafting_context(signoff, stage, person.id),
            )
        if action == "approval_requested":
            _stage, section = signoff.section(event.subject)
            approver = self.roster.by_id(event.details["approver_id"])
            return self._to(
                NoticeEvent.APPROVAL_REQUESTED,
                signoff,
                event,
                self._approval_context(signoff, section, approver),
                approver=[approver],
            )
        if action == "approval_invalidated":
            _stage, section = signoff.section(event.subject)
            approver = self.roster.by_id(event.details["approver_id"])
            context = self._approval_context(signoff, section, approver, previously=event.revision_hash)
            context["asked_again"] = (event.subject, approver.id) in reasked
            return self._to(NoticeEvent.APPROVAL_INVALIDATED, signoff, event, context, approver=[approver])
        if action == "changes_requested":
            _stage, section = signoff.section(event.subject)
            decision = next(
                (
                    r.decision
                    for r in reversed(section.requests)
                    if r.state is RequestState.CHANGES_REQUESTED and r.decision is not None
                ),
                None,
            )
            stage = next(st for st in signoff.stages if section in st.sections)
            context = {
                **self._section_context(signoff, section),
                "due": format_day(stage.due_on),
                "due_date": stage.due_on.isoformat(),
                "comment": decision.comment if decision else "",
                "decided_by": self.roster.by_id(event.actor_id).name if event.actor_id else "an approver",
            }
            return self._to(
                NoticeEvent.CHANGES_REQUESTED,
                signoff,
                event,
                context,
                drafters=self._people(section.drafter_ids),
                author=self._author(section),
            )
        if action == "section_approved":
            _stage, section = signoff.section(event.subject)
            approvers = [
                self.roster.by_id(r.decision.decided_by_id).name
                for r in section.current_requests()
                if r.decision is not None and r.state is RequestState.APPROVED
            ]
            context = {**self._section_context(signoff, section), "approved_by": approvers}
            return self._to(
                NoticeEvent.SECTION_APPROVED,
                signoff,
                event,
                context,
                drafters=self._people(section.drafter_ids),
                author=self._author(section),
            )
        if action == "stage_completed":
            stage = signoff.stage(event.subject)
            if stage.kind == "publication":
                return []  # the publication notices say it, with the document (see for_publication)
            later = [s for s in signoff.ordered_stages() if s.position > stage.position]
            context = {
                **self._signoff_context(signoff),
                "stage_title": stage.title,
                "next_stage_title": later[0].title if later else None,
            }
            return self._to(NoticeEvent.STAGE_COMPLETED, signoff, event, context)
        if action == "ready_to_publish":
            return self._to(NoticeEvent.READY_TO_PUBLISH, signoff, event, self._signoff_context(signoff))
        if action == "signoff_withdrawn":
            context = {**self._signoff_context(signoff), "reason": event.details.get("reason", "")}
            return self._to(NoticeEvent.WITHDRAWN, signoff, event, context)
        return []

    # ----- publication -----

    def for_publication(
        self,
        signoff: SignOff,
        audit: AuditEvent,
        publication: Publication,
        document_url: str,
        document: Attachment,
    ) -> list[Notice]:
        """The published notice to those involved, and the formal copies (s55(6)) with the document."""
        context = {
            **self._signoff_context(signoff),
            "published_on": format_day(publication.published_on),
            "document_url": document_url,
            "on_time": publication.on_time,
            "days_late": publication.days_late,
            "version": publication.version,
            "correction": publication.note if publication.version > 1 else "",
            "attachment_name": document.filename,
        }
        notices = self._to(NoticeEvent.PUBLISHED, signoff, audit, context)
        copies = self.rules.formal_copies
        for audience in self.rules.events[NoticeEvent.FORMAL_COPY]:
            recipient = copies.hmicfrs if audience is Audience.HMICFRS else copies.home_secretary
            notices.append(
                Notice(
                    event=NoticeEvent.FORMAL_COPY,
                    recipient=Recipient(email=str(recipient.email), name=recipient.name),
                    signoff_id=signoff.id,
                    key=f"signoff:{signoff.id}:audit:{audit.seq}:formal_copy:{recipient.email}",
                    context={
                        **context,
                        "recipient_name": recipient.name,
                        "why": "the Police Act 1996 (s55(6)) asks the office to send you a copy",
                        "audience": audience.value,
                    },
                    attachments=(document,),
                )
            )
        return _unique(notices)

    # ----- due moments: reminders, overdue notices, escalations -----

    def for_holding(
        self, signoff: SignOff, holding: Holding, event: NoticeEvent, due_key: str
    ) -> list[Notice]:
        holder = self.roster.by_id(holding.person_id)
        context = {
            **self._section_context(signoff, holding.section),
            "holder_name": holder.name,
            "waiting_to": holding.kind,
            "due": format_day(holding.stage.due_on),
            "due_date": holding.stage.due_on.isoformat(),
        }
        audiences = self.rules.events[event]
        recipients: list[tuple[Participant, Audience]] = []
        if Audience.HOLDER in audiences:
            recipients.append((holder, Audience.HOLDER))
        if Audience.ESCALATION_CONTACT in audiences:
            contact = self.roster.escalation_contact_of(holder.id)
            # With no escalation contact, the office's administrators hear of it instead.
            if contact:
                recipients.append((contact, Audience.ESCALATION_CONTACT))
            else:
                recipients.extend(
                    (admin, Audience.PCC_ADMINS) for admin in self.roster.admins_of(signoff.pcc_org)
                )
        if Audience.PCC_ADMINS in audiences:
            recipients.extend(
                (admin, Audience.PCC_ADMINS) for admin in self.roster.admins_of(signoff.pcc_org)
            )
        return _unique(
            self._notice(
                event,
                signoff.id,
                person,
                f"{due_key}:{event.value}:{holder.id}",
                context,
                self._why(event, signoff, person, holder),
                audience,
            )
            for person, audience in recipients
        )

    # ----- delegations -----

    def for_delegation(
        self,
        event: NoticeEvent,
        delegation_id: int,
        delegator: Participant,
        delegate: Participant,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
    ) -> list[Notice]:
        context = {
            "delegator_name": delegator.name,
            "delegate_name": delegate.name,
            "starts": _local_moment(starts_at),
            "ends": _local_moment(ends_at),
            "reason": reason,
            "tasks_url": self.links.tasks(),
        }
        audiences = self.rules.events[event]
        recipients = ([(delegator, Audience.DELEGATOR)] if Audience.DELEGATOR in audiences else []) + (
            [(delegate, Audience.DELEGATE)] if Audience.DELEGATE in audiences else []
        )
        return [
            self._notice(
                event,
                None,
                person,
                f"delegation:{delegation_id}:{event.value}",
                context,
                "you gave this delegation"
                if audience is Audience.DELEGATOR
                else "you were given this delegation",
                audience,
            )
            for person, audience in recipients
        ]

    # ----- building blocks -----

    def _to(
        self,
        event: NoticeEvent,
        signoff: SignOff,
        audit: AuditEvent,
        context: dict[str, Any],
        personalise: Callable[[Participant], dict[str, Any]] | None = None,
        **named: list[Participant],
    ) -> list[Notice]:
        recipients: list[tuple[Participant, Audience]] = []
        for audience in self.rules.events[event]:
            if audience.value in named:
                people = named[audience.value]
            elif audience is Audience.PCC_ADMINS:
                people = self.roster.admins_of(signoff.pcc_org)
            elif audience is Audience.PARTICIPANTS:
                people = self._participants(signoff)
            else:
                people = []
            recipients.extend((person, audience) for person in people)
        personal = {p.id for p in named.get(Audience.DRAFTERS.value, [])} if personalise else set()
        return _unique(
            self._notice(
                event,
                signoff.id,
                person,
                f"signoff:{signoff.id}:audit:{audit.seq}",
                personalise(person) if personalise and person.id in personal else context,
                self._why(event, signoff, person),
                audience,
            )
            for person, audience in recipients
            if person.active
        )

    def _notice(
        self,
        event: NoticeEvent,
        signoff_id: int | None,
        person: Participant,
        key_prefix: str,
        context: dict[str, Any],
        why: str,
        audience: Audience,
    ) -> Notice:
        """One email; `audience` says in what capacity this person hears of it (the templates word it so)."""
        return Notice(
            event=event,
            recipient=Recipient(email=person.email, name=person.name, person_id=person.id),
            signoff_id=signoff_id,
            key=f"{key_prefix}:{event.value}:{person.email}",
            context={**context, "recipient_name": person.name, "why": why, "audience": audience.value},
        )

    def _why(
        self, event: NoticeEvent, signoff: SignOff, person: Participant, holder: Participant | None = None
    ) -> str:
        office = self.roster.organisation_name(signoff.pcc_org)
        if event is NoticeEvent.ESCALATION and holder is not None:
            return f"{holder.name} names you as their escalation contact, or you administer sign-offs for {office}"
        if event in (NoticeEvent.APPROVAL_REQUESTED, NoticeEvent.APPROVAL_INVALIDATED):
            return f"you are an approver of this section in {office}'s response"
        if event in (
            NoticeEvent.DRAFTING_ASSIGNED,
            NoticeEvent.CHANGES_REQUESTED,
            NoticeEvent.SECTION_APPROVED,
        ):
            return f"you draft this part of {office}'s response"
        if event in (NoticeEvent.REMINDER, NoticeEvent.OVERDUE) and person is holder:
            return "this is waiting for you"
        return f"you take part in {office}'s response, or administer it"

    def _participants(self, signoff: SignOff) -> list[Participant]:
        ids: list[int] = [signoff.started_by_id]
        for stage in signoff.ordered_stages():
            for section in stage.ordered_sections():
                ids.extend(section.drafter_ids)
                ids.extend(p for step in section.approval_steps for p in step["approver_ids"])
                ids.extend(r.approver_id for r in section.requests)
        return self._people(ids)

    def _people(self, ids: Iterable[int]) -> list[Participant]:
        seen: dict[int, Participant] = {}
        for person_id in ids:
            if person_id not in seen:
                seen[person_id] = self.roster.by_id(person_id)
        return list(seen.values())

    def _author(self, section: Section) -> list[Participant]:
        revision = section.current_revision
        return [self.roster.by_id(revision.author_id)] if revision else []

    def _signoff_context(self, signoff: SignOff) -> dict[str, Any]:
        return {
            "signoff_id": signoff.id,
            "signoff_title": signoff.title,
            "office": self.roster.organisation_name(signoff.pcc_org),
            "statutory_last_day": format_day(signoff.statutory_last_day),
            "publish_by": format_day(signoff.publish_by),
            "signoff_url": self.links.signoff(signoff.id),
        }

    def _section_context(self, signoff: SignOff, section: Section) -> dict[str, Any]:
        stage = next(st for st in signoff.stages if section in st.sections)
        revision = section.current_revision
        finding = signoff.inspection.finding(section.finding_ref) if section.finding_ref else None
        return {
            **self._signoff_context(signoff),
            "stage_title": stage.title,
            "section_title": section.title,
            "section_key": section.key,
            "section_url": self.links.section(signoff.id, section.key),
            "finding_text": finding.text if finding else None,
            "revision": revision.number if revision else None,
        }

    def _drafting_context(self, signoff: SignOff, stage: Stage, drafter_id: int | None) -> dict[str, Any]:
        """The stage's sections; for a drafter, only the ones they draft."""
        return {
            **self._signoff_context(signoff),
            "stage_title": stage.title,
            "due": format_day(stage.due_on),
            "due_date": stage.due_on.isoformat(),
            "sections": [
                {
                    "title": section.title,
                    "url": self.links.section(signoff.id, section.key),
                    "finding_text": signoff.inspection.finding(section.finding_ref).text
                    if section.finding_ref
                    else None,
                }
                for section in stage.ordered_sections()
                if drafter_id is None or drafter_id in section.drafter_ids
            ],
        }

    def _approval_context(
        self, signoff: SignOff, section: Section, approver: Participant, previously: str | None = None
    ) -> dict[str, Any]:
        stage = next(st for st in signoff.stages if section in st.sections)
        request = next(
            (
                r
                for r in reversed(section.requests)
                if r.approver_id == approver.id and r.round == section.round
            ),
            None,
        )
        since = previously or (request.previously_approved_hash if request else None)
        revision = section.current_revision
        return {
            **self._section_context(signoff, section),
            "author_name": self.roster.by_id(revision.author_id).name if revision else "",
            "due": format_day(stage.due_on),
            "due_date": stage.due_on.isoformat(),
            "changes": section.diff_since(since),
            "asked_again": False,
        }


def _local_moment(moment: datetime) -> str:
    """UK local time, as people read it: 'Friday 1 December 2023 at 17:00'."""
    local = moment.astimezone(ZoneInfo("Europe/London"))
    return f"{format_day(local.date())} at {local:%H:%M}"


def _unique(notices: Iterable[Notice]) -> list[Notice]:
    seen: dict[str, Notice] = {}
    for notice in notices:
        seen.setdefault(notice.key, notice)
    return list(seen.values())
