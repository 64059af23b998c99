"""`signoff watch`: read the inspectorate's publications once and propose each new report to the offices it
concerns (what the watch-publications flow does on its schedule)."""

from __future__ import annotations

import typer

from signoff.entrypoints.cli.common import application, reports_errors
from signoff.service.handlers.deliver_mail import deliver_mail
from signoff.service.handlers.watch_publications import watch_publications
from signoff.watching import watch_dependencies


@reports_errors
def watch(
    listing: str | None = typer.Option(
        None,
        "--listing",
        help="The publications listing to read (an HTML page, or an Atom or RSS feed); "
        "default: config/watch.yaml's listing.",
    ),
) -> None:
    """Propose each report published since the last run to every office it concerns, once.

    The proposals' emails go to the offices' policy officers and administrators (sent now when SMTP is
    set). A listing that cannot be read exits 1; the next run tries again.
    """
    app = application()
    report = watch_publications(watch_dependencies(app), listing)
    for line in report.lines():
        typer.echo(line, err=report.listing_problem is not None)
    if app.settings.smtp_host:
        delivered = deliver_mail(app.deps, app.mailer(), app.settings.mail_from)
        typer.echo(f"sent {delivered.sent} email(s)")
    if report.listing_problem is not None:
        raise typer.Exit(1)
