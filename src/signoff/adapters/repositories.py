"""SQLAlchemy repositories: sign-offs, the directory of people, delegations."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, event, func, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from signoff.adapters.orm import (
    approval_requests,
    audit_events,
    delegations,
    organisations,
    people,
    sections,
    signoffs,
    stages,
)
from signoff.domain.audit import AuditEvent
from signoff.domain.directory import DirectoryConfig, OrganisationKind, Participant, Roster
from signoff.domain.errors import InvalidInput, NotFound
from signoff.domain.model import Delegation, SignOff
from signoff.domain.transitions import RequestState, SectionState, SignoffState, StageState


class SqlSignoffRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.seen: list[SignOff] = []
        event.listen(session, "before_flush", self._update_changed_signoffs)

    def _update_changed_signoffs(self, session: Session, *_: object) -> None:
        """Write the changed rows of the sign-offs this unit of work read, one UPDATE per set of changed
        columns, before the ORM's flush: it writes a versioned row one statement at a time, and a sweep's
        batch changes fifty sign-offs (a round trip each, most of the sweep's time on PostgreSQL).

        The same UPDATE as the ORM's: the changed columns and the version, only where the version is
        still the one read (StaleDataError otherwise, as from the ORM); the values are then the rows'
        committed state, so the flush that follows finds nothing more to write to them."""
        changes: dict[tuple[str, ...], list[tuple[SignOff, int, dict[str, Any]]]] = {}
        for signoff in self.seen:
            state = inspect(signoff)
            if not state.modified or not state.persistent or signoff in session.deleted:
                continue
            changed: dict[str, Any] = {}
            for key in _SIGNOFF_COLUMNS.intersection(state.committed_state):
                added = get_history(signoff, key).added
                if added:
                    changed[key] = added[0]
            if changed:
                version = int(state.dict["version"])
                changes.setdefault(tuple(sorted(changed)), []).append((signoff, version, changed))
        for keys, rows in changes.items():
            statement = (
                update(signoffs)
                .where(signoffs.c.id == bindparam("b_id"), signoffs.c.version == bindparam("b_version"))
                .values(
                    {**{key: bindparam(f"v_{key}") for key in keys}, "version": bindparam("b_next_version")}
                )
            )
            parameters = [
                {
                    **{f"v_{key}": value for key, value in changed.items()},
                    "b_id": signoff.id,
                    "b_version": version,
                    "b_next_version": version + 1,
                }
                for signoff, version, changed in rows
            ]
            written = session.connection().execute(statement, parameters).rowcount
            if written != len(rows):
                raise StaleDataError(
                    f"UPDATE statement on table 'signoffs' expected to update {len(rows)} row(s); "
                    f"{written} were matched"
                )
            for signoff, version, changed in rows:
                for key, value in changed.items():
                    set_committed_value(signoff, key, value)
                set_committed_value(signoff, "version", version + 1)

    def add(self, signoff: SignOff) -> None:
        self._session.add(signoff)
        self.seen.append(signoff)

    def store_new_audit_events(self) -> None:
        """Insert the events the sign-offs recorded since they were read, all in one statement: they are
        never read back in the same transaction, so unlike the ORM (which on SQLite inserts a row at a
        time to learn each id) nothing needs their ids."""
        rows: list[dict[str, Any]] = []
        for signoff in self.seen:
            for recorded in signoff.new_audit_events:
                recorded.signoff_id = signoff.id  # type: ignore[attr-defined]
                rows.append({key: getattr(recorded, key) for key in _AUDIT_COLUMNS})
            signoff.new_audit_events.clear()
        if rows:
            self._session.execute(insert(audit_events), rows)

    def get(self, signoff_id: int, *, for_update: bool = False) -> SignOff:
        query = select(SignOff).where(signoffs.c.id == signoff_id)
        if for_update and self._session.get_bind().dialect.name == "postgresql":
            # Serialise writers per sign-off; SQLite already serialises with BEGIN IMMEDIATE.
            query = query.with_for_update()
        signoff = self._session.scalars(query).one_or_none()
        if signoff is None:
            raise NotFound(f"there is no sign-off #{signoff_id}")
        if signoff not in self.seen:
            self.seen.append(signoff)
        return signoff

    def get_unless_locked(self, signoff_id: int) -> SignOff | None:
        """The sign-off, locked for this transaction; None if another transaction holds it (PostgreSQL:
        FOR UPDATE SKIP LOCKED), so that two sweeps share the work instead of queueing on each other."""
        query = select(SignOff).where(signoffs.c.id == signoff_id)
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        signoff = self._session.scalars(query).one_or_none()
        if signoff is not None and signoff not in self.seen:
            self.seen.append(signoff)
        return signoff

    def find_started(self, pcc_org: str, inspection_key: str) -> int | None:
        """The office's live sign-off for the report: a withdrawn one leaves the report free to start again."""
        query = select(signoffs.c.id).where(
            signoffs.c.pcc_org == pcc_org,
            signoffs.c.inspection_key == inspection_key,
            signoffs.c.state != SignoffState.WITHDRAWN.value,
        )
        found: int | None = self._session.scalars(query).first()
        return found

    def withdrawn_among(self, signoff_ids: Collection[int]) -> set[int]:
        """Those of the sign-offs that are withdrawn: one light query, for delivery's hot path."""
        if not signoff_ids:
            return set()
        query = select(signoffs.c.id).where(
            signoffs.c.id.in_(list(signoff_ids)), signoffs.c.state == SignoffState.WITHDRAWN.value
        )
        return set(self._session.scalars(query))

    def count_started(self, pcc_org: str, inspection_key: str) -> int:
        """How many sign-offs the office has started for the report, withdrawn ones included."""
        query = select(func.count()).where(
            signoffs.c.pcc_org == pcc_org, signoffs.c.inspection_key == inspection_key
        )
        return int(self._session.scalar(query) or 0)

    def page(
        self, *, states: Sequence[str] | None = None, limit: int = 200, offset: int = 0
    ) -> list[SignOff]:
        query = select(SignOff).order_by(signoffs.c.id)
        if states:
            query = query.where(signoffs.c.state.in_(list(states)))
        return list(self._session.scalars(query.limit(limit).offset(offset)))

    def audit_events(self, signoff_id: int) -> list[AuditEvent]:
        query = select(AuditEvent).where(audit_events.c.signoff_id == signoff_id).order_by(audit_events.c.seq)
        return list(self._session.scalars(query))

    def with_due_moments(self, now: datetime) -> list[int]:
        """Sign-offs whose notice watermark has passed: the only ones a notice can have fallen due for.
        An index range, however many sign-offs are open; one that has finished is read once more, and
        its watermark cleared."""
        query = select(signoffs.c.id).where(signoffs.c.notices_due_from <= now).order_by(signoffs.c.id)
        return list(self._session.scalars(query))

    def get_many_unless_locked(self, signoff_ids: Sequence[int]) -> list[SignOff]:
        """The sign-offs among `signoff_ids` that no other transaction holds, locked for this one, in one
        read (their stages, sections and requests in a few more): the sweep's batches."""
        query = select(SignOff).where(signoffs.c.id.in_(list(signoff_ids))).order_by(signoffs.c.id)
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = list(self._session.scalars(query))
        self.seen.extend(signoff for signoff in found if signoff not in self.seen)
        return found

    def with_idle_work(self, idle_before: datetime) -> list[int]:
        """Active sign-offs with drafting or a pending approval last moved before `idle_before`, not yet
        marked."""
        idle_requests = (
            select(stages.c.signoff_id)
            .join(sections, sections.c.stage_id == stages.c.id)
            .join(approval_requests, approval_requests.c.section_id == sections.c.id)
            .where(
                approval_requests.c.state == RequestState.PENDING.value,
                approval_requests.c.activated_at < idle_before,
                approval_requests.c.stalled_at.is_(None),
            )
        )
        idle_drafting = (
            select(stages.c.signoff_id)
            .join(sections, sections.c.stage_id == stages.c.id)
            .where(
                sections.c.state.in_([SectionState.DRAFTING.value, SectionState.CHANGES_REQUESTED.value]),
                sections.c.last_activity_at < idle_before,
                sections.c.stalled_at.is_(None),
            )
        )
        found = set(self._session.scalars(idle_requests)) | set(self._session.scalars(idle_drafting))
        active = select(signoffs.c.id).where(
            signoffs.c.id.in_(found), signoffs.c.state == SignoffState.ACTIVE.value
        )
        return sorted(self._session.scalars(active)) if found else []

    def needing_advance(self) -> list[int]:
        """Active sign-offs with a step left undone: an open stage whose sections are all approved, or
        no open stage at all. Normally none; after a lost trigger, the ones to advance."""
        unapproved = (
            select(sections.c.id)
            .where(sections.c.stage_id == stages.c.id, sections.c.state != SectionState.APPROVED.value)
            .exists()
        )
        finished_stage = (
            select(signoffs.c.id)
            .join(stages, stages.c.signoff_id == signoffs.c.id)
            .where(
                signoffs.c.state == SignoffState.ACTIVE.value,
                stages.c.state == StageState.OPEN.value,
                stages.c.kind == "approval",
                ~unapproved,
            )
        )
        open_stage = select(stages.c.id).where(
            stages.c.signoff_id == signoffs.c.id, stages.c.state == StageState.OPEN.value
        )
        no_open_stage = select(signoffs.c.id).where(
            signoffs.c.state == SignoffState.ACTIVE.value, ~open_stage.exists()
        )
        found = set(self._session.scalars(finished_stage)) | set(self._session.scalars(no_open_stage))
        return sorted(found)


# The sign-off's own columns, as the mapping names them (the version is the UPDATE's to move).
_SIGNOFF_COLUMNS = frozenset(column.key for column in signoffs.columns) - {"id", "version"}
_AUDIT_COLUMNS = tuple(column.key for column in audit_events.columns if column.key != "id")


class SqlDirectoryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        # Read once per unit of work: a handler asks for several people and the roster in one go.
        self._roster: Roster | None = None

    def lock_people(self, person_ids: Sequence[int]) -> None:
        if self._session.get_bind().dialect.name != "postgresql":
            return
        # In id order, so that two transactions locking the same pair never wait on each other.
        query = select(people.c.id).where(people.c.id.in_(sorted(set(person_ids)))).order_by(people.c.id)
        self._session.execute(query.with_for_update())

    def sync(self, config: DirectoryConfig) -> tuple[int, int, int]:
        """Make the stored directory match the file: (added, updated, deactivated) people.

        People absent from the file are deactivated, never deleted: their decisions stay attributable.
        """
        known_orgs = set(self._session.scalars(select(organisations.c.key)))
        # Forces first: a PCC office's row refers to its force.
        for org in sorted(config.organisations, key=lambda o: o.kind is OrganisationKind.PCC):
            values: dict[str, object] = {
                "name": org.name,
                "kind": org.kind.value,
                "area": org.area,
                "force_key": org.force,
                "forces": list(org.forces) or None,
            }
            if org.key in known_orgs:
                self._session.execute(
                    update(organisations).where(organisations.c.key == org.key).values(**values)
                )
            else:
                self._session.execute(insert(organisations).values(key=org.key, **values))
        person_values: dict[str, object]
        stored = {row.email: row for row in self._session.execute(select(people))}
        added = updated = 0
        for person in config.people:
            person_values = {
                "name": person.name,
                "title": person.title,
                "organisation_key": person.organisation,
                "roles": sorted(person.roles),
                "escalation_contact": person.escalation_contact,
                "active": True,
            }
            row = stored.get(person.email)
            if row is None:
                self._session.execute(insert(people).values(email=person.email, **person_values))
                added += 1
            elif any(getattr(row, key) != value for key, value in person_values.items()):
                self._session.execute(update(people).where(people.c.id == row.id).values(**person_values))
                updated += 1
        listed = {person.email for person in config.people}
        gone = [row.id for email, row in stored.items() if email not in listed and row.active]
        if gone:
            self._session.execute(update(people).where(people.c.id.in_(gone)).values(active=False))
        self._roster = None
        return added, updated, len(gone)

    def roster(self) -> Roster:
        if self._roster is None:
            self._roster = self._read_roster()
        return self._roster

    def _read_roster(self) -> Roster:
        rows = self._session.execute(select(people).order_by(people.c.id))
        orgs = self._session.execute(
            select(
                organisations.c.key,
                organisations.c.name,
                organisations.c.area,
                organisations.c.kind,
                organisations.c.force_key,
                organisations.c.forces,
            )
        ).all()
        return Roster(
            tuple(_participant(row) for row in rows),
            organisation_names={row.key: row.name for row in orgs},
            organisation_areas={row.key: row.area for row in orgs if row.area},
            office_forces={
                row.key: row.force_key
                for row in orgs
                if row.kind == OrganisationKind.PCC.value and row.force_key
            },
            organisation_kinds={row.key: row.kind for row in orgs},
            unit_forces={row.key: frozenset(row.forces) for row in orgs if row.forces},
        )

    def find(self, email: str) -> Participant | None:
        """The person with this address, active or not; one row read (every web request asks)."""
        if self._roster is not None:
            return self._roster.find_email(email)
        row = self._session.execute(select(people).where(people.c.email == email.strip().lower())).first()
        return None if row is None else _participant(row)

    def person(self, email: str) -> Participant:
        found = self.roster().find_email(email)
        if found is None:
            raise NotFound(f"nobody with the address {email.strip()!r} is in the directory")
        if not found.active:
            raise InvalidInput(f"{found.email} is no longer active in the directory")
        return found

    def organisation_force(self, pcc_org: str) -> str:
        row = self._session.execute(select(organisations).where(organisations.c.key == pcc_org)).one_or_none()
        if row is None:
            raise NotFound(f"there is no organisation {pcc_org!r} in the directory")
        if row.kind != OrganisationKind.PCC.value or row.force_key is None:
            raise InvalidInput(f"{pcc_org!r} is not a PCC office, so it cannot respond to an inspection")
        force: str = row.force_key
        return force


def _participant(row: Row[Any]) -> Participant:
    return Participant(
        id=row.id,
        email=row.email,
        name=row.name,
        organisation=row.organisation_key,
        roles=frozenset(row.roles),
        active=row.active,
        title=row.title,
        escalation_contact=row.escalation_contact,
    )


class SqlDelegationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, delegation: Delegation) -> None:
        self._session.add(delegation)

    def get(self, delegation_id: int) -> Delegation:
        found = self._session.get(Delegation, delegation_id, with_for_update=True)
        if found is None:
            raise NotFound(f"there is no delegation #{delegation_id}")
        return found

    def for_delegate(self, person_id: int) -> list[Delegation]:
        query = select(Delegation).where(delegations.c.to_person_id == person_id)
        return list(self._session.scalars(query))

    def ended_between(self, start: datetime, end: datetime) -> list[Delegation]:
        query = select(Delegation).where(delegations.c.ends_at > start, delegations.c.ends_at <= end)
        return list(self._session.scalars(query))

    def all(self) -> list[Delegation]:
        return list(self._session.scalars(select(Delegation).order_by(delegations.c.id)))

    def live_at(self, now: datetime) -> list[Delegation]:
        query = select(Delegation).where(
            delegations.c.starts_at <= now, delegations.c.ends_at > now, delegations.c.revoked_at.is_(None)
        )
        return list(self._session.scalars(query))

    def starting_after(self, now: datetime) -> list[Delegation]:
        query = select(Delegation).where(delegations.c.starts_at > now, delegations.c.revoked_at.is_(None))
        return list(self._session.scalars(query))
