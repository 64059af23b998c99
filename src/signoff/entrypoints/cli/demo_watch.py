"""The demo's publications step: the watcher reads the fictional HMICFRS listing (tests/fixtures/hmicfrs/,
served on loopback) and proposes its reports to the offices they concern; the demo shows one proposal."""

from __future__ import annotations

from datetime import datetime

from flows.signoff_flows import watch_publications_flow
from signoff.bootstrap import Application
from signoff.domain.deadlines import format_day, statutory_deadline
from signoff.domain.local_time import LOCAL_TIME
from signoff.entrypoints.cli.common import console
from signoff.entrypoints.cli.fixture_site import FIXTURES, fixture_site
from signoff.service.clock import FixedClock
from signoff.watching import watch_dependencies

# A week after the fictional reports came out.
WATCH_MOMENT = datetime(2025, 10, 22, 9, 0, tzinfo=LOCAL_TIME)
SHOWN_OFFICE = "cheshire-pcc"


def watch_step(app: Application, clock: FixedClock) -> None:
    """Run the watch-publications flow on the fixture listing, then show the Cheshire office's proposal of
    its PEEL report as its page does: the intake, the parts to check, the clock from publication."""
    if not FIXTURES.is_dir():
        console.print(
            "[dim]publications watcher: the fixture listing is not here (tests/fixtures/hmicfrs)[/]"
        )
        return
    clock.set(WATCH_MOMENT)
    with fixture_site() as site, console.status("the publications watcher reads the inspectorate's listing"):
        result = watch_publications_flow(site + "publications.html")
    if not isinstance(result, dict):  # a failed run returns its state: the listing could not be read
        console.print(f"publications watcher: {result.message}", highlight=False)
        return
    console.print(
        f"\n{WATCH_MOMENT:%a %d %b %Y %H:%M}  the watcher reads {result['listed']} publications from the "
        f"(fictional) listing and proposes {len(result['proposed'])} sign-offs to the offices they concern "
        f"[dim]({result['sent']} emails sent)[/]",
        highlight=False,
    )
    for proposed in result["proposed"]:
        console.print(
            f"  #{proposed['proposal_id']} {proposed['office']}: {proposed['title']}", highlight=False
        )
    watch = watch_dependencies(app)
    with watch.new_unit_of_work() as uow:
        shown = next((p for p in uow.proposals.for_office(SHOWN_OFFICE) if "peel" in p.report_url), None)
    if shown is None:
        return
    intake = shown.intake
    deadline = statutory_deadline(intake.published, app.deps.calendar)
    console.print(f"\nProposal #{shown.id} for {SHOWN_OFFICE} ({shown.concern}):", highlight=False)
    console.print(f"  {intake.title}\n  report: {intake.report_url}", highlight=False)
    console.print(
        f"  published {format_day(intake.published)}; statutory last day {format_day(deadline.last_day)}",
        highlight=False,
    )
    for finding in intake.findings:
        to = ", ".join(finding.addressed_to) or "nobody placed"
        console.print(f"  {finding.printed_ref} (to {to}): {finding.text}", highlight=False, markup=False)
    for flag in shown.flags:
        console.print(f"  to check: {flag.where}: {flag.problem}", highlight=False, markup=False)
    console.print(
        f"  the policy officer checks it at {app.deps.links.proposal(shown.id)} and starts the sign-off",
        highlight=False,
    )
