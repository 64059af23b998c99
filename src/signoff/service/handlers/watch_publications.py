"""Watch the inspectorate's publications: read the listing, read each new report, propose it to each office
it concerns (config/watch.yaml), once.

Each report is one transaction: its proposals, their emails and the mark that it was read commit together,
so a run that dies half way proposes the rest at the next run and nothing twice. A report whose page cannot
be read is not marked: the next run tries it again. A listing that cannot be fetched or read counts a
failure; after `report_failures_after` consecutive ones the administrators of every watched office are
told, once, and the count starts again when the listing reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from signoff.domain.deadlines import format_day, statutory_deadline
from signoff.domain.directory import POLICY_OFFICER_ROLE, Participant, Roster
from signoff.domain.errors import InvalidInput
from signoff.domain.notifications import Audience, Notice, NoticeEvent, Recipient
from signoff.domain.proposal import Proposal
from signoff.domain.report_reading import ListedReport, PublicationUnreadable, ReportReading
from signoff.domain.watch import WatchConfig, concern, proposed_intake
from signoff.service.dependencies import Dependencies
from signoff.service.notify import queue
from signoff.service.ports import ProposalUnitOfWork, PublicationReader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchDependencies:
    """What the watcher and the proposals' handlers need beyond every handler's Dependencies."""

    deps: Dependencies
    new_unit_of_work: Callable[[], ProposalUnitOfWork]
    load_config: Callable[[], WatchConfig]
    new_reader: Callable[[WatchConfig], PublicationReader]
    force_keys: Callable[[], frozenset[str]]  # the directory's forces (the rest it names are units)


# A broken or hostile listing can name tens of thousands of reports that do not read: the log and the
# run's account name this many of them one by one, then count the rest in one line.
UNREADABLE_TOLD = 20


@dataclass
class ProposedReport:
    proposal_id: int
    office: str
    title: str
    report_url: str
    flags: int


@dataclass
class WatchReport:
    listing: str
    listed: int = 0
    new: int = 0
    proposed: list[ProposedReport] = field(default_factory=list)
    concerning_nobody: list[str] = field(default_factory=list)
    unreadable_reports: list[str] = field(default_factory=list)
    listing_problem: str | None = None
    failures: int = 0
    administrators_told: bool = False

    def untold_unreadable(self) -> str | None:
        """How many unreadable reports went unnamed (past the first UNREADABLE_TOLD), if any."""
        untold = len(self.unreadable_reports) - UNREADABLE_TOLD
        return (
            f"{untold} more report(s) could not be read (each is tried again next run)"
            if untold > 0
            else None
        )

    def lines(self) -> list[str]:
        """The run in words, for the CLI and the flow's log."""
        if self.listing_problem is not None:
            told = "; the administrators were told" if self.administrators_told else ""
            return [
                f"could not read the listing {self.listing}: {self.listing_problem} "
                f"({self.failures} run(s) in a row{told}); it is read again at the next run"
            ]
        lines = [f"{self.listing}: {self.listed} publication(s), {self.new} not read before"]
        lines += [
            f"proposed #{p.proposal_id} to {p.office}: {p.title}"
            + (f" ({p.flags} part(s) to check)" if p.flags else "")
            for p in self.proposed
        ]
        lines += [f"concerns no watched office: {title}" for title in self.concerning_nobody]
        lines += [
            f"could not read (tried again next run): {problem}"
            for problem in self.unreadable_reports[:UNREADABLE_TOLD]
        ]
        if untold := self.untold_unreadable():
            lines.append(untold)
        if not self.proposed:
            lines.append("nothing new to propose")
        return lines


def watch_publications(watch: WatchDependencies, listing_url: str | None = None) -> WatchReport:
    config = watch.load_config()
    url = listing_url or str(config.listing)
    # An office the directory does not hold is refused before anything is fetched or recorded.
    with watch.new_unit_of_work() as uow:
        offices = _watched_offices(config, uow.directory.roster())
    reader = watch.new_reader(config)
    report = WatchReport(listing=url)
    now = watch.deps.clock.now()
    try:
        listed = reader.listing(url)
    except PublicationUnreadable as problem:
        _listing_failed(watch, config, report, problem.message)
        return report
    with watch.new_unit_of_work() as uow:
        uow.proposals.listing_read(url, now)
        seen = uow.proposals.seen([item.url for item in listed])
        uow.commit()
    report.listed = len(listed)
    fresh = [item for item in listed if item.url not in seen]
    report.new = len(fresh)
    for item in fresh:
        try:
            reading = reader.report(item)
            _propose(watch, config, offices, item, reading, report)
        except (PublicationUnreadable, InvalidInput) as problem:
            # Not marked as read: the next run tries it again, and says so again, until a person looks.
            if len(report.unreadable_reports) < UNREADABLE_TOLD:
                log.warning("could not read %s: %s", item.url, problem.message)
            report.unreadable_reports.append(problem.message)
    if untold := report.untold_unreadable():
        log.warning("%s", untold)
    return report


def _watched_offices(config: WatchConfig, roster: Roster) -> dict[str, str]:
    """Each watched office's force; InvalidInput naming the key for an office the directory does not hold."""
    offices: dict[str, str] = {}
    for office in config.offices:
        force = roster.force_of_office(office)
        if force is None:
            raise InvalidInput(
                f"config/watch.yaml: offices: {office!r} is not a PCC office of the directory "
                "(config/directory.yaml)"
            )
        offices[office] = force
    return offices


def _propose(
    watch: WatchDependencies,
    config: WatchConfig,
    offices: dict[str, str],
    item: ListedReport,
    reading: ReportReading,
    report: WatchReport,
) -> None:
    deps = watch.deps
    now = deps.clock.now()
    rules = deps.load_notification_rules()
    concerned = {
        office: reason
        for office, force in offices.items()
        if (reason := concern(reading, force, config.offices[office])) is not None
    }
    with watch.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        made: list[Proposal] = []
        for office, reason in concerned.items():
            intake = proposed_intake(reading, office, offices[office], watch.force_keys())
            proposal = Proposal(
                report_url=item.url,
                office=office,
                concern=reason,
                intake=intake,
                flags=list(reading.flags),
                created_at=now,
            )
            if uow.proposals.add(proposal):
                made.append(proposal)
        notices = [
            notice
            for proposal in made
            for notice in _proposal_notices(proposal, roster, rules.events[NoticeEvent.REPORT_PROPOSED], deps)
        ]
        queue(uow, notices, deps.renderer, now)
        outcome = f"proposed to {', '.join(concerned)}" if concerned else "concerns no watched office"
        if not reading.is_report:
            outcome = f"not an inspection report ({reading.type_label or 'no type'})"
        uow.proposals.mark_seen(item.url, reading.title, outcome, now)
        uow.commit()
    for proposal in made:
        report.proposed.append(
            ProposedReport(
                proposal.id or 0, proposal.office, proposal.intake.title, item.url, len(proposal.flags)
            )
        )
        log.info("proposed %s to %s as proposal #%s", item.url, proposal.office, proposal.id)
    if not concerned:
        report.concerning_nobody.append(reading.title)


def _recipients(roster: Roster, office: str, audiences: list[Audience]) -> list[tuple[Participant, Audience]]:
    found: dict[int, tuple[Participant, Audience]] = {}
    for audience in audiences:
        people = (
            roster.holders(POLICY_OFFICER_ROLE, office)
            if audience is Audience.POLICY_OFFICERS
            else roster.admins_of(office)
        )
        for person in people:
            found.setdefault(person.id, (person, audience))
    return list(found.values())


def _proposal_notices(
    proposal: Proposal, roster: Roster, audiences: list[Audience], deps: Dependencies
) -> list[Notice]:
    intake = proposal.intake
    deadline = statutory_days(intake.published, deps)
    return [
        Notice(
            event=NoticeEvent.REPORT_PROPOSED,
            recipient=Recipient(email=person.email, name=person.name, person_id=person.id),
            signoff_id=None,
            organisation=proposal.office,
            key=f"proposal:{proposal.id}:{NoticeEvent.REPORT_PROPOSED.value}:{person.email}",
            context={
                "recipient_name": person.name,
                "office_name": roster.organisation_name(proposal.office),
                "title": intake.title,
                "published": format_day(intake.published),
                "statutory_last_day": format_day(deadline),
                "report_url": str(intake.report_url),
                "proposal_url": deps.links.proposal(proposal.id),
                "concern": proposal.concern,
                "findings": len(intake.findings),
                "flags": [flag.where for flag in proposal.flags],
                "audience": audience.value,
                "why": f"you are {'a policy officer' if audience is Audience.POLICY_OFFICERS else 'an administrator'} "
                f"of the {roster.organisation_name(proposal.office)}",
            },
        )
        for person, audience in _recipients(roster, proposal.office, audiences)
    ]


def _listing_failed(watch: WatchDependencies, config: WatchConfig, report: WatchReport, problem: str) -> None:
    deps = watch.deps
    now = deps.clock.now()
    report.listing_problem = problem
    with watch.new_unit_of_work() as uow:
        health = uow.proposals.listing_failed(report.listing, problem, now)
        report.failures = health.failures
        if health.failures >= config.report_failures_after and not health.reported:
            roster = uow.directory.roster()
            told = deps.load_notification_rules().events[NoticeEvent.WATCH_FAILING]
            # The listing is every watched office's: each one's administrators hear of it, each person once.
            admins = {
                person.id: person
                for office in config.offices
                for person in roster.admins_of(office)
                if Audience.PCC_ADMINS in told
            }
            notices = [
                Notice(
                    event=NoticeEvent.WATCH_FAILING,
                    recipient=Recipient(email=person.email, name=person.name, person_id=person.id),
                    signoff_id=None,
                    organisation=person.organisation,
                    key=f"watch-failing:{report.listing[:200]}:{now.isoformat()}:{person.email}",
                    context={
                        "recipient_name": person.name,
                        "listing": report.listing,
                        "failures": health.failures,
                        "problem": problem,
                        "audience": Audience.PCC_ADMINS.value,
                        "why": "you are an administrator of an office whose reports signoff watches for",
                    },
                )
                for person in admins.values()
            ]
            queue(uow, notices, deps.renderer, now)
            uow.proposals.listing_reported(report.listing, now)
            report.administrators_told = True
        uow.commit()
    log.warning("could not read the listing %s (%s in a row): %s", report.listing, report.failures, problem)


def statutory_days(published: date, deps: Dependencies) -> date:
    """The last lawful day to publish: counted from the publication date, whenever the proposal is confirmed."""
    return statutory_deadline(published, deps.calendar).last_day
