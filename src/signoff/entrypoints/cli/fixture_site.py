"""The fictional HMICFRS publications (tests/fixtures/hmicfrs/) on a loopback HTTP server: what `signoff demo`
watches, and what the watcher's tests read over HTTP. Nothing heavy is imported here."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from signoff.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "hmicfrs"
FIXTURE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml",
    ".pdf": "application/pdf",
}


class _Quiet(SimpleHTTPRequestHandler):
    # The base class declares it on the class, as a plain dict: served files get these types.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **FIXTURE_TYPES}  # noqa: RUF012

    def log_message(self, *_: Any) -> None:
        """The output is the story (or the test's), not a line per request."""


@contextmanager
def fixture_site(folder: Path = FIXTURES) -> Iterator[str]:
    """The fixture folder on a loopback HTTP server (the demo's, and the tests'); its base address, ending
    in /."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
