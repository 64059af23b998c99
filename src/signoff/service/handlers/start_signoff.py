"""Start one sign-off per responding PCC office for a newly published inspection report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from signoff.domain.access import Action, Target, allowed
from signoff.domain.deadlines import check_publication_date, local_day, statutory_deadline
from signoff.domain.directory import OrganisationKind, Roster
from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.domain.inspection import BODY_WORDS, Inspection
from signoff.domain.model import SignOff
from signoff.domain.routing import (
    addressees,
    check_addressees,
    header_for_office,
    in_no_response,
    not_its_subject,
    why_not_start_for,
)
from signoff.domain.vocabulary import AuditAction
from signoff.service.commands import StartSignoff
from signoff.service.dependencies import Dependencies
from signoff.service.log_context import about_signoff
from signoff.service.pipelines import pipeline_for
from signoff.service.ports import UnitOfWork
from signoff.service.retry import retry_on_conflict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    """The new sign-offs, and what their starter must be told (a late start, in words)."""

    ids: list[int]
    warnings: list[str] = field(default_factory=list)


def start_signoff(command: StartSignoff, deps: Dependencies) -> list[int]:
    """The new sign-offs' ids. All or nothing: one office that cannot start stops them all."""
    return start_signoffs(command, deps).ids


def start_signoffs(
    command: StartSignoff,
    deps: Dependencies,
    on_started: Callable[[UnitOfWork, list[SignOff]], None] | None = None,
) -> Started:
    """As `start_signoff`, with the warnings to show whoever started them. `on_started`: more to do in the
    same transaction once the sign-offs are stored (their ids known), before it commits (a proposal
    marked started): if it refuses, nothing is started."""
    return retry_on_conflict(lambda: _start(command, deps, on_started))


def _start(
    command: StartSignoff,
    deps: Dependencies,
    on_started: Callable[[UnitOfWork, list[SignOff]], None] | None = None,
) -> Started:
    now = deps.clock.now()
    inspection = command.inspection
    pipeline = pipeline_for(deps, inspection.type)
    # A report dated in the future is refused; one whose 56 days have passed is started, late.
    check_publication_date(inspection.published, local_day(now, pipeline.working_hours))
    deadline = statutory_deadline(inspection.published, deps.calendar)
    if command.respond_for is not None and not command.respond_for:
        # Said, but empty: not the same as leaving it to the report's own list.
        raise InvalidInput("respond_for is empty: name the PCC offices that respond, or leave it out")
    offices = command.respond_for or inspection.respond_for
    if len(set(offices)) != len(offices):
        raise InvalidInput("the same PCC office is named twice")
    with deps.new_unit_of_work() as uow:
        starter = uow.directory.person(command.started_by)
        roster = uow.directory.roster()
        # An office starts its own sign-off; for a regional report, its region's beside its own.
        if not allowed(starter, Action.START_SIGNOFF, Target.office_of(starter, roster), roster):
            raise NotPermitted(
                f"{starter.email} may not start a sign-off (needs role pcc_admin or policy_officer "
                "of a PCC office)"
            )
        if starter.organisation not in offices:
            raise NotPermitted(
                f"{starter.email} is of {roster.organisation_name(starter.organisation)}, which is not "
                f"among the offices named to respond ({', '.join(offices)}); an office starts its own sign-off"
            )
        check_addressees(inspection, roster)
        unknown = [office for office in offices if roster.organisation_kind(office) is None]
        if unknown:
            # The file's (or the form's) mistake, kept on the form to fix: not a page that is not there.
            raise InvalidInput(
                f"respond_for names {', '.join(repr(o) for o in unknown)}, which is not an organisation of "
                "the directory; name the PCC offices that respond"
            )
        for office in offices:
            if (why := why_not_start_for(inspection, starter.organisation, office, roster)) is not None:
                raise NotPermitted(
                    f"{starter.email} may not start the sign-off of {roster.organisation_name(office)}: {why}; "
                    "an office starts its own sign-off, and its region's beside its own only for a report of "
                    "that region"
                )
        forces = {office: uow.directory.organisation_force(office) for office in offices}
        # A finding's lead may be of any force answering the report, not only of the offices started in
        # this call: one office starting its own response to a regional report names the others' leads.
        responding = {*forces.values()} | {
            force for office in inspection.respond_for if (force := roster.force_of_office(office))
        }
        # An office that has its own sign-off of the report already answers its force's findings: they are
        # in a response, and whoever starts another office's should not be told otherwise.
        concerned = set(inspection.forces_covered) | {o for f in inspection.findings for o in f.addressed_to}
        responding |= {
            force
            for office, force in roster.office_forces.items()
            if force in concerned - responding and signoff_for_report(uow, office, inspection) is not None
        }
        answering = responding | set(inspection.forces_covered)
        created: list[SignOff] = []
        for office, force in forces.items():
            key = _new_report_key(uow, office, inspection, starter.organisation)
            # Started for several offices, the table's facts about "the force" (specific to it, quoted,
            # local recommendations) are each office's own; the starter's answers stand for their own office.
            several = len(forces) > 1 and office != starter.organisation
            signoff = SignOff.start(
                inspection=header_for_office(inspection, force, roster) if several else inspection,
                pcc=office,
                force=force,
                pipeline=pipeline.for_office(office),
                roster=roster,
                calendar=deps.calendar,
                deadline=deadline,
                started_by_id=starter.id,
                now=now,
                responding_forces=answering,
                inspection_key=key,
                # Started before and withdrawn: this is the report's next start, with an audit chain of its own.
                start_number=uow.signoffs.count_started(office, key) + 1,
            )
            uow.signoffs.add(signoff)
            created.append(signoff)
        # Read before the commit stores (and forgets) the new audit events.
        late_starts = [_late_start(signoff) for signoff in created]
        if on_started is not None:
            uow.flush()
            on_started(uow, created)
        uow.commit()
        for signoff in created:
            with about_signoff(signoff.id):
                log.info(
                    "sign-off #%s started for %s: inspection published %s, statutory last day %s",
                    signoff.id,
                    signoff.pcc_org,
                    inspection.published.isoformat(),
                    signoff.statutory_last_day.isoformat(),
                )
        warnings = [
            f"{roster.organisation_name(s.pcc_org)}, sign-off #{s.id}: {late}"
            for s, late in zip(created, late_starts, strict=True)
            if late
        ]
        for warning in warnings:
            log.warning("late start: %s", warning)
        # Of a report of several forces, which the starter may answer for the region: a single force's
        # report (another force's PEEL) is that force's office's to start, and its findings are no warning.
        warnings += [
            f"finding {f.ref} is addressed to "
            f"{', '.join(roster.organisation_name(o) for o in addressees(f, inspection) if o not in BODY_WORDS)}"
            ", whose office is not among those that respond to this report: it is in no response (name that "
            "office in respond_for)"
            for f in in_no_response(inspection, responding, roster)
            if not _one_forces_report(inspection, roster)
        ]
        warnings += [
            f"{roster.organisation_name(s.pcc_org)}, sign-off #{s.id}: the report does not cover "
            f"{roster.organisation_name(s.force_org)}, and none of its findings is addressed to it, to all "
            "forces, to its region's unit or to PCCs: this sign-off answers none of them (withdraw it unless "
            "the office responds by choice)"
            for s in created
            if not_its_subject(inspection, s.force_org, roster)
        ]
        return Started([s.id for s in created if s.id is not None], warnings)


def _one_forces_report(inspection: Inspection, roster: Roster) -> bool:
    """A report about one force alone (its PEEL): not one covering a regional unit, or several forces."""
    covered = inspection.forces_covered
    return len(covered) == 1 and roster.organisation_kind(covered[0]) is OrganisationKind.FORCE


def _late_start(signoff: SignOff) -> str | None:
    """What starting it recorded of a late start (compressed dates, or after the statutory day)."""
    started = next(e for e in signoff.new_audit_events if e.action == AuditAction.SIGNOFF_STARTED.value)
    late = started.details.get("late_start")
    return late if isinstance(late, str) else None


def _new_report_key(uow: UnitOfWork, office: str, inspection: Inspection, starters_office: str) -> str:
    """The report's key for this office, or InvalidInput naming the sign-off it already has (a withdrawn
    one leaves the report free to start again): by its number to the office's own starter; to another
    office's, only that it has one (its number is not theirs to open)."""
    key, existing = _report_key(uow, office, inspection)
    if existing is None:
        return key
    if office != starters_office:
        raise InvalidInput(
            f"{office} has its own sign-off of this report already ({inspection.report_url}); "
            "start it for your office alone"
        )
    raise InvalidInput(
        f"{office} already has sign-off #{existing} for this report ({inspection.report_url}); "
        "open it instead of starting another"
    )


def signoff_for_report(uow: UnitOfWork, office: str, inspection: Inspection) -> int | None:
    """The sign-off the office already has for this report, if any."""
    return _report_key(uow, office, inspection)[1]


def _report_key(uow: UnitOfWork, office: str, inspection: Inspection) -> tuple[str, int | None]:
    """The report's key for this office, and the sign-off the office already has under it.

    A report is known by its address. Two reports at one address (none should share one) are told apart
    by their date and full title: a second report with both different is a new report."""
    key = inspection.identity()
    existing = uow.signoffs.find_started(office, key)
    if existing is None:
        # The address free (its earlier report's sign-off withdrawn): a report told apart from that one by
        # its title may be live under its title's key still, and is not started twice.
        fallback = inspection.identity_by_title()
        titled = uow.signoffs.find_started(office, fallback)
        return (key, None) if titled is None else (fallback, titled)
    earlier = uow.signoffs.get(existing)
    if earlier.published_on != inspection.published and earlier.title != inspection.title:
        fallback = inspection.identity_by_title()
        return fallback, uow.signoffs.find_started(office, fallback)
    return key, existing
