"""Bring the stored directory of people and organisations in line with config/directory.yaml."""

from __future__ import annotations

from dataclasses import dataclass

from signoff.domain.directory import DirectoryConfig
from signoff.domain.errors import InvalidInput
from signoff.domain.pipeline import Pipeline
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.web_sessions import end_sessions_of_inactive


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
    problems = [problem for each in pipelines for problem in each.problems_with(config)]
    if problems:
        raise InvalidInput("the pipeline names what the directory lacks:\n" + "\n".join(problems))
    with deps.new_unit_of_work() as uow:
        added, updated, deactivated = uow.directory.sync(config)
        # In the same transaction: someone taken out of the directory is signed out everywhere at once,
        # and stays so if they are put back.
        ended = end_sessions_of_inactive(uow, deps.clock.now())
        uow.commit()
        return DirectoryLoaded(added, updated, deactivated, ended)
