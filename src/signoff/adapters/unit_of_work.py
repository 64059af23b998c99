"""The SQLAlchemy unit of work: one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from signoff.adapters.attention import SqlAttentionRepository
from signoff.adapters.outbox_repository import SqlOutboxRepository
from signoff.adapters.proposals import SqlProposalRepository
from signoff.adapters.repositories import (
    SqlDelegationRepository,
    SqlDirectoryRepository,
    SqlSignoffRepository,
)
from signoff.adapters.sign_in_links import SqlSignInRepository
from signoff.adapters.tasks import SqlTaskRepository
from signoff.adapters.web_sessions import SqlWebSessionRepository
from signoff.domain.errors import ConcurrencyConflict


class SqlUnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        before_commit: Callable[[SqlUnitOfWork], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        # Runs inside the transaction, after the flush: queues the emails the new audit events call for.
        self._before_commit = before_commit

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.signoffs = SqlSignoffRepository(self.session)
        self.directory = SqlDirectoryRepository(self.session)
        self.delegations = SqlDelegationRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.web_sessions = SqlWebSessionRepository(self.session)
        self.sign_in = SqlSignInRepository(self.session)
        self.tasks = SqlTaskRepository(self.session)
        self.attention = SqlAttentionRepository(self.session)
        self.proposals = SqlProposalRepository(self.session)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        try:
            self.session.flush()
            if self._before_commit is not None:
                self._before_commit(self)
            self.signoffs.store_new_audit_events()
            self.session.commit()
        except (IntegrityError, StaleDataError) as error:
            self.session.rollback()
            raise ConcurrencyConflict(
                "someone else changed this sign-off at the same moment; nothing was saved, try again"
            ) from error
        except OperationalError as error:
            self.session.rollback()
            if "locked" in str(error).lower() or "deadlock" in str(error).lower():
                raise ConcurrencyConflict("the database was busy; nothing was saved, try again") from error
            raise
