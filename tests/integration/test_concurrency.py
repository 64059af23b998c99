"""Racing writers: one decision per request, whoever wins; no update is lost. On both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from signoff.adapters.orm import decisions, delegations, outbox
from signoff.bootstrap import Application
from signoff.domain.errors import (
    AlreadyDecided,
    ConcurrencyConflict,
    InvalidInput,
    SignoffError,
)
from signoff.domain.model import Outcome
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, DelegateApprovals
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.sign_in import (
    RequestSignIn,
    SignInPolicy,
    TooManyRequests,
    request_sign_in_link,
)
from signoff.service.queries.signoff_read import section_detail
from tests.people import CLAIRE, DANIEL, OWEN, PRIYA, RACHEL
from tests.support.story import draft, start_peel, start_reference

# Locking is the subject: row locks on PostgreSQL, BEGIN IMMEDIATE on SQLite.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases


def race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions at the same instant on separate threads (separate connections)."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            outcomes[index] = action()
        except SignoffError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def count_decisions(app: Application) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(decisions)).scalar_one())


@pytest.mark.parametrize("attempt", range(3))
def test_two_racing_decisions_on_one_request_record_exactly_one(app: Application, attempt: int) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, f"Summary, try {attempt}.")
    approve = Decide(signoff_id=signoff_id, section="report-summary", actor=RACHEL, outcome=Outcome.APPROVE)
    send_back = Decide(
        signoff_id=signoff_id,
        section="report-summary",
        actor=RACHEL,
        outcome=Outcome.REQUEST_CHANGES,
        comment="Shorter, please.",
    )

    outcomes = race(lambda: decide(approve, app.deps), lambda: decide(send_back, app.deps))

    refused = [o for o in outcomes if isinstance(o, AlreadyDecided)]
    recorded = [o for o in outcomes if not isinstance(o, SignoffError)]
    assert len(recorded) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert "already decided" in str(refused[0])
    assert count_decisions(app) == 1


def test_when_any_one_of_two_may_approve_a_race_records_one_and_refuses_the_other(
    app: Application, clock: FixedClock
) -> None:
    # PEEL AFI-3 names no lead: any strategic lead of the force may approve it.
    signoff_id = start_peel(app, clock)
    draft(app, signoff_id, "finding-afi-3", PRIYA, "Our response to AFI-3.")

    outcomes = race(
        *(
            lambda who=who: decide(
                Decide(signoff_id=signoff_id, section="finding-afi-3", actor=who, outcome=Outcome.APPROVE),
                app.deps,
            )
            for who in (DANIEL, CLAIRE)
        )
    )

    assert sum(not isinstance(o, SignoffError) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, AlreadyDecided) for o in outcomes) == 1, outcomes
    detail = section_detail(signoff_id, "finding-afi-3", app.deps)
    assert detail.section.state == "approved"
    assert sorted(r.state for r in detail.section.requests) == ["approved", "cancelled"]


def test_parallel_approvals_of_different_sections_lose_nothing(app: Application, clock: FixedClock) -> None:
    signoff_id = start_peel(app, clock)
    sections = ["finding-coc-1", "finding-r-1", "finding-r-2"]
    for key in sections:
        draft(app, signoff_id, key, PRIYA, f"Response to {key}.")

    outcomes = race(
        *(
            lambda key=key: decide(
                Decide(signoff_id=signoff_id, section=key, actor=CLAIRE, outcome=Outcome.APPROVE), app.deps
            )
            for key in sections
        )
    )

    assert not [o for o in outcomes if isinstance(o, SignoffError)], outcomes
    assert all(section_detail(signoff_id, key, app.deps).section.state == "approved" for key in sections)
    assert count_decisions(app) == 1 + len(sections)


def test_a_write_from_a_stale_copy_is_refused(app: Application, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip(
            "SQLite takes the write lock at BEGIN IMMEDIATE, so no two writers ever hold a copy at once"
        )
    signoff_id = start_reference(app)
    now = datetime(2023, 11, 10, 12, 0, tzinfo=UTC)
    first = app.deps.new_unit_of_work().__enter__()
    second = app.deps.new_unit_of_work().__enter__()
    try:
        mine = first.signoffs.get(signoff_id)
        theirs = second.signoffs.get(signoff_id)
        person = first.directory.person(OWEN)
        mine.submit_revision("report-summary", person.id, "Mine.", now)
        theirs.submit_revision("report-summary", person.id, "Theirs.", now)
        first.commit()
        with pytest.raises(ConcurrencyConflict):
            second.commit()
    finally:
        first.__exit__(None, None, None)
        second.__exit__(None, None, None)
    assert section_detail(signoff_id, "report-summary", app.deps).body == "Mine."


def count_live_delegations(app: Application) -> int:
    with app.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(delegations).where(delegations.c.revoked_at.is_(None))
            ).scalar_one()
        )


def away(app: Application, from_person: str, to_person: str, clock: FixedClock) -> Callable[[], object]:
    starts = clock.now()
    command = DelegateApprovals(
        from_person=from_person,
        to_person=to_person,
        starts_at=starts,
        ends_at=starts + timedelta(days=5),
        reason="Leave",
        by=from_person,
    )
    return lambda: delegate_approvals(command, app.deps)


@pytest.mark.parametrize("pair", ["twice", "crossed"])
def test_two_delegations_made_at_once_make_one(app: Application, clock: FixedClock, pair: str) -> None:
    """A double click makes one delegation, told once; two people delegating to each other at once leave
    one of them here (each check reads the other's delegations: both passed them)."""
    second = away(app, DANIEL, CLAIRE, clock) if pair == "twice" else away(app, CLAIRE, DANIEL, clock)
    outcomes = race(away(app, DANIEL, CLAIRE, clock), second)
    assert count_live_delegations(app) == 1, outcomes
    assert sum(isinstance(o, InvalidInput) for o in outcomes) == 1, outcomes


def test_sign_in_links_asked_for_at_once_stay_within_the_addresss_limit(app: Application) -> None:
    """Twenty asked for one address at the same instant send no more links than the limit: the inbox the
    limit protects is not flooded."""
    policy = SignInPolicy(link_minutes=15, per_address=5, per_client=100)
    asks = [
        (
            lambda n=n: request_sign_in_link(
                RequestSignIn(email=RACHEL, client=f"client-{n}"), app.deps, policy
            )
        )
        for n in range(20)
    ]
    outcomes = race(*asks)
    with app.engine.connect() as connection:
        sent = connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.recipient_email == RACHEL)
        ).scalar_one()
    assert sent == 5, outcomes
    assert sum(isinstance(o, TooManyRequests) for o in outcomes) == 15
