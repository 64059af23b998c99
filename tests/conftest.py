"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and the application wired to it.

Which database a test runs on: a test that uses the database (the `database_url` or `app` fixtures) runs
on SQLite, unless it is marked `@pytest.mark.both_databases` (a test, a parameter set through
`pytest.param(..., marks=...)`, or a whole module with `pytestmark`), when it runs on PostgreSQL too. Mark
a test whose subject is storage: repositories, migrations, locking and concurrency, transactions, what the
web stores (sessions, sign-in links, decisions, published files), the resilience suite, or a defect that
only PostgreSQL showed. A page's wording, a validation error, an email's text do not change with the
database, and running them twice only makes the loop slower. `pytest --all-on-both-databases` runs every
database test on both, as before this rule (worth it after a change to the adapters or the mapping).

PostgreSQL: SIGNOFF_TEST_POSTGRES_URL names a scratch database (.ci/run makes one); without it the
suite makes its own on the local server. Where no server answers, the PostgreSQL half skips with
the reason, unless SIGNOFF_TEST_REQUIRE_POSTGRES is set (as in CI), when it fails.

Under pytest-xdist (`make test` runs three workers) each worker has a database of its own: with
SIGNOFF_TEST_POSTGRES_URL naming `signoff_ci`, worker gw0 makes and uses `signoff_ci_gw0` on the same
server, and drops it at the end; without it, each worker makes its own scratch database as above. On
SQLite each worker has one file, into which each test's database is restored; the application fixtures
share one engine per database for the worker's session (see `_ENGINES`).
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import signoff.bootstrap
from signoff.adapters.database import create_database_engine, upgrade_to_head
from signoff.adapters.documents.rendering import DocumentRenderer
from signoff.adapters.orm import metadata
from signoff.bootstrap import Application, bootstrap
from signoff.service.clock import FixedClock
from signoff.service.handlers.load_directory import load_directory
from signoff.settings import PROJECT_ROOT, Settings
from tests.resilience.harness import REPORTED
from tests.support.story import PUBLICATION_MORNING

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


BOTH_DATABASES = "both_databases"
ALL_ON_BOTH = "--all-on-both-databases"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        ALL_ON_BOTH,
        action="store_true",
        help="run every database test on SQLite and PostgreSQL, marked both_databases or not",
    )


# The workers' garbage collector: a test makes and drops objects by the hundred thousand (SQLAlchemy's,
# Pydantic's, WeasyPrint's), and at Python's pace (a pass every 700 new objects, a full pass over every
# object every hundred of those) the collector took some 12% of a worker's CPU, mostly re-reading the
# modules, fixtures and items collected at the start, which live as long as the session. Measured on the
# integration, control-character and API tests: 5.4 s of collection in 46 s of CPU, 1.5 s so. Garbage is
# still collected, at a slower pace; what collection made is set aside from the passes once collected.
TEST_PACE = (50_000, 20, 100)


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(*TEST_PACE)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the PostgreSQL case of a database test only where it is marked both_databases (the rest are
    reported as deselected: the count shows in the summary line); then the longest files first."""
    if not config.getoption(ALL_ON_BOTH):
        _deselect_postgres_unless_both(config, items)
    items.sort(key=_longest_first)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `--dist loadfile` (as `make test` runs), one file to a worker at a time, but the flow tests'
    files all to one worker: each worker that runs one starts Prefect's test server for the rest of its
    session (10 s of CPU to start, and its services' polling after), and one is enough."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FlowTestsTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return FLOW_TESTS if nodeid.startswith(FLOW_TESTS) else super()._split_scope(nodeid)

    return FlowTestsTogether(config, log)


FLOW_TESTS = "tests/flows/"


# The slowest files, slowest first (as measured on the two-core machine): the work-pool fault test waits on
# the minute's sweeps and the automation's window (one and a half to three minutes), the reflow test
# drives Chromium through every page (a minute and a half), the rest take half a minute to a minute.
SLOWEST = (
    "resilience/test_work_pool.py",
    "web/test_reflow_browser.py",
    "resilience/test_serve_alongside.py",
    "resilience/test_fault_postgres_restart.py",
    "resilience/test_faults.py",
    "resilience/test_fault_prefect_restart.py",
    "e2e/test_watch_served.py",
    "resilience/test_fault_two_serves.py",
    "e2e/test_cli.py",
    "resilience/test_serve_restart.py",
    "web/test_cross_office_stateful.py",
    "web/test_publishing_browser.py",
    "resilience/test_mail_alerts.py",
)


def _longest_first(item: pytest.Item) -> int:
    """Under pytest-xdist, workers take files in this order as they come free: the slowest files (SLOWEST)
    in turn, then the rest of the fault tests, then the end-to-end and browser ones, then the rest, so that
    no worker starts a two-minute test while the others have nothing left to do. The sort is stable:
    within a rank, as collected."""
    path = item.path.relative_to(PROJECT_ROOT / "tests").as_posix()
    if path in SLOWEST:
        return SLOWEST.index(path)
    rank = len(SLOWEST)
    if path.startswith("resilience/"):
        return rank
    if path.startswith("e2e/") or "browser" in path:
        return rank + 1
    return rank + 2 if item.get_closest_marker("slow") else rank + 3


def _deselect_postgres_unless_both(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept: list[pytest.Item] = []
    postgres_only_by_choice: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        if on_postgres and item.get_closest_marker(BOTH_DATABASES) is None:
            postgres_only_by_choice.append(item)
        else:
            kept.append(item)
    if postgres_only_by_choice:
        config.hook.pytest_deselected(items=postgres_only_by_choice)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def pdfs_rendered_once_per_worker() -> Iterator[None]:
    """WeasyPrint takes seconds a PDF, and many tests publish the same response at the same moment: each
    worker renders a given page once and hands the same bytes to every later test that asks for it. The
    first test to ask still runs WeasyPrint; a page that differs in anything (a date, a version, a name)
    is rendered anew."""
    rendered: dict[tuple[str, str], bytes] = {}
    render = DocumentRenderer.pdf

    def pdf(self: DocumentRenderer, html: str) -> bytes:
        key = (str(self._config_dir), html)
        if key not in rendered:
            rendered[key] = render(self, html)
        return rendered[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DocumentRenderer, "pdf", pdf)
        yield


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get("SIGNOFF_TEST_POSTGRES_URL")
    required = bool(os.environ.get("SIGNOFF_TEST_REQUIRE_POSTGRES"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if given and not worker:
        url, made_here = given, False
    elif given:
        # Two workers truncating one database would wipe each other's rows mid-test.
        name = f"{make_url(given).database}_{worker}"
        url, made_here = _make_scratch_database(given, name, required), True
    else:
        url, made_here = _make_scratch_database(LOCAL_SERVER, None, required), True
    _wipe(url)
    upgrade_to_head(url)
    yield url
    _dispose_engines()
    if made_here:
        _drop_database(url)


def _make_scratch_database(server: str, name: str | None, required: bool) -> str:
    """A new, empty database on the server of `server` (a URL of any database there); `name`, or a
    random one. Fails the run when the server does not answer and SIGNOFF_TEST_REQUIRE_POSTGRES is set,
    else skips the PostgreSQL half."""
    name = name or f"signoff_test_{uuid.uuid4().hex[:10]}"
    address = make_url(server)
    try:
        engine = create_engine(address.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except OperationalError as error:
        reason = (
            f"PostgreSQL is not reachable at {address.host}:{address.port or 5432} "
            f"({type(error.orig).__name__})"
        )
        if required:
            pytest.fail(f"{reason}, and SIGNOFF_TEST_REQUIRE_POSTGRES is set")
        pytest.skip(reason)
    return address.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    address = make_url(url)
    engine = create_engine(address.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{address.database}" WITH (FORCE)'))
    engine.dispose()


def _wipe(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# One engine for each database the fixtures hand out, kept for the worker's whole session: SQLAlchemy keeps
# its compiled statements per engine, and an engine made for each test compiled them all again, a third of
# a web test's CPU. Each SQLite test's database is restored into the worker's one file (its engine's pool
# emptied first); each PostgreSQL test's is the worker's database, emptied (EMPTY_POSTGRES_TABLES).
_ENGINES: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    if url not in _ENGINES:
        _ENGINES[url] = create_database_engine(url)
    return _ENGINES[url]


def _dispose_engines() -> None:
    for engine in _ENGINES.values():
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def engines_disposed_at_the_end() -> Iterator[None]:
    yield
    _dispose_engines()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once keeps the suite quick."""
    path = tmp_path_factory.mktemp("template") / "signoff.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The worker's one SQLite file, into which each test's database is restored."""
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'signoff.db'}"


def _restore_sqlite(source: Path, url: str) -> None:
    """`source` (a whole database) into `url`'s file, as SQLite's backup copies it: what a test's processes
    left in the write-ahead log is replaced with the rest. The shared engine's pooled connections, to the
    file as the last test left it, are closed first."""
    engine = _ENGINES.get(url)
    if engine is not None:
        engine.dispose()
    with (
        closing(sqlite3.connect(source)) as original,
        closing(sqlite3.connect(make_url(url).database)) as copy,
    ):
        original.backup(copy)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
        _restore_sqlite(sqlite_template, url)
        return url
    url = request.getfixturevalue("postgres_url")
    with _engine_for(url).begin() as connection:
        connection.execute(EMPTY_POSTGRES_TABLES)
    return url


# Every table emptied and every sequence started again, in one round trip. DELETE, not TRUNCATE: a test's
# tables hold a few rows, and TRUNCATE makes each table a new file (and waits for it), a quarter of a second
# a test on the two-core machine.
EMPTY_POSTGRES_TABLES = text(
    "DO $$ DECLARE s record; BEGIN "
    + " ".join(f'DELETE FROM "{t.name}";' for t in reversed(metadata.sorted_tables))
    + " FOR s IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema() LOOP"
    " EXECUTE format('ALTER SEQUENCE %s RESTART', s.name); END LOOP; END $$"
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PUBLICATION_MORNING)


@pytest.fixture(scope="session")
def sqlite_with_directory(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated SQLite file with config/directory.yaml loaded on publication morning: most tests start
    from it, and loading the directory took some 30 ms of CPU a test."""
    path = tmp_path_factory.mktemp("directory") / "signoff.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", config_dir=PROJECT_ROOT / "config")
    application = bootstrap(settings, clock=FixedClock(PUBLICATION_MORNING))
    load_directory(application.load_directory_config(), application.deps.load_pipeline(), application.deps)
    application.engine.dispose()
    return path


@pytest.fixture
def app(
    request: pytest.FixtureRequest, database_url: str, clock: FixedClock, tmp_path: Path
) -> Iterator[Application]:
    """The application on a migrated database with config/directory.yaml loaded."""
    settings = Settings(
        database_url=database_url, config_dir=PROJECT_ROOT / "config", var_dir=tmp_path / "var"
    )
    loaded_already = database_url.startswith("sqlite") and clock.now() == PUBLICATION_MORNING
    if loaded_already:
        # The same rows load_directory writes at this moment, restored (the file is this test's alone).
        _restore_sqlite(request.getfixturevalue("sqlite_with_directory"), database_url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signoff.bootstrap, "create_database_engine", _engine_for)
        application = bootstrap(settings, clock=clock)
    if not loaded_already:
        load_directory(
            application.load_directory_config(), application.deps.load_pipeline(), application.deps
        )
    yield application
    application.engine.dispose()


# ----- what the resilience tests counted, printed at the end of the run (from every xdist worker) -----


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: hand the lines to the controller, which prints them
        output["resilience_reported"] = list(REPORTED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    REPORTED.extend(getattr(node, "workeroutput", {}).get("resilience_reported", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORTED and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.section("resilience: what was counted")
        for line in REPORTED:
            terminalreporter.write_line(line)
