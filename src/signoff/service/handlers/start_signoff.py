"""Start one sign-off per responding PCC office for a newly published inspection report."""

from __future__ import annotations

from signoff.domain.deadlines import check_publication_date, local_day, statutory_deadline
from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.domain.model import SignOff
from signoff.service.commands import StartSignoff
from signoff.service.dependencies import Dependencies
from signoff.service.retry import retry_on_conflict

STARTER_ROLES = frozenset({"pcc_admin", "policy_officer"})


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
        if not STARTER_ROLES & starter.roles:
            raise NotPermitted(
                f"{starter.email} may not start a sign-off (needs role pcc_admin or policy_officer)"
            )
        roster = uow.directory.roster()
        created: list[SignOff] = []
        for office in offices:
            force = uow.directory.organisation_force(office)
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
            )
            uow.signoffs.add(signoff)
            created.append(signoff)
        uow.commit()
        return [s.id for s in created if s.id is not None]
