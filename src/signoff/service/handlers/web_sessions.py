"""Signed-in sessions, kept on the server: a session is a row, and ending it is for good.

The cookie carries a random id; the row keeps only its SHA-256 (a copy of the database signs nobody in).
A session ends when its person signs out, after the idle timeout without a request, at its absolute
lifetime however busy it is, when its person leaves the directory or is marked inactive, or when an
administrator of the person's office (or of the force that office oversees) ends it. A cookie copied
before any of these is worth nothing after.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, EmailStr, field_validator

from signoff.domain.access import Action, Target, allowed, office_scope, require
from signoff.domain.directory import Participant
from signoff.domain.errors import ConcurrencyConflict, NotPermitted
from signoff.service.dependencies import Dependencies
from signoff.service.ports import StoredSession, UnitOfWork

# Writing the row on every request is needless; once a minute keeps the idle timeout exact enough.
TOUCH_EVERY = timedelta(seconds=60)
SIGNED_OUT = "signed out"
IDLE = "idle timeout"
EXPIRED = "lifetime reached"
DEACTIVATED = "person no longer active in the directory"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


class EndSessions(BaseModel):
    """An administrator ends every session of one person."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    person: EmailStr
    admin: EmailStr

    @field_validator("person", "admin")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return value.lower()


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(uow: UnitOfWork, person_id: int, now: datetime, policy: SessionPolicy) -> str:
    """A new session for the person, in the caller's transaction; its id, for the cookie and nowhere else."""
    session_id = secrets.token_urlsafe(32)
    uow.web_sessions.add(session_hash(session_id), person_id, now, now + policy.lifetime)
    return session_id


def _over(stored: StoredSession, now: datetime, policy: SessionPolicy) -> str | None:
    """Why a stored, not yet ended session is over at `now`, or None while it lasts."""
    if now >= stored.expires_at:
        return EXPIRED
    if now - stored.last_seen_at > policy.idle:
        return IDLE
    return None


def resume_session(session_id: str, deps: Dependencies, policy: SessionPolicy) -> Participant | None:
    """The person whose session this is, while it lasts; None for an unknown, ended or lapsed session (a
    lapsed one is ended here, with the reason)."""
    now = deps.clock.now()
    hashed = session_hash(session_id)
    with deps.new_unit_of_work() as uow:
        stored = uow.web_sessions.find(hashed)
        if stored is None or stored.ended_at is not None:
            return None
        reason = _over(stored, now, policy)
        person = uow.directory.find(stored.email) if reason is None else None
        if reason is None and (person is None or not person.active):
            reason = DEACTIVATED
        if reason is not None or person is None:
            uow.web_sessions.end(hashed, now, reason or DEACTIVATED)
            uow.commit()
            return None
        if now - stored.last_seen_at >= TOUCH_EVERY:
            uow.web_sessions.touch(hashed, now)
            # A busy database is no reason to refuse the page: the next request restarts the idle clock.
            with suppress(ConcurrencyConflict):
                uow.commit()
        return person


def sign_out(session_id: str, deps: Dependencies) -> None:
    with deps.new_unit_of_work() as uow:
        uow.web_sessions.end(session_hash(session_id), deps.clock.now(), SIGNED_OUT)
        uow.commit()


def end_sessions_of_inactive(uow: UnitOfWork, now: datetime) -> int:
    """End, in the caller's transaction, every open session of a person the directory marks inactive."""
    inactive = [p.id for p in uow.directory.roster().participants if not p.active]
    return uow.web_sessions.end_for_people(inactive, now, DEACTIVATED)


def _offices_administered(admin_email: str, uow: UnitOfWork) -> tuple[Participant, set[str]]:
    """The administrator, and the organisations whose people they may act on (the access table's
    'people of their office and of its force'). NotPermitted for anyone who administers no office."""
    admin = uow.directory.person(admin_email)
    roster = uow.directory.roster()
    require(admin, Action.END_SESSIONS, Target(person=admin), roster)
    scope = office_scope(admin, roster)
    return admin, {scope.office, scope.force}


def end_sessions(command: EndSessions, deps: Dependencies) -> int:
    """End every open session of the person; how many were open. NotPermitted (changing nothing) unless
    the caller administers the person's office or the force that office oversees."""
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        admin, _organisations = _offices_administered(command.admin, uow)
        person = uow.directory.find(command.person)
        if person is None or not allowed(
            admin, Action.END_SESSIONS, Target(person=person), uow.directory.roster()
        ):
            # One answer for an address of nobody and one of another organisation: it tells no one who is in
            # the directory, nor where.
            raise NotPermitted(
                f"{admin.email} may end the sessions of people of their office and its force; "
                f"{command.person.strip()} is not one"
            )
        ended = uow.web_sessions.end_for_people([person.id], now, f"ended by {admin.email}")
        uow.commit()
        return ended


@dataclass(frozen=True)
class PeopleSessions:
    """For the administration people page: open sessions by address, and whose the administrator may end."""

    open_by_email: dict[str, int]
    organisations: frozenset[str]


def people_sessions(admin_email: str, deps: Dependencies, policy: SessionPolicy) -> PeopleSessions:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        _admin, organisations = _offices_administered(admin_email, uow)
        counts = uow.web_sessions.open_counts(seen_since=now - policy.idle, now=now)
    return PeopleSessions(open_by_email=counts, organisations=frozenset(organisations))
