"""`signoff demo`: the main job on the embedded defaults, in scratch folders, as if from publication day.

It starts the reference sign-off through the start flow, then plays the office, the force and the
Commissioner through to "ready to publish" (one round of requested changes, one edit that invalidates an
approval, one delegation), running the router flow after each change and the deadline sweep at the
end, all as real Prefect flow runs in Prefect's ephemeral mode; every email goes to the local mail sink
under var/mail/.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

from flows.runtime import lean_prefect, use_application
from flows.signoff_flows import (
    advance_signoff_flow,
    deadline_sweep_flow,
    publish_signoff_flow,
    start_signoff_flow,
)
from signoff.adapters.config_files import load_model
from signoff.adapters.database import upgrade_to_head
from signoff.adapters.mail_sink import free_port, read_folder, start_mail_sink
from signoff.bootstrap import Application, bootstrap
from signoff.domain.document import SectionTexts
from signoff.domain.inspection import Inspection
from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.model import Outcome
from signoff.entrypoints.cli.common import console, reports_errors
from signoff.entrypoints.cli.signoff_commands import print_plan
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, DelegateApprovals, SubmitRevision
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.submit_revision import submit_revision
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.signoff_read import signoff_detail
from signoff.settings import PROJECT_ROOT, load_settings

REFERENCE_FILE = PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml"
# The final texts are the reference document's own, so that what the demo publishes can be compared.
REFERENCE_TEXTS = PROJECT_ROOT / "examples" / "texts" / "nw-soc-2023-reference.yaml"
LONDON = LOCAL_TIME
# The reference report came out on Friday 10 November 2023; the demo starts that morning.
DEMO_START = datetime(2023, 11, 10, 9, 30, tzinfo=LONDON)

OWEN = "owen.prescott@cheshire-pcc.example.org"
RACHEL = "rachel.ashworth@cheshire-pcc.example.org"
JOHN = "john.dwyer@cheshire-pcc.example.org"
PRIYA = "priya.mistry@cheshire.police.example.org"
DANIEL = "daniel.holt@cheshire.police.example.org"
ANDREW = "andrew.kershaw@cheshire.police.example.org"
SARAH = "sarah.lomax@cheshire.police.example.org"
HANNAH = "hannah.whitfield@cheshire-pcc.example.org"
# Five weeks in, with the Commissioner's approval in: the office publishes a fortnight before the deadline.
PUBLICATION_MOMENT = datetime(2023, 12, 18, 10, 0, tzinfo=LONDON)


@reports_errors
def demo() -> None:
    """Run the reference sign-off to 'ready to publish' in a fresh database, emails in var/mail/."""
    base = load_settings()
    folder = base.var_dir / "demo"
    for scratch in (folder, base.mail_dir, base.publication_dir):
        if scratch.exists():
            shutil.rmtree(scratch)
    folder.mkdir(parents=True)
    database = folder / "signoff.db"
    port = free_port()
    sink = start_mail_sink(base.mail_dir, "127.0.0.1", port)
    try:
        settings = base.model_copy(
            update={"database_url": f"sqlite:///{database}", "smtp_host": "127.0.0.1", "smtp_port": port}
        )
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
        f"  .venv/bin/signoff mailsink --list",
        highlight=False,
    )


def _play(app: Application, clock: FixedClock) -> int:
    deps = app.deps
    signoff_id = 0

    def step(at: datetime, what: str) -> None:
        clock.set(at)
        with console.status(f"{what}: running the advance-signoff flow"):
            before = _sent(app)
            advance_signoff_flow(signoff_id)
        console.print(
            f"{at:%a %d %b %H:%M}  {what}  [dim]({_sent(app) - before} emails sent)[/]", highlight=False
        )

    def write(signoff_id: int, section: str, author: str, body: str) -> None:
        submit_revision(
            SubmitRevision(signoff_id=signoff_id, section=section, author=author, body=body), deps
        )

    def rule(signoff_id: int, section: str, actor: str, comment: str = "") -> None:
        outcome = Outcome.REQUEST_CHANGES if comment else Outcome.APPROVE
        decide(
            Decide(signoff_id=signoff_id, section=section, actor=actor, outcome=outcome, comment=comment),
            deps,
        )

    inspection = load_model(REFERENCE_FILE, Inspection)
    texts = load_model(REFERENCE_TEXTS, SectionTexts).sections
    clock.set(DEMO_START)
    with console.status("starting Prefect (ephemeral mode) and the start-signoff flow"):
        [signoff_id] = start_signoff_flow(inspection.model_dump(mode="json"), OWEN)
    console.print(
        f"{DEMO_START:%a %d %b %H:%M}  the policy officer starts sign-off #{signoff_id} from {REFERENCE_FILE.name}"
        f"  [dim]({_sent(app)} emails sent)[/]",
        highlight=False,
    )
    day = DEMO_START
    write(
        signoff_id, "report-summary", OWEN, "The North-West Regional Organised Crime Unit has been inspected."
    )
    step(day + timedelta(days=4), "the report summary is drafted")
    rule(signoff_id, "report-summary", RACHEL, "Please say how Cheshire itself was graded.")
    step(day + timedelta(days=5), "the Chief Executive asks for changes")
    write(
        signoff_id,
        "report-summary",
        OWEN,
        texts["report-summary"],
    )
    rule(signoff_id, "report-summary", RACHEL)
    step(day + timedelta(days=6), "the summary is redrafted and approved; the force is asked")
    write(signoff_id, "finding-afi-1", PRIYA, "We have rolled out improved training based on best practice.")
    write(
        signoff_id,
        "constabulary-response",
        PRIYA,
        texts["constabulary-response"],
    )
    rule(signoff_id, "finding-afi-1", DANIEL)
    step(day + timedelta(days=12), "the force drafts; the strategic lead approves AFI-1")
    write(
        signoff_id,
        "finding-afi-1",
        PRIYA,
        texts["finding-afi-1"],
    )
    step(day + timedelta(days=13), "AFI-1 is edited: the lead's approval no longer stands")
    rule(signoff_id, "finding-afi-1", DANIEL)
    delegate_approvals(
        DelegateApprovals(
            from_person=ANDREW,
            to_person=SARAH,
            starts_at=day + timedelta(days=14),
            ends_at=day + timedelta(days=24),
            reason="annual leave",
            by=ANDREW,
        ),
        deps,
    )
    step(day + timedelta(days=14), "the lead approves again; the Chief Constable delegates to his deputy")
    rule(signoff_id, "constabulary-response", SARAH)
    step(day + timedelta(days=18), "the Deputy Chief Constable approves for the Chief Constable")
    write(
        signoff_id,
        "commissioner-response",
        OWEN,
        texts["commissioner-response"],
    )
    rule(signoff_id, "commissioner-response", JOHN)
    step(day + timedelta(days=35), "the Commissioner approves his response: ready to publish")
    return signoff_id


def _sent(app: Application) -> int:
    with app.deps.new_unit_of_work() as uow:
        sent: int = uow.outbox.counts().get("sent", 0)
        return sent
