"""An HMICFRS inspection report as the PCC office enters it: the input that starts a sign-off."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, field_validator, model_validator

from signoff.domain.text_fields import MultiLine, SingleLine

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
FindingRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
NonBlank = Annotated[MultiLine, Field(min_length=1, max_length=20_000)]
Title = Annotated[SingleLine, Field(min_length=1, max_length=20_000)]


class InspectionType(StrEnum):
    PEEL = "peel"
    REGIONAL_SOC = "regional_soc"
    NATIONAL_THEMATIC = "national_thematic"
    JOINT_THEMATIC = "joint_thematic"
    CHILD_PROTECTION = "child_protection"
    CUSTODY = "custody"
    PCC_COMMISSIONED = "pcc_commissioned"
    PROGRESS_REVIEW = "progress_review"
    OTHER = "other"


class FindingKind(StrEnum):
    CAUSE_OF_CONCERN = "cause_of_concern"
    RECOMMENDATION = "recommendation"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"

    @property
    def label(self) -> str:
        return {
            FindingKind.CAUSE_OF_CONCERN: "Cause of concern",
            FindingKind.RECOMMENDATION: "Recommendation",
            FindingKind.AREA_FOR_IMPROVEMENT: "Area for improvement",
        }[self]


def _yes_no(value: Any) -> Any:
    # YAML 1.1 reads a bare yes/no as a boolean; the document says Yes or No.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str):
        return value.strip().lower()
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Finding(_Strict):
    ref: FindingRef
    kind: FindingKind
    text: NonBlank
    explanation: MultiLine = Field(default="", max_length=50_000)
    addressee: SingleLine = Field(default="chief constable", max_length=200)
    due: date | None = None
    lead: EmailStr | None = Field(
        default=None, description="The force's strategic lead for this finding, if already allocated."
    )

    @field_validator("lead")
    @classmethod
    def _lowercase(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class ForceSpecific(_Strict):
    answer: Literal["yes", "no"]
    note: SingleLine | None = Field(default=None, max_length=200)

    @field_validator("answer", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> Any:
        return _yes_no(value)


class RecommendationScope(_Strict):
    national: bool
    local: bool
    regional: bool = False


class Inspection(_Strict):
    """What HMICFRS published, and for which PCC offices a response is due."""

    title: Title
    published: date
    type: InspectionType
    type_label: SingleLine | None = Field(
        default=None, max_length=80, description="How the document names the type, e.g. 'Thematic'."
    )
    report_url: HttpUrl
    forces_covered: list[Key] = Field(min_length=1)
    force_specific: ForceSpecific
    force_quoted: Literal["yes", "no", "n/a"]
    recommendations: RecommendationScope
    findings: list[Finding] = Field(default_factory=list)
    respond_for: list[Key] = Field(
        min_length=1, description="The PCC offices that must respond; one independent sign-off each."
    )

    @field_validator("force_quoted", mode="before")
    @classmethod
    def _normalise_quoted(cls, value: Any) -> Any:
        return _yes_no(value)

    @model_validator(mode="after")
    def _unique_refs(self) -> Inspection:
        seen: set[str] = set()
        for finding in self.findings:
            if finding.ref.lower() in seen:
                raise ValueError(f"finding reference {finding.ref!r} is used twice")
            seen.add(finding.ref.lower())
        if len(set(self.respond_for)) != len(self.respond_for):
            raise ValueError("respond_for names the same PCC office twice")
        return self

    @property
    def display_type(self) -> str:
        return self.type_label or self.type.value.replace("_", " ").capitalize()

    def finding(self, ref: str) -> Finding:
        for finding in self.findings:
            if finding.ref == ref:
                return finding
        raise KeyError(ref)

    def identity(self) -> str:
        """A stable key for 'this report', so the same report is not started twice for one office."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:80]
        return f"{self.published.isoformat()}:{slug}"
