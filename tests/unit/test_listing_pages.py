"""The watcher reads the listing's older pages too, up to config/watch.yaml's listing_pages: after a stop,
or a week of many publications, what went past the first page is not missed. It follows only a link to
the next (older) page on the same site, never one it has read, and a later page that does not read ends
the reading there without losing the pages before it."""

from __future__ import annotations

import logging

import pytest

from signoff.adapters.publications.listing import next_page
from signoff.adapters.publications.reader import FetchingReader
from signoff.domain.report_reading import PublicationUnreadable
from signoff.service.ports import FetchedPage
from tests.support.hmicfrs import directory_names

SITE = "https://hmicfrs.example.gov.uk/"
HTML = "text/html; charset=utf-8"


def listing_page(titles: list[str], pagination: str = "") -> bytes:
    cards = "".join(
        f'<li class="publication-list__item"><article class="publication-card"><h2>'
        f'<a href="/publications/{title.lower().replace(" ", "-")}.html">{title}</a></h2></article></li>'
        for title in titles
    )
    return f'<html><body><ul class="publication-list">{cards}</ul>{pagination}</body></html>'.encode()


def older(address: str) -> str:
    return f'<nav class="pagination" aria-label="Pages"><a href="{address}">Older publications</a></nav>'


class Pages:
    """A PageFetcher over a few pages by address; records what it was asked for; 404 for the rest."""

    def __init__(self, pages: dict[str, tuple[str, bytes]]) -> None:
        self.pages = pages
        self.fetched: list[str] = []

    def fetch(self, url: str) -> FetchedPage:
        self.fetched.append(url)
        if url not in self.pages:
            raise PublicationUnreadable(f"{url}: the server answered 404")
        content_type, content = self.pages[url]
        return FetchedPage(url=url, content_type=content_type, content=content)


def titles_read(pages: Pages, listing_pages: int, first: str = SITE + "publications/") -> list[str]:
    return [report.title for report in FetchingReader(pages, directory_names(), listing_pages).listing(first)]


def test_older_pages_are_read_up_to_the_configured_number() -> None:
    pages = Pages(
        {
            SITE + "publications/": (HTML, listing_page(["A", "B"], older("/publications/page/2/"))),
            SITE + "publications/page/2/": (HTML, listing_page(["C"], older("/publications/page/3/"))),
            SITE + "publications/page/3/": (HTML, listing_page(["D"])),
        }
    )
    assert titles_read(pages, 3) == ["A", "B", "C", "D"]
    assert titles_read(Pages(pages.pages), 2) == ["A", "B", "C"]
    one = Pages(pages.pages)
    assert titles_read(one, 1) == ["A", "B"]
    assert one.fetched == [SITE + "publications/"]


def test_a_report_on_two_pages_is_listed_once_and_a_page_linking_back_is_not_read_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A listing that moved while it was read shows the same report on two pages; a broken one links a
    page already read as the next."""
    pages = Pages(
        {
            SITE + "publications/": (HTML, listing_page(["A", "B"], older("/publications/page/2/"))),
            SITE + "publications/page/2/": (HTML, listing_page(["B", "C"], older("/publications/"))),
        }
    )
    with caplog.at_level(logging.WARNING):
        assert titles_read(pages, 5) == ["A", "B", "C"]
    assert pages.fetched == [SITE + "publications/", SITE + "publications/page/2/"]
    assert "links https://hmicfrs.example.gov.uk/publications/ as its next page: not read" in caplog.text


def test_a_next_page_on_another_site_is_never_fetched() -> None:
    pages = Pages({SITE + "publications/": (HTML, listing_page(["A"], older("http://10.0.0.1/admin/")))})
    assert titles_read(pages, 3) == ["A"]
    assert pages.fetched == [SITE + "publications/"]


def test_an_older_page_that_fails_keeps_the_newer_pages(caplog: pytest.LogCaptureFixture) -> None:
    pages = Pages({SITE + "publications/": (HTML, listing_page(["A", "B"], older("/publications/page/2/")))})
    with caplog.at_level(logging.WARNING):
        assert titles_read(pages, 3) == ["A", "B"]
    assert "page https://hmicfrs.example.gov.uk/publications/page/2/ could not be read" in caplog.text
    # The first page failing is the run's failure, as before: nothing is read.
    with pytest.raises(PublicationUnreadable, match="404"):
        titles_read(Pages({}), 3)


@pytest.mark.parametrize(
    ("pagination", "expected"),
    [
        ('<link rel="next" href="/publications/page/2/">', SITE + "publications/page/2/"),
        ('<a rel="next nofollow" href="?page=2">2</a>', SITE + "publications/?page=2"),
        ('<a class="next page-numbers" href="page/2/">Next</a>', SITE + "publications/page/2/"),
        (
            '<nav class="pagination"><a href="/p/1">Previous</a> <a href="/p/3">Next page</a></nav>',
            SITE + "p/3",
        ),
        (
            '<nav class="pagination" aria-label="Pages"><a href="/publications/">Newer publications</a></nav>',
            None,
        ),
        ("", None),
    ],
)
def test_the_next_page_of_an_html_listing(pagination: str, expected: str | None) -> None:
    assert next_page(listing_page(["A"], pagination), HTML, SITE + "publications/") == expected


def test_the_next_page_of_a_feed() -> None:
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>'
        b'<link rel="self" href="/feed.atom"/><link rel="next" href="/feed.atom?page=2"/>'
        b'<entry><title>A</title><link href="/publications/a.html"/></entry></feed>'
    )
    rss = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        b'<title>News</title><atom:link rel="next" href="https://hmicfrs.example.gov.uk/rss?paged=2"/>'
        b"<item><title>A</title><link>/publications/a.html</link></item></channel></rss>"
    )
    assert next_page(atom, "application/atom+xml", SITE + "feed.atom") == SITE + "feed.atom?page=2"
    assert next_page(rss, "application/rss+xml", SITE + "rss") == SITE + "rss?paged=2"
    assert next_page(atom.replace(b'rel="next"', b'rel="previous"'), "application/atom+xml", SITE) is None
    assert next_page(b"<feed", "application/atom+xml", SITE) is None  # not XML: read_listing says so
