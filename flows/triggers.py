"""After a change commits, start the router for its sign-off at once.

With a Prefect server configured (PREFECT_API_URL), the served `advance-signoff` deployment is asked to
run, without waiting for it; an idempotency key (the sign-off and its audit position) makes a repeated
trigger one run. Without a server, the same steps run here and now. Either way the change is already
committed: if the trigger fails, nothing is lost, and the deadline sweep advances the sign-off later.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, cast

from flows import steps
from signoff.bootstrap import Application

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

ADVANCE_DEPLOYMENT = "advance-signoff/advance-signoff"


def prefect_server_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def trigger_advance(app: Application, signoff_id: int, *, force: bool = False) -> str:
    """What was done, in a few words, for the command line to report.

    `force` starts a new run even when this state of the sign-off was already routed (its idempotency
    key taken), for an operator who knows the earlier run did not do its work.
    """
    if prefect_server_configured():
        return _ask_served_flow(app, signoff_id, force=force)
    done = steps.advance(app, signoff_id)
    report = steps.deliver(app)
    said = "; ".join(done)
    sent = f"{report['sent']} email(s) sent" if not report.get("problem") else "emails wait in the outbox"
    return f"{said + '; ' if said else ''}{sent}"


def trigger_delivery(app: Application) -> str:
    if prefect_server_configured():
        return "emails queued for the served flows"
    report = steps.deliver(app)
    return f"{report['sent']} email(s) sent" if not report.get("problem") else "emails wait in the outbox"


def _ask_served_flow(app: Application, signoff_id: int, *, force: bool = False) -> str:
    # Imported here: Prefect's client is heavy, and a command line without a server never needs it.
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.utilities.urls import url_for

    with app.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        # The audit head names this exact state of the sign-off: the same state, the same run.
        position = signoff.audit_head[:24]
        stage = signoff.current_stage()
        run_tags = [f"signoff:{signoff_id}"] + ([f"stage:{stage.key}"] if stage else [])
    key = f"advance:{signoff_id}:{position}" + (f":forced:{uuid.uuid4().hex}" if force else "")
    try:
        already = _run_with_key(key)
        run = already or cast(
            FlowRun,
            run_deployment(
                ADVANCE_DEPLOYMENT,
                parameters={"signoff_id": signoff_id},
                timeout=0,
                idempotency_key=key,
                tags=run_tags,
            ),
        )
    except Exception as error:
        return (
            f"could not reach the Prefect server ({type(error).__name__}); the deadline sweep will catch up"
        )
    where = url_for(run)
    at = f" ({where})" if where else ""
    if already:
        state = run.state.name if run.state is not None else "unknown"
        return f"already ran: advance-signoff run {run.name}, {state}{at}; `signoff advance {signoff_id} --force` runs it again"
    return f"advance-signoff run {run.name} started{at}"


def _run_with_key(key: str) -> FlowRun | None:
    """The run this idempotency key already named: asked again, the server would answer with it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterIdempotencyKey

    with get_client(sync_client=True) as client:
        found = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(idempotency_key=FlowRunFilterIdempotencyKey(any_=[key])), limit=1
        )
    return found[0] if found else None
