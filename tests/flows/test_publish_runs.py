"""Publication is the `publish-signoff` flow whichever way it is asked for: `signoff publish` and the web
app each make a publish-signoff run Prefect can see, and its `signoff.publication.done` event; with a
server that has the deployment, the command asks for the run, names it and gives its address, and
asking again before anything changes names the same run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from prefect import tags
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun
from prefect.deployments.runner import RunnerDeployment
from prefect.settings import PREFECT_API_URL
from typer.testing import CliRunner

from flows.signoff_flows import publish_signoff_flow
from flows.triggers import trigger_publish
from signoff.bootstrap import Application
from signoff.entrypoints.cli import common
from signoff.entrypoints.cli.main import app as cli_app
from signoff.entrypoints.web.app import create_web_app
from tests.flows.test_delivery_events import Recorded, events  # noqa: F401 - the events fixture
from tests.people import HANNAH, PRIYA
from tests.publication.reference import ready_to_publish
from tests.smtp_server import SmtpServer
from tests.support.web import TestClient, csrf_of, sign_in


def publish_runs(signoff_id: int, marker: str) -> list[FlowRun]:
    """The publish-signoff runs of this sign-off started under this test's tag (the tests share one
    Prefect server, and their databases number sign-offs alike)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[marker])))
    return [run for run in runs if run.name == f"publish-signoff-{signoff_id}"]


@pytest.fixture
def cli_on(smtp: tuple[SmtpServer, Application]) -> Iterator[Application]:
    """The command line acting on the test's application, as the flows do."""
    _, app = smtp
    common._State.application = app
    yield app
    common._State.application = None


def test_signoff_publish_runs_the_flow_names_its_run_and_emits_the_event(
    cli_on: Application,
    events: Recorded,  # noqa: F811 - the fixture imported above
) -> None:
    signoff_id = ready_to_publish(cli_on)
    refused = CliRunner().invoke(cli_app, ["publish", str(signoff_id), "--as", PRIYA])
    assert refused.exit_code == 1
    assert "may not publish" in refused.output
    assert [e for e in events.signoff() if e.event == "signoff.publication.done"] == []

    marker = f"test:{uuid.uuid4().hex[:8]}"
    with tags(marker):
        done = CliRunner().invoke(cli_app, ["publish", str(signoff_id), "--as", HANNAH])
    assert done.exit_code == 0, done.output
    assert f"published sign-off #{signoff_id}, version 1" in done.output
    assert f"publish-signoff run publish-signoff-{signoff_id}" in done.output
    [run] = publish_runs(signoff_id, marker)
    assert run.state is not None
    assert run.state.is_completed()
    [published] = [e for e in events.signoff() if e.event == "signoff.publication.done"]
    assert published.resource.id == f"signoff.signoff.{signoff_id}"
    assert published.payload["version"] == 1


def test_the_web_app_publishes_through_the_flow(
    smtp: tuple[SmtpServer, Application],
    events: Recorded,  # noqa: F811 - the fixture imported above
) -> None:
    _, app = smtp
    signoff_id = ready_to_publish(app)
    marker = f"test:{uuid.uuid4().hex[:8]}"
    with TestClient(create_web_app(app), base_url="http://127.0.0.1:8000", follow_redirects=False) as client:
        sign_in(client, app, HANNAH)
        confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm")
        with tags(marker):
            answer = client.post(
                f"/signoffs/{signoff_id}/publications", data={"csrf_token": csrf_of(confirm.text)}
            )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/signoffs/{signoff_id}/publications/1",
    )
    [run] = publish_runs(signoff_id, marker)
    assert run.state is not None
    assert run.state.is_completed()
    [published] = [e for e in events.signoff() if e.event == "signoff.publication.done"]
    assert published.resource.id == f"signoff.signoff.{signoff_id}"


def test_with_a_served_deployment_the_command_asks_for_the_run_and_names_it(
    flows_app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = str(PREFECT_API_URL.value())
    monkeypatch.setenv("PREFECT_API_URL", api)  # as a command line sees a Prefect server
    deployment = cast(RunnerDeployment, publish_signoff_flow.to_deployment(name="publish-signoff"))
    cast(Any, deployment).apply()
    signoff_id = ready_to_publish(flows_app)
    first = trigger_publish(flows_app, signoff_id, HANNAH, "")
    again = trigger_publish(flows_app, signoff_id, HANNAH, "")
    assert first.run is not None
    assert again.run is not None
    assert first.run.name == f"publish-signoff-{signoff_id}"
    assert first.run.state_name == "Scheduled"
    assert first.run.url == f"{api.removesuffix('/api')}/runs/flow-run/{first.run.id}"
    assert (again.already, again.run.id) == (True, first.run.id)
    assert first.result is None  # nothing published here: the served process publishes
    with get_client(sync_client=True) as client:
        stored = client.read_flow_run(uuid.UUID(first.run.id))
    assert stored.parameters == {"signoff_id": signoff_id, "by": HANNAH, "note": ""}
    assert stored.name == first.run.name
