"""Which new reports concern which PCC office, and the intake proposed to each: the watcher's rules.

The rules per office come from config/watch.yaml (WatchConfig): the forces and regional units it answers
for (its own force always), and whether national thematics and joint inspections concern it when they
name its force, or also when they ask chief constables or PCCs to act. Pure: readings in, decisions out.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Body, FindingKind, Inspection, InspectionType, Key
from signoff.domain.report_reading import ReportReading

HMICFRS_PUBLICATIONS = "https://hmicfrs.justiceinspectorates.gov.uk/publications/"
THEMATIC_TYPES = frozenset({InspectionType.NATIONAL_THEMATIC, InspectionType.JOINT_THEMATIC})


class Thematics(StrEnum):
    """Which national thematics and joint inspections concern an office."""

    ASKED_OR_NAMED = (
        "asked_or_named"  # those naming its force, and those asking chief constables or PCCs to act
    )
    NAMED = "named"  # only those naming its force
    NONE = "none"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class OfficeWatch(_Strict):
    forces: list[Key] = Field(
        default_factory=list, description="Forces it answers for besides its own (its own always counts)."
    )
    regions: list[Key] = Field(
        default_factory=list, description="Regional units whose reports concern it (e.g. nw-rocu)."
    )
    thematics: Thematics = Thematics.ASKED_OR_NAMED


class WatchConfig(_Strict):
    listing: HttpUrl = Field(
        default=HttpUrl(HMICFRS_PUBLICATIONS),
        description="The publications listing: an HTML page, or an Atom or RSS feed.",
    )
    every_minutes: int = Field(default=60, ge=1, le=1440, description="How often the watcher runs.")
    report_failures_after: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Consecutive failed reads of the listing before administrators hear.",
    )
    listing_pages: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Pages of the listing read at most in a run, following each page's link to the next "
        "(older) one: a watcher stopped for a while catches up on what went past the first page.",
    )
    timeout_seconds: float = Field(default=20, gt=0, le=300)
    max_bytes: int = Field(
        default=30_000_000, ge=10_000, le=200_000_000, description="The largest page or PDF read."
    )
    offices: dict[Key, OfficeWatch] = Field(
        min_length=1, description="The PCC offices watched for, by directory key; only these get proposals."
    )


def concern(reading: ReportReading, office_force: str, rules: OfficeWatch) -> str | None:
    """Why the report concerns the office (words for the email and the page), or None when it does not."""
    if not reading.is_report:
        return None
    forces = {office_force, *rules.forces}
    covered = set(reading.covered)
    if reading.type not in THEMATIC_TYPES:
        regional = reading.type is InspectionType.REGIONAL_SOC or bool(set(rules.regions) & covered)
        if forces & covered or set(rules.regions) & covered:
            if len(covered) == 1 and forces & covered:
                return "a report on its force"
            return "a regional report including its force" if regional else "a report covering its force"
        return None
    if rules.thematics is Thematics.NONE:
        return None
    if forces & (covered | set(reading.named)):
        return "a national report that names its force"
    if rules.thematics is Thematics.ASKED_OR_NAMED and asks_forces_or_pccs(reading):
        return "a national report that asks chief constables or PCCs to act"
    return None


def asks_forces_or_pccs(reading: ReportReading) -> bool:
    return any(
        finding.kind is FindingKind.RECOMMENDATION
        and bool({Body.ALL_FORCES.value, Body.PCCS.value} & set(finding.addressed_to))
        for finding in reading.findings
    )


def proposed_intake(
    reading: ReportReading, office: str, office_force: str, forces: Collection[str]
) -> Inspection:
    """The intake for one office: the report as read, answered by this office alone.

    Forces and units outside the directory are left out (the start form offers only the directory's);
    the flags say what else a person must check.
    """
    covered_forces = [key for key in reading.covered if key in forces]
    units = [key for key in reading.covered if key not in forces]
    addressed = {key for finding in reading.findings for key in finding.addressed_to}
    bodies = {body.value for body in Body}
    regional = reading.type is InspectionType.REGIONAL_SOC or bool(units)
    specific = office_force in reading.covered and (len(covered_forces) == 1 or regional)
    data: dict[str, Any] = {
        "title": reading.title,
        "published": reading.published,
        "type": reading.type or InspectionType.OTHER,
        "type_label": (reading.type_label or "")[:80] or None,
        "report_url": reading.report_url,
        "inspectorates": reading.inspectorates,
        "forces_covered": covered_forces or [office_force],
        "grades": reading.grades,
        "force_specific": {
            "answer": "yes" if specific else "no",
            "note": "Yes, as part of a regional inspection" if specific and regional else None,
        },
        "force_quoted": "yes" if office_force in {*reading.covered, *reading.named} else "no",
        "recommendations": {
            "national": bool(addressed & bodies),
            "local": office_force in addressed,
            "regional": bool(addressed & set(units)),
        },
        "findings": reading.findings,
        "respond_for": [office],
    }
    try:
        return Inspection.model_validate(data)
    except ValueError as error:
        raise InvalidInput(f"{reading.report_url}: the report's intake does not validate: {error}") from None
