"""The resilience suite prints what it counted at the end of the run (`make test`, CI included)."""

from __future__ import annotations

import pytest

from tests.resilience.harness import REPORTED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORTED:
        terminalreporter.section("resilience: what was counted")
        for line in REPORTED:
            terminalreporter.write_line(line)
