"""In-memory fakes of the unit of work and its repositories (cosmicpython's FakeUnitOfWork pattern).

They keep what the SQL adapters keep, with the same rules the handlers rely on: a unit of work works
on its own copy of the stored state and nothing it did is kept unless it commits (so a refused action
changes nothing, as on a database); ids are given at flush; an email whose idempotency key is already
in the outbox is skipped; audit events are stored at commit, after the `before_commit` hook has queued
the emails they call for. No locks: these fakes are for one handler call at a time, not for races
(tests/integration/test_concurrency.py has those, on both databases).

Each fake is checked against its protocol in src/signoff/service/ports.py by mypy (`make check`), in
`_conforming` at the end of this module: a protocol that gains a method fails the check until the fake
has it too.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from signoff.domain.access import OfficeScope
from signoff.domain.audit import AuditEvent
from signoff.domain.directory import DirectoryConfig, OrganisationKind, Participant, Roster
from signoff.domain.errors import InvalidInput, NotFound
from signoff.domain.model import Delegation, Section, SignOff, Stage
from signoff.domain.notifications import DeliveryPolicy
from signoff.domain.outbox import OutgoingEmail
from signoff.domain.transitions import OutboxState, RequestState, SectionState, SignoffState, StageState
from signoff.domain.vocabulary import StageKind
from signoff.service.ports import (
    AttentionRepository,
    AttentionRow,
    DelegationRepository,
    DirectoryRepository,
    OnTimeRow,
    OutboxRepository,
    ReadyRow,
    SignInRepository,
    SignoffRepository,
    StoredSession,
    TaskRepository,
    TaskRow,
    UnitOfWork,
    WebSessionRepository,
)
from signoff.service.queries.attention import AttentionFilter, Thresholds


@dataclass
class _Organisation:
    key: str
    name: str
    kind: str
    area: str | None
    force: str | None
    forces: tuple[str, ...] = ()


@dataclass
class _Session:
    person_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    ended_reason: str | None = None


@dataclass
class _Link:
    person_id: int
    next_path: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@dataclass
class StoredState:
    """Everything the database would hold: what a committed unit of work leaves behind."""

    signoffs: list[SignOff] = field(default_factory=list)
    audit: dict[int, list[AuditEvent]] = field(default_factory=dict)
    organisations: dict[str, _Organisation] = field(default_factory=dict)
    people: list[Participant] = field(default_factory=list)
    delegations: list[Delegation] = field(default_factory=list)
    outbox: list[OutgoingEmail] = field(default_factory=list)
    web_sessions: dict[str, _Session] = field(default_factory=dict)
    sign_in_requests: list[tuple[str, str, datetime]] = field(default_factory=list)
    sign_in_links: dict[str, _Link] = field(default_factory=dict)
    last_id: int = 0

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


class FakeStore:
    """The 'database': committed state, and how many commits made it."""

    def __init__(self) -> None:
        self.state = StoredState()
        self.commits = 0
        # The delivery handler records results on a thread of its own, in a unit of work of its own.
        self.lock = threading.Lock()

    def snapshot(self) -> StoredState:
        with self.lock:
            return copy.deepcopy(self.state)

    def keep(self, state: StoredState) -> None:
        with self.lock:
            self.state = copy.deepcopy(state)
            self.commits += 1


# ----- repositories -----


class FakeSignoffRepository:
    def __init__(self, state: StoredState) -> None:
        self._state = state
        self.seen: list[SignOff] = []

    def _see(self, signoff: SignOff) -> SignOff:
        if signoff not in self.seen:
            self.seen.append(signoff)
        return signoff

    def add(self, signoff: SignOff) -> None:
        self._state.signoffs.append(signoff)
        self.seen.append(signoff)

    def _find(self, signoff_id: int) -> SignOff | None:
        return next((s for s in self._state.signoffs if s.id == signoff_id), None)

    def get(self, signoff_id: int, *, for_update: bool = False) -> SignOff:  # noqa: ARG002 - no locks here
        signoff = self._find(signoff_id)
        if signoff is None:
            raise NotFound(f"there is no sign-off #{signoff_id}")
        return self._see(signoff)

    def get_unless_locked(self, signoff_id: int) -> SignOff | None:
        signoff = self._find(signoff_id)
        return None if signoff is None else self._see(signoff)

    def find_started(self, pcc_org: str, inspection_key: str) -> int | None:
        return next(
            (s.id for s in self._under(pcc_org, inspection_key) if s.state is not SignoffState.WITHDRAWN),
            None,
        )

    def withdrawn_among(self, signoff_ids: Collection[int]) -> set[int]:
        withdrawn = (s.id for s in self._stored() if s.state is SignoffState.WITHDRAWN)
        return {i for i in withdrawn if i is not None and i in signoff_ids}

    def count_started(self, pcc_org: str, inspection_key: str) -> int:
        return len(self._under(pcc_org, inspection_key))

    def _under(self, pcc_org: str, inspection_key: str) -> list[SignOff]:
        return [s for s in self._stored() if s.pcc_org == pcc_org and s.inspection_key == inspection_key]

    def page(
        self, *, states: Sequence[str] | None = None, limit: int = 200, offset: int = 0
    ) -> list[SignOff]:
        chosen = [s for s in self._stored() if not states or s.state.value in states]
        return chosen[offset : offset + limit]

    def audit_events(self, signoff_id: int) -> list[AuditEvent]:
        return sorted(self._state.audit.get(signoff_id, []), key=lambda e: e.seq)

    def get_many_unless_locked(self, signoff_ids: Sequence[int]) -> list[SignOff]:
        wanted = set(signoff_ids)
        return [self._see(s) for s in self._stored() if s.id in wanted]

    def with_due_moments(self, now: datetime) -> list[int]:
        return [
            s.id
            for s in self._stored()
            if s.id is not None and s.notices_due_from is not None and s.notices_due_from <= now
        ]

    def needing_advance(self) -> list[int]:
        found = []
        for signoff_id, s in self._active():
            open_stages = [t for t in s.stages if t.state is StageState.OPEN]
            finished = any(t.kind == "approval" and t.all_approved() for t in open_stages)
            if finished or not open_stages:
                found.append(signoff_id)
        return found

    def with_idle_work(self, idle_before: datetime) -> list[int]:
        found = []
        for signoff_id, s in self._active():
            for section in (section for stage in s.stages for section in stage.sections):
                idle_request = any(
                    r.state is RequestState.PENDING
                    and r.activated_at is not None
                    and r.activated_at < idle_before
                    and r.stalled_at is None
                    for r in section.requests
                )
                idle_drafting = (
                    section.state in (SectionState.DRAFTING, SectionState.CHANGES_REQUESTED)
                    and section.last_activity_at is not None
                    and section.last_activity_at < idle_before
                    and section.stalled_at is None
                )
                if idle_request or idle_drafting:
                    found.append(signoff_id)
                    break
        return found

    def _stored(self) -> list[SignOff]:
        """What a query sees: rows with ids, in id order (an added sign-off gets its id at flush)."""
        return sorted((s for s in self._state.signoffs if s.id is not None), key=lambda s: s.id or 0)

    def _active(self) -> Iterator[tuple[int, SignOff]]:
        return ((s.id, s) for s in self._stored() if s.id is not None and s.state is SignoffState.ACTIVE)


class FakeDirectoryRepository:
    def __init__(self, state: StoredState) -> None:
        self._state = state
        self._roster: Roster | None = None

    def lock_people(self, person_ids: Sequence[int]) -> None:
        """One thread at a time here: nothing to wait for."""

    def sync(self, config: DirectoryConfig) -> tuple[int, int, int]:
        for org in config.organisations:
            self._state.organisations[org.key] = _Organisation(
                org.key, org.name, org.kind.value, org.area, org.force, tuple(org.forces)
            )
        stored = {p.email: p for p in self._state.people}
        added = updated = 0
        for person in config.people:
            wanted = Participant(
                id=0,
                email=person.email,
                name=person.name,
                organisation=person.organisation,
                roles=frozenset(person.roles),
                active=True,
                title=person.title,
                escalation_contact=person.escalation_contact,
            )
            row = stored.get(person.email)
            if row is None:
                self._state.people.append(replace(wanted, id=self._state.next_id()))
                added += 1
            elif replace(row, id=0) != wanted:
                self._replace(replace(wanted, id=row.id))
                updated += 1
        listed = {person.email for person in config.people}
        gone = [p for p in self._state.people if p.email not in listed and p.active]
        for leaver in gone:
            self._replace(replace(leaver, active=False))
        self._roster = None
        return added, updated, len(gone)

    def _replace(self, person: Participant) -> None:
        self._state.people = [person if p.id == person.id else p for p in self._state.people]

    def roster(self) -> Roster:
        if self._roster is None:
            orgs = self._state.organisations.values()
            self._roster = Roster(
                tuple(sorted(self._state.people, key=lambda p: p.id)),
                organisation_names={o.key: o.name for o in orgs},
                organisation_areas={o.key: o.area for o in orgs if o.area},
                office_forces={
                    o.key: o.force for o in orgs if o.kind == OrganisationKind.PCC.value and o.force
                },
                organisation_kinds={o.key: o.kind for o in orgs},
                unit_forces={o.key: frozenset(o.forces) for o in orgs if o.forces},
            )
        return self._roster

    def find(self, email: str) -> Participant | None:
        return self.roster().find_email(email)

    def person(self, email: str) -> Participant:
        found = self.roster().find_email(email)
        if found is None:
            raise NotFound(f"nobody with the address {email.strip()!r} is in the directory")
        if not found.active:
            raise InvalidInput(f"{found.email} is no longer active in the directory")
        return found

    def organisation_force(self, pcc_org: str) -> str:
        org = self._state.organisations.get(pcc_org)
        if org is None:
            raise NotFound(f"there is no organisation {pcc_org!r} in the directory")
        if org.kind != OrganisationKind.PCC.value or org.force is None:
            raise InvalidInput(f"{pcc_org!r} is not a PCC office, so it cannot respond to an inspection")
        return org.force


class FakeDelegationRepository:
    def __init__(self, state: StoredState) -> None:
        self._state = state

    def add(self, delegation: Delegation) -> None:
        self._state.delegations.append(delegation)

    def get(self, delegation_id: int) -> Delegation:
        found = next((d for d in self._state.delegations if d.id == delegation_id), None)
        if found is None:
            raise NotFound(f"there is no delegation #{delegation_id}")
        return found

    def for_delegate(self, person_id: int) -> list[Delegation]:
        return [d for d in self._state.delegations if d.to_person_id == person_id]

    def all(self) -> list[Delegation]:
        return sorted(self._state.delegations, key=lambda d: d.id or 0)

    def ended_between(self, start: datetime, end: datetime) -> list[Delegation]:
        return [d for d in self._state.delegations if start < d.ends_at <= end]

    def live_at(self, now: datetime) -> list[Delegation]:
        return [d for d in self._state.delegations if d.active_at(now)]

    def starting_after(self, now: datetime) -> list[Delegation]:
        return [d for d in self._state.delegations if d.starts_at > now and d.revoked_at is None]


class FakeOutboxRepository:
    def __init__(self, state: StoredState) -> None:
        self._state = state

    def add(self, emails: Sequence[OutgoingEmail]) -> int:
        return len(self.add_new(emails))

    def add_new(self, emails: Sequence[OutgoingEmail]) -> set[str]:
        keys = {e.idempotency_key for e in self._state.outbox}
        added: set[str] = set()
        for email in emails:
            if email.idempotency_key in keys:
                continue
            email.id = self._state.next_id()
            self._state.outbox.append(email)
            keys.add(email.idempotency_key)
            added.add(email.idempotency_key)
        return added

    def any_due(self, now: datetime) -> bool:
        return any(self._due(e, now) or self._unrendered(e) for e in self._state.outbox)

    def unrendered(self, limit: int) -> list[OutgoingEmail]:
        return [e for e in self._state.outbox if self._unrendered(e)][:limit]

    def store_rendered(self, messages: dict[int, bytes]) -> int:
        stored = 0
        for email_id, message in messages.items():
            email = self._find(email_id)
            if email is not None and self._unrendered(email):
                email.message = message
                stored += 1
        return stored

    def claim(self, owner: str, now: datetime, policy: DeliveryPolicy, limit: int) -> list[OutgoingEmail]:
        claimed = [e for e in self._state.outbox if self._due(e, now)][:limit]
        for email in claimed:
            email.claim(owner, now, policy)
        return claimed

    def mark_delivered(self, email_ids: Sequence[int], owner: str, now: datetime) -> int:
        marked = 0
        for email_id in email_ids:
            email = self._find(email_id)
            if email is not None and email.state is OutboxState.SENDING and email.lease_owner == owner:
                email.delivered(now)
                marked += 1
        return marked

    def renew_leases(self, email_ids: Sequence[int], owner: str, until: datetime) -> int:
        renewed = 0
        for email_id in email_ids:
            email = self._find(email_id)
            if email is not None and email.state is OutboxState.SENDING and email.lease_owner == owner:
                email.lease_until = until
                renewed += 1
        return renewed

    def load(self, ids: Sequence[int]) -> None:
        """Nothing to load: everything is in memory."""

    def get(self, email_id: int) -> OutgoingEmail:
        email = self._find(email_id)
        if email is None:
            raise NotFound(f"there is no email #{email_id} in the outbox")
        return email

    def page(
        self,
        *,
        state: str | None = None,
        limit: int = 200,
        offset: int = 0,
        office: OfficeScope | None = None,
    ) -> list[OutgoingEmail]:
        chosen = [
            e
            for e in sorted(self._state.outbox, key=lambda e: e.id or 0, reverse=True)
            if (state is None or e.state.value == state) and (office is None or self._concerns(e, office))
        ]
        return chosen[offset : offset + limit]

    def concerns(self, email_id: int, office: OfficeScope) -> bool:
        email = self._find(email_id)
        return email is not None and self._concerns(email, office)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for email in self._state.outbox:
            found[email.state.value] = found.get(email.state.value, 0) + 1
        return found

    def _find(self, email_id: int) -> OutgoingEmail | None:
        return next((e for e in self._state.outbox if e.id == email_id), None)

    def _concerns(self, email: OutgoingEmail, office: OfficeScope) -> bool:
        if email.signoff_id is not None:
            return any(s.id == email.signoff_id and s.pcc_org == office.office for s in self._state.signoffs)
        if email.organisation is not None:
            return email.organisation in (office.office, office.force)
        return any(
            p.email == email.recipient_email and p.organisation in (office.office, office.force)
            for p in self._state.people
        )

    @staticmethod
    def _unrendered(email: OutgoingEmail) -> bool:
        return email.state is OutboxState.QUEUED and email.message is None

    @staticmethod
    def _due(email: OutgoingEmail, now: datetime) -> bool:
        if email.state is OutboxState.QUEUED:
            return email.next_attempt_at <= now and email.message is not None
        return (
            email.state is OutboxState.SENDING and email.lease_until is not None and email.lease_until <= now
        )


class FakeWebSessionRepository:
    def __init__(self, state: StoredState) -> None:
        self._state = state

    def add(self, session_hash: str, person_id: int, now: datetime, expires_at: datetime) -> None:
        self._state.web_sessions[session_hash] = _Session(person_id, now, now, expires_at)

    def find(self, session_hash: str) -> StoredSession | None:
        row = self._state.web_sessions.get(session_hash)
        if row is None:
            return None
        email = next(p.email for p in self._state.people if p.id == row.person_id)
        return StoredSession(
            person_id=row.person_id,
            email=email,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ended_at=row.ended_at,
        )

    def touch(self, session_hash: str, now: datetime) -> None:
        row = self._state.web_sessions.get(session_hash)
        if row is not None and row.ended_at is None:
            row.last_seen_at = now

    def end(self, session_hash: str, now: datetime, reason: str) -> bool:
        row = self._state.web_sessions.get(session_hash)
        if row is None or row.ended_at is not None:
            return False
        row.ended_at, row.ended_reason = now, reason[:200]
        return True

    def end_for_people(self, person_ids: Sequence[int], now: datetime, reason: str) -> int:
        ended = 0
        for row in self._state.web_sessions.values():
            if row.person_id in person_ids and row.ended_at is None:
                row.ended_at, row.ended_reason = now, reason[:200]
                ended += 1
        return ended

    def open_counts(self, *, seen_since: datetime, now: datetime) -> dict[str, int]:
        emails = {p.id: p.email for p in self._state.people}
        counts: dict[str, int] = {}
        for row in self._state.web_sessions.values():
            if row.ended_at is None and row.expires_at > now and row.last_seen_at > seen_since:
                email = emails[row.person_id]
                counts[email] = counts.get(email, 0) + 1
        return counts

    def ended_reasons(self) -> list[str | None]:
        """For assertions: why each stored session ended (None while open)."""
        return [row.ended_reason for row in self._state.web_sessions.values()]


class FakeSignInRepository:
    """Sign-in links and the requests for them."""

    def __init__(self, state: StoredState) -> None:
        self._state = state

    def count_requests(
        self, *, since: datetime, address: str | None = None, client: str | None = None
    ) -> int:
        return sum(
            1
            for a, c, at in self._state.sign_in_requests
            if at > since and address in (None, a) and client in (None, c)
        )

    def record_request(self, address: str, client: str, at: datetime) -> None:
        self._state.sign_in_requests.append((address, client, at))

    def add_link(
        self, token_hash: str, person_id: int, next_path: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self._state.sign_in_links[token_hash] = _Link(person_id, next_path, created_at, expires_at)

    def person_of_usable(self, token_hash: str, now: datetime) -> int | None:
        link = self._state.sign_in_links.get(token_hash)
        usable = link is not None and link.used_at is None and link.expires_at > now
        return link.person_id if usable and link is not None else None

    def consume(self, token_hash: str, now: datetime) -> tuple[int, str] | None:
        if self.person_of_usable(token_hash, now) is None:
            return None
        link = self._state.sign_in_links[token_hash]
        link.used_at = now
        return link.person_id, link.next_path


_DRAFTING = (SectionState.DRAFTING, SectionState.CHANGES_REQUESTED)


@dataclass(frozen=True)
class _Holding:
    """One pending approval or open drafting section of an active sign-off, as the task and
    administration reads see it (a drafting section is held by its first drafter; the administration list
    gives each of its drafters a row)."""

    kind: str
    item_id: int
    holder_id: int
    due_at: datetime
    since: datetime | None
    signoff: SignOff
    stage: Stage
    section: Section


def _holdings(state: StoredState) -> list[_Holding]:
    found: list[_Holding] = []
    for signoff in state.signoffs:
        if signoff.state is not SignoffState.ACTIVE:
            continue
        for stage in signoff.stages:
            for section in stage.sections:
                for request in section.requests:
                    if request.state is RequestState.PENDING and request.id is not None:
                        found.append(
                            _Holding(
                                "approve",
                                request.id,
                                request.approver_id,
                                request.due_at,
                                request.activated_at,
                                signoff,
                                stage,
                                section,
                            )
                        )
                if stage.state is StageState.OPEN and section.state in _DRAFTING and section.id is not None:
                    holder = section.drafter_ids[0] if section.drafter_ids else 0
                    found.append(
                        _Holding(
                            "draft",
                            section.id,
                            holder,
                            stage.due_at,
                            section.last_activity_at,
                            signoff,
                            stage,
                            section,
                        )
                    )
    return found


def _task_row(h: _Holding, holder_id: int) -> TaskRow:
    assert h.signoff.id is not None
    return TaskRow(
        signoff_id=h.signoff.id,
        signoff_title=h.signoff.title,
        pcc_org=h.signoff.pcc_org,
        force_org=h.signoff.force_org,
        statutory_last_day=h.signoff.statutory_last_day,
        publish_by=h.signoff.publish_by,
        stage_title=h.stage.title,
        section_key=h.section.key,
        section_title=h.section.title,
        section_state=h.section.state.value,
        kind=h.kind,
        holder_id=holder_id,
        drafter_ids=list(h.section.drafter_ids),
        place_organisations=h.section.place_organisations,
        due_at=h.due_at,
        author_id=h.section.current_revision.author_id
        if h.kind == "approve" and h.section.current_revision
        else None,
    )


class FakeTaskRepository:
    def __init__(self, state: StoredState) -> None:
        self._state = state

    def pending_approvals(self, approver_ids: Sequence[int]) -> list[TaskRow]:
        return [
            _task_row(h, h.holder_id)
            for h in _holdings(self._state)
            if h.kind == "approve" and h.holder_id in approver_ids
        ]

    def open_drafting(self, organisation: str) -> list[TaskRow]:
        return [
            _task_row(h, 0)
            for h in _holdings(self._state)
            if h.kind == "draft" and organisation in (h.signoff.pcc_org, h.signoff.force_org)
        ]

    def active_delegators(self, delegate_id: int, now: datetime) -> list[int]:
        return sorted(
            {
                d.from_person_id
                for d in self._state.delegations
                if d.to_person_id == delegate_id and d.active_at(now)
            }
        )


class FakeAttentionRepository:
    def __init__(self, state: StoredState) -> None:
        self._state = state

    def page(
        self, office: str, thresholds: Thresholds, filters: AttentionFilter
    ) -> tuple[list[AttentionRow], int]:
        people = {p.id: p for p in self._state.people}

        def flagged(h: _Holding) -> dict[str, bool]:
            return {
                "overdue": h.due_at <= thresholds.now,
                "due_soon": thresholds.now < h.due_at < thresholds.due_soon_before,
                "idle": h.since is not None and h.since < thresholds.idle_before,
                "at_risk": h.signoff.publish_by <= thresholds.at_risk_on_or_before,
            }

        def place_of(h: _Holding) -> str:
            return h.section.place_of(h.holder_id) or people[h.holder_id].organisation

        # Each drafter of a drafting section holds it, as in the domain's holdings.
        every = [
            replace(h, holder_id=drafter) if h.kind == "draft" else h
            for h in _holdings(self._state)
            for drafter in (h.section.drafter_ids if h.kind == "draft" else [h.holder_id])
        ]
        chosen = [
            h
            for h in every
            if h.signoff.pcc_org == office
            and (flagged(h)[filters.flag] if filters.flag else any(flagged(h).values()))
            and (not filters.stage or h.stage.key == filters.stage)
            and (not filters.organisation or place_of(h) == filters.organisation)
        ]
        order: dict[str, Callable[[_Holding], Any]] = {
            "due": lambda h: h.due_at,
            "statutory": lambda h: h.signoff.publish_by,
            "idle": lambda h: (h.since is None, h.since or thresholds.now),
            "signoff": lambda h: h.signoff.id,
            "holder": lambda h: people[h.holder_id].name,
        }
        chosen.sort(key=lambda h: (h.signoff.id or 0, h.kind, h.item_id, h.holder_id))
        chosen.sort(key=order[filters.sort], reverse=filters.descending)
        start = (filters.page - 1) * filters.per_page
        rows = [
            AttentionRow(
                signoff_id=h.signoff.id or 0,
                signoff_title=h.signoff.title,
                stage_key=h.stage.key,
                stage_title=h.stage.title,
                section_key=h.section.key,
                section_title=h.section.title,
                kind=h.kind,
                holder_id=h.holder_id,
                holder_name=people[h.holder_id].name,
                holder_email=people[h.holder_id].email,
                holder_organisation=people[h.holder_id].organisation,
                place_organisation=place_of(h),
                due_at=h.due_at,
                since=h.since,
                statutory_last_day=h.signoff.statutory_last_day,
                publish_by=h.signoff.publish_by,
            )
            for h in chosen[start : start + filters.per_page]
        ]
        return rows, len(chosen)

    def on_time(self, now: datetime) -> list[OnTimeRow]:
        rows: dict[tuple[str, str], list[Any]] = {}
        for signoff in sorted(self._state.signoffs, key=lambda s: s.pcc_org):
            for stage in sorted(signoff.stages, key=lambda t: t.position):
                if stage.kind != "approval":
                    continue
                row = rows.setdefault((signoff.pcc_org, stage.key), [stage.title, 0, 0, 0])
                done = stage.state is StageState.COMPLETE and stage.completed_at is not None
                row[1] += done and stage.completed_at is not None and stage.completed_at <= stage.due_at
                row[2] += done and stage.completed_at is not None and stage.completed_at > stage.due_at
                row[3] += stage.state is StageState.OPEN and stage.due_at <= now
        return [
            OnTimeRow(org, key, title, int(on), int(late), int(overdue))
            for (org, key), (title, on, late, overdue) in rows.items()
        ]

    def ready_to_publish(self, office: str) -> list[ReadyRow]:
        found = [
            ReadyRow(s.id or 0, s.title, stage.due_at, stage.opened_at, s.statutory_last_day, s.publish_by)
            for s in self._state.signoffs
            if s.pcc_org == office and s.state is SignoffState.READY_TO_PUBLISH
            for stage in s.stages
            if stage.kind is StageKind.PUBLICATION
        ]
        return sorted(found, key=lambda r: (r.due_at, r.signoff_id))


# ----- the unit of work -----


class FakeUnitOfWork:
    """One 'transaction' on a copy of the store's state; kept only by commit, as on a database."""

    def __init__(
        self, store: FakeStore, before_commit: Callable[[FakeUnitOfWork], None] | None = None
    ) -> None:
        self._store = store
        self._before_commit = before_commit
        self._state = StoredState()
        self.signoffs = FakeSignoffRepository(self._state)
        self.directory = FakeDirectoryRepository(self._state)
        self.delegations = FakeDelegationRepository(self._state)
        self.outbox = FakeOutboxRepository(self._state)
        self.web_sessions = FakeWebSessionRepository(self._state)
        self.sign_in = FakeSignInRepository(self._state)
        self.tasks = FakeTaskRepository(self._state)
        self.attention = FakeAttentionRepository(self._state)

    def __enter__(self) -> Self:
        self._state = self._store.snapshot()
        self.signoffs = FakeSignoffRepository(self._state)
        self.directory = FakeDirectoryRepository(self._state)
        self.delegations = FakeDelegationRepository(self._state)
        self.outbox = FakeOutboxRepository(self._state)
        self.web_sessions = FakeWebSessionRepository(self._state)
        self.sign_in = FakeSignInRepository(self._state)
        self.tasks = FakeTaskRepository(self._state)
        self.attention = FakeAttentionRepository(self._state)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Whatever was not committed is dropped with this copy of the state."""

    def flush(self) -> None:
        for signoff in self._state.signoffs:
            _give_ids(signoff, self._state)
        for delegation in self._state.delegations:
            if delegation.id is None:
                delegation.id = self._state.next_id()

    def commit(self) -> None:
        self.flush()
        if self._before_commit is not None:
            self._before_commit(self)
        for signoff in self.signoffs.seen:
            assert signoff.id is not None
            for event in signoff.new_audit_events:
                event.signoff_id = signoff.id  # type: ignore[attr-defined]
                self._state.audit.setdefault(signoff.id, []).append(event)
            signoff.new_audit_events.clear()
        self._store.keep(self._state)


def _give_ids(signoff: SignOff, state: StoredState) -> None:
    """What a flush does: every new row of the sign-off gets its id."""
    rows: list[Any] = [signoff, *signoff.publications]
    for stage in signoff.stages:
        rows.append(stage)
        for section in stage.sections:
            rows += [section, *section.revisions]
            for request in section.requests:
                rows.append(request)
                if request.decision is not None:
                    rows.append(request.decision)
    for row in rows:
        if row.id is None:
            row.id = state.next_id()


# ----- type checks: each fake satisfies its protocol (mypy, in `make check`) -----


def _conforming(store: FakeStore) -> None:
    state = StoredState()
    _unit: UnitOfWork = FakeUnitOfWork(store)
    _signoffs: SignoffRepository = FakeSignoffRepository(state)
    _directory: DirectoryRepository = FakeDirectoryRepository(state)
    _delegations: DelegationRepository = FakeDelegationRepository(state)
    _outbox: OutboxRepository = FakeOutboxRepository(state)
    _sessions: WebSessionRepository = FakeWebSessionRepository(state)
    _sign_in: SignInRepository = FakeSignInRepository(state)
    _tasks: TaskRepository = FakeTaskRepository(state)
    _attention: AttentionRepository = FakeAttentionRepository(state)
