"""`signoff audit verify` catches a hand edit to any row the audit trail records, and names it.

The reference sign-off is taken to publication (with one round of changes requested), then one row
is changed by raw SQL, as someone with database access could: verification must fail and name the
table, the row and the sign-off. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from signoff.bootstrap import Application
from signoff.domain.model import Outcome
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, PublishSignoff
from signoff.service.handlers.decide import decide
from signoff.service.handlers.publish import publish_signoff
from signoff.service.queries.audit_verify import verify_audit
from tests.people import HANNAH, OWEN
from tests.publication.reference import PEOPLE, reference_texts
from tests.support.story import approve, draft, start_reference

# Rows edited by raw SQL, then read back and verified: storage is the subject.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases

PUBLISHING_DAY = datetime(2023, 12, 18, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@dataclass(frozen=True)
class HandEdit:
    table: str
    # Picks the row of this sign-off to edit; `:signoff` is its id.
    pick: str
    change: str


_SECTIONS = "SELECT s.id FROM sections s JOIN stages st ON st.id = s.stage_id WHERE st.signoff_id = :signoff"
_REQUESTS = f"SELECT id FROM approval_requests WHERE section_id IN ({_SECTIONS})"

FORGED = "A text nobody approved."
VALUES = {"forged": FORGED, "forged_hash": hashlib.sha256(FORGED.encode()).hexdigest(), "someone": OWEN}

EDITS = {
    "a revision's text, its hash left alone": HandEdit(
        "revisions",
        f"SELECT min(id) FROM revisions WHERE section_id IN ({_SECTIONS})",
        "UPDATE revisions SET body = body || ' Not what was approved.' WHERE id = :row",
    ),
    "a revision's text and its hash together": HandEdit(
        "revisions",
        f"SELECT max(id) FROM revisions WHERE section_id IN ({_SECTIONS})",
        "UPDATE revisions SET body = :forged, content_hash = :forged_hash WHERE id = :row",
    ),
    "a decision's outcome": HandEdit(
        "decisions",
        f"SELECT min(id) FROM decisions WHERE outcome = 'request_changes' AND request_id IN ({_REQUESTS})",
        "UPDATE decisions SET outcome = 'approve' WHERE id = :row",
    ),
    "a decision's comment": HandEdit(
        "decisions",
        f"SELECT max(id) FROM decisions WHERE request_id IN ({_REQUESTS})",
        "UPDATE decisions SET comment = 'I had reservations.' WHERE id = :row",
    ),
    "who an approval request was for": HandEdit(
        "approval_requests",
        f"SELECT max(id) FROM approval_requests WHERE id IN ({_REQUESTS})",
        "UPDATE approval_requests SET approver_id = (SELECT id FROM people WHERE email = :someone) "
        "WHERE id = :row",
    ),
    "an approval request's state": HandEdit(
        "approval_requests",
        f"SELECT min(id) FROM approval_requests WHERE id IN ({_REQUESTS})",
        "UPDATE approval_requests SET state = 'approved' WHERE id = :row",
    ),
    "a publication's folder": HandEdit(
        "publications",
        "SELECT min(id) FROM publications WHERE signoff_id = :signoff",
        "UPDATE publications SET folder = '/somewhere/else' WHERE id = :row",
    ),
    "an audit event's details": HandEdit(
        "audit_events",
        "SELECT id FROM audit_events WHERE signoff_id = :signoff AND action = 'decision' ORDER BY seq LIMIT 1",
        "UPDATE audit_events SET details = '{}' WHERE id = :row",
    ),
}


def published_with_a_round_of_changes(app: Application, clock: FixedClock) -> int:
    """The reference sign-off, its summary sent back once, approved throughout, and published."""
    texts = reference_texts()
    signoff_id = start_reference(app)
    for section, (author, approver) in PEOPLE.items():
        if section == "report-summary":
            draft(app, signoff_id, section, author, "A first summary.")
            clock.advance(timedelta(hours=2))
            decide(
                Decide(
                    signoff_id=signoff_id,
                    section=section,
                    actor=approver,
                    outcome=Outcome.REQUEST_CHANGES,
                    comment="Say what the inspection found.",
                ),
                app.deps,
            )
            clock.advance(timedelta(hours=2))
        draft(app, signoff_id, section, author, texts[section])
        clock.advance(timedelta(hours=2))
        approve(app, signoff_id, section, approver)
    clock.set(PUBLISHING_DAY)
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)
    return signoff_id


@pytest.mark.parametrize("edit", list(EDITS.values()), ids=list(EDITS))
def test_a_hand_edit_to_any_recorded_row_is_caught_and_named(
    app: Application, clock: FixedClock, edit: HandEdit
) -> None:
    signoff_id = published_with_a_round_of_changes(app, clock)
    honest = verify_audit(signoff_id, app.deps)
    assert honest.intact, honest.problems
    assert honest.unproved == []

    with app.engine.begin() as connection:
        row = connection.execute(text(edit.pick), {"signoff": signoff_id}).scalar_one()
        assert row is not None
        connection.execute(text(edit.change), {"row": row, **VALUES})

    report = verify_audit(signoff_id, app.deps)
    assert not report.intact
    named = [p for p in report.problems if f"{edit.table} row {row} " in p and f"sign-off #{signoff_id}" in p]
    assert named, report.problems


def test_a_row_removed_by_hand_is_caught(app: Application, clock: FixedClock) -> None:
    signoff_id = published_with_a_round_of_changes(app, clock)
    with app.engine.begin() as connection:
        connection.execute(
            text(
                f"DELETE FROM decisions WHERE id = (SELECT max(id) FROM decisions WHERE request_id IN ({_REQUESTS}))"
            ),
            {"signoff": signoff_id},
        )
    report = verify_audit(signoff_id, app.deps)
    assert not report.intact
    assert any(p.startswith("decisions: the decision") and "deleted" in p for p in report.problems), (
        report.problems
    )
