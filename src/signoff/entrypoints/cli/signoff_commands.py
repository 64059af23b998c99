"""Starting, reading, drafting and deciding: the commands participants use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.tree import Tree

from signoff.adapters.config_files import load_model, read_text_file
from signoff.domain.deadlines import format_day
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.domain.text_fields import first_control_character, line_and_column
from signoff.domain.transitions import SignoffState
from signoff.entrypoints.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    MAX_ID,
    after_change,
    application,
    console,
    errors,
    print_json,
    reports_errors,
    state_named,
)
from signoff.service.commands import Decide, StartSignoff, SubmitRevision
from signoff.service.handlers.advance_signoff import advance_signoff
from signoff.service.handlers.decide import decide
from signoff.service.handlers.submit_revision import submit_revision

if TYPE_CHECKING:
    from signoff.service.queries.signoff_read import SignoffDetail

# The read models (signoff_read) and the starting handler are imported by the commands that use them:
# importing them cost every other command, `signoff draft` say, a tenth of its second.


@reports_errors
def start(
    file: Path = typer.Argument(..., help="The inspection, as YAML or JSON (see examples/)."),
    actor: str = AS_OPTION,
    respond_for: list[str] = typer.Option(
        [], "--for", help="A PCC office to start it for (repeatable); defaults to the file's respond_for."
    ),
) -> None:
    """Start one sign-off per responding PCC office; prints the new ids (and any late-start warning)."""
    app = application()
    from signoff.service.handlers.start_signoff import start_signoffs

    inspection = load_model(file, Inspection)
    command = StartSignoff(inspection=inspection, started_by=actor, respond_for=respond_for or None)
    started = start_signoffs(command, app.deps)
    for signoff_id in started.ids:
        typer.echo(signoff_id)
    # On standard error: a script reading the ids is not confused, a person sees it.
    for warning in started.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for signoff_id in started.ids:
        after_change(signoff_id)


@reports_errors
def list_command(
    state: str | None = typer.Option(None, help="Only sign-offs in this state, e.g. active."),
    limit: int = typer.Option(200, min=1, max=5000),
    offset: int = typer.Option(0, min=0, max=MAX_ID),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every sign-off, oldest first."""
    from signoff.service.queries.signoff_read import list_signoffs

    state = state_named(state, SignoffState, "--state")
    summaries = list_signoffs(application().deps, state, limit, offset)
    if as_json:
        print_json(summaries)
        return
    table = Table("id", "PCC office", "inspection", "state", "stage", "publish by")
    for s in summaries:
        table.add_row(str(s.id), s.pcc, s.title, s.state, s.current_stage or "-", format_day(s.publish_by))
    console.print(table)


@reports_errors
def show(signoff_id: int = typer.Argument(..., min=1, max=MAX_ID), as_json: bool = JSON_OPTION) -> None:
    """A sign-off's plan: its stages, sections, who holds what, and the due dates."""
    from signoff.service.queries.signoff_read import signoff_detail

    detail = signoff_detail(signoff_id, application().deps)
    if as_json:
        print_json(detail)
        return
    print_plan(detail)


def print_plan(detail: SignoffDetail) -> None:
    console.print(f"[bold]Sign-off #{detail.id}[/]: {detail.title}", highlight=False)
    console.print(f"PCC office: {detail.pcc}    force: {detail.force}    state: {detail.state}")
    console.print(
        f"Published {format_day(detail.published)}; statutory last day "
        f"[bold]{format_day(detail.statutory_last_day)}[/]; publish by {format_day(detail.publish_by)}"
    )
    if detail.deadline_warning:
        console.print(f"[bold yellow]warning:[/] {detail.deadline_warning}", highlight=False)
    if detail.withdrawn_reason:
        console.print(f"[bold red]withdrawn:[/] {detail.withdrawn_reason}", highlight=False)
    for publication in detail.publications:
        timing = "on time" if publication.on_time else f"[bold red]LATE by {publication.days_late} day(s)[/]"
        correction = f"; correction: {publication.note}" if publication.note else ""
        console.print(
            f"Published version {publication.version} on {format_day(publication.published_on)} ({timing}) "
            f"by {publication.published_by.split(' <')[0]}{correction}: {publication.folder}",
            highlight=False,
        )
    tree = Tree("[bold]Plan[/]")
    for stage in detail.stages:
        branch = tree.add(
            f"[bold]{stage.title}[/] ({stage.state.replace('_', ' ')}), due {format_day(stage.due_on)}"
        )
        for section in stage.sections:
            revision = f", revision {section.revision}" if section.revision else ""
            node = branch.add(
                f"{section.title} [dim]{section.key}[/]: {section.state.replace('_', ' ')}{revision}"
            )
            node.add("drafted by " + " or ".join(name.split(" <")[0] for name in section.drafters))
            for number, step in enumerate(section.approval_plan, start=1):
                prefix = f"approval step {number}: " if len(section.approval_plan) > 1 else "approved by "
                node.add(prefix + step)
            if section.holders:
                node.add("[yellow]waiting for[/] " + ", ".join(section.holders))
            for request in section.requests:
                if request.decided_by:
                    behalf = f" for {request.on_behalf_of}" if request.on_behalf_of else ""
                    comment = f': "{request.comment}"' if request.comment else ""
                    node.add(
                        f"{request.state.replace('_', ' ')} by {request.decided_by}{behalf}"
                        f" at {request.decided_at:%Y-%m-%d %H:%M} UTC{comment}"
                    )
    console.print(tree, highlight=False)


@reports_errors
def section(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    section_key: str = typer.Argument(..., metavar="SECTION"),
    as_json: bool = JSON_OPTION,
) -> None:
    """One section: the finding it answers, its text, revisions, decisions, and what changed since approval."""
    from signoff.service.queries.signoff_read import section_detail

    detail = section_detail(signoff_id, section_key, application().deps)
    if as_json:
        print_json(detail)
        return
    view = detail.section
    console.print(
        f"[bold]{view.title}[/] ({view.key}): {view.state}, revision {view.revision or '-'}", highlight=False
    )
    if detail.finding_text:
        console.print(f"Finding: {detail.finding_text}", highlight=False)
    console.print(detail.body or "(no text yet)", highlight=False, markup=False)
    for revision in detail.revisions:
        console.print(
            f"  revision {revision.number} by {revision.author} at {revision.created_at:%Y-%m-%d %H:%M} UTC "
            f"sha256 {revision.content_hash[:12]} {revision.note}",
            highlight=False,
            markup=False,
        )
    for request in view.requests:
        line = f"  {request.approver}: {request.state}"
        if request.decided_by:
            line += f" by {request.decided_by}"
        if request.on_behalf_of:
            line += f" on behalf of {request.on_behalf_of}"
        if request.comment:
            line += f': "{request.comment}"'
        console.print(line, highlight=False, markup=False)
    for approver, diff in detail.changes_since_approved.items():
        console.print(f"Changed since {approver} approved:", highlight=False, markup=False)
        for line in diff:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            console.print(line, style=style, highlight=False, markup=False)


@reports_errors
def draft(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    section_key: str = typer.Argument(..., metavar="SECTION"),
    actor: str = AS_OPTION,
    file: Path = typer.Option(..., "--file", help="The section's text (UTF-8, Markdown)."),
    note: str = typer.Option("", help="What this revision changes."),
) -> None:
    """Write or edit a section; it goes (back) to its approvers."""
    app = application()
    try:  # a file, of UTF-8 text, read no further than the limit (not /dev/zero, nor a pipe)
        body = read_text_file(file)
    except InvalidInput as error:
        raise typer.BadParameter(error.message, param_hint="--file") from None
    refuse_control_characters(body, file)
    number = submit_revision(
        SubmitRevision(signoff_id=signoff_id, section=section_key, author=actor, body=body, note=note),
        app.deps,
    )
    typer.echo(f"revision {number} of {section_key} submitted for approval")
    after_change(signoff_id)


def refuse_control_characters(body: str, file: Path) -> None:
    """Name the file, line and column of a control character: 'body, position 5123' finds nothing."""
    text = body.replace("\r\n", "\n")
    position = first_control_character(text, multi_line=True)
    if position is not None:
        line, column = line_and_column(text, position)
        raise InvalidInput(
            f"{file}:{line}:{column}: the text must not contain control characters "
            f"(found U+{ord(text[position]):04X})"
        )


@reports_errors
def decide_command(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    section_key: str = typer.Argument(..., metavar="SECTION"),
    actor: str = AS_OPTION,
    approve: bool = typer.Option(False, "--approve", help="Approve the current revision."),
    request_changes: bool = typer.Option(False, "--request-changes", help="Send it back to the drafter."),
    comment: str = typer.Option("", help="What to change (required with --request-changes)."),
    revision: int | None = typer.Option(
        None,
        min=1,
        max=MAX_ID,
        help="The revision you read (`signoff section` shows it): refused if the text was revised since.",
    ),
) -> None:
    """Approve a section, or request changes with a comment."""
    if approve == request_changes:
        raise typer.BadParameter("give exactly one of --approve or --request-changes")
    outcome = Outcome.APPROVE if approve else Outcome.REQUEST_CHANGES
    recorded = "approval" if approve else "request for changes"
    result = decide(
        Decide(
            signoff_id=signoff_id,
            section=section_key,
            actor=actor,
            outcome=outcome,
            comment=comment,
            revision=revision,
        ),
        application().deps,
    )
    behalf = f" on behalf of {result.on_behalf_of}" if result.on_behalf_of else ""
    typer.echo(
        f"{recorded} recorded{behalf}; section is {result.section_state.value}, "
        f"sign-off is {result.signoff_state.value}"
    )
    after_change(signoff_id)


@reports_errors
def advance(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    force: bool = typer.Option(
        False, "--force", help="Start a new router run even if this state of the sign-off already had one."
    ),
) -> None:
    """Close finished stages and open the next (normally automatic; safe to repeat)."""
    from flows.triggers import trigger_advance  # the flows layer sits outside src/

    app = application()
    done = advance_signoff(signoff_id, app.deps)
    typer.echo("; ".join(done) if done else "nothing to do")
    errors.print(f"[dim]then: {trigger_advance(app, signoff_id, force=force)}[/]", highlight=False)
