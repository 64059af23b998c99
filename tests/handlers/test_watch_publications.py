"""The publications watcher in memory, on the fictional HMICFRS fixtures: each office is proposed exactly the
reports that concern it, once, with an email to its policy officers and administrators; a listing that
cannot be read is counted, and reported to the administrators once, after config/watch.yaml's number."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from signoff.adapters.config_files import load_model
from signoff.domain.directory import DirectoryConfig, OrganisationKind
from signoff.domain.errors import InvalidInput
from signoff.domain.report_reading import PublicationUnreadable
from signoff.domain.watch import OfficeWatch, Thematics, WatchConfig
from signoff.service.handlers.watch_publications import watch_publications
from signoff.service.ports import FetchedPage
from signoff.settings import PROJECT_ROOT
from tests.support.app import InMemoryApp, in_memory_app
from tests.support.hmicfrs import BASE, FixtureFetcher, fixture_reader
from tests.support.proposal_fakes import ProposalStore, watch_in_memory

NOW = datetime(2025, 10, 22, 9, 0, tzinfo=ZoneInfo("Europe/London"))
LISTING = BASE + "publications.html"
CONFIG = load_model(PROJECT_ROOT / "config" / "watch.yaml", WatchConfig)
DIRECTORY = load_model(PROJECT_ROOT / "config" / "directory.yaml", DirectoryConfig)
FORCES = frozenset(o.key for o in DIRECTORY.organisations if o.kind is OrganisationKind.FORCE)
REPORT = BASE + "publications/{}.html"

# What each office of config/watch.yaml must be proposed, and nothing else: Northshire's report and the
# consultation concern nobody; Cumbria answers only thematics that name its force (the joint one does).
EXPECTED = {
    "cheshire-pcc": {"peel-2025-cheshire", "thematic-stalking-2025", "joint-case-files-2025", "nw-soc-2025"},
    "cumbria-pcc": {"joint-case-files-2025", "nw-soc-2025"},
    "greater-manchester-mayor": {
        "peel-2025-greater-manchester",
        "thematic-stalking-2025",
        "joint-case-files-2025",
        "nw-soc-2025",
    },
    "lancashire-pcc": {"thematic-stalking-2025", "joint-case-files-2025", "nw-soc-2025"},
    "merseyside-pcc": {"thematic-stalking-2025", "joint-case-files-2025", "nw-soc-2025"},
}


def recipients(office: str) -> set[str]:
    return {
        p.email
        for p in DIRECTORY.people
        if p.organisation == office and {"policy_officer", "pcc_admin"} & set(p.roles)
    }


@pytest.fixture
def memory() -> InMemoryApp:
    return in_memory_app(now=NOW)


def test_each_office_is_proposed_exactly_the_reports_that_concern_it_once(memory: InMemoryApp) -> None:
    watch, store = watch_in_memory(memory, fixture_reader(), CONFIG, FORCES)
    report = watch_publications(watch, LISTING)

    proposed: dict[str, set[str]] = {}
    for proposal in store.state.proposals:
        proposed.setdefault(proposal.office, set()).add(proposal.report_url)
    assert proposed == {office: {REPORT.format(name) for name in names} for office, names in EXPECTED.items()}
    assert (report.listed, report.new, len(report.proposed)) == (7, 7, 16)
    assert sorted(report.concerning_nobody) == [
        "Consultation on our inspection programme 2026",
        "PEEL 2025: An inspection of Northshire Police",
    ]
    # Each proposal's email goes to its office's policy officers and administrators, and to nobody else.
    emails = Counter(address for event, address in memory.emails() if event == "report_proposed")
    assert emails == Counter(
        {address: len(EXPECTED[office]) for office in EXPECTED for address in recipients(office)}
    )
    assert "owen.prescott@cheshire-pcc.example.org" in emails
    assert "hannah.whitfield@cheshire-pcc.example.org" in emails

    again = watch_publications(watch, BASE + "feed.atom")
    assert (again.listed, again.new, again.proposed) == (6, 0, [])
    assert len(store.state.proposals) == 16
    assert Counter(a for e, a in memory.emails() if e == "report_proposed") == emails


def test_the_intake_proposed_is_the_offices_own(memory: InMemoryApp) -> None:
    watch, store = watch_in_memory(memory, fixture_reader(), CONFIG, FORCES)
    watch_publications(watch, LISTING)
    regional = {p.office: p for p in store.state.proposals if p.report_url == REPORT.format("nw-soc-2025")}
    cheshire = regional["cheshire-pcc"].intake
    assert cheshire.respond_for == ["cheshire-pcc"]
    assert cheshire.force_specific.answer == "yes"
    assert cheshire.force_specific.note == "Yes, as part of a regional inspection"
    assert (
        cheshire.recommendations.national,
        cheshire.recommendations.local,
        cheshire.recommendations.regional,
    ) == (
        True,
        True,
        True,
    )
    # Cumbria has no finding of its own in the regional report.
    assert regional["cumbria-pcc"].intake.recommendations.local is False
    thematic = next(
        p for p in store.state.proposals if p.report_url == REPORT.format("thematic-stalking-2025")
    )
    assert thematic.concern in (
        "a national report that asks chief constables or PCCs to act",
        "a national report that names its force",
    )
    merseyside = next(
        p
        for p in store.state.proposals
        if p.office == "merseyside-pcc" and p.report_url == thematic.report_url
    )
    assert merseyside.concern == "a national report that names its force"
    gmp = next(
        p for p in store.state.proposals if p.office == "greater-manchester-mayor" and "peel" in p.report_url
    )
    assert [flag.where for flag in gmp.flags] == [
        "Grade: Leadership and force management",
        "Recommendation 1",
        "Recommendation 2",
        "Observation 1",
    ]


def test_an_office_that_answers_no_thematics_is_proposed_none(memory: InMemoryApp) -> None:
    config = CONFIG.model_copy(
        update={"offices": {"lancashire-pcc": OfficeWatch(regions=["nw-rocu"], thematics=Thematics.NONE)}}
    )
    watch, store = watch_in_memory(memory, fixture_reader(), config, FORCES)
    watch_publications(watch, LISTING)
    assert {p.report_url for p in store.state.proposals} == {REPORT.format("nw-soc-2025")}


class FailingFetcher(FixtureFetcher):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def fetch(self, url: str):  # type: ignore[no-untyped-def]
        if self.down and url == LISTING:
            raise PublicationUnreadable(f"{url}: the server answered 503")
        return super().fetch(url)


def test_a_listing_that_cannot_be_read_is_reported_to_administrators_once_after_the_configured_failures(
    memory: InMemoryApp,
) -> None:
    fetcher = FailingFetcher()
    config = CONFIG.model_copy(update={"report_failures_after": 2})
    watch, store = watch_in_memory(memory, fixture_reader(fetcher), config, FORCES)
    admins = {
        p.email for p in DIRECTORY.people if p.organisation in CONFIG.offices and "pcc_admin" in p.roles
    }

    first = watch_publications(watch, LISTING)
    assert (first.listing_problem, first.failures, first.administrators_told) == (
        f"{LISTING}: the server answered 503",
        1,
        False,
    )
    assert memory.emails() == []
    second = watch_publications(watch, LISTING)
    assert (second.failures, second.administrators_told) == (2, True)
    told = [address for event, address in memory.emails() if event == "watch_failing"]
    assert sorted(told) == sorted(admins)
    third = watch_publications(watch, LISTING)
    assert (third.failures, third.administrators_told) == (3, False)
    assert len(memory.emails()) == len(admins), "the administrators are told once per run of failures"
    assert store.state.proposals == []

    fetcher.down = False
    watch_publications(watch, LISTING)
    assert len(store.state.proposals) == 16
    assert store.state.listings[LISTING].failures == 0


class OnePageDown(FixtureFetcher):
    def fetch(self, url: str):  # type: ignore[no-untyped-def]
        if url.endswith("peel-2025-cheshire.html") and len([u for u in self.fetched if u == url]) == 0:
            self.fetched.append(url)
            raise PublicationUnreadable(f"{url}: no answer within 20 seconds")
        return super().fetch(url)


def test_a_report_that_cannot_be_read_is_tried_again_at_the_next_run(memory: InMemoryApp) -> None:
    watch, store = watch_in_memory(memory, fixture_reader(OnePageDown()), CONFIG, FORCES)
    first = watch_publications(watch, LISTING)
    assert first.unreadable_reports == [f"{REPORT.format('peel-2025-cheshire')}: no answer within 20 seconds"]
    assert REPORT.format("peel-2025-cheshire") not in {p.report_url for p in store.state.proposals}
    second = watch_publications(watch, LISTING)
    assert second.new == 1
    assert [(p.office, p.report_url) for p in second.proposed] == [
        ("cheshire-pcc", REPORT.format("peel-2025-cheshire"))
    ]


def test_an_office_the_directory_does_not_hold_is_refused_naming_the_key(memory: InMemoryApp) -> None:
    config = CONFIG.model_copy(update={"offices": {"atlantis-pcc": OfficeWatch()}})
    fetcher = FixtureFetcher()
    watch, store = watch_in_memory(memory, fixture_reader(fetcher), config, FORCES, ProposalStore())
    with pytest.raises(InvalidInput, match="'atlantis-pcc' is not a PCC office"):
        watch_publications(watch, LISTING)
    # Refused before anything is fetched or recorded: the listing's health (its run of failures) stands.
    assert (store.state.proposals, store.state.listings, fetcher.fetched) == ([], {}, [])


class TamperedPage(FixtureFetcher):
    def fetch(self, url: str):  # type: ignore[no-untyped-def]
        page = super().fetch(url)
        if url.endswith("peel-2025-cheshire.html"):
            return FetchedPage(
                url, page.content_type, page.content.replace(b"PEEL 2025:", b"PEEL\x1b[2J 2025:")
            )
        return page


def test_a_tampered_page_is_reported_and_the_rest_are_proposed(memory: InMemoryApp) -> None:
    watch, store = watch_in_memory(memory, fixture_reader(TamperedPage()), CONFIG, FORCES)
    report = watch_publications(watch, LISTING)
    assert len(report.proposed) == 15
    [problem] = report.unreadable_reports
    assert problem.startswith(f"{REPORT.format('peel-2025-cheshire')}: the page cannot be read: title")
    assert REPORT.format("peel-2025-cheshire") not in {p.report_url for p in store.state.proposals}
