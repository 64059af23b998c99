"""Queue emails: render each notice now, and store it with the change that caused it, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from signoff.domain.cover import Cover
from signoff.domain.errors import TemplateProblem
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import Links, Notice, NotificationRules
from signoff.domain.outbox import OutgoingEmail
from signoff.service.ports import EmailRenderer, UnitOfWork


def render_for_wire(renderer: EmailRenderer, notice: Notice, now: datetime) -> bytes:
    """The message as SMTP carries it (CRLF line ends); TemplateProblem when a template fails."""
    return renderer.render(
        notice.event,
        notice.context,
        to=notice.recipient.email,
        key=notice.key,
        now=now,
        attachments=notice.attachments,
    )


def queue(uow: UnitOfWork, notices: Sequence[Notice], renderer: EmailRenderer, now: datetime) -> int:
    """`queue_new`, counted."""
    return len(queue_new(uow, notices, renderer, now))


def queue_new(uow: UnitOfWork, notices: Sequence[Notice], renderer: EmailRenderer, now: datetime) -> set[str]:
    """Add the notices to the outbox, in the transaction of the change that caused them; the keys of those
    that were new (a notice queued before is skipped).

    They are rendered just after it commits (handlers.render_queued, which every delivery runs first):
    rendering is most of the cost of a decision, and a transaction should not hold its locks for it. An
    email with attachments (the formal copies, with the PDF) is rendered now, as the attachments are not
    stored apart from the message. One that cannot be rendered is stored as failed, never lost, and never
    blocks the change.
    """
    emails: list[OutgoingEmail] = []
    for notice in notices:
        if not notice.attachments:
            emails.append(OutgoingEmail(notice, now, None))
            continue
        try:
            emails.append(OutgoingEmail(notice, now, render_for_wire(renderer, notice, now)))
        except TemplateProblem as problem:
            emails.append(OutgoingEmail(notice, now, None, problem.message))
    return uow.outbox.add_new(emails)


def queue_notices_for_new_events(
    uow: UnitOfWork, rules: NotificationRules, links: Links, renderer: EmailRenderer, now: datetime
) -> int:
    """Called by the unit of work just before it commits; returns how many emails were queued."""
    changed = [s for s in uow.signoffs.seen if s.new_audit_events]
    if not changed:
        return 0
    builder = NoticeBuilder(rules, uow.directory.roster(), links, Cover.at(uow.delegations.live_at(now), now))
    notices = [
        notice for signoff in changed for notice in builder.for_events(signoff, signoff.new_audit_events)
    ]
    return queue(uow, notices, renderer, now)
