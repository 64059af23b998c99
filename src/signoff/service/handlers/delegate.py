"""A person lets another decide for them for a period (leave, absence): decisions say 'on behalf of'."""

from __future__ import annotations

from signoff.domain.access import check_delegation
from signoff.domain.model import Delegation
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import NoticeEvent
from signoff.service.commands import DelegateApprovals
from signoff.service.dependencies import Dependencies
from signoff.service.notify import queue


def delegate_approvals(command: DelegateApprovals, deps: Dependencies) -> int:
    with deps.new_unit_of_work() as uow:
        by = uow.directory.person(command.by)
        from_person = uow.directory.person(command.from_person)
        to_person = uow.directory.person(command.to_person)
        check_delegation(by, from_person, to_person, uow.directory.roster())
        delegation = Delegation(
            from_person_id=from_person.id,
            to_person_id=to_person.id,
            starts_at=command.starts_at,
            ends_at=command.ends_at,
            reason=command.reason,
            created_by_id=by.id,
            created_at=deps.clock.now(),
        )
        uow.delegations.add(delegation)
        uow.flush()
        assert delegation.id is not None  # noqa: S101 - set by the flush
        builder = NoticeBuilder(deps.load_notification_rules(), uow.directory.roster(), deps.links)
        queue(
            uow,
            builder.for_delegation(
                NoticeEvent.DELEGATION_STARTED,
                delegation.id,
                from_person,
                to_person,
                command.starts_at,
                command.ends_at,
                command.reason,
            ),
            deps.renderer,
            deps.clock.now(),
        )
        uow.commit()
        assert delegation.id is not None  # noqa: S101 - set by the flush in commit
        return delegation.id
