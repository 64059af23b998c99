"""What Prefect sees of mail that does not go: events for each refused and failed email and for an
unreachable mail server, a deliver-mail run that ends Failed when the server cannot be reached, and the
counts on every run; and of deadlines: a sign-off overdue, or with its statutory deadline at risk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from prefect.events import Event
from prefect.events.clients import AssertingEventsClient
from prefect.events.worker import EventsWorker

from flows.signoff_flows import deadline_sweep_flow, deliver_mail_flow, publish_signoff_flow
from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import HANNAH, OWEN, RACHEL
from tests.publication.reference import ready_to_publish
from tests.smtp_server import SmtpServer
from tests.support.story import draft, drive_reference, start_reference


class Recorded:
    """The events the flows emitted, as Prefect's own test harness records them (no server needed)."""

    def __init__(self, worker: EventsWorker) -> None:
        self._worker = worker

    def signoff(self) -> list[Event]:
        self._worker.wait_until_empty()
        recorded = [e for client in AssertingEventsClient.all for e in client.events]
        return [e for e in recorded if e.event.startswith("signoff.")]


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorded]:
    AssertingEventsClient.reset()
    worker = EventsWorker.instance(AssertingEventsClient)
    monkeypatch.setattr(EventsWorker, "instance", lambda *_: worker)
    try:
        yield Recorded(worker)
    finally:
        worker.drain()
        AssertingEventsClient.reset()


def test_refused_and_failed_email_and_an_unreachable_server_are_events_and_the_run_fails(
    smtp: tuple[SmtpServer, Application], events: Recorded, clock: FixedClock
) -> None:
    server, app = smtp
    server.inbox.refuse[OWEN] = "550 5.1.1 no such mailbox"  # for good
    signoff_id = start_reference(app)  # queues Owen's drafting email

    result = deliver_mail_flow()
    assert isinstance(result, dict)
    assert (result["sent"], result["failed"], result["unreachable"]) == (0, 1, False)
    [failed] = events.signoff()
    assert failed.event == "signoff.email.failed"
    assert failed.payload["event"] == "drafting_assigned"
    assert "550" in failed.payload["error"]
    assert f"signoff.signoff.{signoff_id}" in {r.id for r in failed.related}

    server.inbox.refuse.clear()
    server.inbox.refuse[RACHEL] = "451 4.3.0 try again later"  # for now
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")  # queues Rachel's approval request
    result = deliver_mail_flow()
    assert isinstance(result, dict)
    assert result["retrying"] == 1
    assert [e.event for e in events.signoff()] == ["signoff.email.failed", "signoff.email.refused"]

    server.stop()
    clock.advance(timedelta(hours=2))  # Rachel's email is due to be tried again
    state = deliver_mail_flow(return_state=True)
    assert state.is_failed()
    assert "cannot be reached" in str(state.message)
    unreachable = events.signoff()[-1]
    assert unreachable.event == "signoff.smtp.unreachable"
    assert unreachable.resource.id == "signoff.smtp"


def test_a_publication_is_an_event(smtp: tuple[SmtpServer, Application], events: Recorded) -> None:
    _, app = smtp
    signoff_id = ready_to_publish(app)
    publish_signoff_flow(signoff_id, HANNAH)
    [done] = [e for e in events.signoff() if e.event == "signoff.publication.done"]
    assert done.resource.id == f"signoff.signoff.{signoff_id}"
    assert done.payload["version"] == 1


def test_the_relay_tells_prefect_of_an_outage_once_and_again_only_after_a_while(events: Recorded) -> None:
    """The relay tries every half second: one event per attempt flooded the administrators' notifications."""
    from flows.events import RelayEvents
    from signoff.service.handlers.deliver_mail import DeliveryReport

    seconds = [0.0]
    relay_events = RelayEvents(remind_after_seconds=900, monotonic=lambda: seconds[0])
    down = DeliveryReport(problem="the mail server at 127.0.0.1:1 cannot be reached")
    for _attempt in range(20):  # ten seconds of attempts
        relay_events(down)
        seconds[0] += 0.5
    seconds[0] = 901.0
    relay_events(down)  # still down a quarter of an hour later: told again
    relay_events(DeliveryReport(sent=3))  # back
    relay_events(down)  # down again: a new outage, told at once
    unreachable = [e for e in events.signoff() if e.event == "signoff.smtp.unreachable"]
    assert len(unreachable) == 3


def test_the_sweep_tells_prefect_of_an_overdue_sign_off_and_a_statutory_deadline_at_risk_once(
    smtp: tuple[SmtpServer, Application], events: Recorded, clock: FixedClock
) -> None:
    _, app = smtp
    signoff_id = drive_reference(app, clock)  # every approval in, not yet published
    publish_by = signoff_detail(signoff_id, app.deps).publish_by
    clock.set(datetime.combine(publish_by + timedelta(days=1), time(12), tzinfo=UTC))
    deadline_sweep_flow()
    deadline_sweep_flow()  # nothing new to tell: no second event
    told = sorted(
        (e.event, e.resource.id) for e in events.signoff() if e.event.startswith("signoff.signoff.")
    )
    assert told == [
        ("signoff.signoff.at-risk", f"signoff.signoff.{signoff_id}"),
        ("signoff.signoff.overdue", f"signoff.signoff.{signoff_id}"),
    ]
