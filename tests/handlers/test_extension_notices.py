"""An administrator extends the open stage: whoever it waits for is told the new date (their calendar entry
moves with it); a delegate covering an approver is told too; a stage not yet open tells nobody."""

from __future__ import annotations

from datetime import UTC, date, datetime

from signoff.domain.errors import InvalidInput
from signoff.service.commands import ExtendDueDate
from signoff.service.handlers.administer import extend_due_date
from tests.people import HANNAH, JOHN, OWEN, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import delegate, draft, start_reference

# The reference plan: the summary due Friday 24 November 2023, the constabulary response 8 December.
EXTENDED = "due_date_extended"


def extend(memory: InMemoryApp, signoff_id: int, stage: str, day: date) -> list[tuple[str, str, str, str]]:
    """(recipient, audience, was due, now due) of the extension emails this extension queues."""
    start = len(memory.store.state.outbox)
    extend_due_date(
        ExtendDueDate(signoff_id=signoff_id, stage=stage, new_due_on=day, admin=HANNAH), memory.deps
    )
    return [
        (e.recipient_email, str(e.context["audience"]), str(e.context["previous_due"]), str(e.context["due"]))
        for e in memory.store.state.outbox[start:]
        if str(e.event) == EXTENDED
    ]


def test_the_drafter_hears_of_the_new_date_then_the_approver(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    told = extend(memory, signoff_id, "report_summary", date(2023, 11, 28))
    assert told == [(OWEN, "holder", "Friday 24 November 2023", "Tuesday 28 November 2023")]
    [email] = [e for e in memory.store.state.outbox if str(e.event) == EXTENDED]
    assert email.context["waiting_to"] == "draft"

    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    told = extend(memory, signoff_id, "report_summary", date(2023, 11, 30))
    assert told == [(RACHEL, "holder", "Tuesday 28 November 2023", "Thursday 30 November 2023")]


def test_the_delegate_of_an_approver_away_hears_of_it_too(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    delegate(memory, RACHEL, JOHN, days=60)
    told = extend(memory, signoff_id, "report_summary", date(2023, 11, 28))
    assert [(who, audience) for who, audience, _, _ in told] == [(RACHEL, "holder"), (JOHN, "delegate")]


def test_extending_a_stage_not_yet_open_tells_nobody(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    assert extend(memory, signoff_id, "constabulary_response", date(2023, 12, 15)) == []


def test_a_new_due_date_already_past_is_refused_and_nobody_is_told(memory: InMemoryApp) -> None:
    # A week after the summary was due (Friday 24 November 2023), an administrator types 28 November for
    # 28 December: the stage would be overdue at once, escalated again, with a calendar entry in the past.
    signoff_id = start_reference(memory)
    memory.clock.set(datetime(2023, 12, 1, 10, tzinfo=UTC))
    start = len(memory.store.state.outbox)
    memory.refused(
        lambda: extend(memory, signoff_id, "report_summary", date(2023, 11, 28)),
        InvalidInput,
        "the new due date Tuesday 28 November 2023 has passed (due Tuesday 28 November 2023 at 17:00)",
    )
    # Today, after the working day's end, has passed too; Monday is a day to work to.
    memory.clock.set(datetime(2023, 12, 1, 17, 30, tzinfo=UTC))
    memory.refused(
        lambda: extend(memory, signoff_id, "report_summary", date(2023, 12, 1)), InvalidInput, "has passed"
    )
    assert len(memory.store.state.outbox) == start
    assert extend(memory, signoff_id, "report_summary", date(2023, 12, 4))
