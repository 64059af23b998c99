"""Outbox delivery rate against a baseline of one stdlib smtplib connection per message.

Both send the same 1,000 rendered notices to the same aiosmtpd server, which runs in its own process
and discards what it receives. Usage: python bench/mail_delivery.py [--count N] [--database URL]
Prints a Markdown table, and writes it to bench/results/mail_delivery.md.
"""

from __future__ import annotations

import argparse
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from figures import Figure, record  # bench/figures.py: scripts run as `python bench/NAME.py`

from signoff.adapters.database import upgrade_to_head
from signoff.adapters.mail_sink import free_port
from signoff.adapters.smtp_mailer import SmtpMailer, SmtpSettings
from signoff.bootstrap import bootstrap
from signoff.domain.notifications import Notice, NoticeEvent, Recipient
from signoff.service.clock import FixedClock
from signoff.service.handlers.deliver_mail import deliver_mail
from signoff.service.handlers.render_queued import render_queued
from signoff.service.notification_examples import example_context
from signoff.service.notify import queue, render_for_wire
from signoff.settings import PROJECT_ROOT, Settings

RESULTS = PROJECT_ROOT / "bench" / "results"
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=UTC)


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the benchmark's SMTP server did not start")


def notices(count: int) -> list[Notice]:
    event = NoticeEvent.APPROVAL_REQUESTED
    return [
        Notice(
            event=event,
            recipient=Recipient(email=f"person{n}@example.org", name=f"Person {n}"),
            signoff_id=None,
            key=f"bench:{n}",
            context=example_context(event),
        )
        for n in range(count)
    ]


def outbox_rate(database_url: str, port: int, count: int) -> float:
    """Queue the notices as the handlers do, render them as the relay does just after their change
    commits, then time the deliverer alone, sending the stored messages."""
    upgrade_to_head(database_url)
    app = bootstrap(Settings(database_url=database_url), clock=FixedClock(NOW))
    with app.deps.new_unit_of_work() as uow:
        queue(uow, notices(count), app.deps.renderer, NOW)
        uow.commit()
    render_queued(app.deps)
    mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=port))
    started = time.perf_counter()
    report = deliver_mail(app.deps, mailer, app.settings.mail_from)
    elapsed = time.perf_counter() - started
    app.engine.dispose()
    if report.sent != count:
        raise SystemExit(f"the outbox sent {report.sent} of {count}: {report}")
    return count / elapsed


def baseline_rate(port: int, count: int, *, rendered_beforehand: bool) -> float:
    """One new smtplib connection per message: rendering each as it goes (the way a handler would mail
    without an outbox), or sending messages rendered beforehand (the connections alone)."""
    app = bootstrap(Settings(database_url="sqlite://"), clock=FixedClock(NOW))
    items = notices(count)
    prepared = [render_for_wire(app.deps.renderer, n, NOW) for n in items] if rendered_beforehand else []
    started = time.perf_counter()
    for index, notice in enumerate(items):
        data = prepared[index] if rendered_beforehand else render_for_wire(app.deps.renderer, notice, NOW)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("signoff@localhost", [notice.recipient.email], data)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database", help="default: a fresh SQLite file")
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            url = args.database or f"sqlite:///{Path(scratch) / 'bench.db'}"
            outbox = outbox_rate(url, port, args.count)
        naive = baseline_rate(port, args.count, rendered_beforehand=False)
        connections_only = baseline_rate(port, args.count, rendered_beforehand=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    ratio = outbox / naive
    table = (
        f"### Mail delivery: {args.count} emails to a local aiosmtpd (in its own process)\n\n"
        "| sender | messages per second | outbox is |\n| --- | ---: | ---: |\n"
        f"| outbox deliverer: stored messages, aiosmtplib, {SmtpSettings.connections} reused connections, "
        "each send recorded "
        f"| {outbox:,.0f} | |\n"
        f"| baseline: stdlib smtplib, one connection per message, rendering each as it sends "
        f"| {naive:,.0f} | **{ratio:.1f}x** |\n"
        f"| the same baseline with every message rendered beforehand (connections alone) "
        f"| {connections_only:,.0f} | {outbox / connections_only:.1f}x |\n\n"
        f"Target: the outbox at least 4x the baseline: {'met' if ratio >= 4 else 'MISSED'}. "
        "Against messages rendered beforehand the gain is the connection reuse alone; aiosmtpd's own "
        "per-message work (in Python, on the same two cores) then bounds both.\n"
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mail_delivery.md").write_text(table, encoding="utf-8")
    record(
        "mail_delivery",
        "Mail delivery rate",
        [
            Figure(
                what="outbox deliverer",
                value=outbox,
                unit="messages/s",
                baseline_what="smtplib, a connection per message",
                baseline=naive,
                target="at least 4x the baseline",
                met=ratio >= 4,
                note=f"against smtplib sending messages rendered beforehand ({connections_only:,.0f}/s) the "
                f"outbox is {outbox / connections_only:.1f}x: the gain there is connection reuse alone",
                lower_is_better=False,
            )
        ],
        "mail_delivery.md",
    )


if __name__ == "__main__":
    main()
