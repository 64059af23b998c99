"""Which pipeline a new sign-off follows: the one configured for its inspection type, else the default;
and the stages of them all."""

from __future__ import annotations

from signoff.domain.directory import DirectoryConfig
from signoff.domain.inspection import InspectionType
from signoff.domain.pipeline import Pipeline
from signoff.service.dependencies import Dependencies


def pipeline_for(deps: Dependencies, inspection_type: InspectionType) -> Pipeline:
    if deps.load_pipelines is None:
        return deps.load_pipeline()
    return deps.load_pipelines().for_type(inspection_type)


def every_pipeline(deps: Dependencies) -> list[Pipeline]:
    """Every pipeline a sign-off may follow, the default first."""
    return [deps.load_pipeline()] if deps.load_pipelines is None else deps.load_pipelines().all()


def stage_choices(deps: Dependencies, office: str) -> list[tuple[str, str]]:
    """Every stage of every pipeline as (key, title), each key once (its first pipeline's title, as the
    office calls it): the default pipeline's in its order, then each other pipeline's own (a thematic's
    "The force's action"): what a filter by stage offers."""
    choices: dict[str, str] = {}
    for pipeline in every_pipeline(deps):
        for stage in pipeline.for_office(office).stages:
            choices.setdefault(stage.key, stage.title)
    return list(choices.items())


def directory_problems(pipelines: list[Pipeline], directory: DirectoryConfig) -> list[str]:
    """The people, roles and offices the pipelines name that the directory lacks, each said once (every
    pipeline inherits the default's office titles, and would say their problem again)."""
    return list(dict.fromkeys(problem for each in pipelines for problem in each.problems_with(directory)))
