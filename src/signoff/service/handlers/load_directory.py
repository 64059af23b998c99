"""Bring the stored directory of people and organisations in line with config/directory.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from signoff.domain.directory import DirectoryConfig
from signoff.domain.errors import InvalidInput
from signoff.domain.pipeline import Pipeline
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.web_sessions import end_sessions_of_inactive
from signoff.service.pipelines import directory_problems
from signoff.service.ports import UnitOfWork


@dataclass(frozen=True)
class DirectoryLoaded:
    added: int
    updated: int
    deactivated: int
    sessions_ended: int = 0


def load_directory(config: DirectoryConfig, pipeline: Pipeline, deps: Dependencies) -> DirectoryLoaded:
    pipelines = [pipeline]
    if deps.load_pipelines is not None:
        # The pipelines of config/pipelines/ must find their people and roles too.
        pipelines.extend(p for p in deps.load_pipelines().all() if p != pipeline)
    problems = directory_problems(pipelines, config)
    if problems:
        raise InvalidInput("the pipeline names what the directory lacks:\n" + "\n".join(problems))
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        before = {p.id: p for p in uow.directory.roster().participants}
        added, updated, deactivated = uow.directory.sync(config)
        # Moved to another organisation, or taken out of the directory (put back later, they start afresh).
        moved = {
            p.id
            for p in uow.directory.roster().participants
            if p.id in before
            and (before[p.id].organisation != p.organisation or (before[p.id].active and not p.active))
        }
        # In the same transaction: someone taken out of the directory is signed out everywhere at once,
        # and stays so if they are put back.
        ended = end_sessions_of_inactive(uow, now)
        _end_delegations_of(uow, moved, now)
        uow.commit()
        return DirectoryLoaded(added, updated, deactivated, ended)


def _end_delegations_of(uow: UnitOfWork, moved: set[int], now: datetime) -> None:
    """Someone moved to another organisation, or removed, leaves their delegations, given or taken, behind:
    each was made for the old one's work. They end now, and the sweep tells both people as when one runs
    out (someone removed hears nothing: the announcement goes to active people only)."""
    if not moved:
        return
    for delegation in uow.delegations.all():
        involved = {delegation.from_person_id, delegation.to_person_id} & moved
        if involved and delegation.revoked_at is None and delegation.ends_at > now:
            delegation.end_early(now)
