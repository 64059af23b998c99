"""The fictional HMICFRS fixtures (tests/fixtures/hmicfrs/): read from disk as if fetched, or served over HTTP."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from signoff.adapters.config_files import load_model
from signoff.adapters.publications.names import OrganisationNames
from signoff.adapters.publications.reader import FetchingReader
from signoff.domain.directory import DirectoryConfig
from signoff.domain.report_reading import PublicationUnreadable
from signoff.service.ports import FetchedPage
from signoff.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "hmicfrs"
BASE = "http://hmicfrs.test/"
TYPES = {".html": "text/html; charset=utf-8", ".atom": "application/atom+xml", ".pdf": "application/pdf"}


class FixtureFetcher:
    """A PageFetcher over the fixture folder, at BASE; records what it was asked for."""

    def __init__(self, folder: Path = FIXTURES, base: str = BASE) -> None:
        self.folder = folder
        self.base = base
        self.fetched: list[str] = []

    def fetch(self, url: str) -> FetchedPage:
        self.fetched.append(url)
        path = self.folder / url.removeprefix(self.base)
        if not url.startswith(self.base) or not path.is_file():
            raise PublicationUnreadable(f"{url}: the server answered 404")
        return FetchedPage(
            url=url, content_type=TYPES.get(path.suffix, "text/plain"), content=path.read_bytes()
        )


def directory_names() -> OrganisationNames:
    return OrganisationNames.of(load_model(PROJECT_ROOT / "config" / "directory.yaml", DirectoryConfig))


def fixture_reader(fetcher: FixtureFetcher | None = None) -> FetchingReader:
    return FetchingReader(fetcher or FixtureFetcher(), directory_names())


class _QuietHandler(SimpleHTTPRequestHandler):
    # The base class declares it on the class, as a plain dict: served files get these types.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}  # noqa: RUF012

    def log_message(self, *_: Any) -> None:
        """The tests' output stays quiet: no line per request."""


@contextmanager
def serve_fixtures(folder: Path = FIXTURES) -> Iterator[str]:
    """The fixture folder on a local HTTP server; yields its base address (ending in /)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
