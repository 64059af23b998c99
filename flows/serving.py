"""`signoff serve`: the whole system on one machine. The Prefect deployments with their schedules, served
from this process, and a local mail sink when no SMTP server is configured."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from flows.runtime import application, lean_prefect, use_application
from flows.signoff_flows import (
    advance_signoff_flow,
    deadline_sweep_flow,
    deliver_mail_flow,
    start_signoff_flow,
)
from signoff.adapters.mail_sink import start_mail_sink
from signoff.bootstrap import bootstrap


def serve_forever(*, sweep_minutes: int, mail_sink_port: int) -> None:
    app = application()
    sink = None
    if not app.settings.smtp_host:
        sink = start_mail_sink(app.settings.mail_dir, "127.0.0.1", mail_sink_port)
        # Flow runs start in child processes, which build their settings from the environment.
        os.environ["SIGNOFF_SMTP_HOST"] = "127.0.0.1"
        os.environ["SIGNOFF_SMTP_PORT"] = str(mail_sink_port)
        use_application(bootstrap())
        print(f"no SMTP server configured: emails go to the mail sink, kept in {app.settings.mail_dir}/")
    try:
        with lean_prefect():
            # Prefect types to_deployment as sync-or-async; called from sync code it returns the deployment.
            deployments = [
                cast(RunnerDeployment, d)
                for d in (
                    advance_signoff_flow.to_deployment(name="advance-signoff", tags=["signoff"]),
                    start_signoff_flow.to_deployment(name="start-signoff", tags=["signoff"]),
                    deliver_mail_flow.to_deployment(
                        name="deliver-mail", interval=timedelta(minutes=1), tags=["signoff"]
                    ),
                    deadline_sweep_flow.to_deployment(
                        name="deadline-sweep", interval=timedelta(minutes=sweep_minutes), tags=["signoff"]
                    ),
                )
            ]
            serve(*deployments)
    finally:
        if sink is not None:
            sink.stop()
