"""The outbox in the database: queue without duplicates, claim under a lease, read for administrators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Insert, and_, func, or_, select, update
from sqlalchemy.orm import Session

from signoff.adapters.orm import outbox, people, signoffs
from signoff.domain.access import OfficeScope
from signoff.domain.errors import NotFound
from signoff.domain.notifications import DeliveryPolicy
from signoff.domain.outbox import OutgoingEmail
from signoff.domain.transitions import OUTBOX_TRANSITIONS, OutboxEvent, OutboxState


def _insert_skipping_known_keys(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (idempotency_key) DO NOTHING, in the database's own dialect.

    Imported here: the engine has already imported its own dialect, and importing PostgreSQL's as well cost
    every command on SQLite (and SQLite's every one on PostgreSQL) time for nothing."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(outbox).on_conflict_do_nothing(index_elements=["idempotency_key"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(outbox).on_conflict_do_nothing(index_elements=["idempotency_key"])


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, emails: Sequence[OutgoingEmail]) -> int:
        """Queue the emails; one whose key is already queued (or sent) is skipped. Returns how many were new."""
        return len(self.add_new(emails))

    def add_new(self, emails: Sequence[OutgoingEmail]) -> set[str]:
        """Queue the emails as `add` does; the keys of those that were new."""
        if not emails:
            return set()
        rows = [_row(email) for email in emails]
        dialect = self._session.get_bind().dialect.name
        statement = _insert_skipping_known_keys(dialect).returning(outbox.c.idempotency_key)
        # The rows go as parameters of one cached statement (SQLAlchemy batches them into multi-row
        # INSERTs): rows written into the statement would compile it anew each time, a millisecond per
        # decision. RETURNING lists only the rows inserted, so the keys are right on both databases.
        return {str(key) for key in self._session.execute(statement, rows).scalars()}

    def any_due(self, now: datetime) -> bool:
        """Whether delivery now would find anything to render or send: cheap enough to ask twice a second."""
        wanted = or_(_due(now), _unrendered())
        return self._session.execute(select(outbox.c.id).where(wanted).limit(1)).first() is not None

    def unrendered(self, limit: int) -> list[OutgoingEmail]:
        """Queued emails whose message is not rendered yet, oldest first."""
        query = select(OutgoingEmail).where(_unrendered()).order_by(outbox.c.id).limit(limit)
        return list(self._session.scalars(query))

    def store_rendered(self, messages: dict[int, bytes]) -> int:
        """Store rendered messages, each only if still unrendered (another renderer may have been first)."""
        if not messages:
            return 0
        stored = 0
        for email_id, message in messages.items():
            result = self._session.execute(
                update(outbox)
                .where(outbox.c.id == email_id, _unrendered())
                .values(message=message)
                .execution_options(synchronize_session=False)
            )
            stored += int(getattr(result, "rowcount", 0))
        return stored

    def claim(self, owner: str, now: datetime, policy: DeliveryPolicy, limit: int) -> list[OutgoingEmail]:
        """Due messages, leased to `owner`; another deliverer skips them until the lease runs out."""
        query = select(OutgoingEmail).where(_due(now)).order_by(outbox.c.id).limit(limit)
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = list(self._session.scalars(query))
        for email in claimed:
            email.claim(owner, now, policy)
        return claimed

    def mark_delivered(self, email_ids: Sequence[int], owner: str, now: datetime) -> int:
        """The common case, as one guarded UPDATE: sending -> sent, only while `owner` holds the lease.

        Same rule as OutgoingEmail.delivered, without loading the rows: delivery is the hot path.
        Returns how many were marked (a row whose lease another deliverer took over is left alone).
        """
        target = OUTBOX_TRANSITIONS[(OutboxState.SENDING, OutboxEvent.DELIVERED)]
        return self._update_held(
            email_ids,
            owner,
            state=target.value,
            attempts=outbox.c.attempts + 1,
            sent_at=now,
            last_error=None,
            lease_owner=None,
            lease_until=None,
        )

    def renew_leases(self, email_ids: Sequence[int], owner: str, until: datetime) -> int:
        return self._update_held(email_ids, owner, lease_until=until)

    def _update_held(self, email_ids: Sequence[int], owner: str, **values: Any) -> int:
        """One UPDATE of the messages `owner` is still sending under its lease: how many it changed."""
        if not email_ids:
            return 0
        result = self._session.execute(
            update(outbox)
            .where(
                outbox.c.id.in_(list(email_ids)),
                outbox.c.state == OutboxState.SENDING.value,
                outbox.c.lease_owner == owner,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))

    def load(self, ids: Sequence[int]) -> None:
        """Bring these rows into the session at once; later get() calls then need no query."""
        if ids:
            list(self._session.scalars(select(OutgoingEmail).where(outbox.c.id.in_(list(ids)))))

    def get(self, email_id: int) -> OutgoingEmail:
        email = self._session.get(OutgoingEmail, email_id)
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
        query = select(OutgoingEmail).order_by(outbox.c.id.desc()).limit(limit).offset(offset)
        if state:
            query = query.where(outbox.c.state == state)
        if office is not None:
            query = query.where(_concerns(office))
        return list(self._session.scalars(query))

    def concerns(self, email_id: int, office: OfficeScope) -> bool:
        """Whether this email is about the office's sign-offs, or to one of its (or its force's) people."""
        found = self._session.execute(
            select(outbox.c.id).where(outbox.c.id == email_id, _concerns(office))
        ).first()
        return found is not None

    def counts(self) -> dict[str, int]:
        rows = self._session.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        return {str(state): int(count) for state, count in rows}


def _concerns(office: OfficeScope) -> ColumnElement[bool]:
    # An email of a sign-off belongs to the sign-off's office; one of no sign-off (a sign-in link, a
    # delegation notice) to the organisation it was queued for, whatever the directory since says of its
    # recipient; one queued before that was recorded, to its recipient's organisation.
    ours = [office.office, office.force]
    return or_(
        outbox.c.signoff_id.in_(select(signoffs.c.id).where(signoffs.c.pcc_org == office.office)),
        and_(outbox.c.signoff_id.is_(None), outbox.c.organisation.in_(ours)),
        and_(
            outbox.c.signoff_id.is_(None),
            outbox.c.organisation.is_(None),
            outbox.c.recipient_email.in_(select(people.c.email).where(people.c.organisation_key.in_(ours))),
        ),
    )


def _unrendered() -> ColumnElement[bool]:
    return and_(outbox.c.state == OutboxState.QUEUED.value, outbox.c.message.is_(None))


def _due(now: datetime) -> ColumnElement[bool]:
    """Queued, rendered and due, or claimed by a deliverer whose lease has run out."""
    return or_(
        and_(
            outbox.c.state == OutboxState.QUEUED.value,
            outbox.c.next_attempt_at <= now,
            outbox.c.message.is_not(None),
        ),
        and_(outbox.c.state == OutboxState.SENDING.value, outbox.c.lease_until <= now),
    )


def _row(email: OutgoingEmail) -> dict[str, object]:
    return {
        "idempotency_key": email.idempotency_key,
        "event": email.event.value,
        "signoff_id": email.signoff_id,
        "organisation": email.organisation,
        "recipient_email": email.recipient_email,
        "recipient_name": email.recipient_name,
        "context": email.context,
        "state": email.state.value,
        "attempts": email.attempts,
        "created_at": email.created_at,
        "next_attempt_at": email.next_attempt_at,
        "last_error": email.last_error,
        "message": email.message,
    }
