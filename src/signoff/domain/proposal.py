"""A report the watcher proposed to one PCC office: the intake it read, to check and start, or to dismiss.

Nothing starts without a person: the proposal waits (proposed) until one of the office's policy officers
or administrators starts the sign-off from it (started) or says it is not for the office (dismissed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from signoff.domain.errors import InvalidTransition
from signoff.domain.inspection import Inspection
from signoff.domain.report_reading import ReadingFlag
from signoff.domain.transitions import (
    PROPOSAL_INITIAL,
    PROPOSAL_TRANSITIONS,
    ProposalEvent,
    ProposalState,
    fire,
)

MAX_REASON = 1000


def states_it_may_be_saved_over(new: ProposalState) -> frozenset[ProposalState]:
    """What the stored proposal may be when one in state `new` is saved over it: a state the table leads
    from to `new` (a correction keeps it proposed). Anything else means someone else changed it meanwhile."""
    sources = {source for (source, _event), target in PROPOSAL_TRANSITIONS.items() if target is new}
    return frozenset(sources | ({new} if new is PROPOSAL_INITIAL else set()))


@dataclass
class Proposal:
    report_url: str
    office: str
    concern: str  # why the report concerns the office, in words
    intake: Inspection
    flags: list[ReadingFlag]
    created_at: datetime
    id: int | None = None
    state: ProposalState = field(default=PROPOSAL_INITIAL)
    decided_by: str | None = None
    decided_at: datetime | None = None
    dismissed_because: str | None = None
    signoff_id: int | None = None

    @property
    def open(self) -> bool:
        return self.state is ProposalState.PROPOSED

    def correct(self, intake: Inspection) -> None:
        """The intake as a person corrected it; only while it is still a proposal."""
        if not self.open:
            raise InvalidTransition(f"proposal #{self.id} is {self.state.value}; it can no longer be changed")
        self.intake = intake

    def started(self, by: str, now: datetime, signoff_id: int, intake: Inspection) -> None:
        """Its sign-off started from `intake`; this wins over a dismissal that landed while it was starting."""
        self.state = fire(PROPOSAL_TRANSITIONS, "proposal", self.state, ProposalEvent.START)
        self.intake = intake
        self.decided_by, self.decided_at, self.signoff_id = by, now, signoff_id
        self.dismissed_because = None

    def dismiss(self, by: str, now: datetime, reason: str) -> None:
        self.state = fire(PROPOSAL_TRANSITIONS, "proposal", self.state, ProposalEvent.DISMISS)
        self.decided_by, self.decided_at, self.dismissed_because = by, now, reason
