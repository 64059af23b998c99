"""The sign-off's parts: stages, sections, revisions, approval requests, decisions, and delegations.

Plain classes: the SQLAlchemy mapping in adapters/orm.py instruments them without the domain knowing.
Navigation is parent to child only, so the objects behave the same with or without a database. The
aggregate that changes them is in signoff.py; every state change goes through `fire` and the tables.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from signoff.domain.approval import ApprovalStep
from signoff.domain.audit_binding import mark_changed
from signoff.domain.errors import InvalidInput, InvalidPeriod
from signoff.domain.textdiff import content_hash, unified_diff
from signoff.domain.transitions import (
    REQUEST_INITIAL,
    REQUEST_TRANSITIONS,
    SECTION_INITIAL,
    SECTION_TRANSITIONS,
    STAGE_INITIAL,
    STAGE_TRANSITIONS,
    RequestEvent,
    RequestState,
    SectionEvent,
    SectionState,
    StageEvent,
    StageState,
    fire,
)
from signoff.domain.vocabulary import StageKind

MAX_SECTION_LENGTH = 100_000
OPEN_REQUEST_STATES = (RequestState.WAITING, RequestState.PENDING)


class Outcome(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


# The longest a delegation may last.
MAX_DELEGATION = timedelta(days=366)


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
        organisation: str | None = None,
    ) -> None:
        """`organisation`: the one it is made in (the delegator's); its administrators read it."""
        if from_person_id == to_person_id:
            raise InvalidInput("a person cannot delegate to themselves")
        if ends_at <= starts_at:
            raise InvalidPeriod("a delegation must end after it starts")
        if abs(starts_at - created_at) > MAX_DELEGATION:
            # Set up for a leave within the year, before or during it; year 1 or 9999 is a mistake (and no
            # moment the database can store).
            raise InvalidPeriod(
                f"a delegation starts within {MAX_DELEGATION.days} days of when it is made; "
                f"this one starts on {starts_at.date().isoformat()}"
            )
        if ends_at <= created_at:
            # Over before it is made: both people would be told of cover that never was.
            raise InvalidPeriod(
                f"a delegation must end after it is made; this one ended on {ends_at.date().isoformat()}"
            )
        if ends_at - max(starts_at, created_at) > MAX_DELEGATION:
            # Cover for leave, not a standing transfer of someone's approvals (a mistyped year, say).
            raise InvalidPeriod(
                f"a delegation lasts at most {MAX_DELEGATION.days} days from when it is made or starts; "
                f"this one ends on {ends_at.date().isoformat()}"
            )
        self.id = None
        self.from_person_id = from_person_id
        self.to_person_id = to_person_id
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.reason = reason
        self.created_by_id = created_by_id
        self.created_at = created_at
        self.organisation = organisation
        self.revoked_at: datetime | None = None

    def active_at(self, now: datetime) -> bool:
        return self.revoked_at is None and self.starts_at <= now < self.ends_at

    def end_early(self, now: datetime) -> None:
        """End it now (back from leave sooner, or made by mistake): it ends, as if its last moment had come,
        so that the ending is told as any other is."""
        if self.revoked_at is not None or self.ends_at <= now:
            raise InvalidInput(f"delegation #{self.id} has already ended")
        self.revoked_at = now
        # One that had not begun is called off: it begins and ends now, so that it never ends before it
        # begins (the emails and People page say from and until).
        self.starts_at = min(self.starts_at, now)
        self.ends_at = now


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
        created_at: datetime,
    ) -> None:
        self.id = None
        self.round = round
        self.step = step
        self.approver_id = approver_id
        self.state = REQUEST_INITIAL
        self.revision_hash = revision_hash
        self.previously_approved_hash = previously_approved_hash
        # The stage's due moment, which shows on the request; its reminder and escalation moments are
        # the stage's alone (the sweep reads them there).
        self.due_at = due_at
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
        approval_steps: list[ApprovalStep],
        approve_after_others: bool,
        place_organisations: dict[str, str] | None = None,
    ) -> None:
        self.id = None
        self.key = key
        self.title = title
        self.position = position
        self.finding_ref = finding_ref
        self.state = SECTION_INITIAL
        self.drafter_ids = drafter_ids
        # One per sequential step. Replaced whole, never edited in place: the JSON column notices
        # assignment only.
        self.approval_steps = approval_steps
        self.approve_after_others = approve_after_others
        # Whose each place is: a person's id (as text, a JSON key) to the office's or the force's key, as
        # planned and as reassigned, so that someone the directory moves between the office and its force
        # does not take their places across. None: planned before places were recorded (a JSON column
        # notices assignment only: record_place replaces it whole).
        self.place_organisations = place_organisations
        self.awaiting_others = False
        self.round = 0
        self.last_activity_at: datetime | None = None
        # Set by the sweep when drafting has been idle past the configured time; activity clears it.
        self.stalled_at: datetime | None = None
        self.revisions: list[Revision] = []
        self.requests: list[ApprovalRequest] = []

    def fire(self, event: SectionEvent) -> None:
        self.state = fire(SECTION_TRANSITIONS, "section", self.state, event)

    def place_of(self, person_id: int) -> str | None:
        """The organisation whose place this person holds on the section (None: not recorded)."""
        return (self.place_organisations or {}).get(str(person_id))

    def places(self) -> dict[int, str]:
        return {
            int(person): organisation for person, organisation in (self.place_organisations or {}).items()
        }

    def record_place(self, person_id: int, organisation: str) -> None:
        self.place_organisations = {**(self.place_organisations or {}), str(person_id): organisation}

    @property
    def current_revision(self) -> Revision | None:
        return max(self.revisions, key=lambda r: r.number) if self.revisions else None

    @property
    def author_id(self) -> int | None:
        """Who wrote the current text."""
        revision = self.current_revision
        return revision.author_id if revision else None

    @property
    def author_ids(self) -> frozenset[int]:
        """Who wrote the text waiting for approval: every revision since the text was last approved (all of
        them if it never was). Nobody approves their own text, for themselves or for another: not after a
        co-drafter's edit either, which leaves their words in it. Once approved, the text is everyone's:
        a peer who approved it may write the next revision, and its first author approve that."""
        return frozenset(r.author_id for r in self._revisions_since_approved())

    def written_by(self, *people: int | None) -> Revision | None:
        """The latest revision one of `people` wrote since the text was last approved, if any did."""
        theirs = [r for r in self._revisions_since_approved() if r.author_id in people]
        return max(theirs, key=lambda r: r.number) if theirs else None

    def _revisions_since_approved(self) -> list[Revision]:
        approved = [
            revision.number
            for round_number in range(1, self.round + 1)
            if (hash_ := self._approved_in(round_number)) is not None
            and (revision := self.revision_by_hash(hash_)) is not None
        ]
        since = max(approved, default=0)
        return [r for r in self.revisions if r.number > since]

    def _approved_in(self, round_number: int) -> str | None:
        """The revision a round approved the section on: one whose every request was decided or closed
        with an approval given (none asked for changes, none left open or overtaken by an edit)."""
        requests = [r for r in self.requests if r.round == round_number]
        ended = {
            RequestState.APPROVED,
            RequestState.INVALIDATED,
            RequestState.CANCELLED,
            RequestState.REASSIGNED,
        }
        if not requests or any(r.state not in ended for r in requests):
            return None
        if not any(r.state in (RequestState.APPROVED, RequestState.INVALIDATED) for r in requests):
            return None
        return requests[0].revision_hash

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
        kind: StageKind,
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
        self.state = STAGE_INITIAL
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

    def withdraw(self, now: datetime) -> None:
        """Its sign-off is withdrawn: whatever it still waited for is cancelled."""
        if self.state in (StageState.PENDING, StageState.OPEN):
            self.fire(StageEvent.WITHDRAW, now)
        for section in self.sections:
            for request in section.open_requests():
                request.fire(RequestEvent.CANCEL, now)
            if section.state is not SectionState.WITHDRAWN:
                section.fire(SectionEvent.WITHDRAW)

    def ordered_sections(self) -> list[Section]:
        return sorted(self.sections, key=lambda s: s.position)

    def others_approved(self, section: Section) -> bool:
        return all(s.state is SectionState.APPROVED for s in self.sections if s is not section)

    def all_approved(self) -> bool:
        return all(s.state is SectionState.APPROVED for s in self.sections)
