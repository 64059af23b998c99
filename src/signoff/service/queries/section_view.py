"""A section as every reader shows it (the CLI, the pages, the API): `section_view` reads one section,
once, naming each person by the given `Naming`; the pages' shorter lines are cut from its view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from signoff.domain.approval import ApprovalStep, describe_quorum
from signoff.domain.directory import Roster
from signoff.domain.model import Section

# How a view names a person, from their id.
Naming = Callable[[int], str]


class RequestView(BaseModel):
    approver: str
    step: int
    state: str
    due_at: datetime
    decided_by: str | None = None
    on_behalf_of: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None


class SectionView(BaseModel):
    key: str
    title: str
    state: str
    finding_ref: str | None
    revision: int | None
    drafters: list[str]
    approval_plan: list[str]
    holders: list[str]
    requests: list[RequestView]


def section_view(section: Section, roster: Roster, name: Naming) -> SectionView:
    """A section as every reader shows it: its state, who drafts it, its approval plan, who holds it
    and its current round's requests, each person named by `name`."""
    current = section.current_revision
    requests = []
    for request in section.current_requests():
        decision = request.decision
        requests.append(
            RequestView(
                approver=name(request.approver_id),
                step=request.step + 1,
                state=request.state.value,
                due_at=request.due_at,
                decided_by=name(decision.decided_by_id) if decision else None,
                on_behalf_of=name(decision.on_behalf_of_id)
                if decision and decision.on_behalf_of_id
                else None,
                decided_at=decision.decided_at if decision else None,
                comment=decision.comment if decision and decision.comment else None,
            )
        )
    return SectionView(
        key=section.key,
        title=section.title,
        state=section.state.value,
        finding_ref=section.finding_ref,
        revision=current.number if current else None,
        drafters=[name(p) for p in section.drafter_ids],
        approval_plan=[
            _step_text(step, roster, section.approve_after_others) for step in section.approval_steps
        ],
        holders=[name(p) for p in section.holder_ids()],
        requests=requests,
    )


def by_name(roster: Roster) -> Naming:
    """People by name alone, as the pages show them."""

    def name(person_id: int) -> str:
        return roster.by_id(person_id).name

    return name


def _step_text(step: ApprovalStep, roster: Roster, after_others: bool) -> str:
    rule = describe_quorum(step.require, [roster.by_id(p).name for p in step.approver_ids])
    return rule + (" (once the other sections are approved)" if after_others else "")
