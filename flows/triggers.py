"""After a change commits, start the router for its sign-off at once.

With a Prefect server configured (PREFECT_API_URL), the served `advance-signoff` deployment is asked to
run, without waiting for it; an idempotency key (the sign-off and its audit position) makes a repeated
trigger one run. Without a server, the same steps run here and now. Either way the change is already
committed: if the trigger fails, nothing is lost, and the deadline sweep advances the sign-off later.
"""

from __future__ import annotations

import os
from typing import cast

from flows import steps
from signoff.bootstrap import Application

ADVANCE_DEPLOYMENT = "advance-signoff/advance-signoff"


def prefect_server_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def trigger_advance(app: Application, signoff_id: int) -> str:
    """What was done, in a few words, for the command line to report."""
    if prefect_server_configured():
        return _ask_served_flow(app, signoff_id)
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


def _ask_served_flow(app: Application, signoff_id: int) -> str:
    # Imported here: Prefect's client is heavy, and a command line without a server never needs it.
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    with app.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        # The audit head names this exact state of the sign-off: the same state, the same run.
        position = signoff.audit_head[:24]
        stage = signoff.current_stage()
        run_tags = [f"signoff:{signoff_id}"] + ([f"stage:{stage.key}"] if stage else [])
    try:
        run = cast(
            FlowRun,
            run_deployment(
                ADVANCE_DEPLOYMENT,
                parameters={"signoff_id": signoff_id},
                timeout=0,
                idempotency_key=f"advance:{signoff_id}:{position}",
                tags=run_tags,
            ),
        )
    except Exception as error:
        return (
            f"could not reach the Prefect server ({type(error).__name__}); the deadline sweep will catch up"
        )
    return f"advance-signoff run {run.name} started"
