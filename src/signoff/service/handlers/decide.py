"""An approver approves, or requests changes with a comment, on the request they hold."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from signoff.domain.access import Action, allowed, signoff_target, stands_in_for
from signoff.domain.errors import NotPermitted
from signoff.domain.model import approvers_of
from signoff.domain.transitions import SectionState, SignoffState
from signoff.service.commands import Decide
from signoff.service.dependencies import Dependencies
from signoff.service.log_context import about_signoff
from signoff.service.queries.section_visibility import section_seen_by
from signoff.service.retry import retry_on_conflict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecisionRecorded:
    section_state: SectionState
    signoff_state: SignoffState
    on_behalf_of: str | None


def decide(command: Decide, deps: Dependencies) -> DecisionRecorded:
    def attempt() -> DecisionRecorded:
        with deps.new_unit_of_work() as uow:
            actor = uow.directory.person(command.actor)
            signoff = uow.signoffs.get(command.signoff_id, for_update=True)
            roster = uow.directory.roster()
            now = deps.clock.now()
            delegations = uow.delegations.for_delegate(actor.id)
            acting_for = stands_in_for(actor, delegations, roster, now)
            _stage, section = section_seen_by(
                actor, signoff, command.section, roster, acting_for, to_act=True
            )
            target = signoff_target(signoff, named=approvers_of(section), places=section.places())
            if not allowed(actor, Action.DECIDE_SECTION, target, roster, acting_for=acting_for):
                raise NotPermitted(
                    f"{roster.describe(actor.id)} is not an approver of section {section.key!r}"
                )
            decision = signoff.decide(
                command.section,
                actor.id,
                command.outcome,
                command.comment,
                now,
                delegations,
                roster,
                read_revision=command.revision,
            )
            uow.commit()
            log.info(
                "sign-off #%s: section %r decided (%s%s); the section is %s, the sign-off %s",
                signoff.id,
                section.key,
                command.outcome,
                ", by a delegate" if decision.on_behalf_of_id else "",
                section.state,
                signoff.state,
            )
            behalf = roster.describe(decision.on_behalf_of_id) if decision.on_behalf_of_id else None
            return DecisionRecorded(section.state, signoff.state, behalf)

    with about_signoff(command.signoff_id):
        return retry_on_conflict(attempt)
