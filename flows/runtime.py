"""The application the flows act on, built once per process, and the Prefect settings they run under."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import prefect.settings as prefect_settings
from prefect.settings import temporary_settings

from flows.version_check import refuse_untested_prefect
from signoff.bootstrap import Application, bootstrap


class _Current:
    application: Application | None = None


def application() -> Application:
    """The application from the environment's settings, or the one a caller installed.

    Built on a flow run's first step; a worker's run on an untested Prefect fails there, saying why.
    """
    if _Current.application is None:
        refuse_untested_prefect()
        _Current.application = bootstrap()
    return _Current.application


def use_application(app: Application | None) -> None:
    """Run the flows against this application (the demo's, a test's); None goes back to the default."""
    _Current.application = app


@contextmanager
def acting_on(app: Application) -> Iterator[None]:
    """Run the flows called inside against `app` (a web request's), then go back to what was before."""
    before = _Current.application
    _Current.application = app
    try:
        yield
    finally:
        _Current.application = before


@contextmanager
def lean_prefect() -> Iterator[None]:
    """Settings for short flow runs: the state lives in our database, so a run needs no heartbeat
    (which holds each run open for up to a second as it ends), and a served deployment is picked up
    within a second of being asked for."""
    with temporary_settings(
        updates={
            prefect_settings.PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
            prefect_settings.PREFECT_RUNNER_POLL_FREQUENCY: 1,
        }
    ):
        yield
