"""What is late, due soon or idle, across every active sign-off, and who holds it; and the responses
approved and waiting for their office to publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel

from signoff.domain.attention_rule import AttentionFlag, attention_flags
from signoff.domain.directory import Roster
from signoff.domain.model import SignOff
from signoff.domain.transitions import SignoffState
from signoff.domain.vocabulary import StageKind
from signoff.service.dependencies import Dependencies

PAGE = 500


class StalledItem(BaseModel):
    signoff_id: int
    title: str
    pcc: str
    stage: str
    section: str
    holder: str
    holder_organisation: str
    waiting_to: str
    due_at: datetime
    statutory_last_day: date
    flags: list[str]


# The words this list has always shown for the attention rule's flags.
LABELS: dict[AttentionFlag, str] = {
    AttentionFlag.OVERDUE: "overdue",
    AttentionFlag.DUE_SOON: "due soon",
    AttentionFlag.IDLE: "idle",
    AttentionFlag.AT_RISK: "statutory deadline at risk",
}


def stalled(deps: Dependencies, *, include_on_track: bool = False) -> list[StalledItem]:
    limits = deps.attention_limits()
    items: list[StalledItem] = []
    with deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        offset = 0
        while True:
            page = uow.signoffs.page(
                states=[SignoffState.ACTIVE.value, SignoffState.READY_TO_PUBLISH.value],
                limit=PAGE,
                offset=offset,
            )
            for signoff in page:
                assert signoff.id is not None  # noqa: S101 - read from the database
                for waiting in _waiting(signoff, roster):
                    flags = [
                        LABELS[flag]
                        for flag in attention_flags(waiting.due_at, waiting.since, signoff.publish_by, limits)
                    ]
                    if not flags and not include_on_track:
                        continue
                    items.append(
                        StalledItem(
                            signoff_id=signoff.id,
                            title=signoff.title,
                            pcc=signoff.pcc_org,
                            stage=waiting.stage,
                            section=waiting.section,
                            holder=waiting.holder,
                            holder_organisation=waiting.holder_organisation,
                            waiting_to=waiting.waiting_to,
                            due_at=waiting.due_at,
                            statutory_last_day=signoff.statutory_last_day,
                            flags=flags,
                        )
                    )
            if len(page) < PAGE:
                break
            offset += PAGE
    return sorted(items, key=lambda item: (item.due_at, item.signoff_id, item.section))


@dataclass(frozen=True)
class _Waiting:
    stage: str
    section: str
    holder: str
    holder_organisation: str
    waiting_to: str
    due_at: datetime
    since: datetime | None


def _waiting(signoff: SignOff, roster: Roster) -> list[_Waiting]:
    """What the sign-off waits for: each holding of an active one; an approved one's publication, which its
    office's administrators hold (as /admin lists it)."""
    if signoff.state is SignoffState.READY_TO_PUBLISH:
        publication = next(s for s in signoff.ordered_stages() if s.kind is StageKind.PUBLICATION)
        return [
            _Waiting(
                stage=publication.key,
                section="",
                holder=f"the administrators of {roster.organisation_name(signoff.pcc_org)}",
                holder_organisation=signoff.pcc_org,
                waiting_to="publish",
                due_at=publication.due_at,
                # As /admin lists it: a response waiting to be published is due (or late), never idle.
                since=None,
            )
        ]
    return [
        _Waiting(
            stage=holding.stage.key,
            section=holding.section.key,
            holder=roster.describe(holding.person_id),
            holder_organisation=roster.by_id(holding.person_id).organisation,
            waiting_to=holding.kind.value,
            due_at=holding.due_at,
            since=holding.since,
        )
        for holding in signoff.holdings()
    ]
