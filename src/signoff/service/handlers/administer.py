"""An administrator of the PCC office reassigns a request, extends a due date or withdraws a sign-off."""

from __future__ import annotations

from collections.abc import Callable

from signoff.domain.access import Action, allowed, office_as_told_to, signoff_target
from signoff.domain.directory import Participant
from signoff.domain.errors import NotPermitted
from signoff.domain.model import SignOff
from signoff.domain.places import NOBODY
from signoff.service.commands import ExtendDueDate, Reassign, WithdrawSignoff
from signoff.service.dependencies import Dependencies
from signoff.service.ports import UnitOfWork
from signoff.service.retry import retry_on_conflict


def reassign_request(command: Reassign, deps: Dependencies) -> None:
    def change(signoff: SignOff, admin: Participant, uow: UnitOfWork) -> None:
        roster = uow.directory.roster()
        # The people are looked up once the administrator may act here: before, it told anyone who is in
        # the directory.
        if not allowed(admin, Action.REASSIGN, signoff_target(signoff), roster):
            office = office_as_told_to(admin, signoff)
            raise NotPermitted(f"{roster.describe(admin.id)} is not an administrator of {office}")
        # Whoever holds the place may have left the directory (that is why it is given away): not so the
        # person it goes to. An address of nobody goes the same way as one of someone holding no place
        # here, to the same refusal: it tells no one who is in another office's directory.
        from_person = roster.find_email(command.from_person)
        from_id = from_person.id if from_person is not None else NOBODY
        to_person = roster.find_email(command.to_person)
        if to_person is None or to_person.organisation not in (signoff.pcc_org, signoff.force_org):
            # Nobody, or someone elsewhere: one refusal, telling no one who is in another office's directory.
            organisations = f"{roster.organisation_name(signoff.pcc_org)} or {roster.organisation_name(signoff.force_org)}"
            raise NotPermitted(
                f"a place can be reassigned only to someone of {organisations}, and "
                f"{command.to_person.strip()} is not one"
            )
        signoff.reassign(
            command.section,
            from_id,
            to_person,
            admin.id,
            roster,
            deps.clock.now(),
            from_address=command.from_person.strip().lower(),
        )

    _as_admin(deps, command.signoff_id, command.admin, change)


def extend_due_date(command: ExtendDueDate, deps: Dependencies) -> None:
    def change(signoff: SignOff, admin: Participant, uow: UnitOfWork) -> None:
        signoff.extend(
            command.stage,
            command.new_due_on,
            admin.id,
            uow.directory.roster(),
            deps.calendar,
            deps.clock.now(),
            allow_past_statutory=command.allow_past_statutory,
        )

    _as_admin(deps, command.signoff_id, command.admin, change)


def withdraw_signoff(command: WithdrawSignoff, deps: Dependencies) -> None:
    def change(signoff: SignOff, admin: Participant, uow: UnitOfWork) -> None:
        signoff.withdraw(command.reason, admin.id, uow.directory.roster(), deps.clock.now())

    _as_admin(deps, command.signoff_id, command.admin, change)


def _as_admin(
    deps: Dependencies,
    signoff_id: int,
    admin_email: str,
    change: Callable[[SignOff, Participant, UnitOfWork], None],
) -> None:
    """One transaction: the administrator looked up, the sign-off locked, the change made and committed.
    The domain checks that this person administers this sign-off's office."""

    def attempt() -> None:
        with deps.new_unit_of_work() as uow:
            admin = uow.directory.person(admin_email)
            signoff = uow.signoffs.get(signoff_id, for_update=True)
            change(signoff, admin, uow)
            uow.commit()

    retry_on_conflict(attempt)
