"""The work-pool shape as an operator sets it up from the repository's prefect.yaml, for the fault test
(tests/resilience/test_work_pool.py) and the benchmark (bench/decision_latency.py): the pool, the
deployments, and the processes a worker has started (which Prefect puts in sessions of their own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from signoff.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent
POOL = "signoff"
SWEEP = "deadline-sweep"
WATCH = "watch-publications"


def prefect_yaml_with_sweep_every(root: Path, cron: str) -> Path:
    """A copy of the repository's prefect.yaml, under `root`, whose deadline sweep runs on `cron` instead of
    on the quarter hour, and whose watcher of HMICFRS's site is not scheduled: on the hour it would read the
    real site, which the test machine cannot reach, and a run of it would fail (its own tests serve it a
    fixture listing). Every other line as shipped (the pool, the limits, the London clock, delivery)."""
    shipped: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    [sweep] = [d for d in shipped["deployments"] if d["name"] == SWEEP]
    [schedule] = sweep["schedules"]
    sweep["schedules"] = [{**schedule, "cron": cron}]
    [watch] = [d for d in shipped["deployments"] if d["name"] == WATCH]
    watch["schedules"] = []
    derived = root / "prefect.yaml"
    derived.write_text(yaml.safe_dump(shipped, sort_keys=False), encoding="utf-8")
    return derived


def deploy_to_work_pool(env: dict[str, str], prefect_file: Path | None = None) -> None:
    """`prefect work-pool create signoff --type process` and `prefect deploy --all`, run from the repository
    (a worker runs each flow in the folder the deployment was made from), as the README says."""
    steps = [
        [str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process"],
        [
            str(BIN / "prefect"),
            "--no-prompt",
            "deploy",
            "--all",
            *(["--prefect-file", str(prefect_file)] if prefect_file else []),
        ],
    ]
    for args in steps:
        done = subprocess.run(
            args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(args[1:])} failed:\n{done.stdout}\n{done.stderr}")


def process_tree(pid: int) -> list[int]:
    """The process and every process it started, in whatever session: a process worker starts each flow
    run in a session of its own, so a signal to the worker's process group does not reach them."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except (FileNotFoundError, ProcessLookupError):
            continue
        for task in tasks:
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found
