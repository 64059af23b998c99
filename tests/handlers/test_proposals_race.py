"""Two people of one office at once on one proposed report: one says 'Not for us' while the other starts the
sign-off. Whichever wins, what the office sees must agree: a dismissed proposal with no sign-off, or a started
one with its sign-off; never a sign-off running under a proposal marked not for the office. A start already
under way wins: its sign-off exists and its drafters have been emailed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from contextlib import suppress

import pytest

from signoff.domain.errors import ConcurrencyConflict, InvalidInput, InvalidTransition
from signoff.domain.transitions import ProposalState
from signoff.service.commands import StartSignoff
from signoff.service.handlers.proposals import DismissProposal, dismiss_proposal, start_from_proposal
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.watch_publications import WatchDependencies
from signoff.service.ports import ProposalUnitOfWork
from tests.handlers.test_proposals import OWEN, cheshire_peel, memory, watched
from tests.support.app import InMemoryApp
from tests.support.proposal_fakes import ProposalStore

__all__ = ["memory", "watched"]  # the fixtures, shared with test_proposals

HANNAH = "hannah.whitfield@cheshire-pcc.example.org"  # Cheshire's administrator, in another tab


def start_while_a_colleague_dismisses(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> tuple[int, Callable[[], int]]:
    """The proposal's id, and a start of it whose first transaction (reading the proposal) lets the other
    tab's 'Not for us' land before its second (starting the sign-off and marking the proposal)."""
    watch, store = watched
    proposal_id = cheshire_peel(store)
    intake = next(p for p in store.state.proposals if p.id == proposal_id).intake
    opened = 0

    def meanwhile() -> ProposalUnitOfWork:
        nonlocal opened
        opened += 1
        if opened == 2:
            dismiss_proposal(proposal_id, DismissProposal(reason="Answered regionally"), OWEN, watch)
        return watch.new_unit_of_work()

    racing = dataclasses.replace(watch, new_unit_of_work=meanwhile)
    return proposal_id, lambda: start_from_proposal(proposal_id, intake, HANNAH, racing).signoff_id


def test_not_for_us_while_another_starts_leaves_the_office_a_consistent_story(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> None:
    proposal_id, start = start_while_a_colleague_dismisses(memory, watched)
    with suppress(InvalidInput, InvalidTransition, ConcurrencyConflict):
        start()
    with memory.deps.new_unit_of_work() as uow:
        signoffs = [s for s in uow.signoffs.page(limit=100) if s.pcc_org == "cheshire-pcc"]
    state = next(p for p in watched[1].state.proposals if p.id == proposal_id).state
    assert (state, len(signoffs)) in {(ProposalState.DISMISSED, 0), (ProposalState.STARTED, 1)}


def test_a_start_under_way_wins_over_a_dismissal_and_its_starter_sees_their_sign_off(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> None:
    proposal_id, start = start_while_a_colleague_dismisses(memory, watched)
    signoff_id = start()
    proposal = next(p for p in watched[1].state.proposals if p.id == proposal_id)
    assert (proposal.state, proposal.signoff_id, proposal.dismissed_because) == (
        ProposalState.STARTED,
        signoff_id,
        None,
    )


def test_a_start_whose_process_stopped_before_marking_the_proposal_is_finished_by_the_next_start(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> None:
    """The sign-off was started, then the process stopped before the proposal was marked: the office sees
    the report still proposed. Starting it again marks it started with that sign-off, and starts no other
    (nor says "already has a sign-off" with the proposal left open for good)."""
    watch, store = watched
    proposal_id = cheshire_peel(store)
    proposal = next(p for p in store.state.proposals if p.id == proposal_id)
    intake = proposal.intake.model_copy(update={"respond_for": [proposal.office]})
    [first] = start_signoff(
        StartSignoff(inspection=intake, started_by=HANNAH, respond_for=[proposal.office]), memory.deps
    )

    again = start_from_proposal(proposal_id, proposal.intake, OWEN, watch)

    with memory.deps.new_unit_of_work() as uow:
        signoffs = [s.id for s in uow.signoffs.page(limit=100) if s.pcc_org == "cheshire-pcc"]
    marked = next(p for p in store.state.proposals if p.id == proposal_id)
    assert (again.signoff_id, again.already, signoffs) == (first, True, [first])
    assert (marked.state, marked.signoff_id) == (ProposalState.STARTED, first)


def test_two_starts_at_once_one_with_a_corrected_title_give_the_office_one_sign_off(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> None:
    """Owen starts the proposal with its title and date corrected while Hannah's start, as proposed, is under
    way: the office gets one sign-off (Owen's), and Hannah is told the proposal is started. Before, both
    were started (the corrected one under a key of its own), and the second was known to nobody."""
    watch, store = watched
    proposal_id = cheshire_peel(store)
    proposed = next(p for p in store.state.proposals if p.id == proposal_id).intake
    corrected = proposed.model_copy(
        update={"title": proposed.title + " (corrected)", "published": proposed.published.replace(day=1)}
    )
    opened = 0
    owens: list[int] = []

    def meanwhile() -> ProposalUnitOfWork:
        nonlocal opened
        opened += 1
        if opened == 2:
            owens.append(start_from_proposal(proposal_id, corrected, OWEN, watch).signoff_id)
        return watch.new_unit_of_work()

    racing = dataclasses.replace(watch, new_unit_of_work=meanwhile)
    # Not memory.refused: Owen's start, inside Hannah's, changes what is stored.
    with pytest.raises(InvalidInput, match=f"proposal #{proposal_id} is already started") as refused:
        start_from_proposal(proposal_id, proposed, HANNAH, racing)
    assert f"(sign-off #{owens[0]})" in refused.value.message
    with memory.deps.new_unit_of_work() as uow:
        signoffs = [s.id for s in uow.signoffs.page(limit=100) if s.pcc_org == "cheshire-pcc"]
    marked = next(p for p in store.state.proposals if p.id == proposal_id)
    assert signoffs == owens
    assert (marked.state, marked.signoff_id) == (ProposalState.STARTED, owens[0])
