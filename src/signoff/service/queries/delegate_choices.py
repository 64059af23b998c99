"""Whom a person may choose as their delegate, for the "Let someone decide for you" form."""

from __future__ import annotations

from pydantic import BaseModel

from signoff.domain.access import check_delegation
from signoff.domain.errors import NotPermitted
from signoff.service.dependencies import Dependencies


class DelegateChoice(BaseModel):
    email: str
    name: str
    title: str


def delegate_choices(email: str, deps: Dependencies) -> list[DelegateChoice]:
    """Everyone `email` may delegate their own approvals to, by name: the delegation rule itself
    (`check_delegation`) decides, so the list cannot offer someone the handler would refuse."""
    with deps.new_unit_of_work() as uow:
        me = uow.directory.person(email)
        roster = uow.directory.roster()
    eligible = []
    for person in roster.participants:
        try:
            check_delegation(me, me, person, person.email, roster)
        except NotPermitted:
            continue
        eligible.append(DelegateChoice(email=person.email, name=person.name, title=person.title))
    return sorted(eligible, key=lambda choice: (choice.name.casefold(), choice.email))
