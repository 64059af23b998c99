"""A proposed report in memory: its office's policy officer corrects it and starts the sign-off (the start
handler's checks, the drafters' emails), or dismisses it with a reason; another office sees nothing of it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from signoff.domain.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted
from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.transitions import ProposalState
from signoff.service.handlers.proposals import (
    DismissProposal,
    correct_proposal,
    dismiss_proposal,
    open_proposals,
    proposal_view,
    start_from_proposal,
)
from signoff.service.handlers.watch_publications import WatchDependencies, watch_publications
from tests.handlers.test_watch_publications import CONFIG, FORCES, LISTING, NOW, REPORT
from tests.support.app import InMemoryApp, in_memory_app
from tests.support.hmicfrs import fixture_reader
from tests.support.proposal_fakes import ProposalStore, watch_in_memory

OWEN = "owen.prescott@cheshire-pcc.example.org"  # policy officer, Cheshire
JOHN = "john.dwyer@cheshire-pcc.example.org"  # the commissioner: may not start a sign-off
MERSEYSIDE_ADMIN_ROLES = {"pcc_admin", "policy_officer"}


@pytest.fixture
def memory() -> InMemoryApp:
    return in_memory_app(now=NOW)


@pytest.fixture
def watched(memory: InMemoryApp) -> tuple[WatchDependencies, ProposalStore]:
    watch, store = watch_in_memory(memory, fixture_reader(), CONFIG, FORCES)
    watch_publications(watch, LISTING)
    return watch, store


def cheshire_peel(store: ProposalStore) -> int:
    [proposal] = [
        p
        for p in store.state.proposals
        if p.office == "cheshire-pcc" and p.report_url == REPORT.format("peel-2025-cheshire")
    ]
    assert proposal.id is not None
    return proposal.id


def someone_of(memory: InMemoryApp, office: str) -> str:
    roster = memory.deps.new_unit_of_work()
    with roster as uow:
        people = uow.directory.roster().participants
    return next(p.email for p in people if p.organisation == office and MERSEYSIDE_ADMIN_ROLES & p.roles)


def test_the_policy_officer_corrects_a_finding_and_starts_the_signoff(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> None:
    watch, store = watched
    proposal_id = cheshire_peel(store)
    view = proposal_view(proposal_id, OWEN, watch)
    assert view.deadline.last_day.isoformat() == "2025-12-07"  # 56 days from 13 October, whatever today is
    intake = view.proposal.intake
    corrected = intake.model_copy(
        update={
            "findings": [
                f.model_copy(
                    update={"text": "The constabulary should record anti-social behaviour as crime."}
                )
                if f.ref == "AFI-1"
                else f
                for f in intake.findings
            ]
        }
    )
    before = len(memory.emails())
    signoff_id = start_from_proposal(proposal_id, corrected, OWEN, watch).signoff_id

    stored = next(p for p in store.state.proposals if p.id == proposal_id)
    assert (stored.state, stored.signoff_id, stored.decided_by) == (ProposalState.STARTED, signoff_id, OWEN)
    assert (
        stored.intake.finding("AFI-1").text
        == "The constabulary should record anti-social behaviour as crime."
    )
    with memory.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
    assert signoff.pcc_org == "cheshire-pcc"
    assert signoff.statutory_last_day.isoformat() == "2025-12-07"
    assert [e for e, _ in memory.emails()[before:]], "starting sends the first stage's emails"
    assert proposal_id not in {p.id for p in open_proposals(OWEN, watch)}
    with pytest.raises(InvalidInput, match="already started"):
        start_from_proposal(proposal_id, corrected, OWEN, watch)


def test_a_correction_is_kept_and_the_address_of_the_report_cannot_change(
    watched: tuple[WatchDependencies, ProposalStore],
) -> None:
    watch, store = watched
    proposal_id = cheshire_peel(store)
    intake = proposal_view(proposal_id, OWEN, watch).proposal.intake
    correct_proposal(proposal_id, intake.model_copy(update={"type_label": "PEEL 2025"}), OWEN, watch)
    assert proposal_view(proposal_id, OWEN, watch).proposal.intake.type_label == "PEEL 2025"
    moved = intake.model_copy(update={"report_url": "https://example.org/another-report"})
    with pytest.raises(InvalidInput, match="address of the report cannot change"):
        correct_proposal(proposal_id, moved, OWEN, watch)


def test_not_for_us_needs_a_reason_and_ends_the_proposal(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> None:
    watch, store = watched
    proposal_id = cheshire_peel(store)
    with pytest.raises(ValueError, match="at least 1 character"):
        DismissProposal(reason="   ")
    dismiss_proposal(proposal_id, DismissProposal(reason="Answered with the regional response"), OWEN, watch)
    stored = next(p for p in store.state.proposals if p.id == proposal_id)
    assert (stored.state, stored.dismissed_because) == (
        ProposalState.DISMISSED,
        "Answered with the regional response",
    )
    intake = stored.intake
    with pytest.raises(InvalidInput, match="already dismissed"):
        start_from_proposal(proposal_id, intake, OWEN, watch)
    with pytest.raises(InvalidTransition):
        dismiss_proposal(proposal_id, DismissProposal(reason="again"), OWEN, watch)
    with memory.deps.new_unit_of_work() as uow:
        assert uow.signoffs.page() == []


def test_another_office_cannot_open_edit_start_or_dismiss_it(
    memory: InMemoryApp, watched: tuple[WatchDependencies, ProposalStore]
) -> None:
    watch, store = watched
    proposal_id = cheshire_peel(store)
    intake = proposal_view(proposal_id, OWEN, watch).proposal.intake
    stranger = someone_of(memory, "merseyside-pcc")
    before = (store.state.proposals[:], memory.fingerprint())
    for attempt in (
        lambda: proposal_view(proposal_id, stranger, watch),
        lambda: correct_proposal(proposal_id, intake, stranger, watch),
        lambda: start_from_proposal(proposal_id, intake, stranger, watch),
        lambda: dismiss_proposal(proposal_id, DismissProposal(reason="not ours"), stranger, watch),
    ):
        with pytest.raises(NotFound, match=f"no proposal #{proposal_id}"):
            attempt()
    assert (store.state.proposals, memory.fingerprint()) == before
    assert proposal_id not in {p.id for p in open_proposals(stranger, watch)}


def test_someone_of_the_office_without_the_role_is_refused(
    watched: tuple[WatchDependencies, ProposalStore],
) -> None:
    watch, store = watched
    proposal_id = cheshire_peel(store)
    with pytest.raises(NotPermitted, match="check a proposed report"):
        proposal_view(proposal_id, JOHN, watch)
    assert open_proposals(JOHN, watch) == []


def test_the_days_left_count_from_the_day_in_england_not_in_utc() -> None:
    memory = in_memory_app(now=NOW)
    watch, store = watch_in_memory(memory, fixture_reader(), CONFIG, FORCES)
    watch_publications(watch, LISTING)
    proposal_id = cheshire_peel(store)
    # 00:30 on Friday 24 October 2025 in summer time: still the 23rd in UTC.
    memory.clock.set(datetime(2025, 10, 24, 0, 30, tzinfo=LOCAL_TIME))
    view = proposal_view(proposal_id, OWEN, watch)
    assert view.today == date(2025, 10, 24)
    assert view.deadline.last_day == date(2025, 12, 7)
