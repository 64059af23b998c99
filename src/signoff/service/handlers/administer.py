"""An administrator of the PCC office reassigns a request, extends a due date or withdraws a sign-off."""

from __future__ import annotations

from signoff.service.commands import ExtendDueDate, Reassign, WithdrawSignoff
from signoff.service.dependencies import Dependencies
from signoff.service.retry import retry_on_conflict


def reassign_request(command: Reassign, deps: Dependencies) -> None:
    def attempt() -> None:
        with deps.new_unit_of_work() as uow:
            admin = uow.directory.person(command.admin)
            from_person = uow.directory.person(command.from_person)
            to_person = uow.directory.person(command.to_person)
            signoff = uow.signoffs.get(command.signoff_id, for_update=True)
            signoff.reassign(
                command.section, from_person.id, to_person, admin.id, uow.directory.roster(), deps.clock.now()
            )
            uow.commit()

    retry_on_conflict(attempt)


def extend_due_date(command: ExtendDueDate, deps: Dependencies) -> None:
    def attempt() -> None:
        with deps.new_unit_of_work() as uow:
            admin = uow.directory.person(command.admin)
            signoff = uow.signoffs.get(command.signoff_id, for_update=True)
            signoff.extend(
                command.stage,
                command.new_due_on,
                admin.id,
                uow.directory.roster(),
                deps.calendar,
                deps.clock.now(),
                allow_past_statutory=command.allow_past_statutory,
            )
            uow.commit()

    retry_on_conflict(attempt)


def withdraw_signoff(command: WithdrawSignoff, deps: Dependencies) -> None:
    def attempt() -> None:
        with deps.new_unit_of_work() as uow:
            admin = uow.directory.person(command.admin)
            signoff = uow.signoffs.get(command.signoff_id, for_update=True)
            signoff.withdraw(command.reason, admin.id, uow.directory.roster(), deps.clock.now())
            uow.commit()

    retry_on_conflict(attempt)
