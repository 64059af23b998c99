"""After a change commits, start the router for its sign-off at once.

With a Prefect server configured (PREFECT_API_URL), the served `advance-signoff` deployment is asked to
run, without waiting for it and without importing Prefect (flows/run_requests.py); an idempotency key
(the sign-off and its audit position) makes a repeated trigger one run. Publishing goes the same way
(`trigger_publish`). Without a server, the same steps run here and now. Either way the change is already
committed: if the trigger fails, nothing is lost, and the deadline sweep advances the sign-off later.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

from flows.run_requests import PrefectUnreachable, RunRequests, RunSeen
from signoff.bootstrap import Application

ADVANCE_DEPLOYMENT = "advance-signoff/advance-signoff"
PUBLISH_DEPLOYMENT = "publish-signoff/publish-signoff"


def prefect_server_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def trigger_advance(app: Application, signoff_id: int, *, force: bool = False) -> str:
    """What was done, in a few words, for the command line to report.

    `force` starts a new run even when this state of the sign-off was already routed (its idempotency
    key taken), for an operator who knows the earlier run did not do its work.
    """
    if prefect_server_configured():
        return _ask_served_flow(app, signoff_id, force=force)
    from flows import steps  # the steps' handlers, imported only where they run here

    done = steps.advance(app, signoff_id)
    report = steps.deliver(app)
    said = "; ".join(done)
    sent = f"{report['sent']} email(s) sent" if not report.get("problem") else "emails wait in the outbox"
    return f"{said + '; ' if said else ''}{sent}"


def trigger_delivery(app: Application) -> str:
    if prefect_server_configured():
        return "emails queued for the served flows"
    from flows import steps

    report = steps.deliver(app)
    return f"{report['sent']} email(s) sent" if not report.get("problem") else "emails wait in the outbox"


def _ask_served_flow(app: Application, signoff_id: int, *, force: bool = False) -> str:
    with app.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        # The audit head names this exact state of the sign-off: the same state, the same run.
        position = signoff.audit_head[:24]
        stage = signoff.current_stage()
        run_tags = [f"signoff:{signoff_id}"] + ([f"stage:{stage.key}"] if stage else [])
    key = f"advance:{signoff_id}:{position}" + (f":forced:{uuid.uuid4().hex}" if force else "")
    try:
        with RunRequests() as server:
            already = server.run_with_key(key)
            if already is None:
                deployment = server.deployment_id(ADVANCE_DEPLOYMENT)
                if deployment is None:
                    return f"no {ADVANCE_DEPLOYMENT} deployment on the Prefect server; the deadline sweep will catch up"
                run = server.start(deployment, {"signoff_id": signoff_id}, idempotency_key=key, tags=run_tags)
    except PrefectUnreachable as error:
        return f"could not reach the Prefect server ({error}); the deadline sweep will catch up"
    if already is not None:
        return (
            f"already ran: advance-signoff run {already.name}, {already.state_name or 'unknown'}{_at(already)}; "
            f"`signoff advance {signoff_id} --force` runs it again"
        )
    return f"advance-signoff run {run.name} started{_at(run)}"


def trigger_publish(app: Application, signoff_id: int, by: str, note: str) -> PublishRequest:
    """Ask for the `publish-signoff` run that publishes the sign-off as it stands now.

    With a Prefect server (PREFECT_API_URL) that has the deployment (served by `signoff serve`, or on a
    work pool), the run is asked for and the caller need not wait for it; the idempotency key is this
    state of the sign-off, so asking twice before it changes names the same run. Otherwise the flow
    runs here (`publish_with_flow`).
    """
    if prefect_server_configured():
        with app.deps.new_unit_of_work() as uow:
            position = uow.signoffs.get(signoff_id).audit_head[:24]
        key = f"publish:{signoff_id}:{position}"
        with RunRequests() as server:
            deployment = server.deployment_id(PUBLISH_DEPLOYMENT)
            if deployment is not None:
                already = server.run_with_key(key)
                run = already or server.start(
                    deployment,
                    {"signoff_id": signoff_id, "by": by, "note": note},
                    idempotency_key=key,
                    tags=[f"signoff:{signoff_id}", "stage:publication"],
                    name=f"publish-signoff-{signoff_id}",
                )
                return PublishRequest(run=run, already=already is not None, result=None)
    return PublishRequest(run=None, already=False, result=publish_with_flow(app, signoff_id, by, note))


@dataclass(frozen=True)
class PublishRequest:
    """A run asked of the server (`run`, maybe one that `already` ran), or the result of one run here."""

    run: RunSeen | None
    already: bool
    result: dict[str, Any] | None


def prefect_api_known() -> bool:
    """Whether Prefect has an API to record runs on: a server (PREFECT_API_URL, in the environment or a
    Prefect profile), or a test harness's."""
    if prefect_server_configured():
        return True
    import prefect.settings  # only asked where no server is in the environment

    return bool(prefect.settings.PREFECT_API_URL.value())


def publish_with_flow(
    app: Application, signoff_id: int, by: str, note: str, version: int | None = None
) -> dict[str, Any]:
    """Publish in this process: through the `publish-signoff` flow where Prefect has an API to record it
    on (the run and its `signoff.publication.done` event), else through the same handler and delivery
    the flow's tasks call (no Prefect to tell: the embedded shape without a server, the tests). Returns
    the flow's result, with the run's name and address (`run`, `url`) when there was one. A refusal is
    the handler's own SignoffError, whichever way."""
    # Imported here: rendering documents is heavy, and most commands that import this module never publish.
    from signoff.service.commands import PublishSignoff
    from signoff.service.handlers.publish import publish_result, publish_signoff

    if not prefect_api_known():
        from flows import steps

        published = publish_result(
            publish_signoff(
                PublishSignoff(signoff_id=signoff_id, by=by, note=note, version=version), app.deps
            )
        )
        return {**published, "sent": steps.deliver(app)["sent"]}
    # Prefect, imported only where a flow runs here.
    from prefect.client.orchestration import get_client
    from prefect.utilities.urls import url_for

    from flows.runtime import acting_on
    from flows.signoff_flows import publish_signoff_flow

    with acting_on(app):
        state = publish_signoff_flow(signoff_id, by, note, version, return_state=True)
    result: dict[str, Any] = state.result(raise_on_failure=True)
    run_id = state.state_details.flow_run_id
    if run_id is not None:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(run_id)
        result = {**result, "run": run.name, "url": url_for(run)}
    return result


def wait_for(run: RunSeen, timeout_s: float = 120.0, poll_s: float = 0.5) -> RunSeen:
    """The run once it has ended (or as it stands after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    with RunRequests() as server:
        while not run.final and time.monotonic() < deadline:
            time.sleep(poll_s)
            run = server.read(run.id)
    return run


def _at(run: RunSeen) -> str:
    return f" ({run.url})" if run.url else ""
