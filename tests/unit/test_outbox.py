"""An outgoing email's life: claimed under a lease, sent once, retried with a capped backoff, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from signoff.domain.errors import InvalidTransition
from signoff.domain.notifications import DeliveryPolicy, Notice, NoticeEvent, NotificationRules, Recipient
from signoff.domain.outbox import OutgoingEmail
from signoff.domain.transitions import OutboxState

NOW = datetime(2023, 11, 20, 9, 0, tzinfo=UTC)
POLICY = DeliveryPolicy(max_attempts=4, first_retry_seconds=60, max_retry_seconds=150, lease_seconds=300)


def email() -> OutgoingEmail:
    notice = Notice(
        event=NoticeEvent.REMINDER,
        recipient=Recipient(email="a@example.org", name="A"),
        signoff_id=1,
        key="k",
        context={},
    )
    return OutgoingEmail(notice, NOW, b"Subject: hello\r\n\r\nbody\r\n")


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [POLICY.retry_delay(n) for n in range(1, 5)] == [60, 120, 150, 150]


def test_a_claimed_email_is_not_claimed_again_until_its_lease_runs_out() -> None:
    mail = email()
    mail.claim("one", NOW, POLICY)
    assert mail.state is OutboxState.SENDING
    assert not mail.claimable(NOW + timedelta(seconds=299))
    with pytest.raises(InvalidTransition):
        mail.claim("two", NOW, POLICY)
    mail.claim("two", NOW + timedelta(seconds=300), POLICY)
    assert mail.lease_owner == "two"


def test_transient_failures_retry_later_then_fail_and_an_admin_can_requeue() -> None:
    mail = email()
    now = NOW
    for attempt in range(1, POLICY.max_attempts):
        mail.claim("d", now, POLICY)
        mail.attempt_failed("451 later", now, POLICY, permanent=False)
        assert mail.state is OutboxState.QUEUED
        assert mail.next_attempt_at == now + timedelta(seconds=POLICY.retry_delay(attempt))
        assert not mail.claimable(now)
        now = mail.next_attempt_at
    mail.claim("d", now, POLICY)
    mail.attempt_failed("451 later", now, POLICY, permanent=False)
    assert mail.state is OutboxState.FAILED
    assert mail.last_error == "451 later"
    mail.requeue(now)
    assert mail.state is OutboxState.QUEUED
    assert mail.attempts == 0


def test_a_permanent_refusal_fails_at_once() -> None:
    mail = email()
    mail.claim("d", NOW, POLICY)
    mail.attempt_failed("550 no such mailbox", NOW, POLICY, permanent=True)
    assert mail.state is OutboxState.FAILED
    assert mail.attempts == 1


def test_an_unreachable_server_releases_without_counting_an_attempt() -> None:
    mail = email()
    mail.claim("d", NOW, POLICY)
    mail.release("connection refused")
    assert mail.state is OutboxState.QUEUED
    assert mail.attempts == 0
    assert mail.claimable(NOW)


def test_a_sent_email_cannot_be_sent_again() -> None:
    mail = email()
    mail.claim("d", NOW, POLICY)
    mail.delivered(NOW)
    assert mail.state is OutboxState.SENT
    assert not mail.claimable(NOW + timedelta(days=1))
    with pytest.raises(InvalidTransition):
        mail.requeue(NOW)


def test_a_notice_that_cannot_be_rendered_is_failed_at_once_and_needs_rendering_to_retry() -> None:
    notice = Notice(
        event=NoticeEvent.REMINDER,
        recipient=Recipient(email="a@example.org", name="A"),
        signoff_id=1,
        key="k",
        context={},
    )
    mail = OutgoingEmail(notice, NOW, None, "template reminder.txt, line 3: 'x' is undefined")
    assert mail.state is OutboxState.FAILED
    assert "reminder.txt, line 3" in (mail.last_error or "")
    assert not mail.claimable(NOW)
    with pytest.raises(InvalidTransition, match="no rendered message"):
        mail.requeue(NOW)
    mail.requeue(NOW, b"Subject: fixed\r\n\r\nbody\r\n")
    assert mail.state is OutboxState.QUEUED


def rules(**events: list[str]) -> dict[str, object]:
    return {
        "formal_copies": {
            "hmicfrs": {"name": "HMICFRS", "email": "h@example.org"},
            "home_secretary": {"name": "Home Secretary", "email": "s@example.org"},
        },
        "events": {**{e.value: [] for e in NoticeEvent}, **events},
    }


def test_rules_must_say_who_hears_of_every_event() -> None:
    data = rules()
    del data["events"]["reminder"]  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="reminder"):
        NotificationRules.model_validate(data)


def test_rules_refuse_an_audience_an_event_cannot_have() -> None:
    with pytest.raises(ValidationError, match="approval_requested: cannot tell hmicfrs"):
        NotificationRules.model_validate(rules(approval_requested=["hmicfrs"]))
