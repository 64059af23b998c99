"""The publications watcher fed a hostile listing: it reads only the inspectorate's site it is configured with.

A listing (or a report page, or a redirect) pointing at another host, say an internal admin address, must
not make the watcher fetch it; a redirect loop or a page dripped out a byte at a time must end the read
within the configured time, naming the address, never hang the run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from signoff.adapters.publications.http_fetcher import HttpFetcher, same_site
from signoff.adapters.publications.reader import FetchingReader
from signoff.domain.report_reading import ListedReport, PublicationUnreadable
from tests.support.hmicfrs import FIXTURES, directory_names

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Site:
    base: str
    routes: dict[str, Route]
    hits: list[str] = field(default_factory=list)


@contextmanager
def site(host: str = "127.0.0.1") -> Iterator[Site]:
    """A loopback server answering the routes the test gives it; records every path asked for."""
    served = Site(base="", routes={})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.hits.append(self.path)
            route = served.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route(self)

        def log_message(self, *_: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.base = f"http://{host}:{server.server_address[1]}/"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def page(body: bytes, content_type: str = "text/html; charset=utf-8") -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(location: str) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def listing_of(*hrefs: str) -> bytes:
    cards = "".join(
        f'<li class="publication-list__item"><h2><a href="{href}">Report {n}</a></h2>'
        '<time datetime="2025-10-13">13 October 2025</time></li>'
        for n, href in enumerate(hrefs)
    )
    return f"<html><body><ul>{cards}</ul></body></html>".encode()


def reader(timeout_seconds: float = 5) -> FetchingReader:
    return FetchingReader(
        HttpFetcher(timeout_seconds=timeout_seconds, max_bytes=5_000_000), directory_names()
    )


PEEL = (FIXTURES / "publications" / "peel-2025-cheshire.html").read_bytes()


def test_a_listed_report_on_another_host_is_never_fetched() -> None:
    with site() as inspectorate, site(host="localhost") as internal:
        internal.routes["/admin/delete-everything"] = page(PEEL)
        inspectorate.routes["/publications/"] = page(
            listing_of("peel.html", internal.base + "admin/delete-everything")
        )
        inspectorate.routes["/publications/peel.html"] = page(PEEL)
        listed = reader().listing(inspectorate.base + "publications/")
        for report in listed:
            with suppress(PublicationUnreadable):
                reader().report(report)
    assert internal.hits == [], "the watcher fetched an address on a host other than the listing's"
    assert [r.url for r in listed] == [inspectorate.base + "publications/peel.html"]


def test_a_redirect_to_another_host_is_not_followed() -> None:
    with site() as inspectorate, site(host="localhost") as internal:
        internal.routes["/admin"] = page(PEEL)
        inspectorate.routes["/publications/peel.html"] = redirect(internal.base + "admin")
        with pytest.raises(PublicationUnreadable, match="another site"):
            reader().report(ListedReport(url=inspectorate.base + "publications/peel.html", title="PEEL"))
    assert internal.hits == []


def test_a_report_pages_pdf_on_another_host_is_not_fetched() -> None:
    # The regional report's findings are only in its PDF: the page's link to it names another host.
    regional = (FIXTURES / "publications" / "nw-soc-2025.html").read_bytes()
    with site() as inspectorate, site(host="localhost") as internal:
        internal.routes["/nw-soc-2025.pdf"] = page(b"%PDF-1.4", "application/pdf")
        inspectorate.routes["/publications/nw.html"] = page(
            regional.replace(b'href="nw-soc-2025.pdf"', f'href="{internal.base}nw-soc-2025.pdf"'.encode())
        )
        with pytest.raises(PublicationUnreadable, match="another site"):
            reader().report(ListedReport(url=inspectorate.base + "publications/nw.html", title="NW"))
    assert internal.hits == []


def test_a_redirect_loop_ends_naming_the_address() -> None:
    with site() as inspectorate:
        inspectorate.routes["/a"] = redirect("/b")
        inspectorate.routes["/b"] = redirect("/a")
        with pytest.raises(PublicationUnreadable, match="/a"):
            reader().listing(inspectorate.base + "a")
        assert len(inspectorate.hits) <= 30


def test_a_page_dripped_out_slowly_is_given_up_within_the_timeout() -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        try:
            for _ in range(60):  # a byte every 0.3 s: each read is quick, the page never ends
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.3)
        except OSError:
            return

    with site() as inspectorate:
        inspectorate.routes["/slow"] = drip
        began = time.monotonic()
        with pytest.raises(PublicationUnreadable, match="no answer within 1 seconds"):
            reader(timeout_seconds=1).listing(inspectorate.base + "slow")
        assert time.monotonic() - began < 5, "the read went on far past its timeout"


@pytest.mark.parametrize(
    ("listing", "address", "same"),
    [
        (
            "https://hmicfrs.justiceinspectorates.gov.uk/publications/",
            "https://hmicfrs.justiceinspectorates.gov.uk/publications/peel-2025-cheshire/",
            True,
        ),
        (  # the inspectorate's files are on a sibling host of its site
            "https://hmicfrs.justiceinspectorates.gov.uk/publications/",
            "https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/peel-2025-cheshire.pdf",
            True,
        ),
        (
            "http://hmicfrs.justiceinspectorates.gov.uk/",
            "https://HMICFRS.justiceinspectorates.gov.uk/x",
            True,
        ),
        (
            "https://hmicfrs.justiceinspectorates.gov.uk/",
            "https://justiceinspectorates.gov.uk.evil.example/",
            False,
        ),
        ("https://hmicfrs.justiceinspectorates.gov.uk/", "https://other.gov.uk/", False),
        ("https://hmicfrs.justiceinspectorates.gov.uk/", "http://127.0.0.1:8000/admin", False),
        ("https://hmicfrs.justiceinspectorates.gov.uk/", "file:///etc/passwd", False),
        (
            "https://hmicfrs.justiceinspectorates.gov.uk/",
            "https://hmicfrs.justiceinspectorates.gov.uk:8443/",
            False,
        ),
        ("https://service.gov.uk/", "https://other.service.gov.uk/", False),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8001/", False),
        ("http://127.0.0.1:8000/", "http://localhost:8000/", False),
    ],
)
def test_what_counts_as_the_inspectorates_site(listing: str, address: str, same: bool) -> None:
    assert same_site(listing, address) is same


def test_a_listing_of_tens_of_thousands_of_cards_is_read_not_hung_on() -> None:
    # Well within max_bytes (2.7 MB of config/watch.yaml's 30 MB). Reading it took 30 s of CPU when each card was compared
    # with every card before it; it takes well under a second. The bound is a hang guard, not a target.
    cards = "".join(
        f'<li class="publication-list__item"><h2><a href="/publications/{n}.html">Report {n}</a></h2></li>'
        for n in range(30_000)
    )
    with site() as inspectorate:
        inspectorate.routes["/publications/"] = page(f"<html><body><ul>{cards}</ul></body></html>".encode())
        began = time.monotonic()
        listed = reader(timeout_seconds=10).listing(inspectorate.base + "publications/")
        took = time.monotonic() - began
    assert len(listed) == 30_000
    assert took < 20, f"reading the listing took {took:.0f} s"
