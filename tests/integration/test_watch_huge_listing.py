"""The watcher on a real database fed a listing of tens of thousands of reports (a hostile or broken page well
within max_bytes): the run asks which it has read before and goes on, never failing on the database's limit
of parameters in one query (PostgreSQL's 65,535)."""

from __future__ import annotations

import logging

import pytest

from signoff.bootstrap import Application
from signoff.domain.report_reading import ListedReport, PublicationUnreadable, ReportReading
from signoff.service.handlers.watch_publications import UNREADABLE_TOLD, WatchDependencies, watch_publications
from tests.handlers.test_watch_publications import NOW
from tests.integration.test_watch_publications import watching

__all__ = ["watching"]  # the fixture, shared with test_watch_publications

# Storage is the subject: the query of the reports read before, on each database's limits.
pytestmark = pytest.mark.both_databases
LISTED = 70_000


class ListingOfManyReports:
    """A reader whose listing names LISTED reports, one of them read before; no report page reads."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.asked: list[str] = []

    def listing(self, url: str) -> list[ListedReport]:  # noqa: ARG002 - the listing is made up
        return [ListedReport(url=f"{self.base}r/{n}.html", title=f"Report {n}") for n in range(LISTED)]

    def report(self, listed: ListedReport) -> ReportReading:
        self.asked.append(listed.url)
        raise PublicationUnreadable(f"{listed.url}: the server answered 404")


def test_a_listing_of_seventy_thousand_reports_is_checked_against_those_read_before(
    watching: tuple[Application, WatchDependencies, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, watch, base = watching
    with watch.new_unit_of_work() as uow:
        uow.proposals.mark_seen(f"{base}r/69999.html", "Report 69999", "concerns no watched office", NOW)
        uow.commit()
    reader = ListingOfManyReports(base)
    many = WatchDependencies(
        deps=watch.deps,
        new_unit_of_work=watch.new_unit_of_work,
        load_config=watch.load_config,
        new_reader=lambda _config: reader,
        force_keys=watch.force_keys,
    )
    with caplog.at_level(logging.WARNING):
        report = watch_publications(many, base + "publications.html")
    assert report.listing_problem is None
    assert (report.listed, report.new) == (LISTED, LISTED - 1)
    assert f"{base}r/69999.html" not in reader.asked
    # Every report was tried, and each is tried again next run; the log and the run's account name the
    # first few and count the rest, rather than run to tens of thousands of lines.
    assert len(reader.asked) == len(report.unreadable_reports) == LISTED - 1
    untold = f"{LISTED - 1 - UNREADABLE_TOLD} more report(s) could not be read (each is tried again next run)"
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings[:2] == [
        f"could not read {base}r/{n}.html: {base}r/{n}.html: the server answered 404" for n in (0, 1)
    ]
    assert warnings[UNREADABLE_TOLD:] == [untold]
    said = report.lines()
    assert len(said) == 1 + UNREADABLE_TOLD + 2
    assert said[-2:] == [untold, "nothing new to propose"]
