"""The watcher's storage in memory, beside tests/support/fakes.py's: proposals, reports read, listings' health,
kept only when the unit of work commits, as on a database."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self

from signoff.domain.errors import ConcurrencyConflict, NotFound
from signoff.domain.proposal import Proposal, states_it_may_be_saved_over
from signoff.domain.watch import WatchConfig
from signoff.service.handlers.watch_publications import WatchDependencies
from signoff.service.ports import ListingHealth, ProposalUnitOfWork, PublicationReader
from tests.support.app import InMemoryApp
from tests.support.fakes import FakeUnitOfWork


@dataclass
class StoredProposals:
    proposals: list[Proposal] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)
    listings: dict[str, ListingHealth] = field(default_factory=dict)
    next_id: int = 1


class FakeProposalRepository:
    def __init__(self, state: StoredProposals) -> None:
        self._state = state

    def add(self, proposal: Proposal) -> bool:
        if any(
            p.report_url == proposal.report_url and p.office == proposal.office for p in self._state.proposals
        ):
            return False
        proposal.id = self._state.next_id
        self._state.next_id += 1
        self._state.proposals.append(copy.deepcopy(proposal))
        return True

    def get(self, proposal_id: int, *, for_update: bool = False) -> Proposal:  # noqa: ARG002 - no locks here
        for proposal in self._state.proposals:
            if proposal.id == proposal_id:
                return copy.deepcopy(proposal)
        raise NotFound(f"there is no proposal #{proposal_id}")

    def save(self, proposal: Proposal) -> None:
        for n, stored in enumerate(self._state.proposals):
            if stored.id == proposal.id:
                if stored.state not in states_it_may_be_saved_over(proposal.state):
                    raise ConcurrencyConflict(
                        f"proposal #{proposal.id} was started or dismissed by someone else"
                    )
                self._state.proposals[n] = copy.deepcopy(proposal)
                return
        raise NotFound(f"there is no proposal #{proposal.id}")

    def for_office(self, office: str, *, open_only: bool = True) -> list[Proposal]:
        return [
            copy.deepcopy(p)
            for p in self._state.proposals
            if p.office == office and (p.open or not open_only)
        ]

    def seen(self, report_urls: Sequence[str]) -> set[str]:
        return {url for url in report_urls if url in self._state.seen}

    def mark_seen(self, report_url: str, title: str, outcome: str, now: datetime) -> None:  # noqa: ARG002
        self._state.seen.setdefault(report_url, outcome)

    def listing_health(self, url: str) -> ListingHealth:
        return self._state.listings.get(url, ListingHealth(url, 0, None, reported=False))

    def listing_failed(self, url: str, error: str, now: datetime) -> ListingHealth:  # noqa: ARG002
        before = self.listing_health(url)
        self._state.listings[url] = ListingHealth(url, before.failures + 1, error, before.reported)
        return self._state.listings[url]

    def listing_read(self, url: str, now: datetime) -> None:  # noqa: ARG002
        self._state.listings[url] = ListingHealth(url, 0, None, reported=False)

    def listing_reported(self, url: str, now: datetime) -> None:  # noqa: ARG002
        before = self.listing_health(url)
        self._state.listings[url] = ListingHealth(url, before.failures, before.last_error, reported=True)


class ProposalStore:
    def __init__(self) -> None:
        self.state = StoredProposals()


class FakeProposalUnitOfWork(FakeUnitOfWork):
    def __init__(
        self,
        app: InMemoryApp,
        proposals: ProposalStore,
        before_commit: Callable[[FakeUnitOfWork], None] | None,
    ) -> None:
        super().__init__(app.store, before_commit)
        self._proposal_store = proposals
        self._proposal_state = copy.deepcopy(proposals.state)
        self.proposals = FakeProposalRepository(self._proposal_state)

    def __enter__(self) -> Self:
        super().__enter__()
        self._proposal_state = copy.deepcopy(self._proposal_store.state)
        self.proposals = FakeProposalRepository(self._proposal_state)
        return self

    def commit(self) -> None:
        super().commit()
        self._proposal_store.state = copy.deepcopy(self._proposal_state)


def watch_in_memory(
    app: InMemoryApp,
    reader: PublicationReader,
    config: WatchConfig,
    forces: frozenset[str],
    proposals: ProposalStore | None = None,
) -> tuple[WatchDependencies, ProposalStore]:
    """The watcher's dependencies on the in-memory app; its proposals kept in `proposals`."""
    store = proposals or ProposalStore()
    plain = app.deps.new_unit_of_work()
    before_commit = plain._before_commit if isinstance(plain, FakeUnitOfWork) else None

    def new_unit_of_work() -> ProposalUnitOfWork:
        return FakeProposalUnitOfWork(app, store, before_commit)

    return (
        WatchDependencies(
            deps=app.deps,
            new_unit_of_work=new_unit_of_work,
            load_config=lambda: config,
            new_reader=lambda _config: reader,
            force_keys=lambda: forces,
        ),
        store,
    )
