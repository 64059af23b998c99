"""Which notices a sign-off's changes give: audit events, due moments and delegations turned into notices.

Each audit action that tells someone is one row of FROM_AUDIT (at the end), naming the methods that build
its notices; an action with no row tells nobody. Who hears of each notice is config/notifications.yaml's
choice (NotificationRules). Pure: the notices are data, rendered and sent by the adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from signoff.domain.access import holds_place, takes_part
from signoff.domain.audit import AuditEvent
from signoff.domain.cover import NO_COVER, Cover
from signoff.domain.deadlines import format_day
from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import Delegation
from signoff.domain.extension_notices import due_date_extended
from signoff.domain.local_time import local_moment
from signoff.domain.model import Holding, Section, SignOff
from signoff.domain.not_needed_notices import approval_not_needed
from signoff.domain.notice_contexts import NoticeContexts, why_told
from signoff.domain.notifications import (
    Attachment,
    Audience,
    Links,
    Notice,
    NoticeEvent,
    NotificationRules,
    Recipient,
)
from signoff.domain.on_hold import hold_lifted, holds_begun
from signoff.domain.publication import Publication
from signoff.domain.reassignment_notices import approval_reassigned_away, drafting_reassigned
from signoff.domain.transitions import RequestState
from signoff.domain.vocabulary import AuditAction, HoldingKind, JsonValue, NoticeContext, StageKind
from signoff.domain.withdrawal_notices import withdrawn


@dataclass(frozen=True)
class Happened:
    """One audit event, with what a row of FROM_AUDIT needs to know of the batch it came in."""

    signoff: SignOff
    event: AuditEvent
    # The same batch asks this approver again (an edit invalidated their approval): the invalidation
    # notice says so, and stands in for the new request's.
    asked_again: bool
    # The same batch edited the event's section (or restarted its approval): a request it asks for never
    # waited, so it ends no hold.
    section_edited: bool = False


class NoticeBuilder:
    """Turns what happened to one sign-off into the notices the rules ask for."""

    def __init__(
        self, rules: NotificationRules, roster: Roster, links: Links, cover: Cover = NO_COVER
    ) -> None:
        """`cover`: the delegations live now, whose delegates hear of the approvals they may give."""
        self.rules = rules
        self.roster = roster
        self.links = links
        self.cover = cover
        self.contexts = NoticeContexts(roster, links)

    # ----- from the audit trail -----

    def for_events(self, signoff: SignOff, events: Sequence[AuditEvent]) -> list[Notice]:
        notices: list[Notice] = []
        reasked = {
            (e.subject, e.details.get("approver_id"))
            for e in events
            if e.action == AuditAction.APPROVAL_INVALIDATED
            and any(
                later.action == AuditAction.APPROVAL_REQUESTED
                and later.subject == e.subject
                and later.details.get("approver_id") == e.details.get("approver_id")
                for later in events
            )
        }
        edited = {
            e.subject
            for e in events
            if e.action in (AuditAction.REVISION_SUBMITTED, AuditAction.APPROVAL_RESTARTED)
        }
        for event in events:
            asked_again = (event.subject, event.details.get("approver_id")) in reasked
            happened = Happened(signoff, event, asked_again, section_edited=event.subject in edited)
            for build in FROM_AUDIT.get(event.action, ()):
                notices.extend(build(self, happened))
        return _unique(notices)

    # ----- the methods FROM_AUDIT names -----

    def _drafting_assigned(self, happened: Happened) -> list[Notice]:
        signoff, event = happened.signoff, happened.event
        stage = signoff.stage(event.subject)
        if not stage.sections:
            return []
        drafters = self._people(  # not someone moved out of the organisation whose place it is
            p
            for s in stage.sections
            for p in s.drafter_ids
            if holds_place(self.roster.by_id(p), signoff, s.place_of(p))
        )
        return self.tell(
            NoticeEvent.DRAFTING_ASSIGNED,
            signoff,
            event,
            self.contexts.drafting(signoff, stage, None),
            drafters=drafters,
            personalise=lambda person: self.contexts.drafting(signoff, stage, person.id),
        )

    def _approval_requested(self, happened: Happened) -> list[Notice]:
        signoff, event = happened.signoff, happened.event
        _stage, section = signoff.section(event.subject)
        approver = self.roster.by_id(event.person_id("approver_id"))
        request = next(
            (r for r in reversed(section.current_requests()) if r.approver_id == approver.id), None
        )
        resumed = request is not None and hold_lifted(
            section, request, edited_in_same_change=happened.section_edited
        )
        return self.tell(
            NoticeEvent.APPROVAL_REQUESTED,
            signoff,
            event,
            {
                **self.contexts.approval(signoff, section, approver, resumed=resumed),
                "holder_name": approver.name,
            },
            holder=approver,
            # Asked again after an edit: the invalidation notice asks the approver, with what changed.
            approver=[] if happened.asked_again else [approver],
            delegate=self.cover.delegates(approver, signoff, self.roster, section),
            section=section,
        )

    def _approval_invalidated(self, happened: Happened) -> list[Notice]:
        signoff, event = happened.signoff, happened.event
        _stage, section = signoff.section(event.subject)
        approver = self.roster.by_id(event.person_id("approver_id"))
        context = self.contexts.approval(signoff, section, approver, previously=event.revision_hash)
        context["asked_again"] = happened.asked_again
        return self.tell(
            NoticeEvent.APPROVAL_INVALIDATED, signoff, event, context, section=section, approver=[approver]
        )

    def _approval_on_hold(self, happened: Happened) -> list[Notice]:
        """Approvers whose request was waiting for their decision and now waits again (domain/on_hold.py):
        told at once, so that the request they are asked again later is no surprise."""
        signoff, event = happened.signoff, happened.event
        stage, section = signoff.section(event.subject)
        notices: list[Notice] = []
        for hold in holds_begun(signoff, event, self.roster):
            context = {
                **self.contexts.section(signoff, section),
                "due": format_day(stage.due_on),
                "because": hold.because,
                "changes_requested_by": hold.changes_requested_by,
                "comment": hold.comment,
            }
            approver = [self.roster.by_id(hold.approver_id)]
            notices.extend(
                self.tell(
                    NoticeEvent.APPROVAL_ON_HOLD, signoff, event, context, section=section, approver=approver
                )
            )
        return notices

    def _changes_requested(self, happened: Happened) -> list[Notice]:
        signoff, event = happened.signoff, happened.event
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
            **self.contexts.section(signoff, section),
            "due": format_day(stage.due_on),
            "due_date": stage.due_on.isoformat(),
            "comment": decision.comment if decision else "",
            "decided_by": self.roster.by_id(event.actor_id).name if event.actor_id else "an approver",
        }
        return self.tell(
            NoticeEvent.CHANGES_REQUESTED,
            signoff,
            event,
            context,
            drafters=self._people(section.drafter_ids),
            author=self._author(section),
            section=section,
        )

    def _section_approved(self, happened: Happened) -> list[Notice]:
        signoff, event = happened.signoff, happened.event
        _stage, section = signoff.section(event.subject)
        approvers: list[JsonValue] = [
            self.roster.by_id(r.decision.decided_by_id).name
            for r in section.current_requests()
            if r.decision is not None and r.state is RequestState.APPROVED
        ]
        context = {**self.contexts.section(signoff, section), "approved_by": approvers}
        return self.tell(
            NoticeEvent.SECTION_APPROVED,
            signoff,
            event,
            context,
            drafters=self._people(section.drafter_ids),
            author=self._author(section),
            section=section,
        )

    def _stage_completed(self, happened: Happened) -> list[Notice]:
        signoff, event = happened.signoff, happened.event
        stage = signoff.stage(event.subject)
        if stage.kind == StageKind.PUBLICATION:
            return []  # the publication notices say it, with the document (see for_publication)
        later = [s for s in signoff.ordered_stages() if s.position > stage.position]
        context = {
            **self.contexts.signoff(signoff),
            "stage_title": stage.title,
            "next_stage_title": later[0].title if later else None,
        }
        return self.tell(NoticeEvent.STAGE_COMPLETED, signoff, event, context)

    def _ready_to_publish(self, happened: Happened) -> list[Notice]:
        signoff = happened.signoff
        context = self.contexts.ready_to_publish(signoff)
        return self.tell(NoticeEvent.READY_TO_PUBLISH, signoff, happened.event, context)

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
            **self.contexts.signoff(signoff),
            "published_on": format_day(publication.published_on),
            "document_url": document_url,
            "on_time": publication.on_time,
            "days_late": publication.days_late,
            "version": publication.version,
            "correction": publication.note if publication.version > 1 else "",
            "attachment_name": document.filename,
        }
        notices = self.tell(NoticeEvent.PUBLISHED, signoff, audit, context)
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
            **self.contexts.section(signoff, holding.section),
            "holder_name": holder.name,
            "waiting_to": holding.kind,
            "due": format_day(holding.stage.due_on),
            "due_date": holding.stage.due_on.isoformat(),
        }
        audiences = self.rules.events[event]
        recipients: list[tuple[Participant, Audience]] = []
        # A holder removed or moved away is not chased (the office's administrators reassign the place).
        in_place = holds_place(holder, signoff, holding.section.place_of(holder.id))
        if Audience.HOLDER in audiences and in_place:
            recipients.append((holder, Audience.HOLDER))
        if Audience.DELEGATE in audiences and holding.kind is HoldingKind.APPROVE:
            # Delegation covers approvals only: whoever decides for the holder is chased with them.
            recipients.extend(
                (delegate, Audience.DELEGATE)
                for delegate in self.cover.delegates(holder, signoff, self.roster, holding.section)
            )
        if Audience.ESCALATION_CONTACT in audiences:
            contact = self.roster.escalation_contact_of(holder.id) if in_place else None
            # With no escalation contact of its own, the office's administrators hear of it instead.
            if contact and takes_part(contact, signoff):
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
            self.notice(
                event,
                signoff.id,
                person,
                f"{due_key}:{event.value}:{holder.id}",
                context,
                why_told(event, self._office(signoff), person, holder, audience),
                audience,
            )
            for person, audience in recipients
        )

    # ----- delegations -----

    def for_delegation(
        self, event: NoticeEvent, delegation: Delegation, delegator: Participant, delegate: Participant
    ) -> list[Notice]:
        context: NoticeContext = {
            "delegator_name": delegator.name,
            "delegate_name": delegate.name,
            "starts": local_moment(delegation.starts_at),
            "ends": local_moment(delegation.ends_at),
            "reason": delegation.reason,
            "tasks_url": self.links.tasks(),
        }
        audiences = self.rules.events[event]
        recipients = [
            (person, audience)
            for person, audience in ((delegator, Audience.DELEGATOR), (delegate, Audience.DELEGATE))
            if audience in audiences and person.active  # someone removed from the directory hears nothing
        ]
        return [
            replace(
                self.notice(
                    event,
                    None,
                    person,
                    f"delegation:{delegation.id}:{event.value}",
                    context,
                    "you gave this delegation"
                    if audience is Audience.DELEGATOR
                    else "you were given this delegation",
                    audience,
                ),
                organisation=delegation.organisation or delegator.organisation,
            )
            for person, audience in recipients
        ]

    # ----- building blocks -----

    def tell(
        self,
        event: NoticeEvent,
        signoff: SignOff,
        audit: AuditEvent,
        context: NoticeContext,
        personalise: Callable[[Participant], NoticeContext] | None = None,
        holder: Participant | None = None,
        section: Section | None = None,
        **named: list[Participant],
    ) -> list[Notice]:
        """The sign-off's email to each audience the rules name for `event` (those in `named`, its
        administrators, its participants), of those who take part in it (and hold their place on
        `section`). `holder`: whom a delegate among the recipients covers for."""
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
            self.notice(
                event,
                signoff.id,
                person,
                f"signoff:{signoff.id}:audit:{audit.seq}",
                personalise(person) if personalise and person.id in personal else context,
                why_told(event, self._office(signoff), person, holder, audience),
                audience,
            )
            for person, audience in recipients
            # Nobody moved out of the office and force hears more of its work (its texts, its comments), nor
            # of a section's work anyone moved out of the organisation whose place on it they hold.
            if takes_part(person, signoff)
            and (section is None or holds_place(person, signoff, section.place_of(person.id)))
        )

    def notice(
        self,
        event: NoticeEvent,
        signoff_id: int | None,
        person: Participant,
        key_prefix: str,
        context: NoticeContext,
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

    def _office(self, signoff: SignOff) -> str:
        return self.roster.organisation_name(signoff.pcc_org)

    def _participants(self, signoff: SignOff) -> list[Participant]:
        ids: list[int] = [signoff.started_by_id]
        for stage in signoff.ordered_stages():
            for section in stage.ordered_sections():
                ids.extend(section.drafter_ids)
                ids.extend(p for step in section.approval_steps for p in step.approver_ids)
                ids.extend(r.approver_id for r in section.requests)
        return [p for p in self._people(ids) if takes_part(p, signoff)]

    def _people(self, ids: Iterable[int]) -> list[Participant]:
        seen: dict[int, Participant] = {}
        for person_id in ids:
            if person_id not in seen:
                seen[person_id] = self.roster.by_id(person_id)
        return list(seen.values())

    def _author(self, section: Section) -> list[Participant]:
        revision = section.current_revision
        return [self.roster.by_id(revision.author_id)] if revision else []


# Which audit action tells someone, and how; an action with no row tells nobody. An email caused by an
# audit event is a row here, with the rest of the recipe in templates/README.md ("Adding an email").
# Typed by str, as AuditEvent.action is: a StrEnum member is its string, so a stored action finds its row.
FROM_AUDIT: dict[str, tuple[Callable[[NoticeBuilder, Happened], list[Notice]], ...]] = {
    AuditAction.STAGE_OPENED: (NoticeBuilder._drafting_assigned,),
    AuditAction.APPROVAL_REQUESTED: (NoticeBuilder._approval_requested,),
    AuditAction.APPROVAL_INVALIDATED: (NoticeBuilder._approval_invalidated,),
    AuditAction.REVISION_SUBMITTED: (NoticeBuilder._approval_on_hold,),
    AuditAction.APPROVAL_RESTARTED: (NoticeBuilder._approval_on_hold,),
    # The drafter is asked to revise; the step's other approvers, asked and not yet decided, are on hold.
    AuditAction.CHANGES_REQUESTED: (NoticeBuilder._changes_requested, NoticeBuilder._approval_on_hold),
    AuditAction.REQUEST_REASSIGNED: (approval_reassigned_away,),
    AuditAction.DRAFTING_REASSIGNED: (drafting_reassigned,),
    AuditAction.APPROVAL_NOT_NEEDED: (approval_not_needed,),
    AuditAction.SECTION_APPROVED: (NoticeBuilder._section_approved,),
    AuditAction.STAGE_COMPLETED: (NoticeBuilder._stage_completed,),
    AuditAction.READY_TO_PUBLISH: (NoticeBuilder._ready_to_publish,),
    AuditAction.SIGNOFF_WITHDRAWN: (withdrawn,),
    AuditAction.DUE_DATE_EXTENDED: (due_date_extended,),
}


def _unique(notices: Iterable[Notice]) -> list[Notice]:
    seen: dict[str, Notice] = {}
    for notice in notices:
        seen.setdefault(notice.key, notice)
    return list(seen.values())
