"""The watcher on a real database, reading the fixtures over HTTP from a local server: proposals stored once per
report address and office, their emails in the outbox, a stored proposal started or dismissed once, and a
listing's consecutive failures counted across runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.bootstrap import Application, bootstrap
from signoff.domain.errors import ConcurrencyConflict
from signoff.domain.transitions import ProposalState
from signoff.service.clock import FixedClock
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.proposals import DismissProposal, dismiss_proposal, start_from_proposal
from signoff.service.handlers.watch_publications import WatchDependencies, watch_publications
from signoff.settings import PROJECT_ROOT, Settings
from signoff.watching import watch_dependencies
from tests.handlers.test_watch_publications import EXPECTED, NOW
from tests.support.hmicfrs import serve_fixtures

# Storage is the subject: the proposals' unique address and office, the guarded update, the JSON intake.
pytestmark = pytest.mark.both_databases
OWEN = "owen.prescott@cheshire-pcc.example.org"


@pytest.fixture
def watching(database_url: str, tmp_path: Path) -> Iterator[tuple[Application, WatchDependencies, str]]:
    settings = Settings(
        database_url=database_url, config_dir=PROJECT_ROOT / "config", var_dir=tmp_path / "var"
    )
    app = bootstrap(settings, clock=FixedClock(NOW))
    load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
    with serve_fixtures() as base:
        yield app, watch_dependencies(app), base
    app.engine.dispose()


def queued(app: Application, event: str) -> list[str]:
    """The addresses of the outbox's emails of this event."""
    with app.deps.new_unit_of_work() as uow:
        return [e.recipient_email for e in uow.outbox.page(limit=500) if str(e.event) == event]


def stored(watch: WatchDependencies, office: str) -> dict[str, ProposalState]:
    with watch.new_unit_of_work() as uow:
        return {p.report_url: p.state for p in uow.proposals.for_office(office, open_only=False)}


def test_each_office_is_proposed_its_reports_once_over_http(
    watching: tuple[Application, WatchDependencies, str],
) -> None:
    app, watch, base = watching
    report = watch_publications(watch, base + "publications.html")
    assert len(report.proposed) == 16
    for office, names in EXPECTED.items():
        assert set(stored(watch, office)) == {f"{base}publications/{name}.html" for name in names}, office
    proposed = queued(app, "report_proposed")
    # Cheshire's four reports, each to its policy officer and its administrator.
    assert proposed.count(OWEN) == proposed.count("hannah.whitfield@cheshire-pcc.example.org") == 4

    again = watch_publications(watch, base + "feed.atom")
    assert (again.new, again.proposed) == (0, [])
    assert sorted(queued(app, "report_proposed")) == sorted(proposed)


def test_a_stored_proposal_starts_once_and_then_cannot_be_dismissed(
    watching: tuple[Application, WatchDependencies, str],
) -> None:
    app, watch, base = watching
    watch_publications(watch, base + "publications.html")
    address = f"{base}publications/peel-2025-cheshire.html"
    with watch.new_unit_of_work() as uow:
        [proposal] = [p for p in uow.proposals.for_office("cheshire-pcc") if p.report_url == address]
    assert proposal.id is not None
    # The intake survives the JSON column whole: grades, addressees, the cause of concern answered.
    assert proposal.intake.finding("R-1").answers == "CoC-1"
    assert [g.grade.value for g in proposal.intake.grades] == ["requires_improvement", "adequate", "good"]

    signoff_id = start_from_proposal(proposal.id, proposal.intake, OWEN, watch).signoff_id
    assert stored(watch, "cheshire-pcc")[address] is ProposalState.STARTED
    with app.deps.new_unit_of_work() as uow:
        assert uow.signoffs.get(signoff_id).pcc_org == "cheshire-pcc"
    # A second writer holding the proposal from before the start loses, changing nothing.
    with watch.new_unit_of_work() as uow:
        late = proposal
        late.dismiss(OWEN, NOW, "too late")
        with pytest.raises(ConcurrencyConflict):
            uow.proposals.save(late)
    with pytest.raises(Exception, match="cannot dismiss"):
        dismiss_proposal(proposal.id, DismissProposal(reason="not ours"), OWEN, watch)
    assert stored(watch, "cheshire-pcc")[address] is ProposalState.STARTED


def test_a_listing_that_fails_is_counted_across_runs_and_reset_when_it_reads(
    watching: tuple[Application, WatchDependencies, str],
) -> None:
    app, watch, base = watching
    missing = base + "no-such-listing.html"
    for run in (1, 2, 3):
        report = watch_publications(watch, missing)
        assert report.failures == run
        assert "404" in (report.listing_problem or "")
        assert report.administrators_told is (run == 3)  # config/watch.yaml: report_failures_after: 3
    with watch.new_unit_of_work() as uow:
        health = uow.proposals.listing_health(missing)
    assert (health.failures, health.reported) == (3, True)
    told = queued(app, "watch_failing")
    assert "hannah.whitfield@cheshire-pcc.example.org" in told
    assert OWEN not in told, "policy officers are not told of the listing"
    assert len(told) == len(set(told)) == 5, "each watched office's administrator, once"

    watch_publications(watch, base + "publications.html")
    with watch.new_unit_of_work() as uow:
        assert uow.proposals.listing_health(base + "publications.html").failures == 0
