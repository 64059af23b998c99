"""Calendar entries in deadline emails: one entry per item and person, updated rather than doubled when
the same item is asked for again, and cancelled when the sign-off is withdrawn (RFC 5545, read back with
icalendar), on SQLite and PostgreSQL."""

from __future__ import annotations

import email
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from signoff.adapters.orm import outbox
from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from signoff.service.commands import Reassign, WithdrawSignoff
from signoff.service.handlers.administer import reassign_request, withdraw_signoff
from signoff.service.handlers.render_queued import render_queued
from tests.people import HANNAH, JOHN, OWEN, RACHEL
from tests.support.story import draft, start_reference

# One stored entry per item and person, updated in place: storage is the subject.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases


def calendars_sent_to(app: Application, address: str, event: str) -> list[Calendar]:
    render_queued(app.deps)  # as the relay does before it sends
    with app.engine.connect() as connection:
        messages = connection.execute(
            select(outbox.c.message)
            .where(outbox.c.recipient_email == address, outbox.c.event == event)
            .order_by(outbox.c.id)
        ).scalars()
        found: list[Calendar] = []
        for raw in messages:
            assert raw is not None, "every queued email has been rendered"
            for part in email.message_from_bytes(bytes(raw)).walk():
                if part.get_content_type() == "text/calendar":
                    found.append(Calendar.from_ical(part.get_payload(decode=True)))
        return found


def only_event(calendar: Calendar) -> dict[str, object]:
    [entry] = calendar.walk("VEVENT")
    return {"uid": str(entry["UID"]), "sequence": int(entry["SEQUENCE"]), "status": entry.get("STATUS")}


def cancelling(cancelled: Calendar, asked: Calendar) -> dict[str, object]:
    """The one entry `cancelled` carries, checked to cancel the one `asked` gave: a CANCEL of the same UID,
    marked CANCELLED, at a later sequence (so that a calendar applies it over the entry it holds)."""
    entry = only_event(cancelled)
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert entry["uid"] == only_event(asked)["uid"]
    assert str(entry["status"]) == "CANCELLED"
    assert int(str(entry["sequence"])) > int(str(only_event(asked)["sequence"]))
    return entry


def test_the_same_item_asked_for_twice_keeps_one_entry_and_a_withdrawal_cancels_it(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "The summary.")
    clock.advance(timedelta(hours=2))
    draft(app, signoff_id, "report-summary", OWEN, "The summary, corrected.")
    asked = calendars_sent_to(app, RACHEL, "approval_requested") + calendars_sent_to(
        app, RACHEL, "approval_invalidated"
    )
    assert len(asked) >= 2, "the approver is asked about each text"
    first, second = only_event(asked[0]), only_event(asked[-1])
    assert all(str(c["METHOD"]) == "PUBLISH" for c in asked)
    assert first["uid"] == second["uid"]
    assert int(str(second["sequence"])) > int(str(first["sequence"]))

    # Another person's entry for the same section is theirs: a different UID.
    [drafting] = calendars_sent_to(app, OWEN, "drafting_assigned")
    assert only_event(drafting)["uid"] != first["uid"]

    clock.advance(timedelta(hours=1))
    withdraw_signoff(WithdrawSignoff(signoff_id=signoff_id, reason="Not for us", admin=HANNAH), app.deps)
    [cancelled] = calendars_sent_to(app, RACHEL, "withdrawn")
    assert str(cancelled["METHOD"]) == "CANCEL"
    entries = {str(e["UID"]): e for e in cancelled.walk("VEVENT")}
    assert first["uid"] in entries
    assert str(entries[first["uid"]]["STATUS"]) == "CANCELLED"
    assert int(entries[first["uid"]]["SEQUENCE"]) > int(str(second["sequence"]))
    # The drafter's entry for the stage goes too.
    [drafter_cancelled] = calendars_sent_to(app, OWEN, "withdrawn")
    assert only_event(drafting)["uid"] in {str(e["UID"]) for e in drafter_cancelled.walk("VEVENT")}


def test_a_reassigned_approver_is_told_and_their_entry_cancelled_while_the_new_one_gets_their_own(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "The summary.")
    [asked] = calendars_sent_to(app, RACHEL, "approval_requested")
    clock.advance(timedelta(hours=1))
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=RACHEL, to_person=JOHN, admin=HANNAH
        ),
        app.deps,
    )
    [cancelled] = calendars_sent_to(app, RACHEL, "approval_reassigned")
    entry = cancelling(cancelled, asked)
    [theirs] = calendars_sent_to(app, JOHN, "approval_requested")
    assert only_event(theirs)["uid"] != entry["uid"]


def test_a_drafter_whose_section_is_reassigned_has_the_stages_entry_cancelled(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = start_reference(app)
    [asked] = calendars_sent_to(app, OWEN, "drafting_assigned")
    clock.advance(timedelta(hours=1))
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=OWEN, to_person=HANNAH, admin=HANNAH
        ),
        app.deps,
    )
    [cancelled] = calendars_sent_to(app, OWEN, "drafting_reassigned")
    entry = cancelling(cancelled, asked)
    [theirs] = calendars_sent_to(app, HANNAH, "drafting_assigned")
    assert only_event(theirs)["uid"] != entry["uid"]
