"""Delivery: what the outbox holds goes out once; a server that cannot be reached keeps the queue."""

from __future__ import annotations

from collections import Counter

from signoff.service.handlers.deliver_mail import deliver_mail
from tests.support.app import InMemoryApp, RecordingMailer
from tests.support.story import EXPECTED, drive_reference

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
