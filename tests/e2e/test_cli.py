"""The `signoff` command as a person runs it: real processes, a real SQLite file, exit codes and output."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from signoff.adapters.mail_sink import free_port, read_folder, start_mail_sink
from signoff.settings import PROJECT_ROOT
from tests.people import HANNAH, OWEN, PRIYA, RACHEL
from tests.support.story import (
    EXPECTED,
    PUBLICATION_MORNING,
    SCENE_NAMES,
    SCENES,
    cli_arguments,
    moment,
)

SIGNOFF = str(Path(sys.executable).with_name("signoff"))
REFERENCE = str(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml")


class Cli:
    def __init__(self, database: Path, workdir: Path, smtp_port: int | None = None) -> None:
        self.database = database
        self.workdir = workdir
        self.now = "2023-11-10T09:30:00+00:00"
        self.smtp_port = smtp_port

    def __call__(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "SIGNOFF_DATABASE_URL": f"sqlite:///{self.database}",
            "SIGNOFF_FROZEN_TIME": self.now,
            "COLUMNS": "200",
            "SIGNOFF_PUBLISHED_DIR": str(self.workdir / "published"),
        }
        env.pop("SIGNOFF_AS", None)
        if self.smtp_port:
            env.update({"SIGNOFF_SMTP_HOST": "127.0.0.1", "SIGNOFF_SMTP_PORT": str(self.smtp_port)})
        result = subprocess.run(
            [SIGNOFF, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.workdir,
            timeout=60,
            check=False,
        )
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        return result

    def text_file(self, name: str, body: str) -> str:
        path = self.workdir / name
        path.write_text(body, encoding="utf-8")
        return str(path)


@pytest.fixture
def mail_sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """The local mail sink, keeping each message as an .eml file, as `signoff mailsink` does."""
    folder = tmp_path / "mail"
    port = free_port()
    sink = start_mail_sink(folder, "127.0.0.1", port)
    yield port, folder
    sink.stop()


@pytest.fixture(scope="module")
def prepared_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made as an operator makes one, `signoff db upgrade` then `signoff directory load`: once a
    module (some two seconds of processes), each test working on a copy of its own."""
    folder = tmp_path_factory.mktemp("prepared")
    run = Cli(folder / "signoff.db", folder)
    run("db", "upgrade")
    run("directory", "load")
    return folder / "signoff.db"


@pytest.fixture
def cli(tmp_path: Path, mail_sink: tuple[int, Path], prepared_database: Path) -> Cli:
    # SQLite's backup, not a file copy: what the commands wrote may still be in the write-ahead log.
    with (
        closing(sqlite3.connect(prepared_database)) as source,
        closing(sqlite3.connect(tmp_path / "signoff.db")) as copy,
    ):
        source.backup(copy)
    return Cli(tmp_path / "signoff.db", tmp_path, smtp_port=mail_sink[0])


def test_deadline_warns_when_the_last_day_is_a_bank_holiday(cli: Cli) -> None:
    result = cli("deadline", "2022-11-02")
    assert "Tuesday 27 December 2022" in result.stdout
    assert "bank holiday" in result.stdout
    assert "Publish by:          Friday 23 December 2022" in result.stdout
    data = json.loads(cli("deadline", "2022-11-02", "--json").stdout)
    assert data["statutory_last_day"] == "2022-12-27"
    assert data["publish_by"] == "2022-12-23"


def test_a_date_that_does_not_exist_is_refused(cli: Cli) -> None:
    result = cli("deadline", "2023-02-30", expect=1)
    assert "2023-02-30" in result.stderr
    assert "not a date that exists" in result.stderr


def test_the_reference_signoff_driven_to_ready_to_publish_through_the_cli(
    cli: Cli, mail_sink: tuple[int, Path]
) -> None:
    [signoff_id] = cli("start", REFERENCE, "--as", OWEN).stdout.split()
    plan = cli("show", signoff_id).stdout
    assert "statutory last day Thursday 4 January 2024" in plan

    # The reference story, one command a step, with what a person would try in between.
    def summary_drafted(said: list[subprocess.CompletedProcess[str]]) -> None:
        refused = cli("decide", signoff_id, "report-summary", "--as", RACHEL, "--request-changes", expect=1)
        assert "comment" in refused.stderr

    def summary_approved(said: list[subprocess.CompletedProcess[str]]) -> None:
        second = cli("decide", signoff_id, "report-summary", "--as", RACHEL, "--approve", expect=1)
        assert "already" in second.stderr

    def force_drafts(said: list[subprocess.CompletedProcess[str]]) -> None:
        own = cli("decide", signoff_id, "finding-afi-1", "--as", PRIYA, "--approve", expect=1)
        assert "not an approver" in own.stderr

    def finding_edited(said: list[subprocess.CompletedProcess[str]]) -> None:
        # An edit after approval invalidates it; the lead sees what changed.
        section = json.loads(cli("section", signoff_id, "finding-afi-1", "--json").stdout)
        assert section["section"]["state"] == "in_approval"
        [diff] = section["changes_since_approved"].values()
        assert "+New 4P platform." in diff

    def deputy_approves(said: list[subprocess.CompletedProcess[str]]) -> None:
        [decided] = said
        assert "on behalf of Andrew Kershaw" in decided.stdout

    checks = {
        "summary drafted": summary_drafted,
        "summary approved": summary_approved,
        "force drafts": force_drafts,
        "finding edited": finding_edited,
        "deputy approves": deputy_approves,
    }
    assert set(checks) <= SCENE_NAMES
    for scene in SCENES:
        cli.now = moment(scene)
        at = PUBLICATION_MORNING + scene.after
        said = [cli(*cli_arguments(step, signoff_id, cli.text_file, at)) for step in scene.steps]
        if scene.name in checks:
            checks[scene.name](said)

    shown = json.loads(cli("show", signoff_id, "--json").stdout)
    assert shown["state"] == "ready_to_publish"
    assert json.loads(cli("list", "--json").stdout)[0]["state"] == "ready_to_publish"

    verified = cli("audit", "verify", signoff_id)
    assert "intact" in verified.stdout

    # Every email the run caused went out as each command committed: one .eml each in the sink,
    # readable as text and as HTML, and nothing is left to send.
    emails = read_folder(mail_sink[1])
    assert Counter((e.event, e.to.rsplit("<", 1)[-1].rstrip(">")) for e in emails) == EXPECTED
    assert all(e.text.strip() and "<html" in e.html for e in emails)
    assert "sent 0," in cli("mail", "send").stdout

    # Publishing: a preview changes nothing; a force contact may not publish; the office does.
    cli.now = "2023-12-21T10:00:00+00:00"
    assert "nothing published" in cli("publish", signoff_id, "--as", HANNAH, "--preview").stdout
    assert "may not publish" in cli("publish", signoff_id, "--as", PRIYA, "--preview", expect=1).stderr
    assert json.loads(cli("show", signoff_id, "--json").stdout)["state"] == "ready_to_publish"
    markdown = cli("render", signoff_id, "--format", "md").stdout
    assert markdown.startswith("# Cheshire Police and Crime Commissioner's Response")
    assert "may not publish" in cli("publish", signoff_id, "--as", PRIYA, expect=1).stderr
    published = json.loads(cli("publish", signoff_id, "--as", HANNAH, "--json").stdout)
    folder = Path(published["folder"])
    assert folder.parent == cli.workdir / "published"
    assert published["on_time"] is True
    assert {p.name for p in folder.iterdir()} >= {"response.html", "response.pdf", "manifest.json"}
    checked = cli("audit", "verify", signoff_id, "--certificate", str(folder / "certificate.html"))
    assert "matches the record" in checked.stdout
    copies = [e for e in read_folder(mail_sink[1]) if e.event == "formal_copy"]
    assert len(copies) == 2
    assert json.loads(cli("show", signoff_id, "--json").stdout)["state"] == "published"

    with sqlite3.connect(cli.database) as connection:
        connection.execute("UPDATE audit_events SET details = '{}' WHERE seq = 2")
    broken = cli("audit", "verify", signoff_id, expect=1)
    assert "BROKEN" in broken.stderr
    assert "event 2" in broken.stderr


def test_stalled_lists_what_is_overdue_and_who_holds_it(cli: Cli) -> None:
    [signoff_id] = cli("start", REFERENCE, "--as", OWEN).stdout.split()
    cli("draft", signoff_id, "report-summary", "--as", OWEN, "--file", cli.text_file("s1", "Summary."))
    cli.now = "2023-11-28T10:00:00+00:00"
    items = json.loads(cli("stalled", "--json").stdout)
    [item] = items
    assert item["holder"] == f"Rachel Ashworth <{RACHEL}>"
    assert item["waiting_to"] == "approve"
    assert "overdue" in item["flags"]
    assert "idle" in item["flags"]
    # Read by a person: in the zone the pages and emails give (GMT in November), not UTC.
    table = cli("stalled").stdout
    assert "17:00 GMT" in table
    assert "UTC" not in table


def test_a_malformed_file_is_refused_with_its_line(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        Path(REFERENCE).read_text(encoding="utf-8").replace("type: regional_soc", "type: gossip")
    )
    result = cli("start", str(broken), "--as", OWEN, expect=1)
    assert f"{broken}:" in result.stderr
    assert "type" in result.stderr
    assert cli("list", "--json").stdout.strip() == "[]"


def test_mail_send_without_a_server_says_so_and_keeps_the_queue(cli: Cli, tmp_path: Path) -> None:
    cli.smtp_port = free_port()  # nothing listens there
    started = cli("start", REFERENCE, "--as", OWEN)
    assert "emails wait in the outbox" in started.stderr
    result = cli("mail", "send", expect=1)
    assert "cannot reach the SMTP server" in result.stderr
    assert "1 email(s) stay queued" in result.stderr
    listing = json.loads(cli("mail", "list", "--json").stdout)
    assert listing["counts"] == {"queued": 1}


def test_mail_preview_renders_an_event_with_example_data(cli: Cli) -> None:
    result = cli("mail", "preview", "approval_requested")
    assert result.stdout.startswith("Subject: ")
    assert "Area for improvement AFI-1" in result.stdout
    assert "unknown event" in cli("mail", "preview", "gossip", expect=1).stderr


def test_the_database_must_be_set_up_first(tmp_path: Path) -> None:
    fresh = Cli(tmp_path / "empty.db", tmp_path)
    result = fresh("list", expect=1)
    assert "signoff db upgrade" in result.stderr
