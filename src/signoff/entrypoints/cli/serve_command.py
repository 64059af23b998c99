"""`signoff serve`: run the whole system on this machine (flows on their schedules, the mail sink)."""

from __future__ import annotations

from datetime import timedelta

import typer

from signoff.entrypoints.cli.common import reports_errors
from signoff.entrypoints.cli.prefect_environment import prepare_prefect


@reports_errors
def serve(
    sweep_minutes: int = typer.Option(
        15,
        min=1,
        max=1440,
        help="Run the deadline sweep this often, on the Europe/London clock (15: on the quarter hour).",
    ),
    mail_sink_port: int = typer.Option(
        8025, min=1, max=65535, help="The mail sink's port, when no SMTP is set."
    ),
    deliver_seconds: int = typer.Option(
        300,
        min=1,
        max=3600,
        help="Deliver the outbox this often, on the clock (a backstop: the mail relay sends at once).",
    ),
    web_host: str = typer.Option("127.0.0.1", help="The web app's address."),
    web_port: int = typer.Option(8000, min=0, max=65535, help="The web app's port; 0 runs no web app."),
    watch_seconds: int | None = typer.Option(
        None,
        min=1,
        max=86_400,
        help="Run the publications watcher this often (seconds); default config/watch.yaml's every_minutes.",
    ),
) -> None:
    """Serve the Prefect deployments (advance, start, deliver mail, the deadline sweep, the publications
    watcher), the mail relay and the web app until stopped.

    Against a Prefect server when PREFECT_API_URL is set; otherwise in Prefect's ephemeral mode. Stopping
    it pauses nothing: other `signoff serve` processes keep serving the same deployments.
    """
    prepare_prefect(quiet=False)
    from flows.version_check import refuse_untested_prefect

    refuse_untested_prefect()  # before the flows import what an untested Prefect may lack
    from flows.serving import serve_forever  # Prefect is heavy; only this command needs it loaded

    serve_forever(
        sweep_every=timedelta(minutes=sweep_minutes),
        mail_sink_port=mail_sink_port,
        deliver_every=timedelta(seconds=deliver_seconds),
        web_host=web_host,
        web_port=web_port,
        watch_every=timedelta(seconds=watch_seconds) if watch_seconds else None,
    )
