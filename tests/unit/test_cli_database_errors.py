"""An operator's mistakes about the database or the settings get one line saying what to do, exit 1, and
nothing written: a database that is not one, one migrated for an older or a newer signoff, a misspelt
setting, a folder that is a file. In process, as the `signoff` command runs them."""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from signoff.adapters.database import alembic_config, upgrade_to_head
from signoff.entrypoints.cli import common
from signoff.entrypoints.cli.main import app as cli_app
from signoff.settings import PROJECT_ROOT
from tests.people import OWEN

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from typer.testing import CliRunner


@pytest.fixture(autouse=True)
def fresh_application(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each command builds its application from the environment, as a new process would."""
    monkeypatch.setenv("SIGNOFF_VAR_DIR", str(tmp_path / "var"))
    common.reset_application()
    yield
    common.reset_application()


def run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("SIGNOFF_DATABASE_URL", url)
    common.reset_application()
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, " ".join(result.stderr.split())


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "signoff.db"
    path.write_bytes(bytes(range(100)))
    code, said = run(monkeypatch, f"sqlite:///{path}", "list")
    assert code == 1
    assert said == f"error: cannot use the database sqlite:///{path}: file is not a database"
    assert path.read_bytes() == bytes(range(100))


def test_a_database_migrated_for_an_older_signoff_says_to_upgrade_then_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code upgraded, the migration forgotten: a command said which column was missing, in a traceback."""
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    upgrade_to_head(url)
    assert run(monkeypatch, url, "directory", "load")[0] == 0
    command.downgrade(alembic_config(url), "0012")
    start = ["start", str(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml"), "--as", OWEN]
    code, said = run(monkeypatch, url, *start)
    assert code == 1, said
    assert said.startswith("error: the database is at revision 0012 and this signoff's is "), said
    assert said.endswith(
        ": run `signoff db upgrade` (or, if the database is newer, the signoff that migrated it)"
    )
    assert run(monkeypatch, url, "db", "upgrade")[0] == 0
    assert run(monkeypatch, url, *start)[0] == 0


def test_a_database_newer_than_the_code_is_not_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "signoff.db"
    upgrade_to_head(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    code, said = run(monkeypatch, f"sqlite:///{path}", "db", "upgrade")
    assert code == 1
    assert said.startswith("error: cannot migrate the database: ")
    assert "'9999'" in said
    assert "newer than this signoff" in said


def test_a_misspelt_setting_is_named_with_the_one_meant_and_nothing_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGNOFF_DATABASE_URI would have left the service on a SQLite file of its own, silently."""
    monkeypatch.setenv("SIGNOFF_DATABASE_URI", "postgresql+psycopg://signoff@db.example.org/signoff")
    monkeypatch.setenv("SIGNOFF_SMTP_HSOT", "mail.example.org")
    code, said = run(monkeypatch, f"sqlite:///{tmp_path / 'signoff.db'}", "db", "upgrade")
    assert code == 1
    assert said == (
        "error: bad setting: SIGNOFF_DATABASE_URI is not a setting (did you mean SIGNOFF_DATABASE_URL?); "
        "SIGNOFF_SMTP_HSOT is not a setting (did you mean SIGNOFF_SMTP_HOST?); the README's Configuration "
        "lists them"
    )
    assert not (tmp_path / "signoff.db").exists()


def test_a_database_under_a_file_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "var").write_text("not a folder")
    code, said = run(monkeypatch, f"sqlite:///{tmp_path / 'var' / 'signoff.db'}", "db", "upgrade")
    assert (code, said) == (1, f"error: File exists: {tmp_path / 'var'}")


def test_a_postgresql_database_that_does_not_exist_is_named_not_called_unmigrated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`signoff db upgrade` told the operator of a new server to run `signoff db upgrade`."""
    server = os.environ.get("SIGNOFF_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("PostgreSQL is not configured (SIGNOFF_TEST_POSTGRES_URL)")
    url = server.rsplit("/", 1)[0] + "/signoff_no_such_database"
    code, said = run(monkeypatch, url, "db", "upgrade")
    assert code == 1
    assert said.startswith("error: cannot use the database postgresql+psycopg://")
    assert 'database "signoff_no_such_database" does not exist' in said
    assert "signoff db upgrade" not in said


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["list", "--state", "bogus"], "error: --state: 'bogus' is not a state; choose one of active, "),
        (
            ["mail", "list", "--state", "Sent!"],
            "error: --state: 'Sent!' is not a state; choose one of queued, ",
        ),
    ],
)
def test_a_state_that_is_none_is_named_with_the_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    upgrade_to_head(url)
    code, told = run(monkeypatch, url, *args)
    assert code == 1
    assert told.startswith(said), told


def test_a_device_or_a_pipe_is_not_read_as_an_inspection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/dev/zero reports no size: it was read whole, gigabytes, past the 2 MB limit; a pipe hung."""
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    upgrade_to_head(url)
    pipe = tmp_path / "inspection.yaml"
    os.mkfifo(pipe)
    for given in ("/dev/zero", str(pipe)):
        code, said = run(monkeypatch, url, "start", given, "--as", OWEN)
        assert (code, said) == (1, f"error: {given}: not a file")
        code, said = run(monkeypatch, url, "draft", "1", "report-summary", "--as", OWEN, "--file", given)
        assert code == 2
        assert "not a file" in said  # in Click's box, the path wrapped


def test_an_smtp_host_with_a_line_break_is_refused_before_any_email_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It failed inside the delivery, each email taken left `sending` until its lease ran out."""
    monkeypatch.setenv("SIGNOFF_SMTP_HOST", "mail.example.org\nRCPT TO:<x@example.org>")
    code, said = run(monkeypatch, f"sqlite:///{tmp_path / 'signoff.db'}", "mail", "send")
    assert code == 1
    assert said.startswith("error: bad setting: SIGNOFF_SMTP_HOST: 'mail.example.org\\nRCPT")
    assert said.endswith("is not a host name or address (e.g. mail.example.org or 10.0.0.5)")
