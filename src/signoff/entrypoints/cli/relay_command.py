"""`signoff relay`: the mail relay alone, until stopped: for machines that run Prefect workers (the
work-pool shape of prefect.yaml) rather than `signoff serve`, which has a relay of its own."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from signoff.domain.errors import InvalidInput
from signoff.entrypoints.cli.common import application, reports_errors
from signoff.entrypoints.long_running import set_aside_startup_objects
from signoff.entrypoints.mail_relay import MailRelay


@reports_errors
def relay(
    interval: float = typer.Option(
        0.5, min=0.1, max=60, help="Look for newly queued email this often (seconds)."
    ),
) -> None:
    """Send newly queued email within half a second of its commit, until stopped (SIGTERM or Ctrl-C).

    Several may run, beside `signoff serve` or the deliver-mail flow: leases keep any two from sending an
    email twice.
    """
    app = application()
    settings = app.settings
    if not settings.smtp_host:
        raise InvalidInput(
            "SIGNOFF_SMTP_HOST is not set: the relay has no mail server to send through "
            "(`signoff serve` runs a local mail sink instead)"
        )
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - a signal handler's signature
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sender = MailRelay(app, interval, on_report=_prefect_events())
    sender.start()
    set_aside_startup_objects()
    # Standard output, as `signoff serve` says it is ready: scripts and tests wait for this line.
    print(f"mail relay sending through {settings.smtp_host}:{settings.smtp_port}; ready", flush=True)
    while not stopping.wait(1):
        pass
    sender.stop()


def _prefect_events() -> MailRelay.Listener | None:
    """With a Prefect server, what the relay sends is told to it as events, as the flows' deliveries are."""
    from flows.triggers import prefect_server_configured  # the flows layer sits outside src/

    if not prefect_server_configured():
        return None
    from signoff.entrypoints.cli.prefect_environment import prepare_prefect

    prepare_prefect(quiet=False)
    from flows.events import RelayEvents

    return RelayEvents()
