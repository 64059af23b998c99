"""Delivery: what the outbox holds goes out once; a server that cannot be reached keeps the queue."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from signoff.service.commands import WithdrawSignoff
from signoff.service.handlers.administer import withdraw_signoff
from signoff.service.handlers.deliver_mail import deliver_mail
from signoff.service.ports import PreparedEmail, SendOutcome
from tests.people import HANNAH, OWEN
from tests.support.app import InMemoryApp, RecordingMailer
from tests.support.story import EXPECTED, draft, drive_reference, start_reference

SENDER = "Cheshire PCC sign-off <signoff@cheshire-pcc.example.org>"


def test_every_queued_email_is_sent_once(memory: InMemoryApp) -> None:
    drive_reference(memory, memory.clock)
    mailer = RecordingMailer()
    report = deliver_mail(memory.deps, mailer, SENDER)
    assert (report.sent, report.failed, report.problem) == (sum(EXPECTED.values()), 0, None)
    expected: Counter[str] = Counter()
    for (_event, address), count in EXPECTED.items():
        expected[address] += count
    assert Counter(mailer.recipients()) == expected
    assert all(m.sender == "signoff@cheshire-pcc.example.org" for m in mailer.sent)
    assert deliver_mail(memory.deps, mailer, SENDER).sent == 0


def test_an_unreachable_server_sends_nothing_and_keeps_everything_queued(memory: InMemoryApp) -> None:
    drive_reference(memory, memory.clock)
    mailer = RecordingMailer()
    mailer.unreachable = True
    report = deliver_mail(memory.deps, mailer, SENDER)
    assert report.sent == 0
    assert report.problem is not None
    assert "cannot reach" in report.problem
    with memory.unit_of_work() as uow:
        assert uow.outbox.counts() == {"queued": sum(EXPECTED.values())}


def test_a_request_for_work_queued_before_a_withdrawal_is_withheld_not_sent(memory: InMemoryApp) -> None:
    """The mail server was down when Owen was asked to draft; the office then withdrew the sign-off. When
    the server is back, he is told of the withdrawal, not asked for a draft nobody wants; the request is
    kept, withheld, with why."""
    signoff_id = start_reference(memory)
    withdraw_signoff(WithdrawSignoff(signoff_id=signoff_id, reason="Not ours", admin=HANNAH), memory.deps)
    mailer = RecordingMailer()
    report = deliver_mail(memory.deps, mailer, SENDER)
    assert report.withheld == 1
    assert OWEN in mailer.recipients()  # the withdrawal notice
    with memory.unit_of_work() as uow:
        counts = uow.outbox.counts()
        [withheld] = [e for e in memory.store.state.outbox if e.state.value == "withheld"]
    assert counts.get("withheld") == 1
    assert (str(withheld.event), withheld.recipient_email) == ("drafting_assigned", OWEN)
    assert "was withdrawn" in str(withheld.last_error)


class SlowMailer(RecordingMailer):
    """Sends the first message, then takes longer over the next than a third of the lease; meanwhile the
    clock moves on ten minutes (long past the lease as claimed)."""

    def __init__(self, memory: InMemoryApp) -> None:
        super().__init__()
        self.memory = memory
        self.lease_seen: datetime | None = None

    def send(self, messages: Sequence[PreparedEmail], record: Callable[[int, SendOutcome], None]) -> None:
        first, second, *_ = messages
        super().send([first], record)
        self.memory.clock.advance(timedelta(minutes=10))
        time.sleep(4)  # the lease is 10 s: its renewal comes after 3.3 s
        with self.memory.unit_of_work() as uow:
            self.lease_seen = uow.outbox.get(second.id).lease_until
        super().send(messages[1:], record)


def test_a_batch_slower_than_its_lease_keeps_its_lease_and_nothing_is_claimed_twice(
    memory: InMemoryApp,
) -> None:
    """Another deliverer would claim a message whose lease ran out while it was still being sent, and send
    it twice: the lease of what is still unsent is renewed while the batch goes."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")  # two emails at least to send
    rules = memory.deps.load_notification_rules()
    quick = rules.model_copy(update={"delivery": rules.delivery.model_copy(update={"lease_seconds": 10})})
    deps = replace(memory.deps, load_notification_rules=lambda: quick)
    mailer = SlowMailer(memory)
    deliver_mail(deps, mailer, SENDER)
    assert mailer.lease_seen == memory.clock.now() + timedelta(seconds=10)
    assert Counter(m.id for m in mailer.sent).most_common(1)[0][1] == 1


def test_a_batch_all_withheld_does_not_stop_the_delivery_of_what_is_behind_it(memory: InMemoryApp) -> None:
    """A batch of one: the withdrawn sign-off's request fills it; the withdrawal notices behind it still go."""
    signoff_id = start_reference(memory)
    withdraw_signoff(WithdrawSignoff(signoff_id=signoff_id, reason="Not ours", admin=HANNAH), memory.deps)
    rules = memory.deps.load_notification_rules()
    one = rules.model_copy(update={"delivery": rules.delivery.model_copy(update={"batch_size": 1})})
    mailer = RecordingMailer()
    report = deliver_mail(replace(memory.deps, load_notification_rules=lambda: one), mailer, SENDER)
    assert report.withheld == 1
    assert OWEN in mailer.recipients()
