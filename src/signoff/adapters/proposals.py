"""The watcher's proposals, the reports it has read and its listings' health, in SQL on the unit of work's session.

A proposal is added with one INSERT guarded by the unique (report address, office) constraint inside a
savepoint, so two watchers racing propose a report to an office once, and the loser changes nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signoff.adapters.orm import proposals, watch_listings, watched_reports
from signoff.domain.errors import ConcurrencyConflict, NotFound
from signoff.domain.inspection import STORED_DATA, Inspection
from signoff.domain.proposal import Proposal, states_it_may_be_saved_over
from signoff.domain.report_reading import ReadingFlag
from signoff.domain.transitions import ProposalState
from signoff.service.ports import ListingHealth

SEEN_BATCH = 1000


class SqlProposalRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, proposal: Proposal) -> bool:
        exists = self._session.execute(
            select(proposals.c.id).where(
                proposals.c.report_url == proposal.report_url, proposals.c.office == proposal.office
            )
        ).first()
        if exists is not None:
            return False
        try:
            with self._session.begin_nested():
                new_id = self._session.execute(
                    insert(proposals).values(**self._row(proposal)).returning(proposals.c.id)
                ).scalar_one()
        except IntegrityError:
            return False  # another watcher proposed it in the meantime
        proposal.id = int(new_id)
        return True

    def get(self, proposal_id: int, *, for_update: bool = False) -> Proposal:
        query = select(proposals).where(proposals.c.id == proposal_id)
        if for_update:
            query = query.with_for_update()
        row = self._session.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"there is no proposal #{proposal_id}")
        return self._proposal(row)

    def save(self, proposal: Proposal) -> None:
        row = self._row(proposal)
        result = self._session.execute(
            update(proposals)
            .where(
                proposals.c.id == proposal.id,
                proposals.c.state.in_([s.value for s in states_it_may_be_saved_over(proposal.state)]),
            )
            .values(
                intake=row["intake"],
                state=row["state"],
                decided_by=row["decided_by"],
                decided_at=row["decided_at"],
                dismissed_because=row["dismissed_because"],
                signoff_id=row["signoff_id"],
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrencyConflict(
                f"proposal #{proposal.id} was started or dismissed by someone else at the same moment; "
                "nothing was saved"
            )

    def for_office(self, office: str, *, open_only: bool = True) -> list[Proposal]:
        query = select(proposals).where(proposals.c.office == office)
        if open_only:
            query = query.where(proposals.c.state == ProposalState.PROPOSED.value)
        rows = self._session.execute(query.order_by(proposals.c.published_on.desc(), proposals.c.id))
        return [self._proposal(row) for row in rows.mappings()]

    def seen(self, report_urls: Sequence[str]) -> set[str]:
        found: set[str] = set()
        urls = list(report_urls)
        # In batches: a listing may name tens of thousands of reports, and one IN of them all passes
        # PostgreSQL's 65,535 parameters (SQLite's 32,766), failing the whole run.
        for start in range(0, len(urls), SEEN_BATCH):
            batch = urls[start : start + SEEN_BATCH]
            rows = self._session.execute(
                select(watched_reports.c.report_url).where(watched_reports.c.report_url.in_(batch))
            )
            found.update(str(url) for (url,) in rows)
        return found

    def mark_seen(self, report_url: str, title: str, outcome: str, now: datetime) -> None:
        if self.seen([report_url]):
            return
        self._session.execute(
            insert(watched_reports).values(report_url=report_url, title=title, outcome=outcome, seen_at=now)
        )

    def listing_health(self, url: str) -> ListingHealth:
        row = (
            self._session.execute(select(watch_listings).where(watch_listings.c.url == url))
            .mappings()
            .first()
        )
        if row is None:
            return ListingHealth(url=url, failures=0, last_error=None, reported=False)
        return ListingHealth(
            url=url,
            failures=int(row["failures"]),
            last_error=row["last_error"],
            reported=row["reported_at"] is not None,
        )

    def listing_failed(self, url: str, error: str, now: datetime) -> ListingHealth:
        health = self.listing_health(url)
        values = {"failures": health.failures + 1, "last_error": error[:2000], "last_failure_at": now}
        if health.failures == 0 and not self._listing_row_exists(url):
            self._session.execute(insert(watch_listings).values(url=url, **values))
        else:
            self._session.execute(update(watch_listings).where(watch_listings.c.url == url).values(**values))
        return ListingHealth(
            url=url, failures=health.failures + 1, last_error=error, reported=health.reported
        )

    def listing_read(self, url: str, now: datetime) -> None:
        values = {"failures": 0, "last_read_at": now, "reported_at": None}
        if self._listing_row_exists(url):
            self._session.execute(update(watch_listings).where(watch_listings.c.url == url).values(**values))
        else:
            self._session.execute(insert(watch_listings).values(url=url, **values))

    def listing_reported(self, url: str, now: datetime) -> None:
        self._session.execute(
            update(watch_listings).where(watch_listings.c.url == url).values(reported_at=now)
        )

    def _listing_row_exists(self, url: str) -> bool:
        return (
            self._session.execute(select(watch_listings.c.url).where(watch_listings.c.url == url)).first()
            is not None
        )

    @staticmethod
    def _row(proposal: Proposal) -> dict[str, Any]:
        return {
            "report_url": proposal.report_url,
            "office": proposal.office,
            "concern": proposal.concern,
            "title": proposal.intake.title,
            "published_on": proposal.intake.published,
            "intake": proposal.intake.model_dump(mode="json", exclude_defaults=True),
            "flags": [flag.model_dump(mode="json") for flag in proposal.flags],
            "state": proposal.state.value,
            "created_at": proposal.created_at,
            "decided_by": proposal.decided_by,
            "decided_at": proposal.decided_at,
            "dismissed_because": proposal.dismissed_because,
            "signoff_id": proposal.signoff_id,
        }

    @staticmethod
    def _proposal(row: Any) -> Proposal:
        return Proposal(
            id=int(row["id"]),
            report_url=str(row["report_url"]),
            office=str(row["office"]),
            concern=str(row["concern"]),
            intake=Inspection.model_validate(row["intake"], context=STORED_DATA),
            flags=[ReadingFlag.model_validate(flag) for flag in row["flags"]],
            created_at=row["created_at"],
            state=ProposalState(row["state"]),
            decided_by=row["decided_by"],
            decided_at=row["decided_at"],
            dismissed_because=row["dismissed_because"],
            signoff_id=row["signoff_id"],
        )
