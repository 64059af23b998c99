"""Publishing: `signoff publish ID` (or a preview of it) and `signoff render ID --format html|pdf|md`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import typer

from signoff.entrypoints.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    MAX_ID,
    application,
    console,
    print_json,
    reports_errors,
)
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import check_publishable
from signoff.service.queries.render_document import DocumentFormat, preview_files, render_document


@reports_errors
def publish(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    by: str = AS_OPTION,
    note: str = typer.Option(
        "", "--note", help="For a correction (publishing again): what was corrected. Required then."
    ),
    preview: bool = typer.Option(
        False, "--preview", help="Render every file into a preview folder; publish nothing."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="With a Prefect server: wait for the publish-signoff run to finish."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Publish the response (HTML, tagged PDF, Markdown, the certificate and a manifest; email the copies)
    through the publish-signoff flow: asked of the Prefect server if one serves it, else run here."""
    app = application()
    if preview:
        files = preview_files(signoff_id, by, app.deps)
        folder = app.settings.publication_dir / "previews" / f"signoff-{signoff_id}"
        folder.mkdir(parents=True, exist_ok=True)
        for file in files:
            (folder / file.name).write_bytes(file.data)
        console.print(f"preview of sign-off #{signoff_id} (nothing published): {folder}/", highlight=False)
        for file in files:
            console.print(f"  {file.name}  ({len(file.data):,} bytes)", highlight=False)
        return
    # Through the publish-signoff flow, so that Prefect sees the publication (its run, its event).
    from flows.triggers import trigger_publish, wait_for  # the flows layer sits outside src/

    # Bad input, someone who may not publish, a section still unapproved: refused here, before any run.
    command = PublishSignoff(signoff_id=signoff_id, by=by, note=note)
    check_publishable(command, app.deps)
    asked = trigger_publish(app, signoff_id, by, note)
    if asked.run is not None:
        run = wait_for(asked.run) if wait else asked.run
        where = f" ({run.url})" if run.url else ""
        said = "already asked for" if asked.already else "started"
        if as_json:
            print_json({"signoff_id": signoff_id, "run": run.name, "state": run.state_name, "url": run.url})
            return
        if not wait:
            console.print(f"publish-signoff run {run.name} {said}{where}", highlight=False)
            console.print(f"[dim]`signoff show {signoff_id}` shows the version once it is published[/]")
            return
        console.print(f"publish-signoff run {run.name}: {run.state_name}{where}", highlight=False)
        if run.state_type != "COMPLETED":
            raise typer.Exit(1)
        return
    result = asked.result
    assert result is not None  # noqa: S101 - run here when no run was asked for
    if as_json:
        print_json({"signoff_id": signoff_id, **result})
        return
    console.print(
        f"published sign-off #{signoff_id}, version {result['version']}: {result['folder']}/", highlight=False
    )
    for name in [*result["files"], "manifest.json"]:
        console.print(f"  {name}", highlight=False)
    if result["version"] > 1:
        # A correction keeps the response's timeliness (the duty is to publish once): said, not alarmed.
        timeliness = "on time" if result["on_time"] else f"{result['days_late']} day(s) late"
        console.print(f"a correction; the response itself was first published {timeliness}", highlight=False)
    elif result["on_time"]:
        console.print("[green]on time[/]: within the statutory period")
    else:
        console.print(
            f"[bold red]LATE[/]: {result['days_late']} day(s) after the statutory last day; "
            "recorded in the audit trail and reported to the office's administrators"
        )
    console.print(
        f"{result['emails_queued']} emails queued (the published notice and the formal copies), "
        f"{result['sent']} sent"
    )
    if result.get("run"):
        where = f" ({result['url']})" if result.get("url") else ""
        console.print(f"publish-signoff run {result['run']}{where}", highlight=False)


@reports_errors
def render(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    document_format: str = typer.Option("html", "--format", help="html, pdf or md."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file (default: standard output)."
    ),
) -> None:
    """The response as it stands (a preview until every section is approved), in one format."""
    if document_format not in ("html", "pdf", "md"):
        raise typer.BadParameter(
            f"{document_format!r} is not a format: use html, pdf or md", param_hint="--format"
        )
    chosen = cast(DocumentFormat, document_format)
    data = render_document(signoff_id, chosen, application().deps)
    if output is not None:
        output.write_bytes(data)
        console.print(f"wrote {output} ({len(data):,} bytes)", highlight=False)
    elif chosen == "pdf" and sys.stdout.isatty():
        raise typer.BadParameter("a PDF is not for a terminal: give --output FILE", param_hint="--output")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
