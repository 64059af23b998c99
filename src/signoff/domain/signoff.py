"""The sign-off aggregate: the one object every command goes through, from intake to publication.

Every state change goes through `fire` and the transition tables; every change appends an audit event.
Its parts are in entities.py, a new sign-off's plan in planning.py, approval rounds in rounds.py and
who may decide in approval.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from signoff.domain import approval
from signoff.domain.access import Action, allowed, office_as_told_to, signoff_target
from signoff.domain.audit import AuditEvent, genesis_hash
from signoff.domain.audit_binding import BINDINGS, pending_bindings
from signoff.domain.deadline_notices import (
    ACTIONS_THAT_KEEP_THE_WATERMARK,
    watermark_after_change,
    watermark_after_sweep,
)
from signoff.domain.deadlines import StatutoryDeadline, WorkingCalendar, as_sentence
from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import (
    MAX_SECTION_LENGTH,
    ApprovalRequest,
    Decision,
    Delegation,
    Outcome,
    Revision,
    Section,
    Stage,
)
from signoff.domain.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted
from signoff.domain.holdings import Holding, holdings_of, mark_stalled
from signoff.domain.inspection import STORED_DATA, Inspection
from signoff.domain.pipeline import Pipeline, WorkingHours
from signoff.domain.places import reassign_place
from signoff.domain.planning import Intake, extend_stage, plan_stages
from signoff.domain.publication import Publication
from signoff.domain.publishing import check_publishable, publish, require_publisher
from signoff.domain.rounds import after_approval, close_round, open_round, regate_dependants
from signoff.domain.text_fields import shows_nothing
from signoff.domain.textdiff import content_hash
from signoff.domain.transitions import (
    SIGNOFF_INITIAL,
    SIGNOFF_TRANSITIONS,
    RequestEvent,
    SectionEvent,
    SectionState,
    SignoffEvent,
    SignoffState,
    StageEvent,
    StageState,
    fire,
)
from signoff.domain.vocabulary import AuditAction, AuditDetails, JsonValue, StageKind


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
        inspection_key: str | None = None,
        start_number: int = 1,
    ) -> None:
        self.id = None
        self.inspection_key = inspection_key or inspection.identity()
        # Fixed at the start: the report's key may be recomputed (0008 did), its audit chain must verify. A
        # report started again after a withdrawal (its `start_number`th start) has a chain of its own.
        again = f"#{start_number}" if start_number > 1 else ""
        self.audit_identity = f"{pcc_org}:{self.inspection_key}{again}"
        self.inspection_data = inspection.model_dump(mode="json")
        self.title = inspection.title
        self.published_on = inspection.published
        self.pcc_org = pcc_org
        self.force_org = force_org
        self.statutory_last_day = deadline.last_day
        self.publish_by = deadline.publish_by
        self.deadline_warning = deadline.warning
        self.working_hours = working_hours.model_dump(mode="json")
        self.state = SIGNOFF_INITIAL
        self.started_by_id = started_by_id
        self.started_at = started_at
        self.updated_at = started_at
        self.withdrawn_reason: str | None = None
        self.stages = stages
        self.publications: list[Publication] = []
        self.audit_count = 0
        self.audit_head = genesis_hash(self.audit_identity)
        # How far its deadline notices have been sent (deadline_notices.py); set by the first record.
        self.notices_due_from: datetime | None = None

    # ----- reading -----

    @property
    def inspection(self) -> Inspection:
        return Inspection.model_validate(self.inspection_data, context=STORED_DATA)

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
        # Its sections are not listed: this is said before anyone's access to them is known (its page lists them).
        raise NotFound(f"sign-off #{self.id} has no section {key!r}")

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        known = ", ".join(s.key for s in self.ordered_stages())
        raise NotFound(f"sign-off #{self.id} has no stage {key!r} (its stages: {known})")

    def holdings(self) -> list[Holding]:
        """Everything this sign-off waits for, and from whom."""
        return holdings_of(self)

    def notices_swept(self, now: datetime) -> None:
        """The sweep has queued every notice due at `now`: nothing more falls due before the watermark."""
        self.notices_due_from = watermark_after_sweep(self, now)

    def mark_stalled(self, now: datetime, calendar: WorkingCalendar, idle_working_days: int) -> list[str]:
        """Mark what has waited idle for `idle_working_days` or more; each is marked (and recorded) once.

        Returns the sections newly marked. A new revision or a decision starts the clock again.
        """
        return mark_stalled(self, now, calendar, idle_working_days)

    # ----- the audit trail -----

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
    ) -> AuditEvent:
        written: AuditDetails = dict(details)
        bound = pending_bindings(self)
        if bound:
            written[BINDINGS] = dict(bound)
        event = AuditEvent(
            seq=self.audit_count + 1,
            at=now,
            actor_id=actor_id,
            on_behalf_of_id=on_behalf_of_id,
            # Stored and hashed as the plain string it always was.
            action=action.value,
            subject=subject,
            details=written,
            revision_hash=revision_hash,
            prev_hash=self.audit_head,
        )
        self.audit_count = event.seq
        self.audit_head = event.hash
        self.updated_at = now
        if action not in ACTIONS_THAT_KEEP_THE_WATERMARK:
            self.notices_due_from = watermark_after_change(self, now, self.notices_due_from)
        self.new_audit_events.append(event)
        return event

    @property
    def new_audit_events(self) -> list[AuditEvent]:
        """Events recorded since this object was loaded; the unit of work stores them. Not a mapped column:
        loaded objects skip __init__, so the list is created on first use."""
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
        inspection_key: str | None = None,
        start_number: int = 1,
    ) -> SignOff:
        """A new sign-off for one office. `responding_forces`: the forces of every office answering the
        same report (a regional report), whose allocated finding leads are not this force's to use."""
        hours = pipeline.working_hours
        intake = Intake(pcc, force, roster, frozenset(responding_forces) | {force})
        plan = plan_stages(pipeline, inspection, intake, calendar, deadline, now)
        signoff = cls(
            inspection=inspection,
            pcc_org=pcc,
            force_org=force,
            deadline=deadline,
            working_hours=hours,
            started_by_id=started_by_id,
            started_at=now,
            stages=plan.stages,
            inspection_key=inspection_key,
            start_number=start_number,
        )
        if plan.late_start:
            # Shown on the sign-off's page beside (or instead of) the weekend warning, and recorded.
            signoff.deadline_warning = " ".join(
                filter(None, [plan.late_start, as_sentence(deadline.warning)])
            )
        signoff.record(
            now,
            AuditAction.SIGNOFF_STARTED,
            f"{pcc}: {inspection.title}",
            actor_id=started_by_id,
            published=inspection.published.isoformat(),
            statutory_last_day=deadline.last_day.isoformat(),
            publish_by=deadline.publish_by.isoformat(),
            late_start=plan.late_start,
            days_late=plan.days_late,
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
                if stage.kind is StageKind.PUBLICATION:
                    self.state = fire(
                        SIGNOFF_TRANSITIONS, "sign-off", self.state, SignoffEvent.APPROVAL_STAGES_COMPLETE
                    )
                    self.record(now, AuditAction.READY_TO_PUBLISH, "sign-off", actor_id=None)
                    done.append("ready to publish")
                continue
            if stage.kind is StageKind.APPROVAL and stage.state is StageState.OPEN and stage.all_approved():
                stage.fire(StageEvent.COMPLETE, now)
                self.record(now, AuditAction.STAGE_COMPLETED, stage.key, actor_id=None)
                done.append(f"completed stage {stage.key}")
                continue
            break
        return done

    def _open_stage(self, stage: Stage, now: datetime) -> None:
        stage.fire(StageEvent.OPEN, now)
        self.record(now, AuditAction.STAGE_OPENED, stage.key, actor_id=None, due_on=stage.due_on.isoformat())
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
        if shows_nothing(text):
            raise InvalidInput("the text is empty")
        if len(text) > MAX_SECTION_LENGTH:
            raise InvalidInput(f"the text is {len(text)} characters long; the limit is {MAX_SECTION_LENGTH}")
        current = section.current_revision
        if current is not None and current.content_hash == content_hash(text):
            raise InvalidInput(f"the text is the same as revision {current.number}; nothing to submit")
        steps = approval.steps_without_author(section, author_id)

        was_approved = section.state is SectionState.APPROVED
        close_round(self, section, now, invalidate_approvals=True)
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
            AuditAction.REVISION_SUBMITTED,
            section.key,
            actor_id=author_id,
            revision_hash=revision.content_hash,
            revision=revision.number,
            note=revision.note,
            reopened_approved_text=was_approved,
        )
        open_round(self, stage, section, steps, revision, now)
        regate_dependants(self, stage, section, now)
        return revision

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
        read_revision: int | None = None,
    ) -> Decision:
        """Approve or request changes on the request this person holds, directly or by delegation."""
        self._require_active()
        stage, section = self.section(section_key)
        request, on_behalf_of = approval.request_to_decide(section, actor_id, delegations, roster, now)
        revision = approval.text_decided_on(section, read_revision)  # before all else the form may fix
        comment = comment.strip()
        if outcome is Outcome.REQUEST_CHANGES and shows_nothing(comment):
            raise InvalidInput("a request for changes needs a comment saying what to change")
        if (theirs := section.written_by(actor_id, on_behalf_of)) is not None:
            raise NotPermitted(f"nobody may approve their own text: revision {theirs.number} is theirs")
        if outcome is Outcome.APPROVE:
            approval.refuse_a_second_place(section, request, actor_id, on_behalf_of, roster)
        decision = Decision(
            outcome=outcome,
            comment=comment,
            decided_by_id=actor_id,
            on_behalf_of_id=on_behalf_of,
            revision_hash=revision.content_hash,
            decided_at=now,
        )
        request.decision = decision
        # Fired before the decision is recorded, its event binding the request's new state (short of quorum).
        request.fire(
            RequestEvent.APPROVE if outcome is Outcome.APPROVE else RequestEvent.REQUEST_CHANGES, now
        )
        section.last_activity_at = now
        section.stalled_at = None
        self.record(
            now,
            AuditAction.DECISION,
            section.key,
            actor_id=actor_id,
            on_behalf_of_id=on_behalf_of,
            revision_hash=revision.content_hash,
            outcome=outcome.value,
            comment=comment,
            approver_id=request.approver_id,
        )
        if outcome is Outcome.REQUEST_CHANGES:
            close_round(self, section, now, invalidate_approvals=False)
            section.fire(SectionEvent.REQUEST_CHANGES)
            self.record(
                now,
                AuditAction.CHANGES_REQUESTED,
                section.key,
                actor_id=actor_id,
                on_behalf_of_id=on_behalf_of,
            )
            return decision
        if after_approval(self, stage, section, request, now):
            self.advance(now)
        return decision

    # ----- administration -----

    def reassign(
        self,
        section_key: str,
        from_person_id: int,
        to_person: Participant,
        admin_id: int,
        roster: Roster,
        now: datetime,
        from_address: str | None = None,  # as the administrator typed it (NOBODY's, if no one has it)
    ) -> ApprovalRequest | None:
        self._require_admin(admin_id, roster, Action.REASSIGN)
        self._require_active()
        _stage, section = self.section(section_key)
        organisations = (self.pcc_org, self.force_org)
        return reassign_place(
            self, section, from_person_id, to_person, admin_id, roster, organisations, now, from_address
        )

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
        if self.state is not SignoffState.READY_TO_PUBLISH:  # approved, its publication's day may still move
            self._require_active()
        return extend_stage(
            self, self.stage(stage_key), new_due_on, admin_id, calendar, now, allow_past_statutory
        )

    def withdraw(self, reason: str, admin_id: int, roster: Roster, now: datetime) -> None:
        self._require_admin(admin_id, roster, Action.WITHDRAW)
        reason = reason.strip()
        if shows_nothing(reason):
            raise InvalidInput("withdrawing a sign-off needs a reason")
        self.state = fire(SIGNOFF_TRANSITIONS, "sign-off", self.state, SignoffEvent.WITHDRAW)
        self.withdrawn_reason = reason
        for stage in self.stages:
            stage.withdraw(now)
        self.record(now, AuditAction.SIGNOFF_WITHDRAWN, "sign-off", actor_id=admin_id, reason=reason)

    # ----- publishing -----

    def next_publication_version(self) -> int:
        return max((p.version for p in self.publications), default=0) + 1

    def require_publisher(self, person_id: int, roster: Roster) -> Participant:
        """The PCC office publishes its own response: its administrators, officers or Commissioner."""
        return require_publisher(self, person_id, roster)

    def check_publishable(self, by_id: int, roster: Roster, note: str) -> None:
        """Everything publishing checks before anything is rendered or written."""
        check_publishable(self, by_id, roster, note)

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
        return publish(
            self,
            by_id=by_id,
            roster=roster,
            now=now,
            folder=folder,
            manifest_sha256=manifest_sha256,
            note=note,
        )

    def latest_publication(self) -> Publication | None:
        return max(self.publications, key=lambda p: p.version, default=None)

    def _require_admin(self, person_id: int, roster: Roster, action: Action) -> None:
        person = roster.by_id(person_id)
        if not allowed(person, action, signoff_target(self), roster):
            office = office_as_told_to(person, self)
            raise NotPermitted(f"{roster.describe(person_id)} is not an administrator of {office}")

    def _require_active(self) -> None:
        if self.state is not SignoffState.ACTIVE:
            raise InvalidTransition(
                f"sign-off #{self.id} is {self.state.value.replace('_', ' ')}; it takes no more changes"
            )
