"""A response approved and not yet published is chased: the office's administrators and policy officers are
reminded before the publication stage's due day and told when it has passed; from the escalation moment the
administrators' escalation contact hears too. Each once, and nothing after publishing; another office hears
nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.notifications import Audience, NoticeEvent
from signoff.domain.pipeline import Pipeline
from signoff.service.commands import ExtendDueDate, PublishSignoff
from signoff.service.handlers.administer import extend_due_date
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.queries.attention import AttentionFilter, attention
from signoff.service.queries.signoff_read import signoff_detail
from tests.handlers.test_send_due_notices import reload_with
from tests.people import HANNAH, OWEN, RACHEL
from tests.support.app import InMemoryApp, notification_rules, pipeline
from tests.support.story import draft, drive_reference, start_reference

PUBLISHING = "publication_due"


def publication_due_on(memory: InMemoryApp, signoff_id: int) -> datetime:
    stage = next(s for s in signoff_detail(signoff_id, memory.deps).stages if s.key == "publication")
    return datetime.combine(stage.due_on, time(10), tzinfo=LOCAL_TIME)


def sweep_at(memory: InMemoryApp, moment: datetime) -> list[tuple[str, str]]:
    """(recipient, phase) of the publication emails a sweep at `moment` queues."""
    memory.clock.set(moment)
    start = len(memory.store.state.outbox)
    send_due_notices(memory.deps)
    return [
        (e.recipient_email, str(e.context["phase"]))
        for e in memory.store.state.outbox[start:]
        if str(e.event) == PUBLISHING
    ]


def test_an_approved_response_is_chased_until_it_is_published(memory: InMemoryApp) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    due = publication_due_on(memory, signoff_id)
    # Ready to publish weeks before the day: nothing yet.
    assert sweep_at(memory, due - timedelta(days=14)) == []
    # Two working days before: the administrator and the policy officer, once.
    reminded = sweep_at(memory, due - timedelta(days=1))
    assert (HANNAH, "reminder") in reminded
    assert (OWEN, "reminder") in reminded
    assert all(phase == "reminder" for _, phase in reminded)
    assert sweep_at(memory, due - timedelta(hours=20)) == []
    # The day passed: overdue to them; the administrator's escalation contact (the chief executive) too.
    chased = sweep_at(memory, due + timedelta(days=1))
    assert {(HANNAH, "overdue"), (OWEN, "overdue"), (RACHEL, "escalation")} <= set(chased)
    assert sweep_at(memory, due + timedelta(days=2)) == []
    # Every recipient is of the office: another office's people and the force hear nothing.
    assert all(email.endswith("@cheshire-pcc.example.org") for email, _ in reminded + chased)

    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=OWEN), memory.deps)
    assert sweep_at(memory, due + timedelta(days=5)) == []


def test_with_no_escalation_contact_the_administrators_hear_as_with_any_escalation(
    memory: InMemoryApp,
) -> None:
    rules = notification_rules()
    only_contacts = rules.model_copy(
        update={"events": {**rules.events, NoticeEvent.PUBLICATION_DUE: [Audience.ESCALATION_CONTACT]}}
    )
    memory.deps = replace(memory.deps, load_notification_rules=lambda: only_contacts)
    signoff_id = drive_reference(memory, memory.clock)

    def nobody_names_a_contact(data: dict[str, Any]) -> None:
        for someone in data["people"]:
            someone["escalation_contact"] = None

    reload_with(memory, nobody_names_a_contact)
    due = publication_due_on(memory, signoff_id)
    assert sweep_at(memory, due - timedelta(days=1)) == []  # reminders are not asked for
    assert sweep_at(memory, due + timedelta(days=1)) == [(HANNAH, "overdue")]


def test_the_administration_page_lists_it_until_it_is_published(memory: InMemoryApp) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    memory.clock.set(publication_due_on(memory, signoff_id) + timedelta(days=1))
    [ready] = attention(HANNAH, AttentionFilter(), memory.deps).ready
    assert (ready.signoff_id, "overdue" in ready.flags) == (signoff_id, True)
    assert attention("fiona.dixon@cumbria-pcc.example.org", AttentionFilter(), memory.deps).ready == []
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=OWEN), memory.deps)
    assert attention(HANNAH, AttentionFilter(), memory.deps).ready == []


def test_on_the_due_days_morning_it_is_not_yet_overdue_nor_escalated(memory: InMemoryApp) -> None:
    # The publication stage escalates after no working days: its escalation moment is the due day's
    # morning, but the response is not late until the day's due time.
    signoff_id = drive_reference(memory, memory.clock)
    due = publication_due_on(memory, signoff_id)  # 10:00 on the due day
    on_the_morning = sweep_at(memory, due)
    assert (HANNAH, "reminder") in on_the_morning
    assert {phase for _, phase in on_the_morning} == {"reminder"}
    assert (RACHEL, "escalation") in sweep_at(memory, due + timedelta(hours=8))


def test_a_holders_escalation_waits_for_the_due_moment_too(memory: InMemoryApp) -> None:
    data = pipeline().model_dump(mode="json", exclude_none=True)
    data["stages"][0]["escalate_after_working_days"] = 0
    same_day = Pipeline.model_validate(data)
    memory.deps = replace(memory.deps, load_pipeline=lambda: same_day)
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    due_on = signoff_detail(signoff_id, memory.deps).stages[0].due_on

    def sweep(hour: int) -> list[str]:
        memory.clock.set(datetime.combine(due_on, time(hour), tzinfo=LOCAL_TIME))
        start = len(memory.store.state.outbox)
        send_due_notices(memory.deps)
        return [str(e.event) for e in memory.store.state.outbox[start:]]

    assert "escalation" not in sweep(10)
    assert "escalation" in sweep(18)


def test_the_sweep_reports_overdue_and_at_risk_sign_offs_when_it_first_tells_someone(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    due_on = signoff_detail(signoff_id, memory.deps).stages[0].due_on
    memory.clock.set(datetime.combine(due_on + timedelta(days=1), time(10), tzinfo=LOCAL_TIME))
    first = send_due_notices(memory.deps)
    assert (first.overdue, first.at_risk) == ([signoff_id], [])  # the statutory day is weeks away
    again = send_due_notices(memory.deps)
    assert (again.overdue, again.at_risk) == ([], [])  # told once


def test_an_approved_response_nearing_its_publish_by_day_is_reported_at_risk(memory: InMemoryApp) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    due = publication_due_on(memory, signoff_id)
    memory.clock.set(due - timedelta(days=1))
    reminded = send_due_notices(memory.deps)
    assert (reminded.overdue, reminded.at_risk) == ([], [signoff_id])
    memory.clock.set(due + timedelta(days=1))
    late = send_due_notices(memory.deps)
    assert (late.overdue, late.at_risk) == ([signoff_id], [signoff_id])


def test_an_approved_responses_publication_day_can_be_moved_and_its_reminder_comes_again(
    memory: InMemoryApp,
) -> None:
    """Approved, the office moves its publication day: the extension is taken (it was refused as "ready to
    publish; it takes no more changes"), and the reminder comes before the new day as before the old one."""
    signoff_id = drive_reference(memory, memory.clock)
    due = publication_due_on(memory, signoff_id)
    assert (HANNAH, "reminder") in sweep_at(memory, due - timedelta(days=1))
    new_day = date(2024, 1, 11)  # a week past the statutory last day: confirmed, as every such extension is
    extend_due_date(
        ExtendDueDate(
            signoff_id=signoff_id,
            stage="publication",
            new_due_on=new_day,
            admin=HANNAH,
            allow_past_statutory=True,
        ),
        memory.deps,
    )
    assert publication_due_on(memory, signoff_id).date() == new_day
    assert (HANNAH, "overdue") not in sweep_at(memory, due + timedelta(hours=8))  # the old day is not late
    new_due = publication_due_on(memory, signoff_id)
    assert (HANNAH, "reminder") in sweep_at(memory, new_due - timedelta(days=1))
