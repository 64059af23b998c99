"""The sign-off aggregate: stages, sections, revisions, approval requests and decisions.

Plain classes: the SQLAlchemy mapping in adapters/orm.py instruments them without the domain knowing.
Every state change goes through `fire` and the transition tables; every change appends an audit event.
Navigation is parent to child only, so the objects behave the same with or without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from signoff.domain.access import (
    PUBLISHER_ROLES,
    STRATEGIC_LEAD_ROLE,
    Action,
    allowed,
    signoff_target,
    stands_in_for,
)
from signoff.domain.audit import AuditEvent, genesis_hash
from signoff.domain.audit_binding import BINDINGS, mark_changed, pending_bindings
from signoff.domain.deadlines import (
    StatutoryDeadline,
    WorkingCalendar,
    format_day,
    local_day,
    plan_stage_dates,
    stage_moments,
)
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import (
    AlreadyDecided,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from signoff.domain.inspection import Finding, Inspection
from signoff.domain.pipeline import Pipeline, Selector, WorkingHours
from signoff.domain.publication import Publication, days_late
from signoff.domain.textdiff import content_hash, unified_diff
from signoff.domain.transitions import (
    REQUEST_TRANSITIONS,
    SECTION_TRANSITIONS,
    SIGNOFF_TRANSITIONS,
    STAGE_TRANSITIONS,
    RequestEvent,
    RequestState,
    SectionEvent,
    SectionState,
    SignoffEvent,
    SignoffState,
    StageEvent,
    StageState,
    fire,
)

MAX_SECTION_LENGTH = 100_000
OPEN_REQUEST_STATES = (RequestState.WAITING, RequestState.PENDING)


class Outcome(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


class Delegation:
    """`from_person` lets `to_person` decide for them between two moments."""

    id: int | None

    def __init__(
        self,
        *,
        from_person_id: int,
        to_person_id: int,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        created_by_id: int,
        created_at: datetime,
    ) -> None:
        if from_person_id == to_person_id:
            raise InvalidInput("a person cannot delegate to themselves")
        if ends_at <= starts_at:
            raise InvalidInput("a delegation must end after it starts")
        self.id = None
        self.from_person_id = from_person_id
        self.to_person_id = to_person_id
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.reason = reason
        self.created_by_id = created_by_id
        self.created_at = created_at
        self.revoked_at: datetime | None = None

    def active_at(self, now: datetime) -> bool:
        return self.revoked_at is None and self.starts_at <= now < self.ends_at


class Revision:
    id: int | None

    def __init__(self, *, number: int, body: str, author_id: int, created_at: datetime, note: str) -> None:
        self.id = None
        self.number = number
        self.body = body
        self.content_hash = content_hash(body)
        self.author_id = author_id
        self.created_at = created_at
        self.note = note
        mark_changed(self)


class Decision:
    id: int | None

    def __init__(
        self,
        *,
        outcome: Outcome,
        comment: str,
        decided_by_id: int,
        on_behalf_of_id: int | None,
        revision_hash: str,
        decided_at: datetime,
    ) -> None:
        self.id = None
        self.outcome = outcome
        self.comment = comment
        self.decided_by_id = decided_by_id
        self.on_behalf_of_id = on_behalf_of_id
        self.revision_hash = revision_hash
        self.decided_at = decided_at
        mark_changed(self)


class ApprovalRequest:
    """One person's turn to approve one revision of one section."""

    id: int | None
    decision: Decision | None

    def __init__(
        self,
        *,
        round: int,
        step: int,
        approver_id: int,
        revision_hash: str,
        previously_approved_hash: str | None,
        due_at: datetime,
        remind_at: datetime,
        escalate_at: datetime,
        created_at: datetime,
    ) -> None:
        self.id = None
        self.round = round
        self.step = step
        self.approver_id = approver_id
        self.state = RequestState.WAITING
        self.revision_hash = revision_hash
        self.previously_approved_hash = previously_approved_hash
        self.due_at = due_at
        self.remind_at = remind_at
        self.escalate_at = escalate_at
        self.created_at = created_at
        self.activated_at: datetime | None = None
        self.closed_at: datetime | None = None
        # Set by the sweep when the request has waited idle past the configured time.
        self.stalled_at: datetime | None = None
        self.decision = None
        mark_changed(self)

    def fire(self, event: RequestEvent, now: datetime) -> None:
        self.state = fire(REQUEST_TRANSITIONS, "approval request", self.state, event)
        mark_changed(self)
        if event is RequestEvent.ACTIVATE:
            self.activated_at = now
        elif self.state not in OPEN_REQUEST_STATES:
            self.closed_at = now

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REQUEST_STATES


class Section:
    id: int | None

    def __init__(
        self,
        *,
        key: str,
        title: str,
        position: int,
        finding_ref: str | None,
        drafter_ids: list[int],
        approval_steps: list[dict[str, Any]],
        approve_after_others: bool,
    ) -> None:
        self.id = None
        self.key = key
        self.title = title
        self.position = position
        self.finding_ref = finding_ref
        self.state = SectionState.PENDING
        self.drafter_ids = drafter_ids
        # [{"require": "all" | "any" | n, "approver_ids": [...]}, ...], one entry per sequential step.
        self.approval_steps = approval_steps
        self.approve_after_others = approve_after_others
        self.awaiting_others = False
        self.round = 0
        self.last_activity_at: datetime | None = None
        # Set by the sweep when drafting has been idle past the configured time; activity clears it.
        self.stalled_at: datetime | None = None
        self.revisions: list[Revision] = []
        self.requests: list[ApprovalRequest] = []

    def fire(self, event: SectionEvent) -> None:
        self.state = fire(SECTION_TRANSITIONS, "section", self.state, event)

    @property
    def current_revision(self) -> Revision | None:
        return max(self.revisions, key=lambda r: r.number) if self.revisions else None

    def current_requests(self) -> list[ApprovalRequest]:
        return [r for r in self.requests if r.round == self.round and r.round > 0]

    def open_requests(self) -> list[ApprovalRequest]:
        return [r for r in self.current_requests() if r.is_open]

    def holder_ids(self) -> list[int]:
        """Who the section waits for now."""
        if self.state in (SectionState.DRAFTING, SectionState.CHANGES_REQUESTED):
            return list(self.drafter_ids)
        if self.state is SectionState.IN_APPROVAL:
            return [r.approver_id for r in self.current_requests() if r.state is RequestState.PENDING]
        return []

    def last_approved_hash_by(self, person_id: int) -> str | None:
        approved = [
            r
            for r in self.requests
            if r.approver_id == person_id and r.decision is not None and r.decision.outcome is Outcome.APPROVE
        ]
        return max(approved, key=lambda r: r.round).revision_hash if approved else None

    def revision_by_hash(self, revision_hash: str) -> Revision | None:
        return next((r for r in self.revisions if r.content_hash == revision_hash), None)

    def diff_since(self, revision_hash: str | None) -> list[str]:
        """What changed since the revision with this hash (the one an approver last approved)."""
        current = self.current_revision
        if current is None or revision_hash is None:
            return []
        earlier = self.revision_by_hash(revision_hash)
        if earlier is None or earlier.content_hash == current.content_hash:
            return []
        return unified_diff(
            earlier.body, current.body, f"revision {earlier.number}", f"revision {current.number}"
        )


class Stage:
    id: int | None

    def __init__(
        self,
        *,
        key: str,
        title: str,
        position: int,
        kind: str,
        due_on: date,
        due_at: datetime,
        remind_at: datetime,
        escalate_at: datetime,
        remind_before_working_days: int,
        escalate_after_working_days: int,
        sections: list[Section],
    ) -> None:
        self.id = None
        self.key = key
        self.title = title
        self.position = position
        self.kind = kind
        self.state = StageState.PENDING
        self.due_on = due_on
        self.due_at = due_at
        self.remind_at = remind_at
        self.escalate_at = escalate_at
        self.remind_before_working_days = remind_before_working_days
        self.escalate_after_working_days = escalate_after_working_days
        self.opened_at: datetime | None = None
        self.completed_at: datetime | None = None
        self.sections = sections

    def fire(self, event: StageEvent, now: datetime) -> None:
        self.state = fire(STAGE_TRANSITIONS, "stage", self.state, event)
        if event is StageEvent.OPEN:
            self.opened_at = now
        elif event is StageEvent.COMPLETE:
            self.completed_at = now

    def ordered_sections(self) -> list[Section]:
        return sorted(self.sections, key=lambda s: s.position)

    def others_approved(self, section: Section) -> bool:
        return all(s.state is SectionState.APPROVED for s in self.sections if s is not section)

    def all_approved(self) -> bool:
        return all(s.state is SectionState.APPROVED for s in self.sections)


@dataclass(frozen=True)
class Holding:
    """One thing waiting for one person: a section to draft or an approval to give."""

    signoff_id: int | None
    stage: Stage
    section: Section
    person_id: int
    kind: str  # "draft" or "approve"
    due_at: datetime
    since: datetime | None


class SignOff:
    """One PCC office's response to one inspection report, from intake to publication."""

    id: int | None

    def __init__(
        self,
        *,
        inspection: Inspection,
        pcc_org: str,
        force_org: str,
        deadline: StatutoryDeadline,
        working_hours: WorkingHours,
        started_by_id: int,
        started_at: datetime,
        stages: list[Stage],
    ) -> None:
        self.id = None
        self.inspection_key = inspection.identity()
        self.inspection_data = inspection.model_dump(mode="json")
        self.title = inspection.title
        self.published_on = inspection.published
        self.pcc_org = pcc_org
        self.force_org = force_org
        self.statutory_last_day = deadline.last_day
        self.publish_by = deadline.publish_by
        self.deadline_warning = deadline.warning
        self.working_hours = working_hours.model_dump(mode="json")
        self.state = SignoffState.ACTIVE
        self.started_by_id = started_by_id
        self.started_at = started_at
        self.updated_at = started_at
        self.withdrawn_reason: str | None = None
        self.stages = stages
        self.publications: list[Publication] = []
        self.audit_count = 0
        self.audit_head = genesis_hash(self.audit_identity)

    # ----- reading -----

    @property
    def audit_identity(self) -> str:
        return f"{self.pcc_org}:{self.inspection_key}"

    @property
    def inspection(self) -> Inspection:
        return Inspection.model_validate(self.inspection_data)

    @property
    def hours(self) -> WorkingHours:
        return WorkingHours.model_validate(self.working_hours)

    def ordered_stages(self) -> list[Stage]:
        return sorted(self.stages, key=lambda s: s.position)

    def current_stage(self) -> Stage | None:
        return next((s for s in self.ordered_stages() if s.state is StageState.OPEN), None)

    def section(self, key: str) -> tuple[Stage, Section]:
        for stage in self.stages:
            for section in stage.sections:
                if section.key == key:
                    return stage, section
        known = ", ".join(s.key for st in self.ordered_stages() for s in st.ordered_sections())
        raise NotFound(f"sign-off #{self.id} has no section {key!r} (its sections: {known})")

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        known = ", ".join(s.key for s in self.ordered_stages())
        raise NotFound(f"sign-off #{self.id} has no stage {key!r} (its stages: {known})")

    def holdings(self) -> list[Holding]:
        """Everything this sign-off waits for, and from whom."""
        found: list[Holding] = []
        stage = self.current_stage()
        if stage is None or self.state is not SignoffState.ACTIVE:
            return found
        for section in stage.ordered_sections():
            if section.state in (SectionState.DRAFTING, SectionState.CHANGES_REQUESTED):
                found.extend(
                    Holding(self.id, stage, section, person, "draft", stage.due_at, section.last_activity_at)
                    for person in section.drafter_ids
                )
            for request in section.current_requests():
                if request.state is RequestState.PENDING:
                    found.append(
                        Holding(
                            self.id,
                            stage,
                            section,
                            request.approver_id,
                            "approve",
                            request.due_at,
                            request.activated_at,
                        )
                    )
        return found

    def mark_stalled(self, now: datetime, calendar: WorkingCalendar, idle_working_days: int) -> list[str]:
        """Mark what has waited idle for `idle_working_days` or more; each is marked (and recorded) once.

        Returns the sections newly marked. A new revision or a decision starts the clock again.
        """
        marked: list[str] = []
        hours = self.hours
        today = local_day(now, hours)
        for holding in self.holdings():
            if holding.since is None:
                continue
            idle = calendar.working_days_between(local_day(holding.since, hours), today)
            if idle < idle_working_days:
                continue
            section = holding.section
            if holding.kind == "draft" and section.stalled_at is None:
                section.stalled_at = now
                self.record(now, "drafting_stalled", section.key, actor_id=None, idle_working_days=idle)
                marked.append(section.key)
            if holding.kind == "approve":
                for request in section.current_requests():
                    if (
                        request.approver_id == holding.person_id
                        and request.state is RequestState.PENDING
                        and request.stalled_at is None
                    ):
                        request.stalled_at = now
                        mark_changed(request)
                        self.record(
                            now,
                            "approval_stalled",
                            section.key,
                            actor_id=None,
                            approver_id=request.approver_id,
                            idle_working_days=idle,
                        )
                        marked.append(section.key)
        return marked

    # ----- the audit trail -----

    def record(
        self,
        now: datetime,
        action: str,
        subject: str,
        *,
        actor_id: int | None,
        on_behalf_of_id: int | None = None,
        revision_hash: str | None = None,
        **details: Any,
    ) -> AuditEvent:
        bound = pending_bindings(self)
        if bound:
            details = {**details, BINDINGS: bound}
        event = AuditEvent(
            seq=self.audit_count + 1,
            at=now,
            actor_id=actor_id,
            on_behalf_of_id=on_behalf_of_id,
            action=action,
            subject=subject,
            details=details,
            revision_hash=revision_hash,
            prev_hash=self.audit_head,
        )
        self.audit_count = event.seq
        self.audit_head = event.hash
        self.updated_at = now
        self.new_audit_events.append(event)
        return event

    @property
    def new_audit_events(self) -> list[AuditEvent]:
        """Events recorded since this object was loaded; the unit of work stores them."""
        # Not a mapped column: loaded objects skip __init__, so the list is created on first use.
        events: list[AuditEvent] = self.__dict__.setdefault("_new_audit_events", [])
        return events

    # ----- starting -----

    @classmethod
    def start(
        cls,
        *,
        inspection: Inspection,
        pcc: str,
        force: str,
        pipeline: Pipeline,
        roster: Roster,
        calendar: WorkingCalendar,
        deadline: StatutoryDeadline,
        started_by_id: int,
        now: datetime,
        responding_forces: Iterable[str] = (),
    ) -> SignOff:
        """A new sign-off for one office. `responding_forces`: the forces of every office answering the
        same report (a regional report), whose allocated finding leads are not this force's to use."""
        hours = pipeline.working_hours
        intake = _Intake(pcc, force, roster, frozenset(responding_forces) | {force})
        start_day = local_day(now, hours)
        dates = plan_stage_dates(pipeline, max(start_day, inspection.published), deadline, calendar)
        stages: list[Stage] = []
        for position, (spec, planned) in enumerate(zip(pipeline.stages, dates, strict=True)):
            sections = _plan_sections(spec.sections, inspection, intake)
            moments = stage_moments(
                planned.due_on,
                spec.remind_before_working_days,
                spec.escalate_after_working_days,
                calendar,
                hours,
            )
            stages.append(
                Stage(
                    key=spec.key,
                    title=spec.title,
                    position=position,
                    kind=spec.kind,
                    due_on=planned.due_on,
                    due_at=moments.due_at,
                    remind_at=moments.remind_at,
                    escalate_at=moments.escalate_at,
                    remind_before_working_days=spec.remind_before_working_days,
                    escalate_after_working_days=spec.escalate_after_working_days,
                    sections=sections,
                )
            )
        signoff = cls(
            inspection=inspection,
            pcc_org=pcc,
            force_org=force,
            deadline=deadline,
            working_hours=hours,
            started_by_id=started_by_id,
            started_at=now,
            stages=stages,
        )
        signoff.record(
            now,
            "signoff_started",
            f"{pcc}: {inspection.title}",
            actor_id=started_by_id,
            published=inspection.published.isoformat(),
            statutory_last_day=deadline.last_day.isoformat(),
            publish_by=deadline.publish_by.isoformat(),
        )
        signoff.advance(now)
        return signoff

    # ----- moving on -----

    def advance(self, now: datetime) -> list[str]:
        """Open or close whatever stage is due; idempotent: with nothing to do, it does nothing."""
        done: list[str] = []
        while self.state is SignoffState.ACTIVE:
            stage = next((s for s in self.ordered_stages() if s.state is not StageState.COMPLETE), None)
            if stage is None:
                break
            if stage.state is StageState.PENDING:
                self._open_stage(stage, now)
                done.append(f"opened stage {stage.key}")
                if stage.kind == "publication":
                    self.state = fire(
                        SIGNOFF_TRANSITIONS, "sign-off", self.state, SignoffEvent.APPROVAL_STAGES_COMPLETE
                    )
                    self.record(now, "ready_to_publish", "sign-off", actor_id=None)
                    done.append("ready to publish")
                continue
            if stage.kind == "approval" and stage.state is StageState.OPEN and stage.all_approved():
                stage.fire(StageEvent.COMPLETE, now)
                self.record(now, "stage_completed", stage.key, actor_id=None)
                done.append(f"completed stage {stage.key}")
                continue
            break
        return done

    def _open_stage(self, stage: Stage, now: datetime) -> None:
        stage.fire(StageEvent.OPEN, now)
        self.record(now, "stage_opened", stage.key, actor_id=None, due_on=stage.due_on.isoformat())
        for section in stage.ordered_sections():
            section.fire(SectionEvent.OPEN)
            section.last_activity_at = now

    # ----- drafting -----

    def submit_revision(
        self, section_key: str, author_id: int, body: str, now: datetime, note: str = ""
    ) -> Revision:
        """A new text for a section; it starts a new round of approval and voids approvals of older text."""
        self._require_active()
        stage, section = self.section(section_key)
        if stage.state is not StageState.OPEN:
            raise InvalidTransition(
                f"section {section.key!r} is in stage {stage.key!r}, which is {stage.state.value}"
            )
        if author_id not in section.drafter_ids:
            raise NotPermitted(f"only the section's drafters may write section {section.key!r}")
        text = body.strip()
        if not text:
            raise InvalidInput("the text is empty")
        if len(text) > MAX_SECTION_LENGTH:
            raise InvalidInput(f"the text is {len(text)} characters long; the limit is {MAX_SECTION_LENGTH}")
        current = section.current_revision
        if current is not None and current.content_hash == content_hash(text):
            raise InvalidInput(f"the text is the same as revision {current.number}; nothing to submit")
        steps = self._steps_without_author(section, author_id)

        was_approved = section.state is SectionState.APPROVED
        self._close_round(section, now, invalidate_approvals=True)
        section.fire(SectionEvent.SUBMIT)
        revision = Revision(
            number=(current.number + 1) if current else 1,
            body=text,
            author_id=author_id,
            created_at=now,
            note=note.strip(),
        )
        section.revisions.append(revision)
        self.record(
            now,
            "revision_submitted",
            section.key,
            actor_id=author_id,
            revision_hash=revision.content_hash,
            revision=revision.number,
            note=revision.note,
            reopened_approved_text=was_approved,
        )
        self._open_round(stage, section, steps, revision, now)
        self._regate_dependants(stage, section, now)
        return revision

    def _steps_without_author(self, section: Section, author_id: int) -> list[tuple[Any, list[int]]]:
        """The approval steps with the author left out, or NotPermitted when that leaves a step unable to pass."""
        steps: list[tuple[Any, list[int]]] = []
        for number, step in enumerate(section.approval_steps, start=1):
            approvers = [p for p in step["approver_ids"] if p != author_id]
            require = step["require"]
            needed = len(approvers) if require == "all" else 1 if require == "any" else int(require)
            if not approvers or needed > len(approvers):
                raise NotPermitted(
                    f"the author is an approver of section {section.key!r} (step {number}) and nobody may "
                    "approve their own text: another drafter must submit it, or an administrator must "
                    "reassign the approval"
                )
            steps.append((require, approvers))
        return steps

    def _close_round(self, section: Section, now: datetime, *, invalidate_approvals: bool) -> None:
        for request in section.current_requests():
            if request.is_open:
                request.fire(RequestEvent.SUPERSEDE, now)
            elif invalidate_approvals and request.state is RequestState.APPROVED:
                request.fire(RequestEvent.INVALIDATE, now)
                self.record(
                    now,
                    "approval_invalidated",
                    section.key,
                    actor_id=None,
                    revision_hash=request.revision_hash,
                    approver_id=request.approver_id,
                )

    def _open_round(
        self,
        stage: Stage,
        section: Section,
        steps: list[tuple[Any, list[int]]],
        revision: Revision,
        now: datetime,
    ) -> None:
        section.round += 1
        section.last_activity_at = now
        section.stalled_at = None
        for step_number, (_require, approvers) in enumerate(steps):
            for approver_id in approvers:
                section.requests.append(
                    ApprovalRequest(
                        round=section.round,
                        step=step_number,
                        approver_id=approver_id,
                        revision_hash=revision.content_hash,
                        previously_approved_hash=section.last_approved_hash_by(approver_id),
                        due_at=stage.due_at,
                        remind_at=stage.remind_at,
                        escalate_at=stage.escalate_at,
                        created_at=now,
                    )
                )
        # The round's quorum rules, minus the author, are kept on the section for this round.
        section.approval_steps = [
            {**original, "round_approver_ids": approvers}
            for original, (_req, approvers) in zip(section.approval_steps, steps, strict=True)
        ]
        section.awaiting_others = section.approve_after_others and not stage.others_approved(section)
        if section.awaiting_others:
            # Recorded because it is a fact worth knowing, and so that the new round's requests are bound.
            self.record(
                now,
                "approval_awaits_others",
                section.key,
                actor_id=None,
                revision_hash=revision.content_hash,
            )
        else:
            self._activate_step(section, 0, now)

    def _activate_step(self, section: Section, step: int, now: datetime) -> None:
        for request in section.current_requests():
            if request.step == step and request.state is RequestState.WAITING:
                request.fire(RequestEvent.ACTIVATE, now)
                self.record(
                    now,
                    "approval_requested",
                    section.key,
                    actor_id=None,
                    revision_hash=request.revision_hash,
                    approver_id=request.approver_id,
                    step=step + 1,
                )

    def _regate_dependants(self, stage: Stage, changed: Section, now: datetime) -> None:
        """A section approved 'after the others' is asked again when one of the others changes."""
        for section in stage.ordered_sections():
            if section is changed or not section.approve_after_others:
                continue
            if (
                section.state not in (SectionState.IN_APPROVAL, SectionState.APPROVED)
                or section.awaiting_others
            ):
                continue
            revision = section.current_revision
            assert revision is not None  # noqa: S101 - in approval or approved implies a revision
            self._close_round(section, now, invalidate_approvals=True)
            section.fire(SectionEvent.RESTART_APPROVAL)
            self.record(now, "approval_restarted", section.key, actor_id=None, because_of=changed.key)
            author_steps = [(step["require"], step["round_approver_ids"]) for step in section.approval_steps]
            self._open_round(stage, section, author_steps, revision, now)

    def _release_dependants(self, stage: Stage, now: datetime) -> None:
        for section in stage.ordered_sections():
            if section.awaiting_others and stage.others_approved(section):
                section.awaiting_others = False
                self._activate_step(section, 0, now)

    # ----- deciding -----

    def decide(
        self,
        section_key: str,
        actor_id: int,
        outcome: Outcome,
        comment: str,
        now: datetime,
        delegations: Iterable[Delegation],
        roster: Roster,
    ) -> Decision:
        """Approve or request changes on the request this person holds, directly or by delegation."""
        self._require_active()
        stage, section = self.section(section_key)
        comment = comment.strip()
        if outcome is Outcome.REQUEST_CHANGES and not comment:
            raise InvalidInput("a request for changes needs a comment saying what to change")
        request, on_behalf_of = self._request_for(section, actor_id, delegations, roster, now)
        revision = section.current_revision
        assert revision is not None  # noqa: S101 - a pending request implies a revision
        if actor_id == revision.author_id or on_behalf_of == revision.author_id:
            raise NotPermitted(f"nobody may approve their own text: revision {revision.number} is theirs")
        if outcome is Outcome.APPROVE:
            _refuse_a_second_place(section, request, actor_id, on_behalf_of, roster)
        decision = Decision(
            outcome=outcome,
            comment=comment,
            decided_by_id=actor_id,
            on_behalf_of_id=on_behalf_of,
            revision_hash=revision.content_hash,
            decided_at=now,
        )
        request.decision = decision
        # Fired before the decision is recorded, so that its event binds the request's new state: an
        # approval short of its step's quorum records nothing after it.
        request.fire(
            RequestEvent.APPROVE if outcome is Outcome.APPROVE else RequestEvent.REQUEST_CHANGES, now
        )
        section.last_activity_at = now
        section.stalled_at = None
        self.record(
            now,
            "decision",
            section.key,
            actor_id=actor_id,
            on_behalf_of_id=on_behalf_of,
            revision_hash=revision.content_hash,
            outcome=outcome.value,
            comment=comment,
            approver_id=request.approver_id,
        )
        if outcome is Outcome.REQUEST_CHANGES:
            self._close_round(section, now, invalidate_approvals=False)
            section.fire(SectionEvent.REQUEST_CHANGES)
            self.record(
                now, "changes_requested", section.key, actor_id=actor_id, on_behalf_of_id=on_behalf_of
            )
            return decision
        self._after_approval(stage, section, request.step, now)
        return decision

    def _request_for(
        self,
        section: Section,
        actor_id: int,
        delegations: Iterable[Delegation],
        roster: Roster,
        now: datetime,
    ) -> tuple[ApprovalRequest, int | None]:
        pending = [r for r in section.current_requests() if r.state is RequestState.PENDING]
        direct = next((r for r in pending if r.approver_id == actor_id), None)
        if direct is not None:
            return direct, None
        delegators = stands_in_for(roster.by_id(actor_id), delegations, roster, now)
        on_behalf = next((r for r in pending if r.approver_id in delegators), None)
        if on_behalf is not None:
            return on_behalf, on_behalf.approver_id
        mine = [
            r for r in section.current_requests() if r.approver_id == actor_id or r.approver_id in delegators
        ]
        if not mine:
            configured = {p for step in section.approval_steps for p in step["approver_ids"]}
            revision = section.current_revision
            if (
                revision is not None
                and revision.author_id == actor_id
                and actor_id in configured
                and section.state is SectionState.IN_APPROVAL
            ):
                raise NotPermitted(f"nobody may approve their own text: revision {revision.number} is theirs")
            if actor_id not in configured and not delegators & configured:
                raise NotPermitted(
                    f"{roster.describe(actor_id)} is not an approver of section {section.key!r}"
                )
            if section.state is SectionState.APPROVED:
                raise AlreadyDecided(
                    f"section {section.key!r} is already approved; nothing waits for a decision"
                )
            raise InvalidTransition(
                f"section {section.key!r} is {section.state.value.replace('_', ' ')}, not waiting for approval"
            )
        if any(r.state is RequestState.WAITING for r in mine):
            if section.awaiting_others:
                raise InvalidTransition(
                    f"section {section.key!r} is approved after the other sections of its stage; "
                    "they are not all approved yet"
                )
            raise InvalidTransition(
                f"it is not yet your turn to approve section {section.key!r}: an earlier step must finish"
            )
        decided = [r for r in mine if r.decision is not None]
        if decided:
            last = decided[-1]
            assert last.decision is not None  # noqa: S101 - filtered above
            raise AlreadyDecided(
                f"section {section.key!r}: {roster.describe(last.decision.decided_by_id)} already decided "
                f"({last.decision.outcome.value.replace('_', ' ')}) on this revision at "
                f"{last.decision.decided_at:%Y-%m-%d %H:%M} UTC"
            )
        if any(r.state is RequestState.REASSIGNED for r in mine):
            raise NotPermitted(
                f"your approval request on section {section.key!r} was reassigned to someone else"
            )
        raise AlreadyDecided(
            f"section {section.key!r} no longer needs your approval: its step already has the approvals it needs"
        )

    def _after_approval(self, stage: Stage, section: Section, step: int, now: datetime) -> None:
        step_requests = [
            r for r in section.current_requests() if r.step == step and r.state is not RequestState.REASSIGNED
        ]
        approvals = sum(1 for r in step_requests if r.state is RequestState.APPROVED)
        require = section.approval_steps[step]["require"]
        needed = len(step_requests) if require == "all" else 1 if require == "any" else int(require)
        if approvals < needed:
            return
        for request in step_requests:
            if request.is_open:
                request.fire(RequestEvent.CANCEL, now)
        if step + 1 < len(section.approval_steps):
            self._activate_step(section, step + 1, now)
            return
        section.fire(SectionEvent.APPROVE)
        revision = section.current_revision
        self.record(
            now,
            "section_approved",
            section.key,
            actor_id=None,
            revision_hash=revision.content_hash if revision else None,
        )
        self._release_dependants(stage, now)
        self.advance(now)

    # ----- administration -----

    def reassign(
        self,
        section_key: str,
        from_person_id: int,
        to_person: Participant,
        admin_id: int,
        roster: Roster,
        now: datetime,
    ) -> ApprovalRequest:
        self._require_admin(admin_id, roster, Action.REASSIGN)
        self._require_active()
        _stage, section = self.section(section_key)
        request = next((r for r in section.open_requests() if r.approver_id == from_person_id), None)
        if request is None:
            raise NotFound(
                f"{roster.describe(from_person_id)} holds no open approval request on section {section.key!r}"
            )
        if not to_person.active:
            raise InvalidInput(f"{to_person.email} is no longer active")
        if to_person.organisation not in (self.pcc_org, self.force_org):
            # As at the start: a sign-off names only people of its office and its force.
            raise NotPermitted(
                f"{to_person.email} is of {roster.organisation_name(to_person.organisation)}: a request "
                f"can be reassigned only to someone of {roster.organisation_name(self.pcc_org)} or "
                f"{roster.organisation_name(self.force_org)}"
            )
        if any(r.approver_id == to_person.id for r in section.open_requests()):
            raise InvalidInput(
                f"{to_person.email} already holds an approval request on section {section.key!r}"
            )
        # One person is one approval: someone who has approved this round cannot fill another place in it.
        if any(
            r.approver_id == to_person.id and r.state is RequestState.APPROVED
            for r in section.current_requests()
        ):
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
            remind_at=request.remind_at,
            escalate_at=request.escalate_at,
            created_at=now,
        )
        section.requests.append(replacement)
        if was_pending:
            replacement.fire(RequestEvent.ACTIVATE, now)
        # A fresh list, not an edit in place: the JSON column notices assignment only.
        section.approval_steps = [
            {
                **step,
                "round_approver_ids": [
                    to_person.id if p == from_person_id else p for p in step["round_approver_ids"]
                ],
            }
            if number == request.step
            else step
            for number, step in enumerate(section.approval_steps)
        ]
        self.record(
            now,
            "request_reassigned",
            section.key,
            actor_id=admin_id,
            from_person_id=from_person_id,
            to_person_id=to_person.id,
        )
        if was_pending:
            self.record(
                now,
                "approval_requested",
                section.key,
                actor_id=admin_id,
                revision_hash=replacement.revision_hash,
                approver_id=to_person.id,
                step=replacement.step + 1,
            )
        return replacement

    def extend(
        self,
        stage_key: str,
        new_due_on: date,
        admin_id: int,
        roster: Roster,
        calendar: WorkingCalendar,
        now: datetime,
        *,
        allow_past_statutory: bool = False,
    ) -> Stage:
        """Move an internal due date later. The statutory day itself never moves."""
        self._require_admin(admin_id, roster, Action.EXTEND)
        self._require_active()
        stage = self.stage(stage_key)
        if stage.state not in (StageState.PENDING, StageState.OPEN):
            raise InvalidTransition(
                f"stage {stage.key!r} is {stage.state.value}; only a pending or open stage can be extended"
            )
        if new_due_on <= stage.due_on:
            raise InvalidInput(
                f"the new due date {format_day(new_due_on)} is not later than the current one, {format_day(stage.due_on)}"
            )
        if not calendar.is_working_day(new_due_on):
            raise InvalidInput(f"{format_day(new_due_on)} is not a working day in England and Wales")
        if new_due_on > self.statutory_last_day and not allow_past_statutory:
            raise InvalidInput(
                f"{format_day(new_due_on)} is after the statutory last day, {format_day(self.statutory_last_day)}; "
                "the statutory date cannot be extended (confirm explicitly to plan a late stage)"
            )
        previous = stage.due_on
        moments = stage_moments(
            new_due_on,
            stage.remind_before_working_days,
            stage.escalate_after_working_days,
            calendar,
            self.hours,
        )
        stage.due_on = new_due_on
        stage.due_at, stage.remind_at, stage.escalate_at = (
            moments.due_at,
            moments.remind_at,
            moments.escalate_at,
        )
        for section in stage.sections:
            for request in section.open_requests():
                request.due_at, request.remind_at, request.escalate_at = (
                    stage.due_at,
                    stage.remind_at,
                    stage.escalate_at,
                )
                mark_changed(request)
        self.record(
            now,
            "due_date_extended",
            stage.key,
            actor_id=admin_id,
            previous=previous.isoformat(),
            new=new_due_on.isoformat(),
            past_statutory=new_due_on > self.statutory_last_day,
        )
        return stage

    def withdraw(self, reason: str, admin_id: int, roster: Roster, now: datetime) -> None:
        self._require_admin(admin_id, roster, Action.WITHDRAW)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("withdrawing a sign-off needs a reason")
        self.state = fire(SIGNOFF_TRANSITIONS, "sign-off", self.state, SignoffEvent.WITHDRAW)
        self.withdrawn_reason = reason
        for stage in self.stages:
            if stage.state in (StageState.PENDING, StageState.OPEN):
                stage.fire(StageEvent.WITHDRAW, now)
            for section in stage.sections:
                for request in section.open_requests():
                    request.fire(RequestEvent.CANCEL, now)
                if section.state is not SectionState.WITHDRAWN:
                    section.fire(SectionEvent.WITHDRAW)
        self.record(now, "signoff_withdrawn", "sign-off", actor_id=admin_id, reason=reason)

    # ----- publishing -----

    def next_publication_version(self) -> int:
        return max((p.version for p in self.publications), default=0) + 1

    def require_publisher(self, person_id: int, roster: Roster) -> Participant:
        """The PCC office publishes its own response: its administrators, officers or Commissioner."""
        person = roster.by_id(person_id)
        if not allowed(person, Action.PUBLISH, signoff_target(self), roster):
            raise NotPermitted(
                f"{roster.describe(person_id)} may not publish {self.pcc_org}'s response "
                f"(publishers: {', '.join(sorted(PUBLISHER_ROLES))} of {self.pcc_org})"
            )
        return person

    def check_publishable(self, by_id: int, roster: Roster, note: str) -> None:
        """Everything publishing checks before anything is rendered or written."""
        self.require_publisher(by_id, roster)
        if self.state is SignoffState.PUBLISHED and not note.strip():
            raise InvalidInput(
                f"sign-off #{self.id} is already published: publishing again is a correction, "
                "and needs a note saying what was corrected"
            )
        if self.state not in (SignoffState.READY_TO_PUBLISH, SignoffState.PUBLISHED):
            raise InvalidTransition(
                f"sign-off #{self.id} is {self.state.value.replace('_', ' ')}: only a sign-off whose "
                "sections are all approved can be published"
            )

    def publish(
        self,
        *,
        by_id: int,
        roster: Roster,
        now: datetime,
        folder: str,
        manifest_sha256: str,
        note: str = "",
    ) -> Publication:
        """Record a publication: the first, or a correction (a new version; the old ones stay).

        Publishing after the statutory last day is allowed, and recorded as late with the days.
        """
        self.check_publishable(by_id, roster, note)
        note = note.strip()
        correction = self.state is SignoffState.PUBLISHED
        event = SignoffEvent.PUBLISH_CORRECTION if correction else SignoffEvent.PUBLISH
        self.state = fire(SIGNOFF_TRANSITIONS, "sign-off", self.state, event)
        published_on = local_day(now, self.hours)
        late_by = days_late(published_on, self.statutory_last_day)
        publication = Publication(
            version=self.next_publication_version(),
            published_at=now,
            published_on=published_on,
            published_by_id=by_id,
            folder=folder,
            manifest_sha256=manifest_sha256,
            on_time=late_by == 0,
            days_late=late_by,
            note=note,
        )
        self.publications.append(publication)
        mark_changed(publication)
        for stage in self.stages:
            if stage.kind == "publication" and stage.state is StageState.OPEN:
                stage.fire(StageEvent.COMPLETE, now)
                self.record(now, "stage_completed", stage.key, actor_id=by_id)
        self.record(
            now,
            "published",
            f"version {publication.version}",
            actor_id=by_id,
            version=publication.version,
            published_on=published_on.isoformat(),
            statutory_last_day=self.statutory_last_day.isoformat(),
            on_time=publication.on_time,
            days_late=late_by,
            folder=folder,
            manifest_sha256=manifest_sha256,
            correction=note if correction else "",
        )
        return publication

    def latest_publication(self) -> Publication | None:
        return max(self.publications, key=lambda p: p.version, default=None)

    def _require_admin(self, person_id: int, roster: Roster, action: Action) -> None:
        if not allowed(roster.by_id(person_id), action, signoff_target(self), roster):
            raise NotPermitted(f"{roster.describe(person_id)} is not an administrator of {self.pcc_org}")

    def _require_active(self) -> None:
        if self.state is not SignoffState.ACTIVE:
            raise InvalidTransition(
                f"sign-off #{self.id} is {self.state.value.replace('_', ' ')}; it takes no more changes"
            )


def approvers_of(section: Section) -> set[int]:
    """Everyone the section names as an approver: configured, or holding a request (after a reassignment)."""
    configured = {p for step in section.approval_steps for p in step["approver_ids"]}
    return configured | {r.approver_id for r in section.requests}


def _refuse_a_second_place(
    section: Section, request: ApprovalRequest, actor_id: int, on_behalf_of: int | None, roster: Roster
) -> None:
    """One person is one approval in a round, whether they give it as themselves or for someone else.

    Through a delegation, one person could otherwise fill two places of a 'require all' step: their
    own, then the absent colleague's (or the other way round). Reassignment refuses the same.
    """
    this_time = {actor_id, request.approver_id}
    for earlier in section.current_requests():
        decision = earlier.decision
        if earlier is request or decision is None or earlier.state is not RequestState.APPROVED:
            continue
        if decision.on_behalf_of_id is None and on_behalf_of is None:
            continue  # two direct approvals by different people, or the domain's own checks apply
        if this_time & {decision.decided_by_id, earlier.approver_id}:
            raise NotPermitted(
                f"{roster.describe(actor_id)} has already approved section {section.key!r} in this round"
                + (
                    f" on behalf of {roster.describe(earlier.approver_id)}"
                    if decision.on_behalf_of_id
                    else ""
                )
                + "; one person's approval cannot fill two places"
            )


def _finding_lead(finding: Finding, intake: _Intake) -> Participant | None:
    """The finding's allocated lead, if theirs to approve for this sign-off's force.

    A lead must be an active strategic lead of a force answering the report. For this force's sign-off
    that is them; another responding force's lead (a regional report) leaves this force to its own
    leads. Anyone else is refused: naming someone as lead must not let them approve a force's response.
    """
    assert finding.lead is not None  # noqa: S101 - the caller checked
    roster = intake.roster
    lead = roster.find_email(finding.lead)
    if lead is None or not lead.active:
        raise InvalidInput(f"finding {finding.ref}: lead {finding.lead} is not in the directory")
    if STRATEGIC_LEAD_ROLE not in lead.roles or lead.organisation not in intake.responding_forces:
        raise InvalidInput(
            f"finding {finding.ref}: lead {lead.email} is not a strategic lead of "
            f"{roster.organisation_name(intake.force)}, the force this finding is addressed to "
            f"(they are of {roster.organisation_name(lead.organisation)}"
            + ("" if STRATEGIC_LEAD_ROLE in lead.roles else f" and do not hold role {STRATEGIC_LEAD_ROLE!r}")
            + ")"
        )
    return lead if lead.organisation == intake.force else None


def _section_key_for(finding: Finding) -> str:
    return "finding-" + re.sub(r"[^a-z0-9]+", "-", finding.ref.lower()).strip("-")


@dataclass(frozen=True)
class _Intake:
    """Whom a new sign-off may name: people of its office and its force, nobody else."""

    pcc: str
    force: str
    roster: Roster
    responding_forces: frozenset[str]


def _plan_sections(specs: Sequence[Any], inspection: Inspection, intake: _Intake) -> list[Section]:
    sections: list[Section] = []
    for spec in specs:
        if spec.per_finding is None:
            sections.append(_section(spec, spec.key, spec.title, None, len(sections), intake))
            continue
        for finding in inspection.findings:
            if finding.kind in spec.per_finding:
                title = f"{finding.kind.label} {finding.ref}"
                sections.append(
                    _section(spec, _section_key_for(finding), title, finding, len(sections), intake)
                )
    keys = [s.key for s in sections]
    clashes = sorted({k for k in keys if keys.count(k) > 1})
    if clashes:
        raise InvalidInput(
            f"findings give clashing section keys: {', '.join(clashes)}; make their refs distinct"
        )
    return sections


def _section(
    spec: Any,
    key: str,
    title: str,
    finding: Finding | None,
    position: int,
    intake: _Intake,
) -> Section:
    where = f"section {key!r}"
    drafters = _resolve(spec.drafter, where + " drafter", finding, intake)
    steps: list[dict[str, Any]] = []
    for number, selectors in enumerate(spec.approval.steps(), start=1):
        people: list[int] = []
        for selector in selectors:
            for person in _resolve(selector, where + " approver", finding, intake):
                if person not in people:
                    people.append(person)
        require = spec.approval.require
        if isinstance(require, int) and require > len(people):
            raise InvalidInput(
                f"{where} step {number} needs {require} approvals but only {len(people)} people can give one"
            )
        steps.append({"require": require, "approver_ids": people, "round_approver_ids": list(people)})
    return Section(
        key=key,
        title=title,
        position=position,
        finding_ref=finding.ref if finding else None,
        drafter_ids=drafters,
        approval_steps=steps,
        approve_after_others=spec.approve_after_others,
    )


def _resolve(selector: Selector, where: str, finding: Finding | None, intake: _Intake) -> list[int]:
    pcc, force, roster = intake.pcc, intake.force, intake.roster
    if selector.person:
        person = roster.find_email(selector.person)
        if person is None or not person.active:
            raise InvalidInput(f"{where}: unknown or inactive person {selector.person}")
        if person.organisation not in (pcc, force):
            raise InvalidInput(
                f"{where}: {person.email} is of {roster.organisation_name(person.organisation)}, "
                f"neither {roster.organisation_name(pcc)} nor {roster.organisation_name(force)}"
            )
        return [person.id]
    if selector.finding_lead:
        if finding is None:
            raise InvalidInput(f"{where}: finding_lead is only for sections made per finding")
        if finding.lead:
            lead = _finding_lead(finding, intake)
            if lead is not None:
                return [lead.id]
        # No lead allocated yet (or allocated by another responding force, in a regional report):
        # any strategic lead of this force may act until one is.
        holders = roster.holders(STRATEGIC_LEAD_ROLE, force)
        if not holders:
            raise InvalidInput(
                f"finding {finding.ref} names no lead and nobody holds role {STRATEGIC_LEAD_ROLE!r} at {force}"
            )
        return [p.id for p in holders]
    assert selector.role is not None  # noqa: S101 - Selector requires exactly one kind
    organisation = pcc if selector.of == "pcc" else force
    holders = roster.holders(selector.role, organisation)
    if not holders:
        raise InvalidInput(f"{where}: nobody holds role {selector.role!r} at {organisation}")
    return [p.id for p in holders]
