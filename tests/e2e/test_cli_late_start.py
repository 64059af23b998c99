"""`signoff start` run late: the new id on standard output, the late start's warning on standard error."""

from __future__ import annotations

from tests.e2e.test_cli import REFERENCE, Cli, cli, mail_sink, prepared_database  # noqa: F401 - the fixtures are used by name
from tests.people import OWEN


def test_a_late_start_prints_the_id_and_warns_on_standard_error(cli: Cli) -> None:  # noqa: F811
    cli.now = "2024-01-08T10:00:00+00:00"  # Monday: four days after the statutory last day
    result = cli("start", REFERENCE, "--as", OWEN)
    [signoff_id] = result.stdout.split()
    assert "warning:" in result.stderr
    assert f"sign-off #{signoff_id}" in result.stderr
    assert "4 days after the statutory last day, Thursday 4 January 2024" in result.stderr
    shown = cli("show", signoff_id)
    assert "late from the outset" in shown.stdout
