"""Who covers whose approvals now: the live delegations, as the notices need them.

A person on leave who delegated their approvals is still the holder of their requests; their delegate
decides for them (access.stands_in_for). So the emails that ask for or chase an approval (approval
requested, asked again after an edit, reminder, overdue, a moved due date) go to the delegate too, or nobody
who can act would hear of them until an escalation. A delegate is told exactly when a decision would let
them approve for that holder now (approval.open_decision, the rule the pages offer by): not the author of
the text, not someone whose one approval in the round is spent or would go to another place first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from signoff.domain.access import SignoffLike, holds_place
from signoff.domain.approval import open_decision
from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import Delegation, Section

# The moment of the empty cover (no delegation is live at any moment).
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Cover:
    """The delegations live at one moment: for each delegator, the people who may decide for them."""

    delegates_of: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    live: tuple[Delegation, ...] = ()
    now: datetime = NEVER

    @classmethod
    def at(cls, delegations: Iterable[Delegation], now: datetime) -> Cover:
        live = tuple(d for d in delegations if d.active_at(now))
        found: dict[int, set[int]] = {}
        for delegation in live:
            found.setdefault(delegation.from_person_id, set()).add(delegation.to_person_id)
        return cls({holder: tuple(sorted(ids)) for holder, ids in found.items()}, live, now)

    def delegates(
        self, holder: Participant, signoff: SignoffLike, roster: Roster, section: Section
    ) -> list[Participant]:
        """The people who may approve `section` for `holder` now, in the order of their ids."""
        if not holds_place(holder, signoff, section.place_of(holder.id)):
            return []  # a holder moved or removed is not chased; the office's administrators reassign
        return [
            delegate
            for delegate in self._live_delegates(holder, roster)
            if delegate.active
            and (offered := open_decision(section, delegate.id, self.live, roster, self.now)) is not None
            and offered.may_approve
            and offered.on_behalf_of == holder.id
        ]

    def standing_in_for(self, holder: Participant, signoff: SignoffLike, roster: Roster) -> list[Participant]:
        """Whoever decides for `holder` now (active, of their organisation), whatever there is to decide:
        told when a request they were asked to approve for them is taken away."""
        return [
            delegate
            for delegate in self._live_delegates(holder, roster)
            if delegate.organisation == holder.organisation and holds_place(delegate, signoff, None)
        ]

    def _live_delegates(self, holder: Participant, roster: Roster) -> list[Participant]:
        """The people `holder` has delegated to now, as the directory holds them (none it no longer knows)."""
        found: list[Participant] = []
        for delegate_id in self.delegates_of.get(holder.id, ()):
            try:
                found.append(roster.by_id(delegate_id))
            except KeyError:
                continue
        return found


NO_COVER = Cover()
