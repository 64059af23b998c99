"""The fictional HMICFRS fixtures (tests/fixtures/hmicfrs/): read from disk as if fetched, or served over HTTP."""

from __future__ import annotations

from pathlib import Path

from signoff.adapters.config_files import load_model
from signoff.adapters.publications.names import OrganisationNames
from signoff.adapters.publications.reader import FetchingReader
from signoff.domain.directory import DirectoryConfig
from signoff.domain.report_reading import PublicationUnreadable
from signoff.entrypoints.cli.fixture_site import FIXTURE_TYPES, fixture_site
from signoff.entrypoints.cli.fixture_site import FIXTURES as FIXTURES
from signoff.service.ports import FetchedPage
from signoff.settings import PROJECT_ROOT

BASE = "http://hmicfrs.test/"
TYPES = FIXTURE_TYPES


class FixtureFetcher:
    """A PageFetcher over the fixture folder, at BASE; records what it was asked for."""

    def __init__(self, folder: Path = FIXTURES, base: str = BASE) -> None:
        self.folder = folder
        self.base = base
        self.fetched: list[str] = []

    def fetch(self, url: str) -> FetchedPage:
        self.fetched.append(url)
        path = self.folder / url.removeprefix(self.base)
        if url.endswith("/"):
            path = path / "index.html"  # as a web server answers for a folder
        if not url.startswith(self.base) or not path.is_file():
            raise PublicationUnreadable(f"{url}: the server answered 404")
        return FetchedPage(
            url=url, content_type=TYPES.get(path.suffix, "text/plain"), content=path.read_bytes()
        )


def directory_names() -> OrganisationNames:
    return OrganisationNames.of(load_model(PROJECT_ROOT / "config" / "directory.yaml", DirectoryConfig))


def fixture_reader(fetcher: FixtureFetcher | None = None) -> FetchingReader:
    return FetchingReader(fetcher or FixtureFetcher(), directory_names())


# The demo serves the same folder the same way.
serve_fixtures = fixture_site
