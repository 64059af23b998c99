"""The sign-off model's public names, in one place to import them from.

The model lives in entities.py (the parts), approval.py (steps and their quorum), planning.py (a new
sign-off's plan), rounds.py (approval rounds), holdings.py (who it waits for), publishing.py and signoff.py (the
aggregate and its commands).
"""

from __future__ import annotations

from signoff.domain.approval import ApprovalStep, Require, approvers_of
from signoff.domain.entities import (
    MAX_SECTION_LENGTH,
    OPEN_REQUEST_STATES,
    ApprovalRequest,
    Decision,
    Delegation,
    Outcome,
    Revision,
    Section,
    Stage,
)
from signoff.domain.holdings import Holding
from signoff.domain.signoff import SignOff

__all__ = [
    "MAX_SECTION_LENGTH",
    "OPEN_REQUEST_STATES",
    "ApprovalRequest",
    "ApprovalStep",
    "Decision",
    "Delegation",
    "Holding",
    "Outcome",
    "Require",
    "Revision",
    "Section",
    "SignOff",
    "Stage",
    "approvers_of",
]
