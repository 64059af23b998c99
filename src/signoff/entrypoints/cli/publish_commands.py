"""Publishing: `signoff publish ID` (or a preview of it) and `signoff render ID --format html|pdf|md`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import typer

from signoff.entrypoints.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    after_change,
    application,
    console,
    print_json,
    reports_errors,
)
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.service.queries.render_document import DocumentFormat, preview_files, render_document


@reports_errors
def publish(
    signoff_id: int = typer.Argument(..., min=1),
    by: str = AS_OPTION,
    note: str = typer.Option(
        "", "--note", help="For a correction (publishing again): what was corrected. Required then."
    ),
    preview: bool = typer.Option(
        False, "--preview", help="Render every file into a preview folder; publish nothing."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Publish the response: HTML, tagged PDF, Markdown, the certificate and a manifest; email the copies."""
    app = application()
    if preview:
        files = preview_files(signoff_id, app.deps)
        folder = app.settings.publication_dir / "previews" / f"signoff-{signoff_id}"
        folder.mkdir(parents=True, exist_ok=True)
        for file in files:
            (folder / file.name).write_bytes(file.data)
        console.print(f"preview of sign-off #{signoff_id} (nothing published): {folder}/", highlight=False)
        for file in files:
            console.print(f"  {file.name}  ({len(file.data):,} bytes)", highlight=False)
        return
    result = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=by, note=note), app.deps)
    if as_json:
        print_json(
            {
                "signoff_id": result.signoff_id,
                "version": result.version,
                "folder": str(result.folder),
                "files": result.files,
                "manifest_sha256": result.manifest_sha256,
                "on_time": result.on_time,
                "days_late": result.days_late,
                "emails_queued": result.emails_queued,
            }
        )
    else:
        console.print(
            f"published sign-off #{signoff_id}, version {result.version}: {result.folder}/", highlight=False
        )
        for name in [*result.files, "manifest.json"]:
            console.print(f"  {name}", highlight=False)
        if result.on_time:
            console.print("[green]on time[/]: within the statutory period")
        else:
            console.print(
                f"[bold red]LATE[/]: {result.days_late} day(s) after the statutory last day; "
                "recorded in the audit trail and reported to the office's administrators"
            )
        console.print(f"{result.emails_queued} emails queued (the published notice and the formal copies)")
    after_change(signoff_id)


@reports_errors
def render(
    signoff_id: int = typer.Argument(..., min=1),
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
