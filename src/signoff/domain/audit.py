"""The audit trail: append-only events chained by hashes, so an edited or deleted row is detected."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from signoff.domain.vocabulary import AuditDetails

GENESIS_PREFIX = "signoff-audit-v1"


class AuditEvent:
    """One thing that happened to a sign-off: who, on whose behalf, what, when, and which text."""

    id: int | None

    def __init__(
        self,
        *,
        seq: int,
        at: datetime,
        actor_id: int | None,
        on_behalf_of_id: int | None,
        action: str,
        subject: str,
        details: AuditDetails,
        revision_hash: str | None,
        prev_hash: str,
    ) -> None:
        self.seq = seq
        self.at = at
        self.actor_id = actor_id
        self.on_behalf_of_id = on_behalf_of_id
        self.action = action
        self.subject = subject
        self.details = details
        self.revision_hash = revision_hash
        self.prev_hash = prev_hash
        self.hash = event_hash(self)

    def person_id(self, name: str) -> int:
        """A person named in the details (e.g. 'approver_id'): the domain writes them as ids."""
        value = self.details.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise KeyError(f"audit event {self.seq} ({self.action}) names no {name}")
        return value


def genesis_hash(identity: str) -> str:
    """The hash every chain starts from, bound to the sign-off it belongs to."""
    return hashlib.sha256(f"{GENESIS_PREFIX}:{identity}".encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    payload = json.dumps(
        {
            "seq": event.seq,
            "at": event.at.isoformat(timespec="microseconds"),
            "actor": event.actor_id,
            "on_behalf_of": event.on_behalf_of_id,
            "action": event.action,
            "subject": event.subject,
            "details": event.details,
            "revision": event.revision_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(f"{event.prev_hash}{payload}".encode()).hexdigest()


def chain_problems(
    identity: str,
    events: Sequence[AuditEvent],
    expected_head: str,
    expected_count: int,
    *,
    signoff_id: int | None = None,
) -> list[str]:
    """Every break in the chain; empty when the stored history is exactly what was written."""
    problems: list[str] = []
    previous = genesis_hash(identity)
    whose = f" of sign-off #{signoff_id}" if signoff_id is not None else ""

    def row(event: AuditEvent) -> str:
        stored = getattr(event, "id", None)
        return f" (audit_events row {stored}{whose})" if stored is not None else ""

    for position, event in enumerate(sorted(events, key=lambda e: e.seq), start=1):
        if event.seq != position:
            problems.append(f"event {position} is missing (found sequence number {event.seq}){row(event)}")
            break
        if event.prev_hash != previous:
            problems.append(
                f"event {event.seq} ({event.action}) does not follow the event before it{row(event)}"
            )
        if event_hash(event) != event.hash:
            problems.append(
                f"event {event.seq} ({event.action}) was altered after it was written{row(event)}"
            )
        previous = event.hash
    if len(events) != expected_count:
        problems.append(f"the sign-off{whose} records {expected_count} events but {len(events)} are stored")
    elif previous != expected_head:
        problems.append(f"the last stored event{whose} is not the one the sign-off recorded as its latest")
    return problems
