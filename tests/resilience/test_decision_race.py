"""Fifty clients deciding at the same instant, on SQLite and PostgreSQL: one decision per request
whoever wins, every other attempt refused with a SignoffError, and no proper decision lost.

Each client is a thread calling the `decide` handler on the same Application, which opens its own
unit of work (its own connection and transaction) per call, as the web app and the API do.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from signoff.adapters.orm import approval_requests, audit_events, decisions, people, sections
from signoff.bootstrap import Application
from signoff.domain.errors import (
    AlreadyDecided,
    ConcurrencyConflict,
    InvalidTransition,
    NotPermitted,
    SignoffError,
)
from signoff.domain.model import Outcome
from signoff.domain.transitions import RequestState, SectionState
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, SubmitRevision
from signoff.service.handlers.decide import DecisionRecorded, decide
from signoff.service.handlers.submit_revision import submit_revision
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.signoff_read import section_detail
from tests.people import ANDREW, CLAIRE, DANIEL, JOHN, OWEN, PRIYA, RACHEL, SARAH
from tests.resilience.harness import report as report_line
from tests.support.story import draft, start_peel, start_reference

# Racing transactions are the subject.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases

CLIENTS = 50
# What a losing client may be told. Anything else (or any exception that is not a SignoffError) fails.
CLEAN_REFUSALS = (AlreadyDecided, InvalidTransition, ConcurrencyConflict, NotPermitted)


@dataclass(frozen=True)
class Attempt:
    who: str
    section: str
    outcome: Outcome
    # When given, the attempt submits this text as a new revision instead of deciding.
    text: str | None = None

    def command(self, signoff_id: int) -> Decide | SubmitRevision:
        if self.text is not None:
            return SubmitRevision(
                signoff_id=signoff_id, section=self.section, author=self.who, body=self.text
            )
        comment = "" if self.outcome is Outcome.APPROVE else f"Changes, please ({self.who})."
        return Decide(
            signoff_id=signoff_id, section=self.section, actor=self.who, outcome=self.outcome, comment=comment
        )


def race(app: Application, signoff_id: int, attempts: list[Attempt]) -> list[object]:
    """Every attempt on its own thread, released at one instant; each outcome, or the exception raised."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def client(index: int, attempt: Attempt) -> None:
        command = attempt.command(signoff_id)
        barrier.wait()
        try:
            if isinstance(command, SubmitRevision):
                outcomes[index] = Submitted(submit_revision(command, app.deps))
            else:
                outcomes[index] = decide(command, app.deps)
        except BaseException as error:  # recorded: the test fails on anything but a SignoffError
            outcomes[index] = error

    threads = [threading.Thread(target=client, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "a client is still waiting after two minutes"
    return outcomes


@dataclass(frozen=True)
class Submitted:
    revision: int


def tally(outcomes: list[object]) -> Counter[str]:
    names = {DecisionRecorded: "recorded", Submitted: "submitted"}
    return Counter(names.get(type(o), type(o).__name__) for o in outcomes)


def assert_only_clean_refusals(outcomes: list[object], counts: Counter[str]) -> None:
    unclean = [o for o in outcomes if not isinstance(o, DecisionRecorded | Submitted | SignoffError)]
    assert not unclean, f"{counts}: not refused cleanly: {unclean[:3]!r}"
    odd = [o for o in outcomes if isinstance(o, SignoffError) and not isinstance(o, CLEAN_REFUSALS)]
    assert not odd, f"{counts}: unexpected refusals {odd[:3]!r}"
    assert all(str(o).strip() for o in outcomes if isinstance(o, SignoffError)), counts


def recorded_decisions(app: Application, signoff_id: int) -> list[tuple[str, str, str, str]]:
    """(section, approver, decided by, outcome) of every stored decision of the sign-off."""
    approver = people.alias("approver")
    decider = people.alias("decider")
    query = (
        select(sections.c.key, approver.c.email, decider.c.email, decisions.c.outcome)
        .select_from(decisions)
        .join(approval_requests, approval_requests.c.id == decisions.c.request_id)
        .join(sections, sections.c.id == approval_requests.c.section_id)
        .join(approver, approver.c.id == approval_requests.c.approver_id)
        .join(decider, decider.c.id == decisions.c.decided_by_id)
        .order_by(decisions.c.id)
    )
    with app.engine.connect() as connection:
        rows = connection.execute(query).all()
    assert signoff_id >= 1
    return [(row[0], row[1], row[2], str(row[3])) for row in rows]


def decision_events(app: Application, signoff_id: int) -> int:
    query = select(func.count()).where(
        audit_events.c.signoff_id == signoff_id, audit_events.c.action == "decision"
    )
    with app.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def report(name: str, database_url: str, counts: Counter[str]) -> str:
    line = f"{name} on {database_url.split(':', 1)[0]}: {dict(sorted(counts.items()))}"
    report_line(line)
    return line


def test_fifty_clients_deciding_one_request_record_exactly_one(app: Application, database_url: str) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "The summary, to be decided fifty times at once.")
    # The chief executive in fifty browser tabs: half approve, half send it back.
    attempts = [
        Attempt(RACHEL, "report-summary", Outcome.APPROVE if n % 2 else Outcome.REQUEST_CHANGES)
        for n in range(CLIENTS)
    ]

    outcomes = race(app, signoff_id, attempts)

    counts = tally(outcomes)
    line = report("one request, fifty clients", database_url, counts)
    assert_only_clean_refusals(outcomes, counts)
    assert counts["recorded"] == 1, line
    assert counts["AlreadyDecided"] == CLIENTS - 1, line
    [stored] = recorded_decisions(app, signoff_id)
    assert decision_events(app, signoff_id) == 1, line
    [winner] = [attempts[i] for i, o in enumerate(outcomes) if isinstance(o, DecisionRecorded)]
    assert stored == ("report-summary", RACHEL, RACHEL, winner.outcome.value)
    expected_state = "approved" if winner.outcome is Outcome.APPROVE else "changes_requested"
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == expected_state
    audit = verify_audit(signoff_id, app.deps)
    assert audit.intact, audit.problems


# The PEEL example's constabulary stage: who drafts each finding's response and who may approve it.
FINDINGS = {
    "finding-coc-1": CLAIRE,
    "finding-r-1": CLAIRE,
    "finding-r-2": CLAIRE,
    "finding-afi-1": DANIEL,
    "finding-afi-2": DANIEL,
}
# AFI-3 names no lead: either strategic lead may approve it, and only one approval is needed.
EITHER_LEAD = "finding-afi-3"


def test_a_mixed_race_over_many_requests_keeps_every_proper_decision(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    signoff_id = start_peel(app, clock)
    for key in [*FINDINGS, EITHER_LEAD]:
        draft(app, signoff_id, key, PRIYA, f"The force's response to {key}.")
    # The chief constable's section is approved after the findings: drafted now, it waits for them.
    draft(app, signoff_id, "constabulary-response", PRIYA, "The chief constable's comments.")
    assert [
        r.state for r in section_detail(signoff_id, "constabulary-response", app.deps).section.requests
    ] == ["waiting"]

    proper = [Attempt(lead, key, Outcome.APPROVE) for key, lead in FINDINGS.items()]
    # Each lead double-clicks: the same decision sent three times.
    attempts = proper * 3
    # Both strategic leads approve AFI-3 at once, twice each.
    attempts += [Attempt(lead, EITHER_LEAD, Outcome.APPROVE) for lead in (DANIEL, CLAIRE)] * 2
    # The rest are people with no part to play here: the author, PCC staff, the chief constable and
    # deputy, and each lead on the other's findings; approving or sending back.
    keys = [*FINDINGS, EITHER_LEAD]
    intruders = [
        Attempt(who, key, Outcome.APPROVE if n % 2 else Outcome.REQUEST_CHANGES)
        for who in (PRIYA, ANDREW, SARAH, RACHEL, JOHN, OWEN)
        for n, key in enumerate(keys)
    ]
    intruders += [
        Attempt(DANIEL if lead == CLAIRE else CLAIRE, key, Outcome.APPROVE) for key, lead in FINDINGS.items()
    ]
    intruders = intruders[: CLIENTS - len(attempts)]
    attempts += intruders
    assert len(attempts) == CLIENTS

    outcomes = race(app, signoff_id, attempts)

    counts = tally(outcomes)
    line = report("mixed race over six requests", database_url, counts)
    assert_only_clean_refusals(outcomes, counts)
    # One decision per request: each lead's findings, and AFI-3 once, by whichever lead came first.
    assert counts["recorded"] == len(FINDINGS) + 1, line
    assert counts["NotPermitted"] == len(intruders), line
    assert counts["AlreadyDecided"] == CLIENTS - len(intruders) - len(FINDINGS) - 1, line
    for attempt, outcome in zip(attempts, outcomes, strict=True):
        if attempt in intruders:
            assert isinstance(outcome, NotPermitted), f"{attempt}: {outcome!r} ({line})"
    stored = {row[0]: row[1:] for row in recorded_decisions(app, signoff_id)}
    assert len(stored) == len(recorded_decisions(app, signoff_id)), f"two decisions on one section: {line}"
    for key, lead in FINDINGS.items():
        assert stored[key] == (lead, lead, "approve"), (key, stored, line)
    approver, decider, outcome = stored[EITHER_LEAD]
    assert approver == decider in (DANIEL, CLAIRE), (stored, line)
    assert outcome == "approve"
    afi_3 = section_detail(signoff_id, EITHER_LEAD, app.deps).section
    assert sorted(r.state for r in afi_3.requests) == ["approved", "cancelled"], line
    for key in keys:
        assert section_detail(signoff_id, key, app.deps).section.state == "approved", (key, line)
    assert decision_events(app, signoff_id) == len(stored), line

    # The last approval released the chief constable's request, once; his decision closes the stage.
    chief = section_detail(signoff_id, "constabulary-response", app.deps).section
    assert [r.state for r in chief.requests] == ["pending"], line
    decide(
        Decide(signoff_id=signoff_id, section="constabulary-response", actor=ANDREW, outcome=Outcome.APPROVE),
        app.deps,
    )
    assert section_detail(signoff_id, "constabulary-response", app.deps).section.state == "approved"
    audit = verify_audit(signoff_id, app.deps)
    assert audit.intact, audit.problems


def test_approvals_racing_new_revisions_never_approve_text_nobody_approved(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    # A finding of the PEEL example: its stage stays open while the other findings wait, so a new
    # text may follow an approval and must void it.
    signoff_id = start_peel(app, clock)
    key = "finding-afi-1"
    draft(app, signoff_id, key, PRIYA, "The first text.")
    # Twenty-five approvals by the finding's lead while the force liaison submits 25 new texts.
    attempts = [Attempt(DANIEL, key, Outcome.APPROVE)] * 25
    attempts += [Attempt(PRIYA, key, Outcome.APPROVE, text=f"Text number {n}.") for n in range(25)]

    outcomes = race(app, signoff_id, attempts)

    counts = tally(outcomes)
    line = report("approvals racing revisions", database_url, counts)
    assert_only_clean_refusals(outcomes, counts)
    assert counts["submitted"] == 25, line
    assert counts["recorded"] >= 1, line
    assert counts["recorded"] + counts["AlreadyDecided"] == 25, line
    with app.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        _stage, section = signoff.section(key)
        current = section.current_revision
        assert current is not None
        assert current.number == 26, line
        standing = [r for r in section.requests if r.state is RequestState.APPROVED]
        invalidated = [r for r in section.requests if r.state is RequestState.INVALIDATED]
        if section.state is SectionState.APPROVED:
            # The approval that stands is of the text the section holds now, and is the only one.
            [approval] = standing
            assert approval.decision is not None
            assert approval.decision.revision_hash == current.content_hash, line
        else:
            # A new text came after every approval: none of them stands for it.
            assert standing == [], line
            assert section.state is SectionState.IN_APPROVAL, line
        # Every approval but the standing one was voided by a later text.
        assert len(standing) + len(invalidated) == counts["recorded"], line
    assert decision_events(app, signoff_id) == counts["recorded"] + 1, line  # and the summary's
    assert len(recorded_decisions(app, signoff_id)) == counts["recorded"] + 1, line
    audit = verify_audit(signoff_id, app.deps)
    assert audit.intact, audit.problems
