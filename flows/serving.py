"""`signoff serve`: the whole system on one machine: the flows on their schedules, and a local mail sink
when no SMTP server is configured.

With a Prefect server (PREFECT_API_URL), the four deployments are served from this process and the
server's scheduler starts the sweep and the delivery on the clock (flows/deployments.py); commands
elsewhere start the router through the server. Several processes may serve the same deployments, and one
stopping pauses nothing. Without a server, Prefect's ephemeral mode has no scheduler and no other process
can reach it, so this process runs the sweep and the delivery itself, as flow runs, at the same moments;
commands then run the router in their own process.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment

from flows import signoff_flows
from flows.deployments import (
    DELIVER,
    DELIVER_EVERY,
    SERVED,
    SWEEP,
    SWEEP_EVERY,
    TIME_ZONE,
    WATCH,
    DeploymentSpec,
    next_tick,
    schedule_every,
)
from flows.events import RelayEvents
from flows.runtime import application, lean_prefect, use_application
from flows.signoff_flows import deadline_sweep_flow, deliver_mail_flow, watch_publications_flow
from flows.triggers import prefect_server_configured
from signoff.adapters.mail_sink import start_mail_sink
from signoff.bootstrap import bootstrap
from signoff.config_check import check_configuration
from signoff.domain.errors import SignoffError
from signoff.entrypoints.long_running import set_aside_startup_objects
from signoff.entrypoints.mail_relay import MailRelay

log = logging.getLogger(__name__)


def serve_forever(
    *,
    sweep_every: timedelta = SWEEP_EVERY,
    mail_sink_port: int,
    deliver_every: timedelta = DELIVER_EVERY,
    web_host: str = "127.0.0.1",
    web_port: int = 0,
    watch_every: timedelta | None = None,
) -> None:
    """`watch_every` runs the publications watcher; by default as often as config/watch.yaml says."""
    if prefect_server_configured():
        refuse_work_pool_deployments(SERVED)  # before anything starts: one shape or the other
    app = application()
    check_configuration(app)  # a bad file stops the start, named, rather than failing each user later
    sink = None
    if not app.settings.smtp_host:
        sink = start_mail_sink(app.settings.mail_dir, "127.0.0.1", mail_sink_port)
        # Flow runs may start in child processes, which build their settings from the environment.
        os.environ["SIGNOFF_SMTP_HOST"] = "127.0.0.1"
        os.environ["SIGNOFF_SMTP_PORT"] = str(mail_sink_port)
        use_application(bootstrap())
        log.info("no SMTP server configured: emails go to the mail sink, kept in %s/", app.settings.mail_dir)
    relay = MailRelay(application(), on_report=RelayEvents() if prefect_server_configured() else None)
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
    watch_every = watch_every or _configured_watch_every()
    set_aside_startup_objects()
    try:
        with lean_prefect():
            if prefect_server_configured():
                _serve_deployments(sweep_every, deliver_every, watch_every)
            else:
                _run_on_intervals(sweep_every, deliver_every, watch_every)
    finally:
        if site is not None:
            site.stop()
        relay.stop()
        if sink is not None:
            sink.stop()


def _configured_watch_every() -> timedelta:
    """config/watch.yaml's every_minutes (hourly by default); a file that does not validate stops serving,
    naming the file, line and key, rather than serving without the watcher."""
    from signoff.watching import watch_dependencies

    return timedelta(minutes=watch_dependencies(application()).load_config().every_minutes)


def _serve_deployments(sweep_every: timedelta, deliver_every: timedelta, watch_every: timedelta) -> None:
    schedules = {
        DELIVER: schedule_every(deliver_every),
        SWEEP: schedule_every(sweep_every),
        WATCH: schedule_every(watch_every),
    }
    deployments = [
        # Prefect types to_deployment as sync-or-async; called from sync code it returns the deployment.
        cast(
            RunnerDeployment,
            cast(Flow[..., Any], getattr(signoff_flows, spec.function)).to_deployment(
                name=spec.name,
                schedules=[schedules[spec]] if spec in schedules else None,
                # Set on every start: a deployment an older `signoff serve` paused as it stopped runs again.
                paused=False,
                tags=["signoff"],
            ),
        )
        for spec in SERVED
    ]
    # Several `signoff serve` may serve the same deployments: one stopping must not pause them for the
    # others (Prefect's default pauses every schedule of a runner that shuts down, SIGTERM included).
    serve(*deployments, pause_on_shutdown=False)


class ServingConflict(SignoffError):
    """The Prefect server already has these deployments, run by a work pool's workers."""


def refuse_work_pool_deployments(specs: tuple[DeploymentSpec, ...]) -> None:
    """Refuse to serve a deployment that `prefect deploy` gave to a work pool.

    Serving it would take it over (the runner rewrites the deployment without its pool) while its workers
    still expect it: two shapes fighting over one name. The operator chooses one.
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    pooled: list[str] = []
    with get_client(sync_client=True) as client:
        for spec in specs:
            try:
                deployment = client.read_deployment_by_name(spec.full_name)
            except ObjectNotFound:
                continue
            if deployment.work_pool_name:
                pooled.append(f"{spec.full_name} (work pool {deployment.work_pool_name!r})")
    if pooled:
        raise ServingConflict(
            "this Prefect server already runs signoff from a work pool: "
            + ", ".join(pooled)
            + ". Run `prefect worker start --pool POOL` and `signoff relay` instead of `signoff serve`; "
            "or, to serve from this machine instead, delete those deployments first "
            "(`prefect deployment delete FLOW/DEPLOYMENT`)."
        )


def _run_on_intervals(sweep_every: timedelta, deliver_every: timedelta, watch_every: timedelta) -> None:
    # The command's own output, as "web app on" is. Flushed: written to a file or a journal, Python's
    # output is buffered, and an operator (or a script waiting for "ready") would not see it until
    # kilobytes more followed.
    print(
        f"Prefect ephemeral mode: running the deadline sweep every {_say(sweep_every)}, delivery every "
        f"{_say(deliver_every)} and the publications watcher every {_say(watch_every)} ({TIME_ZONE} clock) "
        "from this process; ready",
        flush=True,
    )
    # Once at start (a sweep catches up whatever happened while nothing ran), then on the anchored clock:
    # the same moments whenever this process was started.
    next_sweep = next_delivery = datetime.now(UTC)
    # The watcher waits for its first tick: a restart does not read the inspectorate's site again at once.
    next_watch = next_tick(datetime.now(UTC) + _A_MOMENT, watch_every)
    while True:
        now = datetime.now(UTC)
        if now >= next_sweep:
            _survive(deadline_sweep_flow)
            next_sweep = next_tick(datetime.now(UTC) + _A_MOMENT, sweep_every)
        if now >= next_delivery:
            _survive(deliver_mail_flow)
            next_delivery = next_tick(datetime.now(UTC) + _A_MOMENT, deliver_every)
        if now >= next_watch:
            _survive(watch_publications_flow)
            next_watch = next_tick(datetime.now(UTC) + _A_MOMENT, watch_every)
        time.sleep(max(0.0, (min(next_sweep, next_delivery, next_watch) - datetime.now(UTC)).total_seconds()))


_A_MOMENT = timedelta(milliseconds=1)


def _say(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def _survive(run: Callable[[], object]) -> None:
    """Run one scheduled flow; a failed run (the database restarting, say) waits for the next interval.

    Prefect records the failed run; the serving loop must outlive it, as a deployment's schedule does.
    """
    try:
        run()
    except Exception:
        log.exception("a scheduled flow run failed; it runs again at its next interval")
