"""Each benchmark records its figures here, beside their baselines from the same run; `report.py` makes
the one report of them all (bench/results/REPORT.md)."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Figure:
    """One measured figure, its baseline measured in the same run, and the target it is held to."""

    what: str
    value: float
    unit: str
    baseline_what: str
    baseline: float | None
    target: str
    met: bool
    note: str = ""
    lower_is_better: bool = True


def record(name: str, title: str, figures: list[Figure], details: str) -> Path:
    """Write bench/results/<name>.json; `details` names the Markdown file with the full table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps(
            {
                "name": name,
                "title": title,
                "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.node()} ({platform.machine()}, Python {platform.python_version()})",
                "details": details,
                "figures": [asdict(f) for f in figures],
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def machine_note(load_average: float, quiet_below: float = 1.5) -> str:
    """What the load says of the wall times: a run on a machine doing little else, or one sharing it."""
    if load_average < quiet_below:
        return "the machine otherwise quiet"
    return "the machine was shared with other work, so wall times are inflated"
