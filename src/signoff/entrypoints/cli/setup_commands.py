"""Setting up: the database, the directory of people, and the deadline calculator."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from signoff.adapters.config_files import load_model
from signoff.adapters.database import upgrade_to_head
from signoff.domain.deadlines import format_day
from signoff.domain.directory import DirectoryConfig
from signoff.domain.errors import InvalidInput
from signoff.domain.transitions import MACHINES, mermaid_diagram
from signoff.entrypoints.cli.common import (
    JSON_OPTION,
    application,
    console,
    parse_date,
    print_json,
    reports_errors,
)
from signoff.service.handlers.load_directory import load_directory
from signoff.service.queries.deadline_preview import DeadlinePreview, deadline_preview

db_app = typer.Typer(help="The database.", no_args_is_help=True)
directory_app = typer.Typer(help="People, organisations and roles.", no_args_is_help=True)


@db_app.command("upgrade")
@reports_errors
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from alembic.util.exc import CommandError  # Alembic loads only for migrating (adapters/database.py)

    app = application()
    try:
        upgrade_to_head(app.settings.database_url)
    except CommandError as error:  # a revision this code's migrations do not have
        raise InvalidInput(
            f"cannot migrate the database: {error}; it is newer than this signoff: use the signoff that "
            "migrated it"
        ) from None
    console.print(f"database is up to date: {app.engine.url.render_as_string(hide_password=True)}")


@directory_app.command("load")
@reports_errors
def directory_load(
    file: Path | None = typer.Argument(None, help="Defaults to config/directory.yaml."),
) -> None:
    """Load people, organisations and roles from the directory file into the database."""
    app = application()
    config = load_model(file, DirectoryConfig) if file else app.load_directory_config()
    result = load_directory(config, app.deps.load_pipeline(), app.deps)
    console.print(
        f"directory loaded: {result.added} added, {result.updated} updated, {result.deactivated} deactivated"
    )


@directory_app.command("list")
@reports_errors
def directory_list(as_json: bool = JSON_OPTION) -> None:
    """Everyone in the directory."""
    app = application()
    with app.deps.new_unit_of_work() as uow:
        people = uow.directory.roster().participants
    if as_json:
        print_json(
            {
                "people": [
                    {
                        "email": p.email,
                        "name": p.name,
                        "organisation": p.organisation,
                        "roles": sorted(p.roles),
                        "active": p.active,
                    }
                    for p in people
                ]
            }
        )
        return
    table = Table("email", "name", "organisation", "roles", "active")
    for p in people:
        table.add_row(
            p.email, p.name, p.organisation, ", ".join(sorted(p.roles)), "yes" if p.active else "no"
        )
    console.print(table)


@reports_errors
def deadline(
    published: str = typer.Argument(..., help="The report's publication date, YYYY-MM-DD."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The statutory last day, the publish-by day and the default stage due dates for a publication date."""
    app = application()
    preview = deadline_preview(
        parse_date(published, "publication date"), app.deps.load_pipeline(), app.deps.calendar
    )
    if as_json:
        print_json(preview)
        return
    print_deadlines(preview)


def print_deadlines(preview: DeadlinePreview) -> None:
    console.print(f"Published:           {format_day(preview.published)}")
    console.print(f"Statutory last day:  {format_day(preview.statutory_last_day)} (day 56)")
    console.print(f"Publish by:          {format_day(preview.publish_by)}")
    if preview.warning:
        console.print(f"[bold yellow]warning:[/] {preview.warning}", highlight=False)
    table = Table("stage", "due (if started on publication day)")
    for stage in preview.stages:
        table.add_row(stage.title, format_day(stage.due_on))
    console.print(table)


def states() -> None:
    """Print every state machine as a Mermaid diagram (the README's diagrams come from here)."""
    for machine in MACHINES:
        typer.echo(f"#### {machine.capitalize()}\n\n```mermaid\n{mermaid_diagram(machine)}\n```\n")
