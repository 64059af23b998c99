"""A Prefect server for the flow tests: one per session, temporary, with the settings `signoff serve` uses."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.runtime import lean_prefect, use_application
from signoff.bootstrap import Application, bootstrap
from tests.smtp_server import SmtpServer, running_smtp_server
from tests.support.prefect_server import migrated_prefect_database


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    # Imported here: it loads Prefect's whole server (1.6 s of CPU), which every xdist worker would pay at
    # collection, flow tests or none.
    import prefect.testing.utilities as prefect_testing
    from prefect.testing.utilities import prefect_test_harness

    # The harness makes its database in a new temporary folder: this one holds a migrated copy already,
    # so its server skips Prefect's migrations (some 7 s of CPU on the two-core machine, per worker).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prefect_testing, "mkdtemp", _folder_with_a_migrated_database)
        with prefect_test_harness(server_startup_timeout=60), lean_prefect():
            yield


def _folder_with_a_migrated_database() -> str:
    folder = tempfile.mkdtemp()
    shutil.copyfile(migrated_prefect_database(), Path(folder) / "prefect-test.db")  # the harness's name
    return folder


@pytest.fixture
def flows_app(app: Application) -> Iterator[Application]:
    """The flows act on the test's application (its database and its clock)."""
    use_application(app)
    yield app
    use_application(None)


@pytest.fixture
def smtp(flows_app: Application) -> Iterator[tuple[SmtpServer, Application]]:
    """A real SMTP server, and the flows' application pointed at it."""
    with running_smtp_server() as server:
        settings = flows_app.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": server.port})
        app = bootstrap(settings, clock=flows_app.deps.clock)
        use_application(app)
        yield server, app
        use_application(flows_app)
        app.engine.dispose()
