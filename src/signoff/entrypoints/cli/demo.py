"""`signoff demo`: the main job on the embedded defaults, in scratch folders, as if from publication day.

It starts the reference sign-off through the start flow, then plays the reference story
(signoff/entrypoints/reference_story.py: the office, the force and the Commissioner through to "ready to
publish", with one round of requested changes, one edit that invalidates an approval, one delegation),
running the router flow after each scene and the deadline sweep at the end, all as real Prefect flow runs
in Prefect's ephemeral mode; every email goes to the local mail sink under var/mail/.
"""

from __future__ import annotations

import shutil
from datetime import datetime

from flows.runtime import lean_prefect, use_application
from flows.signoff_flows import (
    advance_signoff_flow,
    deadline_sweep_flow,
    publish_signoff_flow,
    start_signoff_flow,
)
from signoff.adapters.database import upgrade_to_head
from signoff.adapters.mail_sink import free_port, read_folder, start_mail_sink
from signoff.bootstrap import Application, bootstrap
from signoff.domain.local_time import LOCAL_TIME
from signoff.entrypoints import reference_story
from signoff.entrypoints.cli.common import console, reports_errors
from signoff.entrypoints.cli.demo_watch import watch_step
from signoff.entrypoints.cli.signoff_commands import print_plan
from signoff.service.clock import FixedClock
from signoff.service.handlers.load_directory import load_directory
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.signoff_read import signoff_detail
from signoff.settings import Settings, load_settings

# The reference report came out on Friday 10 November 2023; the demo starts that morning.
DEMO_START = reference_story.PUBLICATION_MORNING
HANNAH = "hannah.whitfield@cheshire-pcc.example.org"  # the office manager, who publishes
# The office publishes on Monday 18 December, a fortnight and more before the statutory last day.
PUBLICATION_MOMENT = datetime(2023, 12, 18, 10, 0, tzinfo=LOCAL_TIME)


@reports_errors
def demo() -> None:
    """Run the reference sign-off to publication in a fresh database under var/demo/, its emails and the
    published response there too: never in the folders the settings name (an office's own mail and
    published responses, which the demo must not touch)."""
    configured = load_settings()
    folder = configured.var_dir / "demo"
    if folder.exists():
        shutil.rmtree(folder)  # the demo's own scratch folder, and nothing else
    folder.mkdir(parents=True)
    database = folder / "signoff.db"
    port = free_port()
    base = settings = demo_settings(configured, port)
    sink = start_mail_sink(base.mail_dir, "127.0.0.1", port)
    try:
        clock = FixedClock(DEMO_START)
        app = bootstrap(settings, clock=clock)
        upgrade_to_head(settings.database_url)
        loaded = load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
        console.print(f"directory: {loaded.added} people loaded from {settings.directory_file}")
        use_application(app)
        with lean_prefect():
            signoff_id = _play(app, clock)
            sweep = deadline_sweep_flow()
            console.print(
                f"deadline sweep: {sweep['queued']} notices due, {len(sweep['advanced'])} sign-offs to advance"
            )
            clock.set(PUBLICATION_MOMENT)
            with console.status("the office publishes: running the publish-signoff flow"):
                published = publish_signoff_flow(signoff_id, HANNAH)
        console.print(
            f"{PUBLICATION_MOMENT:%a %d %b %H:%M}  the office manager publishes the response "
            f"({'on time' if published['on_time'] else 'LATE'})  [dim]({published['sent']} emails sent)[/]",
            highlight=False,
        )
        print_plan(signoff_detail(signoff_id, app.deps))
        audit = verify_audit(signoff_id, app.deps)
        console.print(f"audit trail: {audit.events} events, {'intact' if audit.intact else 'BROKEN'}")
        with lean_prefect():
            watch_step(app, clock)  # the next reports come out: the watcher proposes them (issue #18)
        app.engine.dispose()
    finally:
        sink.stop()
    emails = read_folder(base.mail_dir)
    console.print(f"\n{len(emails)} emails delivered to the mail sink:")
    for stored in emails:
        console.print(f"  {stored.path.name}  {stored.subject}", highlight=False, markup=False)
    console.print("\nOutput:")
    console.print(f"  the published response, its certificate and manifest: {published['folder']}/")
    for name in [*published["files"], "manifest.json"]:
        console.print(f"    {name}", highlight=False)
    console.print(f"  the emails, one .eml file each: {base.mail_dir}/")
    console.print(f"  the database: {database}")
    console.print(
        "Look around with, for example:\n"
        f"  SIGNOFF_DATABASE_URL=sqlite:///{database} .venv/bin/signoff show {signoff_id}\n"
        f"  SIGNOFF_DATABASE_URL=sqlite:///{database} .venv/bin/signoff audit log {signoff_id}\n"
        f"  SIGNOFF_MAIL_DIR={base.mail_dir} .venv/bin/signoff mailsink --list",
        highlight=False,
    )


def demo_settings(configured: Settings, mail_port: int) -> Settings:
    """The demo's own: its database, mail and published responses under var/demo/, its mail to the sink."""
    folder = configured.var_dir / "demo"
    return configured.model_copy(
        update={
            "database_url": f"sqlite:///{folder / 'signoff.db'}",
            "mail_dir": folder / "mail",
            "published_dir": folder / "published",
            "smtp_host": "127.0.0.1",
            "smtp_port": mail_port,
        }
    )


def _play(app: Application, clock: FixedClock) -> int:
    """The reference story, each scene followed by a run of the router flow; the final drafts are the
    reference document's own texts."""
    texts = reference_story.reference_texts()
    clock.set(DEMO_START)
    with console.status("starting Prefect (ephemeral mode) and the start-signoff flow"):
        inspection = reference_story.reference_inspection()
        [signoff_id] = start_signoff_flow(inspection.model_dump(mode="json"), reference_story.STARTED_BY)
    console.print(
        f"{DEMO_START:%a %d %b %H:%M}  the policy officer starts sign-off #{signoff_id} from "
        f"{reference_story.REFERENCE_INSPECTION.name}  [dim]({_sent(app)} emails sent)[/]",
        highlight=False,
    )
    for scene in reference_story.SCENES:
        at = DEMO_START + scene.after
        clock.set(at)
        for step in scene.steps:
            reference_story.play(step, signoff_id, app.deps, texts)
        with console.status(f"{scene.narration}: running the advance-signoff flow"):
            before = _sent(app)
            advance_signoff_flow(signoff_id)
        console.print(
            f"{at:%a %d %b %H:%M}  {scene.narration}  [dim]({_sent(app) - before} emails sent)[/]",
            highlight=False,
        )
    return signoff_id


def _sent(app: Application) -> int:
    with app.deps.new_unit_of_work() as uow:
        sent: int = uow.outbox.counts().get("sent", 0)
        return sent
