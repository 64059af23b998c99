"""Signed-in sessions in SQL, inside the unit of work's transaction.

Every change is one guarded UPDATE on rows not yet ended: a touch never revives an ended session, and
ending twice ends once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from signoff.adapters.orm import people, web_sessions
from signoff.service.ports import StoredSession


class SqlWebSessionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, session_hash: str, person_id: int, now: datetime, expires_at: datetime) -> None:
        self._session.execute(
            insert(web_sessions).values(
                session_hash=session_hash,
                person_id=person_id,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )

    def find(self, session_hash: str) -> StoredSession | None:
        row = self._session.execute(
            select(
                web_sessions.c.person_id,
                people.c.email,
                web_sessions.c.created_at,
                web_sessions.c.last_seen_at,
                web_sessions.c.expires_at,
                web_sessions.c.ended_at,
            )
            .join(people, people.c.id == web_sessions.c.person_id)
            .where(web_sessions.c.session_hash == session_hash)
        ).first()
        if row is None:
            return None
        return StoredSession(
            person_id=int(row.person_id),
            email=str(row.email),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ended_at=row.ended_at,
        )

    def touch(self, session_hash: str, now: datetime) -> None:
        self._session.execute(
            update(web_sessions)
            .where(web_sessions.c.session_hash == session_hash, web_sessions.c.ended_at.is_(None))
            .values(last_seen_at=now)
        )

    def end(self, session_hash: str, now: datetime, reason: str) -> bool:
        result = self._session.execute(
            update(web_sessions)
            .where(web_sessions.c.session_hash == session_hash, web_sessions.c.ended_at.is_(None))
            .values(ended_at=now, ended_reason=reason[:200])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def end_for_people(self, person_ids: Sequence[int], now: datetime, reason: str) -> int:
        if not person_ids:
            return 0
        result = self._session.execute(
            update(web_sessions)
            .where(web_sessions.c.person_id.in_(list(person_ids)), web_sessions.c.ended_at.is_(None))
            .values(ended_at=now, ended_reason=reason[:200])
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def open_counts(self, *, seen_since: datetime, now: datetime) -> dict[str, int]:
        query = (
            select(people.c.email, func.count())
            .select_from(web_sessions.join(people, people.c.id == web_sessions.c.person_id))
            .where(
                web_sessions.c.ended_at.is_(None),
                web_sessions.c.expires_at > now,
                web_sessions.c.last_seen_at > seen_since,
            )
            .group_by(people.c.email)
        )
        return {str(email): int(count) for email, count in self._session.execute(query)}
