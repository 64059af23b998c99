"""`signoff serve`: run the whole system on this machine (flows on their schedules, the mail sink)."""

from __future__ import annotations

import typer

from signoff.entrypoints.cli.common import reports_errors
from signoff.entrypoints.cli.prefect_environment import prepare_prefect


@reports_errors
def serve(
    sweep_minutes: int = typer.Option(15, min=1, max=1440, help="Run the deadline sweep this often."),
    mail_sink_port: int = typer.Option(
        8025, min=1, max=65535, help="The mail sink's port, when no SMTP is set."
    ),
    deliver_seconds: int = typer.Option(60, min=1, max=3600, help="Deliver the outbox this often."),
    web_host: str = typer.Option("127.0.0.1", help="The web app's address."),
    web_port: int = typer.Option(8000, min=0, max=65535, help="The web app's port; 0 runs no web app."),
) -> None:
    """Serve the Prefect deployments (advance, start, deliver mail, the deadline sweep) and the web app
    until stopped.

    Against a Prefect server when PREFECT_API_URL is set; otherwise in Prefect's ephemeral mode.
    """
    prepare_prefect(quiet=False)
    from flows.serving import serve_forever  # Prefect is heavy; only this command needs it loaded

    serve_forever(
        sweep_minutes=sweep_minutes,
        mail_sink_port=mail_sink_port,
        deliver_seconds=deliver_seconds,
        web_host=web_host,
        web_port=web_port,
    )
