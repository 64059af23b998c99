"""The reference sign-off from intake to 'ready to publish', through the service layer, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from signoff.adapters.orm import approval_requests, decisions
from signoff.bootstrap import Application
from signoff.domain.model import Outcome
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, DelegateApprovals
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.signoff_read import section_detail, signoff_detail
from tests.people import ANDREW, DANIEL, JOHN, OWEN, PRIYA, RACHEL, SARAH
from tests.support.story import approve, draft, start_reference

# The reference story's rows, counted and verified by SQL: storage is the subject.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases


def test_reference_signoff_reaches_ready_to_publish(app: Application, clock: FixedClock) -> None:
    signoff_id = start_reference(app)
    plan = signoff_detail(signoff_id, app.deps)
    assert plan.statutory_last_day.isoformat() == "2024-01-04"
    assert [s.key for s in plan.stages] == [
        "report_summary",
        "constabulary_response",
        "commissioner_response",
        "publication",
    ]

    # The chief executive sends the summary back once, with a comment.
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    clock.advance(timedelta(days=1))
    decide(
        Decide(
            signoff_id=signoff_id,
            section="report-summary",
            actor=RACHEL,
            outcome=Outcome.REQUEST_CHANGES,
            comment="Say how Cheshire was graded.",
        ),
        app.deps,
    )
    summary = section_detail(signoff_id, "report-summary", app.deps)
    assert summary.section.state == "changes_requested"
    assert summary.section.holders == [f"Owen Prescott <{OWEN}>"]
    assert (
        draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.\n\nCheshire: adequate.")
        == 2
    )
    approve(app, signoff_id, "report-summary", RACHEL)
    assert signoff_detail(signoff_id, app.deps).current_stage == "constabulary_response"

    # The force: the lead approves AFI-1, then an edit asks him again and shows what changed.
    clock.advance(timedelta(days=5))
    draft(app, signoff_id, "finding-afi-1", PRIYA, "We rolled out improved training.")
    draft(app, signoff_id, "constabulary-response", PRIYA, '"We proactively target criminals at all levels."')
    approve(app, signoff_id, "finding-afi-1", DANIEL)
    draft(
        app,
        signoff_id,
        "finding-afi-1",
        PRIYA,
        "We rolled out improved training.\nWe moved our 4P plans onto a new platform.",
    )
    afi = section_detail(signoff_id, "finding-afi-1", app.deps)
    assert afi.section.state == "in_approval"
    assert [r.state for r in afi.section.requests] == ["pending"]
    [changes] = afi.changes_since_approved.values()
    assert "+We moved our 4P plans onto a new platform." in changes
    approve(app, signoff_id, "finding-afi-1", DANIEL)

    # The chief constable is away: his deputy decides on his behalf.
    delegate_approvals(
        DelegateApprovals(
            from_person=ANDREW,
            to_person=SARAH,
            starts_at=clock.now(),
            ends_at=clock.now() + timedelta(days=14),
            reason="annual leave",
            by=ANDREW,
        ),
        app.deps,
    )
    result = decide(
        Decide(signoff_id=signoff_id, section="constabulary-response", actor=SARAH, outcome=Outcome.APPROVE),
        app.deps,
    )
    assert result.on_behalf_of == f"Andrew Kershaw <{ANDREW}>"

    clock.advance(timedelta(days=10))
    draft(app, signoff_id, "commissioner-response", OWEN, "Cheshire has a strong track record.")
    approve(app, signoff_id, "commissioner-response", JOHN)

    final = signoff_detail(signoff_id, app.deps)
    assert final.state == "ready_to_publish"
    assert [s.state for s in final.stages] == ["complete", "complete", "complete", "open"]
    constabulary = section_detail(signoff_id, "constabulary-response", app.deps)
    assert constabulary.section.requests[0].on_behalf_of == f"Andrew Kershaw <{ANDREW}>"

    report = verify_audit(signoff_id, app.deps)
    assert report.intact, report.problems
    assert report.events > 20


def test_audit_verification_fails_after_a_row_is_altered_by_hand(app: Application) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "First text.")
    approve(app, signoff_id, "report-summary", RACHEL)
    assert verify_audit(signoff_id, app.deps).intact

    with app.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_events SET subject = 'something else' WHERE signoff_id = :id AND seq = 3"),
            {"id": signoff_id},
        )
    report = verify_audit(signoff_id, app.deps)
    assert not report.intact
    assert any("event 3" in problem and "altered" in problem for problem in report.problems)


def test_audit_verification_fails_after_the_last_row_is_deleted(app: Application) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "First text.")
    with app.engine.begin() as connection:
        last = connection.execute(
            text("SELECT max(seq) FROM audit_events WHERE signoff_id = :id"), {"id": signoff_id}
        ).scalar_one()
        connection.execute(
            text("DELETE FROM audit_events WHERE signoff_id = :id AND seq = :seq"),
            {"id": signoff_id, "seq": last},
        )
    report = verify_audit(signoff_id, app.deps)
    assert not report.intact


def test_one_decision_row_per_decided_request(app: Application) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Text.")
    approve(app, signoff_id, "report-summary", RACHEL)
    with app.engine.connect() as connection:
        decided = connection.execute(
            select(func.count()).select_from(approval_requests).where(approval_requests.c.state == "approved")
        ).scalar_one()
        recorded = connection.execute(select(func.count()).select_from(decisions)).scalar_one()
    assert decided == recorded == 1
