"""The delegations a person gave or was given that have not ended, for the delegation form: each can be
ended early from there."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from signoff.domain.access import honoured_delegators
from signoff.service.dependencies import Dependencies


class MyDelegation(BaseModel):
    id: int
    given: bool  # True: I let `other` decide for me; False: I decide for `other`
    other: str
    starts_at: datetime
    ends_at: datetime
    reason: str


def my_delegations(email: str, deps: Dependencies) -> list[MyDelegation]:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        me = uow.directory.person(email)
        roster = uow.directory.roster()
        found = [
            MyDelegation(
                id=d.id or 0,
                given=d.from_person_id == me.id,
                other=roster.by_id(d.to_person_id if d.from_person_id == me.id else d.from_person_id).name,
                starts_at=d.starts_at,
                ends_at=d.ends_at,
                reason=d.reason,
            )
            for d in uow.delegations.all()
            if d.revoked_at is None
            and d.ends_at > now
            # Given: always mine to end. Received: only while honoured (the directory may have moved
            # either of us to another organisation since, and then it is not mine to see).
            and (d.from_person_id == me.id or honoured_delegators(me, [d.from_person_id], roster))
            and me.id in (d.from_person_id, d.to_person_id)
        ]
    return sorted(found, key=lambda d: (d.starts_at, d.id))
