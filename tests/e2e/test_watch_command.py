"""`signoff watch --listing URL`, as a person runs it, against the fixtures on a local HTTP server: it proposes
exactly the reports that concern each office, once; a second run proposes nothing new; an unreadable listing
exits 1 naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from signoff.settings import PROJECT_ROOT
from tests.handlers.test_watch_publications import EXPECTED
from tests.support.hmicfrs import serve_fixtures

SIGNOFF = str(Path(sys.executable).with_name("signoff"))
TITLES = {
    "peel-2025-cheshire": "PEEL 2025: An inspection of Cheshire Constabulary",
    "peel-2025-greater-manchester": "PEEL 2025: An inspection of Greater Manchester Police",
    "thematic-stalking-2025": "The police response to stalking: a national thematic inspection",
    "joint-case-files-2025": "A joint inspection of the quality of case files",
    "nw-soc-2025": "An inspection of the north-west regional response to serious and organised crime",
}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SIGNOFF, *args], env=env, capture_output=True, text=True, timeout=180, check=False, cwd=PROJECT_ROOT
    )


def test_signoff_watch_proposes_each_report_to_the_offices_it_concerns_once(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SIGNOFF_", "PREFECT_"))}
    env = {
        **base,
        "SIGNOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'signoff.db'}",
        "SIGNOFF_VAR_DIR": str(tmp_path / "var"),
        "SIGNOFF_FROZEN_TIME": "2025-10-22T09:00:00+01:00",
    }
    for args in (["db", "upgrade"], ["directory", "load"]):
        assert run(env, *args).returncode == 0
    with serve_fixtures() as fixtures:
        first = run(env, "watch", "--listing", fixtures + "publications.html")
        second = run(env, "watch", "--listing", fixtures + "feed.atom")
        broken = run(env, "watch", "--listing", fixtures + "no-such-listing.html")

    assert first.returncode == 0, first.stderr
    proposed: dict[str, set[str]] = {}
    for line in first.stdout.splitlines():
        if line.startswith("proposed #"):
            office, _, title = line.split(" to ", 1)[1].partition(": ")
            proposed.setdefault(office, set()).add(title.split(" (")[0])
    assert proposed == {office: {TITLES[name] for name in names} for office, names in EXPECTED.items()}
    assert "concerns no watched office: PEEL 2025: An inspection of Northshire Police" in first.stdout
    # The listing's second page (its pagination's "Older publications"), read as config/watch.yaml says.
    assert f"{fixtures}publications.html: 8 publication(s), 8 not read before" in first.stdout
    assert "concerns no watched office: State of policing: the annual assessment" in first.stdout

    assert second.returncode == 0, second.stderr
    assert "0 not read before" in second.stdout
    assert "nothing new to propose" in second.stdout
    assert "proposed #" not in second.stdout

    assert broken.returncode == 1
    assert f"could not read the listing {fixtures}no-such-listing.html" in broken.stderr
    assert "404" in broken.stderr
