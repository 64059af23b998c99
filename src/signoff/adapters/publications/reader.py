"""The PublicationReader port: fetch (through a PageFetcher) and read the listing, a report and its PDF."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from signoff.adapters.publications.http_fetcher import same_site
from signoff.adapters.publications.listing import read_listing_page
from signoff.adapters.publications.names import OrganisationNames
from signoff.adapters.publications.pdf_text import pdf_text
from signoff.adapters.publications.report_page import findings_from_pdf_text, read_report_page
from signoff.domain.errors import InvalidInput
from signoff.domain.report_reading import ListedReport, PublicationUnreadable, ReportReading
from signoff.service.ports import PageFetcher

log = logging.getLogger(__name__)


class FetchingReader:
    def __init__(self, fetcher: PageFetcher, names: OrganisationNames, listing_pages: int = 1) -> None:
        self._fetcher = fetcher
        self._names = names
        self._listing_pages = listing_pages

    def listing(self, url: str) -> list[ListedReport]:
        """The listing's reports, newest first, from its first page and up to `listing_pages` in all,
        following each page's link to the next (older) one on the same site: a watcher that was stopped
        for a while, or a week of many publications, catches up on what went past the first page.

        The first page not read is PublicationUnreadable (the run reads nothing); a later one only ends
        the reading there, with a warning: the next run reads it again."""
        reports, following = self._listing_page(url)
        read = {url}
        while following is not None and len(read) < self._listing_pages:
            if following in read or not same_site(url, following):
                log.warning("the listing %s links %s as its next page: not read", url, following[:200])
                break
            read.add(following)
            try:
                more, following = self._listing_page(following)
            except PublicationUnreadable as problem:
                log.warning(
                    "the listing's page %s could not be read (read again next run): %s", following, problem
                )
                break
            known = {report.url for report in reports}
            reports += [report for report in more if report.url not in known]
        return reports

    def _listing_page(self, url: str) -> tuple[list[ListedReport], str | None]:
        page = self._fetcher.fetch(url)
        try:
            listing = read_listing_page(page.content, page.content_type, page.url)
        except InvalidInput as problem:
            raise PublicationUnreadable(problem.message) from None
        except ValidationError as error:
            raise PublicationUnreadable(
                f"{url}: the listing holds an item that cannot be read: {_first(error)}"
            ) from None
        # A listing points only at the inspectorate's own reports: an item on another site (an internal
        # address, say) is never fetched.
        elsewhere = [report.url for report in listing.reports if not same_site(page.url, report.url)]
        for address in elsewhere:
            log.warning("the listing %s names %s, on another site: not read", url, address[:200])
        return [report for report in listing.reports if same_site(page.url, report.url)], listing.next_page

    def report(self, listed: ListedReport) -> ReportReading:
        page = self._fetcher.fetch(listed.url)
        try:
            reading = read_report_page(
                page.content.decode("utf-8", errors="replace"), listed.url, self._names
            )
            if reading.is_report and not reading.findings and reading.pdf_url:
                if not same_site(page.url, reading.pdf_url):
                    raise PublicationUnreadable(
                        f"{listed.url}: its full report {reading.pdf_url[:200]} is on another site; not read"
                    )
                # The page gives the grades and the meta; the findings are only in the full report.
                document = self._fetcher.fetch(reading.pdf_url)
                reading = findings_from_pdf_text(
                    reading, pdf_text(document.content, reading.pdf_url), self._names
                )
        except InvalidInput as problem:
            raise PublicationUnreadable(problem.message) from None
        except ValidationError as error:
            raise PublicationUnreadable(f"{listed.url}: the page cannot be read: {_first(error)}") from None
        return reading


def _first(error: ValidationError) -> str:
    """The first problem, naming its place: a page from the internet may hold anything."""
    problem = error.errors()[0]
    return f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
