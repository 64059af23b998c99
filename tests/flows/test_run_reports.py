"""The command line names the router run it started, or the one this state of the sign-off already had,
with its address in the Prefect UI; --force starts another."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest
from prefect.deployments.runner import RunnerDeployment
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

from flows.signoff_flows import advance_signoff_flow
from flows.triggers import trigger_advance
from signoff.bootstrap import Application
from tests.people import OWEN
from tests.support.story import draft, start_reference


def test_a_repeated_trigger_says_already_ran_and_force_starts_a_new_run(
    flows_app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = str(PREFECT_API_URL.value())
    monkeypatch.setenv("PREFECT_API_URL", api)  # as a command line sees a Prefect server
    deployment = cast(RunnerDeployment, advance_signoff_flow.to_deployment(name="advance-signoff"))
    cast(Any, deployment).apply()
    signoff_id = start_reference(flows_app)
    # A state of the sign-off no other test's database has reached (they share the Prefect server).
    draft(flows_app, signoff_id, "report-summary", OWEN, f"Summary {uuid.uuid4()}.")
    with temporary_settings(updates={PREFECT_UI_URL: api.removesuffix("/api")}):
        first = trigger_advance(flows_app, signoff_id)
        again = trigger_advance(flows_app, signoff_id)
        forced = trigger_advance(flows_app, signoff_id, force=True)
    run_name = first.split(" run ", 1)[1].split(" ", 1)[0]
    assert first.startswith(f"advance-signoff run {run_name} started (http")
    assert "/runs/flow-run/" in first
    assert again.startswith(f"already ran: advance-signoff run {run_name}, Scheduled (http")
    assert f"signoff advance {signoff_id} --force" in again
    assert forced.startswith("advance-signoff run ")
    assert run_name not in forced
