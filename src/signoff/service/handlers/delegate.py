"""A person lets another decide for them for a period (leave, absence): decisions say 'on behalf of'."""

from __future__ import annotations

from signoff.domain.access import Action, check_delegation, check_ending_delegation, refused
from signoff.domain.deadline_notices import watermark_for_cover
from signoff.domain.errors import InvalidInput
from signoff.domain.local_time import local_moment
from signoff.domain.model import Delegation
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import NoticeEvent
from signoff.service.commands import DelegateApprovals, EndDelegation
from signoff.service.dependencies import Dependencies
from signoff.service.notify import queue
from signoff.service.retry import retry_on_conflict


def delegate_approvals(command: DelegateApprovals, deps: Dependencies) -> int:
    # Retried: the sign-offs whose watermark it brings back may change at the same moment (a decision).
    return retry_on_conflict(lambda: _delegate(command, deps))


def _delegate(command: DelegateApprovals, deps: Dependencies) -> int:
    with deps.new_unit_of_work() as uow:
        by = uow.directory.person(command.by)
        from_person = uow.directory.find(command.from_person)
        if from_person is None:
            # Nobody at the address: refused as someone of another office is, telling no one who is in the
            # directory.
            raise refused(by, Action.DELEGATE_FOR_OTHERS)
        to_person = check_delegation(
            by, from_person, uow.directory.find(command.to_person), command.to_person, uow.directory.roster()
        )
        # The checks below read the delegations of both people: two made at once (a double click, or two
        # people delegating to each other) would each pass them. Locked, the second sees the first.
        uow.directory.lock_people([from_person.id, to_person.id])
        now = deps.clock.now()

        def overlapping(delegations: list[Delegation]) -> list[Delegation]:
            """Those live, or still to come, over some of the new one's time."""
            return [
                d
                for d in delegations
                if d.revoked_at is None
                and d.ends_at > now
                and d.starts_at < command.ends_at
                and command.starts_at < d.ends_at
            ]

        for away in overlapping([d for d in uow.delegations.all() if d.from_person_id == to_person.id]):
            # A delegate away themselves would pass on nothing: the work would wait for two people away.
            raise InvalidInput(
                f"{to_person.email} is away themselves from {local_moment(away.starts_at)} to "
                f"{local_moment(away.ends_at)} (delegation #{away.id}): choose someone who is here"
            )
        for covering in overlapping(uow.delegations.for_delegate(from_person.id)):
            # Away while covering someone: their approvals would wait for two people away.
            covered = uow.directory.roster().by_id(covering.from_person_id)
            raise InvalidInput(
                f"{from_person.email} decides for {covered.email} from {local_moment(covering.starts_at)} "
                f"to {local_moment(covering.ends_at)} (delegation #{covering.id}): end that first, or "
                f"{covered.email} chooses someone else, so that nothing waits for two people away"
            )
        for existing in overlapping(uow.delegations.for_delegate(to_person.id)):
            if existing.from_person_id == from_person.id:
                # A second click, or the same cover asked for twice: one delegation, told once.
                raise InvalidInput(
                    f"{to_person.email} already decides for {from_person.email} from "
                    f"{local_moment(existing.starts_at)} to {local_moment(existing.ends_at)} (delegation "
                    f"#{existing.id}); end that one first to change it"
                )
        delegation = Delegation(
            from_person_id=from_person.id,
            to_person_id=to_person.id,
            starts_at=command.starts_at,
            ends_at=command.ends_at,
            reason=command.reason,
            created_by_id=by.id,
            created_at=deps.clock.now(),
            organisation=from_person.organisation,
        )
        uow.delegations.add(delegation)
        # The delegate is sent the reminders of what the delegator holds while it lasts: the sweep must read
        # those sign-offs again when it starts, however far it had moved on after telling the delegator.
        held = {row.signoff_id for row in uow.tasks.pending_approvals([from_person.id])}
        for signoff_id in sorted(held):
            watermark_for_cover(uow.signoffs.get(signoff_id), max(command.starts_at, now))
        uow.flush()
        assert delegation.id is not None  # noqa: S101 - set by the flush
        builder = NoticeBuilder(deps.load_notification_rules(), uow.directory.roster(), deps.links)
        queue(
            uow,
            builder.for_delegation(NoticeEvent.DELEGATION_STARTED, delegation, from_person, to_person),
            deps.renderer,
            deps.clock.now(),
        )
        uow.commit()
        assert delegation.id is not None  # noqa: S101 - set by the flush in commit
        return delegation.id


def end_delegation(command: EndDelegation, deps: Dependencies) -> None:
    """End a delegation before its last day; both people hear, as when one runs out."""
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        by = uow.directory.person(command.by)
        delegation = uow.delegations.get(command.delegation_id)
        roster = uow.directory.roster()
        from_person = roster.by_id(delegation.from_person_id)
        to_person = roster.by_id(delegation.to_person_id)
        check_ending_delegation(by, from_person, to_person, roster)
        delegation.end_early(now)
        builder = NoticeBuilder(deps.load_notification_rules(), roster, deps.links)
        queue(
            uow,
            builder.for_delegation(NoticeEvent.DELEGATION_ENDED, delegation, from_person, to_person),
            deps.renderer,
            now,
        )
        uow.commit()
