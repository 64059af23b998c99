"""`signoff demo`: the main job on the embedded defaults, in a scratch folder, as if on publication day."""

from __future__ import annotations

import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import typer

from signoff.adapters.config_files import load_model
from signoff.adapters.database import upgrade_to_head
from signoff.bootstrap import bootstrap
from signoff.domain.inspection import Inspection
from signoff.entrypoints.cli.common import console, reports_errors
from signoff.entrypoints.cli.signoff_commands import print_plan
from signoff.service.commands import StartSignoff
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.signoff_views import signoff_detail
from signoff.settings import PROJECT_ROOT, load_settings

REFERENCE_FILE = PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml"
# The reference report came out on Friday 10 November 2023; the demo starts that morning.
DEMO_START = datetime(2023, 11, 10, 9, 30, tzinfo=ZoneInfo("Europe/London"))
DEMO_STARTER = "owen.prescott@cheshire-pcc.example.org"


@reports_errors
def demo() -> None:
    """Start the reference sign-off in a fresh database under var/demo/ and print its plan."""
    base = load_settings()
    folder = base.var_dir / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    database = folder / "signoff.db"
    settings = base.model_copy(update={"database_url": f"sqlite:///{database}", "frozen_time": DEMO_START})
    app = bootstrap(settings)
    upgrade_to_head(settings.database_url)
    loaded = load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
    console.print(f"directory: {loaded.added} people loaded from {settings.directory_file}")
    inspection = load_model(REFERENCE_FILE, Inspection)
    ids = start_signoff(StartSignoff(inspection=inspection, started_by=DEMO_STARTER), app.deps)
    console.print(
        f"started sign-off(s) {', '.join(map(str, ids))} from {REFERENCE_FILE.relative_to(PROJECT_ROOT)}, "
        f"as of {DEMO_START:%d %B %Y %H:%M} (the clock is frozen for the demo)\n"
    )
    for signoff_id in ids:
        print_plan(signoff_detail(signoff_id, app.deps))
    app.engine.dispose()
    console.print(f"\nOutput: the database {database}")
    console.print(
        "Look around with, for example:\n"
        f"  SIGNOFF_DATABASE_URL=sqlite:///{database} .venv/bin/signoff show {ids[0]}\n"
        f"  SIGNOFF_DATABASE_URL=sqlite:///{database} .venv/bin/signoff audit log {ids[0]}",
        highlight=False,
    )
    raise typer.Exit(0)
