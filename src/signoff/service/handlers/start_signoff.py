"""Start one sign-off per responding PCC office for a newly published inspection report."""

from __future__ import annotations

import logging

from signoff.domain.access import Action, Target, allowed
from signoff.domain.deadlines import check_publication_date, local_day, statutory_deadline
from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.domain.model import SignOff
from signoff.service.commands import StartSignoff
from signoff.service.dependencies import Dependencies
from signoff.service.log_context import about_signoff
from signoff.service.retry import retry_on_conflict

log = logging.getLogger(__name__)


def start_signoff(command: StartSignoff, deps: Dependencies) -> list[int]:
    """The new sign-offs' ids. All or nothing: one office that cannot start stops them all."""
    return retry_on_conflict(lambda: _start(command, deps))


def _start(command: StartSignoff, deps: Dependencies) -> list[int]:
    now = deps.clock.now()
    pipeline = deps.load_pipeline()
    inspection = command.inspection
    check_publication_date(inspection.published, local_day(now, pipeline.working_hours))
    deadline = statutory_deadline(inspection.published, deps.calendar)
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
        forces = {office: uow.directory.organisation_force(office) for office in offices}
        created: list[SignOff] = []
        for office, force in forces.items():
            existing = uow.signoffs.find_started(office, inspection.identity())
            if existing is not None:
                raise InvalidInput(f"{office} already has sign-off #{existing} for this report")
            signoff = SignOff.start(
                inspection=inspection,
                pcc=office,
                force=force,
                pipeline=pipeline,
                roster=roster,
                calendar=deps.calendar,
                deadline=deadline,
                started_by_id=starter.id,
                now=now,
                responding_forces=forces.values(),
            )
            uow.signoffs.add(signoff)
            created.append(signoff)
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
        return [s.id for s in created if s.id is not None]
