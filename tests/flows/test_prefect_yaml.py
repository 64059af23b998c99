"""prefect.yaml (the work-pool shape) deploys every flow `signoff serve` serves, under the same names, with
the same schedules, and each entrypoint is a flow of that name."""

from __future__ import annotations

import importlib
from typing import Any

import yaml
from prefect import Flow
from prefect.cli.deploy._models import PrefectYamlModel

from flows.deployments import (
    DELIVER,
    DELIVER_EVERY,
    DEPLOYED,
    SWEEP,
    SWEEP_EVERY,
    TIME_ZONE,
    WATCH,
    WATCH_EVERY,
    cron_line,
)
from signoff.settings import PROJECT_ROOT


def prefect_yaml() -> PrefectYamlModel:
    return PrefectYamlModel.model_validate(
        yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    )


def test_every_deployment_is_there_once_under_the_names_the_commands_use() -> None:
    found = sorted(f"{d.flow_name}/{d.name}" for d in prefect_yaml().deployments)
    assert found == sorted(spec.full_name for spec in DEPLOYED)


def test_each_entrypoint_imports_and_is_the_flow_it_names() -> None:
    for deployment in prefect_yaml().deployments:
        assert deployment.entrypoint is not None
        path, function = deployment.entrypoint.split(":")
        assert (PROJECT_ROOT / path).is_file(), path
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow: Any = getattr(module, function)
        assert isinstance(flow, Flow), deployment.entrypoint
        assert flow.name == deployment.flow_name
        assert deployment.work_pool is not None
        assert deployment.work_pool.name == "signoff"


def test_the_schedules_and_limits_are_those_signoff_serve_uses() -> None:
    by_name = {d.name: d for d in prefect_yaml().deployments}
    for spec, every in ((SWEEP, SWEEP_EVERY), (DELIVER, DELIVER_EVERY), (WATCH, WATCH_EVERY)):
        deployment = by_name[spec.name]
        [schedule] = deployment.schedules or []
        assert (schedule.cron, schedule.timezone) == (cron_line(every), TIME_ZONE)
        limit = deployment.concurrency_limit
        assert limit is not None
        assert not isinstance(limit, int)
        assert (limit.limit, limit.collision_strategy) == (1, "CANCEL_NEW")
    unscheduled = [
        d.name
        for d in by_name.values()
        if d.schedules and d.name not in (SWEEP.name, DELIVER.name, WATCH.name)
    ]
    assert unscheduled == []
