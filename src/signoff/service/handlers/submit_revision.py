"""A drafter writes or edits a section: a new revision, and a new round of approval."""

from __future__ import annotations

import logging

from signoff.domain.access import Action, allowed, signoff_target
from signoff.domain.approval import written_on
from signoff.domain.errors import NotPermitted
from signoff.service.commands import SubmitRevision
from signoff.service.dependencies import Dependencies
from signoff.service.log_context import about_signoff
from signoff.service.queries.section_visibility import section_seen_by
from signoff.service.retry import retry_on_conflict

log = logging.getLogger(__name__)


def submit_revision(command: SubmitRevision, deps: Dependencies) -> int:
    """The new revision's number."""

    def attempt() -> int:
        with deps.new_unit_of_work() as uow:
            author = uow.directory.person(command.author)
            signoff = uow.signoffs.get(command.signoff_id, for_update=True)
            roster = uow.directory.roster()
            _stage, section = section_seen_by(author, signoff, command.section, roster, set(), to_act=True)
            target = signoff_target(signoff, named=section.drafter_ids, places=section.places())
            if not allowed(author, Action.DRAFT_SECTION, target, roster):
                raise NotPermitted(f"only the section's drafters may write section {section.key!r}")
            written_on(section, command.base_revision)
            revision = signoff.submit_revision(
                command.section, author.id, command.body, deps.clock.now(), note=command.note
            )
            uow.commit()
            log.info(
                "sign-off #%s: revision %s of section %r submitted for approval",
                signoff.id,
                revision.number,
                section.key,
            )
            return revision.number

    with about_signoff(command.signoff_id):
        return retry_on_conflict(attempt)
