"""The pipelines as files: config/pipeline.yaml (the default) and config/pipelines/*.yaml, each for the
inspection types it names in `for_types`, inheriting the default's working hours and monitoring."""

from __future__ import annotations

from pathlib import Path

from signoff.adapters.config_files import line_in_yaml, load_model
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import InspectionType
from signoff.domain.pipeline import Pipeline, PipelineChoice, TypePipeline


def pipelines_folder(default_file: Path) -> Path:
    """config/pipelines/ beside config/pipeline.yaml."""
    return default_file.parent / "pipelines"


def load_pipelines(default_file: Path) -> PipelineChoice:
    """Every pipeline, validated; a type claimed by two files is refused naming both, with lines."""
    default = load_model(default_file, Pipeline)
    by_type: dict[InspectionType, Pipeline] = {}
    sources: dict[InspectionType, str] = {}
    folder = pipelines_folder(default_file)
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    for path in files:
        spec = load_model(path, TypePipeline)
        pipeline = spec.with_defaults(default)
        for index, inspection_type in enumerate(spec.for_types):
            if inspection_type in sources:
                line = line_in_yaml(path, ("for_types", index))
                raise InvalidInput(
                    f"{path}:{line}: for_types[{index}]: {inspection_type.value} is already claimed by "
                    f"{sources[inspection_type]}; a type has one pipeline"
                )
            by_type[inspection_type] = pipeline
            sources[inspection_type] = str(path)
    choice = PipelineChoice(default=default, by_type=by_type, sources=sources)
    _check_office_titles(default_file, choice)
    return choice


def _check_office_titles(default_file: Path, choice: PipelineChoice) -> None:
    """An office's title for a stage or section that no pipeline has would never show: a mistyped key,
    refused naming its line rather than leaving the office with the pipeline's words."""
    stages = {stage.key for pipeline in choice.all() for stage in pipeline.stages}
    sections = {
        section.key
        for pipeline in choice.all()
        for stage in pipeline.stages
        for section in stage.sections
        if section.key is not None
    }
    for office, titles in choice.default.office_titles.items():
        for part, keys, known in (("stages", titles.stages, stages), ("sections", titles.sections, sections)):
            for key in keys:
                if key not in known:
                    line = line_in_yaml(default_file, ("office_titles", office, part, key))
                    raise InvalidInput(
                        f"{default_file}:{line}: office_titles.{office}.{part}: no pipeline has a "
                        f"{part[:-1]} {key!r} (it has {', '.join(sorted(known))}); a finding's section is "
                        "titled with its ref"
                    )
