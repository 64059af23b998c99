"""The `signoff` command refuses control characters in what it is given (an option's text, a section's
file, an inspection file) with one line naming the option's field or the file, line and key; exit 1,
and nothing changes. In process, on SQLite and on PostgreSQL (the database a NUL used to break)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.inspection import Inspection
from signoff.entrypoints.cli import common
from signoff.entrypoints.cli.main import app as cli_app
from tests.people import HANNAH, OWEN, RACHEL
from tests.support.database import row_counts
from tests.support.story import REFERENCE, draft, start_reference

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from typer.testing import CliRunner

ESCAPE = "\x1b[2J"  # clears a terminal: not something to keep in a note and print back later


@pytest.fixture
def signoff(app: Application, monkeypatch: pytest.MonkeyPatch) -> int:
    """The reference sign-off, with its summary drafted, and the CLI wired to this application."""
    monkeypatch.setattr(common._State, "application", app)
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    return signoff_id


def refused(app: Application, *args: str) -> str:
    """Run the command; it must exit 1 with one error line and change nothing. That line."""
    before = row_counts(app)
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert row_counts(app) == before
    [line] = result.stderr.strip().splitlines()
    assert "\x1b" not in line
    assert "\x00" not in line
    return line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["draft", "{id}", "report-summary", "--as", OWEN, "--file", "{ok}", "--note", f"tidied{ESCAPE}"],
            "error: note: must not contain control characters (found U+001B at position 6)",
        ),
        (
            [
                "decide",
                "{id}",
                "report-summary",
                "--as",
                RACHEL,
                "--request-changes",
                "--comment",
                f"Add{ESCAPE}",
            ],
            "error: comment: must not contain control characters (found U+001B at position 3)",
        ),
        (
            ["withdraw", "{id}", "--as", HANNAH, "--reason", f"Not ours{ESCAPE}"],
            "error: reason: must not contain control characters (found U+001B at position 8)",
        ),
        (
            [
                "delegate",
                "--from",
                RACHEL,
                "--to",
                HANNAH,
                "--until",
                "2023-11-20T17:00+00:00",
                "--reason",
                "leave\x07",
                "--as",
                RACHEL,
            ],
            "error: reason: must not contain control characters (found U+0007 at position 5)",
        ),
        (
            ["reassign", "{id}", f"report-summary{ESCAPE}", "--from", RACHEL, "--to", HANNAH, "--as", HANNAH],
            "error: section: must not contain control characters (found U+001B at position 14)",
        ),
        (
            ["extend", "{id}", "report\x7fsummary", "2023-11-30", "--as", HANNAH],
            "error: stage: must not contain control characters (found U+007F at position 6)",
        ),
        (
            ["publish", "{id}", "--as", HANNAH, "--note", f"fixed{ESCAPE}"],
            "error: note: must not contain control characters (found U+001B at position 5)",
        ),
    ],
    ids=[
        "draft note",
        "decision comment",
        "withdraw reason",
        "delegation reason",
        "reassign",
        "extend",
        "publish",
    ],
)
def test_an_option_with_a_control_character_is_refused_naming_it(
    app: Application, signoff: int, tmp_path: Path, args: list[str], expected: str
) -> None:
    ok = tmp_path / "ok.md"
    ok.write_text("Fine text.", encoding="utf-8")
    filled = [a.replace("{id}", str(signoff)).replace("{ok}", str(ok)) for a in args]
    assert refused(app, *filled) == expected


# PostgreSQL cannot store a NUL: it once broke the CLI there.
@pytest.mark.both_databases
def test_a_section_file_with_a_nul_is_refused_naming_its_line_and_column(
    app: Application, signoff: int, tmp_path: Path
) -> None:
    text = tmp_path / "summary.md"
    text.write_bytes(b"# Summary\r\n\r\nThe NWROCU\x00 was inspected.\r\n")
    line = refused(app, "draft", str(signoff), "report-summary", "--as", OWEN, "--file", str(text))
    assert line == f"error: {text}:3:11: the text must not contain control characters (found U+0000)"


# PostgreSQL cannot store a NUL: it once broke the CLI there.
@pytest.mark.both_databases
def test_an_inspection_file_with_a_nul_in_a_string_is_refused_naming_the_line_and_key(
    app: Application, signoff: int, tmp_path: Path
) -> None:
    inspection = load_model(REFERENCE, Inspection).model_dump(mode="json")
    inspection["title"] = "Another report"
    inspection["findings"][0]["text"] = "Improve\u0000 the response."
    path = tmp_path / "report.json"
    path.write_text(json.dumps(inspection), encoding="utf-8")
    line = refused(app, "start", str(path), "--as", OWEN)
    assert line == (
        f"error: {path}: findings[0].text (AFI-1): must not contain control characters "
        "(found U+0000 at position 7)"
    )


@pytest.mark.parametrize("typed", ["[/]", "[red]x", "[bold]"])
def test_what_is_typed_is_printed_as_typed_never_as_markup(
    app: Application, signoff: int, typed: str
) -> None:
    # Rich once read these as its own markup: "[/]" crashed the command, "[red]x" was told as "x".
    line = refused(app, "decide", str(signoff), typed, "--as", RACHEL, "--approve")
    assert f"no section {typed!r}" in line


def test_a_folder_given_as_the_sections_text_is_refused_naming_it(
    app: Application, signoff: int, tmp_path: Path
) -> None:
    before = row_counts(app)
    result = CliRunner().invoke(
        cli_app, ["draft", str(signoff), "report-summary", "--as", OWEN, "--file", str(tmp_path)]
    )
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert "Is a directory" in " ".join(result.stderr.replace("│", " ").split())
    assert row_counts(app) == before


@pytest.mark.parametrize("command", [["show"], ["end-delegation", "--as", OWEN], ["audit", "log"]])
def test_an_id_no_column_can_hold_is_refused_as_a_usage_error(
    app: Application, signoff: int, command: list[str]
) -> None:
    result = CliRunner().invoke(cli_app, [*command, "99999999999999999999"])
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert "2147483647" in " ".join(result.stderr.replace("│", " ").split())
