"""A Prefect server for the flow tests: one per session, temporary, with the settings `signoff serve` uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.runtime import lean_prefect, use_application
from signoff.bootstrap import Application, bootstrap
from tests.smtp_server import SmtpServer, running_smtp_server


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=60), lean_prefect():
        yield


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
