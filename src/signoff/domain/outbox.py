"""An email waiting to go: a row written with the change that caused it, sent at least once, never dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from signoff.domain.errors import InvalidTransition
from signoff.domain.notifications import DeliveryPolicy, Notice, NoticeEvent, Recipient
from signoff.domain.transitions import OUTBOX_TRANSITIONS, OutboxEvent, OutboxState, fire
from signoff.domain.vocabulary import NoticeContext

MAX_ERROR_LENGTH = 1000


class OutgoingEmail:
    id: int | None

    def __init__(
        self, notice: Notice, now: datetime, message: bytes | None, problem: str | None = None
    ) -> None:
        self.id = None
        self.idempotency_key = notice.key
        self.event = notice.event
        self.signoff_id = notice.signoff_id
        self.organisation = notice.organisation
        self.recipient_email = notice.recipient.email
        self.recipient_name = notice.recipient.name
        self.context: NoticeContext = notice.context
        self.state = OutboxState.QUEUED
        self.attempts = 0
        self.created_at = now
        self.next_attempt_at = now
        self.lease_owner: str | None = None
        self.lease_until: datetime | None = None
        self.last_error: str | None = None
        self.sent_at: datetime | None = None
        # The message exactly as it goes on the wire. None until rendered: a change queues its emails in
        # its own transaction and they are rendered just after it commits (render_queued), outside it.
        self.message = message
        if problem is not None:
            self.render_failed(problem)

    def render_failed(self, problem: str) -> None:
        """The templates could not render it: failed, kept, and retried once the template is fixed."""
        self._fire(OutboxEvent.GIVE_UP)
        self.last_error = problem[:MAX_ERROR_LENGTH]

    def as_notice(self) -> Notice:
        """The notice this email was queued for, to render it (again) from what is stored."""
        return Notice(
            event=NoticeEvent(self.event),
            recipient=Recipient(email=self.recipient_email, name=self.recipient_name),
            signoff_id=self.signoff_id,
            key=self.idempotency_key,
            context=self.context,
            organisation=self.organisation,
        )

    def _fire(self, event: OutboxEvent) -> None:
        self.state = fire(OUTBOX_TRANSITIONS, "outgoing email", self.state, event)

    def claimable(self, now: datetime) -> bool:
        if self.state is OutboxState.QUEUED:
            return self.message is not None and self.next_attempt_at <= now
        return self.state is OutboxState.SENDING and self.lease_until is not None and self.lease_until <= now

    def claim(self, owner: str, now: datetime, policy: DeliveryPolicy) -> None:
        if not self.claimable(now):
            raise InvalidTransition(
                f"email #{self.id} is {self.state.value} and not due; it cannot be claimed"
            )
        self._fire(OutboxEvent.CLAIM)
        self.lease_owner = owner
        self.lease_until = now + timedelta(seconds=policy.lease_seconds)

    def delivered(self, now: datetime) -> None:
        self._fire(OutboxEvent.DELIVERED)
        self.attempts += 1
        self.sent_at = now
        self.last_error = None
        self._clear_lease()

    def attempt_failed(self, error: str, now: datetime, policy: DeliveryPolicy, *, permanent: bool) -> None:
        """A transient failure waits and tries again; the last try, or a permanent refusal, fails it."""
        self.attempts += 1
        self.last_error = error[:MAX_ERROR_LENGTH]
        self._clear_lease()
        if permanent or self.attempts >= policy.max_attempts:
            self._fire(OutboxEvent.GIVE_UP)
            return
        self._fire(OutboxEvent.RETRY_LATER)
        self.next_attempt_at = now + timedelta(seconds=policy.retry_delay(self.attempts))

    def withhold(self, reason: str) -> None:
        """Not sent, for good, and kept with why: the work it asks for is no longer wanted."""
        self._fire(OutboxEvent.WITHHOLD)
        self.last_error = reason[:MAX_ERROR_LENGTH]
        self._clear_lease()

    def release(self, error: str) -> None:
        """Back to the queue untouched: the server was not reached, so this was no attempt at all."""
        self._fire(OutboxEvent.RELEASE)
        self.last_error = error[:MAX_ERROR_LENGTH]
        self._clear_lease()

    def requeue(self, now: datetime, message: bytes | None = None) -> None:
        """Back in the queue; a message that never rendered needs its rendering now."""
        if message is not None:
            self.message = message
        if self.message is None:
            raise InvalidTransition(f"email #{self.id} has no rendered message to send; render it first")
        self._fire(OutboxEvent.REQUEUE)
        self.attempts = 0
        self.next_attempt_at = now

    def _clear_lease(self) -> None:
        self.lease_owner = None
        self.lease_until = None

    @property
    def notice_event(self) -> NoticeEvent:
        return NoticeEvent(self.event)
