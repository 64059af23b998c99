"""Who covers whose approvals now: the live delegations, as the notices need them.

A person on leave who delegated their approvals is still the holder of their requests; their delegate
decides for them (access.stands_in_for). So the emails that ask for or chase an approval (approval
requested, reminder, overdue) go to the delegate too, or nobody who can act would hear of them until an
escalation. A delegate is told only where the decision would honour them: both people active and of one
organisation, the holder taking part in the sign-off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from signoff.domain.access import DelegationLike, SignoffLike, honoured_delegators, takes_part
from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import Section


@dataclass(frozen=True)
class Cover:
    """The delegations live at one moment: for each delegator, the people who may decide for them."""

    delegates_of: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def at(cls, delegations: Iterable[DelegationLike], now: datetime) -> Cover:
        found: dict[int, list[int]] = {}
        for delegation in delegations:
            if delegation.active_at(now):
                found.setdefault(delegation.from_person_id, []).append(delegation.to_person_id)
        return cls({holder: tuple(sorted(set(ids))) for holder, ids in found.items()})

    def delegates(
        self, holder: Participant, signoff: SignoffLike, roster: Roster, section: Section
    ) -> list[Participant]:
        """The people who may approve `section` for `holder` now, in the order of their ids. Not the author
        of its text, who may not approve their own; not someone with a place of their own in its round, or
        who has approved in it: one person is one approval in a round (domain/approval.py)."""
        if not takes_part(holder, signoff):
            return []  # a holder moved or removed is not chased; the office's administrators reassign
        found: list[Participant] = []
        requests = section.current_requests()
        cannot_approve = {section.author_id} | {r.approver_id for r in requests}
        cannot_approve |= {r.decision.decided_by_id for r in requests if r.decision is not None}
        for delegate_id in self.delegates_of.get(holder.id, ()):
            try:
                delegate = roster.by_id(delegate_id)
            except KeyError:
                continue
            if delegate.id in cannot_approve or not delegate.active:
                continue
            if honoured_delegators(delegate, [holder.id], roster):
                found.append(delegate)
        return found


NO_COVER = Cover()
