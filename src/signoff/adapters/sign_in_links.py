"""Sign-in links and the requests for them, in SQL, inside the unit of work's transaction: a link and the
email that carries it commit together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, insert, select, update
from sqlalchemy.orm import Session

from signoff.adapters.orm import sign_in_links, sign_in_requests


class SqlSignInRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def count_requests(
        self, *, since: datetime, address: str | None = None, client: str | None = None
    ) -> int:
        query = (
            select(func.count()).select_from(sign_in_requests).where(sign_in_requests.c.requested_at > since)
        )
        if address is not None:
            query = query.where(sign_in_requests.c.address == address)
        if client is not None:
            query = query.where(sign_in_requests.c.client == client)
        return int(self._session.execute(query).scalar_one())

    def record_request(self, address: str, client: str, at: datetime) -> None:
        self._session.execute(
            insert(sign_in_requests).values(address=address, client=client, requested_at=at)
        )

    def add_link(
        self, token_hash: str, person_id: int, next_path: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self._session.execute(
            insert(sign_in_links).values(
                token_hash=token_hash,
                person_id=person_id,
                next_path=next_path,
                created_at=created_at,
                expires_at=expires_at,
            )
        )

    def person_of_usable(self, token_hash: str, now: datetime) -> int | None:
        query = select(sign_in_links.c.person_id).where(_usable(token_hash, now))
        row = self._session.execute(query).first()
        return int(row.person_id) if row is not None else None

    def consume(self, token_hash: str, now: datetime) -> tuple[int, str] | None:
        # One guarded UPDATE: of two requests racing with the same link, exactly one gets the row back.
        row = self._session.execute(
            update(sign_in_links)
            .where(_usable(token_hash, now))
            .values(used_at=now)
            .returning(sign_in_links.c.person_id, sign_in_links.c.next_path)
        ).first()
        return (int(row.person_id), str(row.next_path)) if row is not None else None


def _usable(token_hash: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        sign_in_links.c.token_hash == token_hash,
        sign_in_links.c.used_at.is_(None),
        sign_in_links.c.expires_at > now,
    )
