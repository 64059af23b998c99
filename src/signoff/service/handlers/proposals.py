"""A proposed report, for its office's policy officers and administrators: read it, correct its intake, start
the sign-off from it, or dismiss it with a reason.

Another office's proposal is NotFound, as another office's sign-off is: its existence tells nothing. Starting
runs the one start_signoff handler (the same checks as the start form), marking the proposal started in
the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import cast

from pydantic import BaseModel, ConfigDict, Field

from signoff.domain.access import Action, Target, allowed, require
from signoff.domain.deadlines import StatutoryDeadline, local_day, statutory_deadline
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import InvalidInput, NotFound
from signoff.domain.inspection import Inspection
from signoff.domain.model import SignOff
from signoff.domain.proposal import MAX_REASON, Proposal
from signoff.domain.text_fields import SingleLine
from signoff.domain.transitions import ProposalState
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import signoff_for_report, start_signoffs
from signoff.service.handlers.watch_publications import WatchDependencies
from signoff.service.ports import ProposalUnitOfWork, UnitOfWork


class DismissProposal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    reason: SingleLine = Field(min_length=1, max_length=MAX_REASON)


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    office_name: str
    deadline: StatutoryDeadline
    today: date


def _visible(uow: ProposalUnitOfWork, proposal_id: int, email: str, *, for_update: bool = False) -> Proposal:
    person = uow.directory.person(email)
    roster = uow.directory.roster()
    try:
        proposal = uow.proposals.get(proposal_id, for_update=for_update)
    except NotFound:
        proposal = None
    if proposal is None or not _may_see(person, proposal, roster):
        raise NotFound(
            f"there is no proposal #{proposal_id} of {roster.organisation_name(person.organisation)}"
        )
    require(person, Action.HANDLE_PROPOSAL, Target(office=proposal.office), roster)
    return proposal


def _may_see(person: Participant, proposal: Proposal, roster: Roster) -> bool:
    # Another office's proposal is not there at all; one's own office's is refused (403) to the roles that
    # may not handle it, as a sign-off's page is.
    return person.organisation == proposal.office and roster.force_of_office(person.organisation) is not None


def proposal_view(proposal_id: int, email: str, watch: WatchDependencies) -> ProposalView:
    deps = watch.deps
    with watch.new_unit_of_work() as uow:
        proposal = _visible(uow, proposal_id, email)
        office_name = uow.directory.roster().organisation_name(proposal.office)
    return ProposalView(
        proposal=proposal,
        office_name=office_name,
        deadline=statutory_deadline(proposal.intake.published, deps.calendar),
        # The day in England and Wales, as every deadline here is counted (not UTC's: off by one in the
        # small hours of summer time).
        today=local_day(deps.clock.now(), deps.load_pipeline().working_hours),
    )


def open_proposals(email: str, watch: WatchDependencies) -> list[Proposal]:
    """The open proposals of the person's office; empty for anyone who may not handle them."""
    with watch.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        roster = uow.directory.roster()
        if not allowed(person, Action.HANDLE_PROPOSAL, Target.office_of(person, roster), roster):
            return []
        return uow.proposals.for_office(person.organisation)


def correct_proposal(proposal_id: int, intake: Inspection, email: str, watch: WatchDependencies) -> None:
    """Keep the corrected intake on the proposal, to start later."""
    with watch.new_unit_of_work() as uow:
        proposal = _visible(uow, proposal_id, email, for_update=True)
        proposal.correct(_for_office(intake, proposal))
        uow.proposals.save(proposal)
        uow.commit()


@dataclass(frozen=True)
class ProposalStarted:
    """The sign-off a proposal started; `already`: the office had it before this start (a start whose
    process stopped before marking the proposal, or the same report started from the start form)."""

    signoff_id: int
    already: bool


def start_from_proposal(
    proposal_id: int, intake: Inspection, email: str, watch: WatchDependencies
) -> ProposalStarted:
    """The intake (as corrected) started for the proposal's office, and the proposal marked started."""
    with watch.new_unit_of_work() as uow:
        proposal = _visible(uow, proposal_id, email)
        if not proposal.open:
            raise InvalidInput(f"proposal #{proposal_id} is already {proposal.state.value}")
        checked = _for_office(intake, proposal)
        # A start whose process stopped before it marked the proposal left the sign-off and an open
        # proposal; so does a start of the same report from the start form. Starting again marks it.
        started_already = signoff_for_report(uow, proposal.office, checked)
    if started_already is not None:
        with watch.new_unit_of_work() as uow:
            _mark_started(uow, proposal_id, email, started_already, checked, watch)
            uow.commit()
        return ProposalStarted(started_already, already=True)

    def marked(uow: UnitOfWork, created: list[SignOff]) -> None:
        # In the start's own transaction, the proposal locked: of two people starting it at once, one
        # starts it and the other is told it is started (not a second sign-off, under a corrected title).
        [signoff] = created
        assert signoff.id is not None  # noqa: S101 - stored before this is called
        _mark_started(cast(ProposalUnitOfWork, uow), proposal_id, email, signoff.id, checked, watch)

    # The start's transaction is the proposals' unit of work (the same one, with the proposals in it).
    in_one = replace(watch.deps, new_unit_of_work=watch.new_unit_of_work)
    command = StartSignoff(inspection=checked, started_by=email, respond_for=[proposal.office])
    [signoff_id] = start_signoffs(command, in_one, marked).ids
    return ProposalStarted(signoff_id, already=False)


def _mark_started(
    uow: ProposalUnitOfWork,
    proposal_id: int,
    email: str,
    signoff_id: int,
    checked: Inspection,
    watch: WatchDependencies,
) -> None:
    proposal = _visible(uow, proposal_id, email, for_update=True)
    if proposal.state is ProposalState.STARTED and proposal.signoff_id != signoff_id:
        # Someone else's start won: theirs is the office's sign-off. (A start wins over a dismissal.)
        raise InvalidInput(f"proposal #{proposal_id} is already started (sign-off #{proposal.signoff_id})")
    proposal.started(email, watch.deps.clock.now(), signoff_id, checked)
    uow.proposals.save(proposal)


def dismiss_proposal(
    proposal_id: int, command: DismissProposal, email: str, watch: WatchDependencies
) -> None:
    with watch.new_unit_of_work() as uow:
        proposal = _visible(uow, proposal_id, email, for_update=True)
        proposal.dismiss(email, watch.deps.clock.now(), command.reason)
        uow.proposals.save(proposal)
        uow.commit()


def _for_office(intake: Inspection, proposal: Proposal) -> Inspection:
    """The intake answered by the proposal's office alone, at the report's address as proposed."""
    if str(intake.report_url) != str(proposal.intake.report_url):
        raise InvalidInput(
            "the address of the report cannot change on a proposal: it is how the report is known; "
            "start a sign-off from the start form for another report"
        )
    return intake.model_copy(update={"respond_for": [proposal.office]})
