"""Prefect reads its settings when first imported: the commands that use it set them up before that."""

from __future__ import annotations

import os
from pathlib import Path

from signoff.settings import load_settings


def prepare_prefect(*, quiet: bool) -> None:
    """Keep Prefect's local state under var/prefect, send no telemetry, show our loggers' lines in flow
    runs' logs, and (for the demo) log only warnings. Anything already set in the environment wins."""
    home = Path(os.environ.setdefault("PREFECT_HOME", str(load_settings().var_dir / "prefect")))
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The service layer's lines (a decision recorded, a sign-off advanced) join the flow run's own logs in
    # the Prefect UI; made outside a flow run (a decision on the web app, say), they are only ours to write.
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "signoff")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
