"""Queue, in the same transaction, the emails that a change's new audit events call for."""

from __future__ import annotations

from datetime import datetime

from signoff.domain.notifications import Links, NoticeBuilder, NotificationRules
from signoff.service.ports import UnitOfWork


def queue_notices_for_new_events(
    uow: UnitOfWork, rules: NotificationRules, links: Links, now: datetime
) -> int:
    """Called by the unit of work just before it commits; returns how many emails were queued."""
    changed = [s for s in uow.signoffs.seen if s.new_audit_events]
    if not changed:
        return 0
    builder = NoticeBuilder(rules, uow.directory.roster(), links)
    notices = [
        notice for signoff in changed for notice in builder.for_events(signoff, signoff.new_audit_events)
    ]
    return uow.outbox.add(notices, now)
