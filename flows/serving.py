"""`signoff serve`: the whole system on one machine: the flows on their schedules, and a local mail sink
when no SMTP server is configured.

With a Prefect server (PREFECT_API_URL), the four deployments are served from this process and the
server's scheduler starts the sweep and the delivery; commands elsewhere start the router through the
server. Without one, Prefect's ephemeral mode has no scheduler and no other process can reach it, so
this process runs the sweep and the delivery itself, as flow runs, on the same intervals; commands then
run the router in their own process.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
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
from flows.triggers import prefect_server_configured
from signoff.adapters.mail_sink import start_mail_sink
from signoff.bootstrap import bootstrap
from signoff.entrypoints.long_running import set_aside_startup_objects
from signoff.entrypoints.mail_relay import MailRelay

log = logging.getLogger(__name__)


def serve_forever(
    *,
    sweep_minutes: int,
    mail_sink_port: int,
    deliver_seconds: int = 60,
    web_host: str = "127.0.0.1",
    web_port: int = 0,
) -> None:
    app = application()
    sink = None
    if not app.settings.smtp_host:
        sink = start_mail_sink(app.settings.mail_dir, "127.0.0.1", mail_sink_port)
        # Flow runs may start in child processes, which build their settings from the environment.
        os.environ["SIGNOFF_SMTP_HOST"] = "127.0.0.1"
        os.environ["SIGNOFF_SMTP_PORT"] = str(mail_sink_port)
        use_application(bootstrap())
        log.info("no SMTP server configured: emails go to the mail sink, kept in %s/", app.settings.mail_dir)
    relay = MailRelay(application())
    relay.start()
    site = None
    if web_port:
        # Imported here: only serving the web app needs FastAPI and uvicorn loaded.
        from signoff.entrypoints.web.server import WebServer

        site = WebServer(application(), web_host, web_port)
        site.start()
        # The command's own output, not a log line: operators and scripts (the tests, the benchmarks) wait
        # for it on standard output whatever the log format.
        print(f"web app on {site.url}", flush=True)
    set_aside_startup_objects()
    try:
        with lean_prefect():
            if prefect_server_configured():
                _serve_deployments(sweep_minutes, deliver_seconds)
            else:
                _run_on_intervals(sweep_minutes, deliver_seconds)
    finally:
        if site is not None:
            site.stop()
        relay.stop()
        if sink is not None:
            sink.stop()


def _serve_deployments(sweep_minutes: int, deliver_seconds: int) -> None:
    # Prefect types to_deployment as sync-or-async; called from sync code it returns the deployment.
    deployments = [
        cast(RunnerDeployment, deployment)
        for deployment in (
            advance_signoff_flow.to_deployment(name="advance-signoff", tags=["signoff"]),
            start_signoff_flow.to_deployment(name="start-signoff", tags=["signoff"]),
            deliver_mail_flow.to_deployment(
                name="deliver-mail", interval=timedelta(seconds=deliver_seconds), tags=["signoff"]
            ),
            deadline_sweep_flow.to_deployment(
                name="deadline-sweep", interval=timedelta(minutes=sweep_minutes), tags=["signoff"]
            ),
        )
    ]
    serve(*deployments)


def _run_on_intervals(sweep_minutes: int, deliver_seconds: int) -> None:
    # The command's own output, as "web app on" is. Flushed: written to a file or a journal, Python's
    # output is buffered, and an operator (or a script waiting for "ready") would not see it until
    # kilobytes more followed.
    print(
        f"Prefect ephemeral mode: running the deadline sweep every {sweep_minutes} min and delivery every "
        f"{deliver_seconds} s from this process; ready",
        flush=True,
    )
    next_sweep = next_delivery = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= next_sweep:
            _survive(deadline_sweep_flow)
            next_sweep = now + sweep_minutes * 60
        if now >= next_delivery:
            _survive(deliver_mail_flow)
            next_delivery = now + deliver_seconds
        time.sleep(max(0.0, min(next_sweep, next_delivery) - time.monotonic()))


def _survive(run: Callable[[], object]) -> None:
    """Run one scheduled flow; a failed run (the database restarting, say) waits for the next interval.

    Prefect records the failed run; the serving loop must outlive it, as a deployment's schedule does.
    """
    try:
        run()
    except Exception:
        log.exception("a scheduled flow run failed; it runs again at its next interval")
