"""Every handler in memory: the fakes of tests/support/fakes.py, no database, a few milliseconds each."""

from __future__ import annotations

import pytest

from tests.support.app import InMemoryApp, in_memory_app


@pytest.fixture
def memory() -> InMemoryApp:
    """The handlers' dependencies on the fakes, with config/directory.yaml loaded, on publication morning."""
    return in_memory_app()
