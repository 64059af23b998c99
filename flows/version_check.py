"""The Prefect major version signoff is tested with, and the refusal to start on any other.

Automations, events, deployments and the runner's settings changed shape between Prefect's majors; a worker
or `signoff serve` on an untested one would fail later, in stranger ways, or quietly do less.
"""

from __future__ import annotations

import prefect

from signoff.domain.errors import SignoffError

TESTED_MAJOR = 3


class UntestedPrefect(SignoffError):
    """The installed Prefect is of a major version signoff was not tested with."""


def refuse_untested_prefect(version: str | None = None) -> None:
    """Raise UntestedPrefect, naming both versions, unless `version` (the installed one by default) is of
    the tested major."""
    installed = version if version is not None else prefect.__version__
    major = installed.split(".", 1)[0]
    if major != str(TESTED_MAJOR):
        raise UntestedPrefect(
            f"Prefect {installed} is installed, but signoff is tested with Prefect {TESTED_MAJOR} only: "
            "install the Prefect version requirements.lock names, then start again"
        )
