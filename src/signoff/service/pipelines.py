"""Which pipeline a new sign-off follows: the one configured for its inspection type, else the default."""

from __future__ import annotations

from signoff.domain.inspection import InspectionType
from signoff.domain.pipeline import Pipeline
from signoff.service.dependencies import Dependencies


def pipeline_for(deps: Dependencies, inspection_type: InspectionType) -> Pipeline:
    if deps.load_pipelines is None:
        return deps.load_pipeline()
    return deps.load_pipelines().for_type(inspection_type)
