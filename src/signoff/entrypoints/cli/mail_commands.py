"""The outbox and the local mail sink: list, send, retry, preview; run an inbox on loopback."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import typer
from rich.table import Table

from signoff.adapters.mail_sink import read_folder, start_mail_sink
from signoff.domain.errors import InvalidInput
from signoff.domain.notifications import NoticeEvent
from signoff.domain.transitions import OutboxState
from signoff.entrypoints.cli.common import (
    JSON_OPTION,
    MAX_ID,
    application,
    console,
    print_json,
    reports_errors,
    state_named,
)
from signoff.service.handlers.deliver_mail import deliver_mail
from signoff.service.handlers.retry_email import retry_email
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.notification_examples import example_context

mail_app = typer.Typer(help="Outgoing email: the outbox.", no_args_is_help=True)


@mail_app.command("list")
@reports_errors
def mail_list(
    state: str | None = typer.Option(None, help="queued, sending, sent or failed."),
    limit: int = typer.Option(50, min=1, max=5000),
    as_json: bool = JSON_OPTION,
) -> None:
    """The outbox, newest first, with counts by state."""
    state = state_named(state, OutboxState, "--state")
    with application().deps.new_unit_of_work() as uow:
        counts = uow.outbox.counts()
        emails = [
            {
                "id": e.id,
                "state": e.state.value,
                "event": e.event,
                "to": e.recipient_email,
                "signoff_id": e.signoff_id,
                "attempts": e.attempts,
                "created_at": e.created_at.isoformat(),
                "sent_at": e.sent_at.isoformat() if e.sent_at else None,
                "next_attempt_at": e.next_attempt_at.isoformat(),
                "last_error": e.last_error,
            }
            for e in uow.outbox.page(state=state, limit=limit)
        ]
    if as_json:
        print_json({"counts": counts, "emails": emails})
        return
    console.print(
        "  ".join(f"{name}: {count}" for name, count in sorted(counts.items())) or "the outbox is empty"
    )
    table = Table("id", "state", "event", "to", "sign-off", "tries", "last error")
    for e in emails:
        table.add_row(
            str(e["id"]),
            str(e["state"]),
            str(e["event"]),
            str(e["to"]),
            str(e["signoff_id"] or "-"),
            str(e["attempts"]),
            str(e["last_error"] or ""),
        )
    console.print(table)


@mail_app.command("send")
@reports_errors
def mail_send() -> None:
    """Deliver every queued email that is due, now."""
    app = application()
    report = deliver_mail(app.deps, app.mailer(), app.settings.mail_from)
    typer.echo(f"sent {report.sent}, retrying later {report.retrying}, failed {report.failed}")
    for failure in report.failures:
        typer.echo(f"  failed {failure}", err=True)
    if report.problem:
        typer.echo(f"error: {report.problem}; {report.released} email(s) stay queued", err=True)
        raise typer.Exit(1)


@mail_app.command("retry")
@reports_errors
def mail_retry(email_id: int = typer.Argument(..., min=1, max=MAX_ID)) -> None:
    """Put a failed email back in the queue."""
    retry_email(email_id, application().deps)
    typer.echo(f"email #{email_id} is queued again")


@mail_app.command("preview")
@reports_errors
def mail_preview(
    event: str = typer.Argument(..., help="One of: " + ", ".join(e.value for e in NoticeEvent)),
    part: str = typer.Option("text", help="text, html or raw (the whole message)."),
) -> None:
    """Render an event's email with example data."""
    try:
        notice_event = NoticeEvent(event)
    except ValueError:
        raise InvalidInput(
            f"unknown event {event!r}; choose from {', '.join(e.value for e in NoticeEvent)}"
        ) from None
    deps = application().deps
    message = message_from_bytes(
        deps.renderer.render(
            notice_event,
            example_context(notice_event),
            to="daniel.holt@cheshire.police.example.org",
            key=f"preview:{event}",
            now=deps.clock.now(),
        ),
        policy=policy.default,
    )
    assert isinstance(message, EmailMessage)  # noqa: S101 - policy.default builds EmailMessage
    if part == "raw":
        typer.echo(message.as_string())
        return
    body = message.get_body(preferencelist=("html",) if part == "html" else ("plain",))
    typer.echo(f"Subject: {message['Subject']}\n")
    typer.echo(body.get_content() if body is not None else "")


@reports_errors
def mailsink(
    host: str = typer.Option("127.0.0.1", help="Listen on this address (keep it on loopback)."),
    port: int = typer.Option(8025, min=1, max=65535),
    folder: Path | None = typer.Option(None, help="Where to keep the .eml files (default var/mail/)."),
    list_only: bool = typer.Option(False, "--list", help="List the stored messages and exit."),
) -> None:
    """Run a local SMTP server that keeps every message as an .eml file (or list them)."""
    target = folder or application().settings.mail_dir
    if list_only:
        table = Table("file", "to", "subject")
        for stored in read_folder(target):
            table.add_row(stored.path.name, stored.to, stored.subject)
        console.print(table)
        return
    controller = start_mail_sink(target, host, port)
    console.print(f"mail sink listening on {host}:{port}, keeping messages in {target}; Ctrl-C stops it")
    console.print(f"point signoff at it with SIGNOFF_SMTP_HOST={host} SIGNOFF_SMTP_PORT={port}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@reports_errors
def sweep() -> None:
    """Queue due reminders, overdue notices and escalations (each once), then deliver if SMTP is set."""
    app = application()
    report = send_due_notices(app.deps)
    typer.echo(f"checked {report.signoffs_checked} sign-off(s); queued {report.queued} notice(s)")
    for problem in report.problems or []:
        typer.echo(f"  problem: {problem}", err=True)
    if app.settings.smtp_host:
        delivered = deliver_mail(app.deps, app.mailer(), app.settings.mail_from)
        typer.echo(f"sent {delivered.sent}, retrying later {delivered.retrying}, failed {delivered.failed}")
        if delivered.problem:
            typer.echo(f"error: {delivered.problem}", err=True)
            raise typer.Exit(1)
