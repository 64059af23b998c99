"""An HMICFRS inspection report as the PCC office enters it: the input that starts a sign-off."""

from __future__ import annotations

import hashlib
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)

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


# How a document names each type when the intake gives no type_label: as the inspectorate does, acronyms and
# all (the key's words capitalised would print "Peel" and "Pcc commissioned").
TYPE_NAMES = {
    InspectionType.PEEL: "PEEL",
    InspectionType.REGIONAL_SOC: "Regional serious and organised crime (SOC)",
    InspectionType.NATIONAL_THEMATIC: "National thematic",
    InspectionType.JOINT_THEMATIC: "Joint thematic",
    InspectionType.CHILD_PROTECTION: "National child protection",
    InspectionType.CUSTODY: "Custody",
    InspectionType.PCC_COMMISSIONED: "PCC-commissioned",
    InspectionType.PROGRESS_REVIEW: "Progress review",
    InspectionType.OTHER: "Other",
}


class FindingKind(StrEnum):
    CAUSE_OF_CONCERN = "cause_of_concern"
    RECOMMENDATION = "recommendation"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"
    # Reports also note good work; it is printed in the response but nobody answers it.
    INNOVATIVE_PRACTICE = "innovative_practice"
    PROMISING_PRACTICE = "promising_practice"

    @property
    def label(self) -> str:
        return {
            FindingKind.CAUSE_OF_CONCERN: "Cause of concern",
            FindingKind.RECOMMENDATION: "Recommendation",
            FindingKind.AREA_FOR_IMPROVEMENT: "Area for improvement",
            FindingKind.INNOVATIVE_PRACTICE: "Innovative practice",
            FindingKind.PROMISING_PRACTICE: "Promising practice",
        }[self]

    @property
    def is_practice(self) -> bool:
        """Good practice the report notes: shown in the response, never a section to answer."""
        return self in (FindingKind.INNOVATIVE_PRACTICE, FindingKind.PROMISING_PRACTICE)


class Inspectorate(StrEnum):
    """The inspectorates that inspect, alone or jointly, with the names they publish under."""

    HMICFRS = "hmicfrs"
    HMCPSI = "hmcpsi"
    HMI_PROBATION = "hmi_probation"
    HMI_PRISONS = "hmi_prisons"
    OFSTED = "ofsted"
    CQC = "cqc"
    HIW = "hiw"
    ESTYN = "estyn"
    CIW = "ciw"

    @property
    def full_name(self) -> str:
        return _INSPECTORATE_NAMES[self][0]

    @property
    def short_name(self) -> str:
        return _INSPECTORATE_NAMES[self][1]


_INSPECTORATE_NAMES: dict[Inspectorate, tuple[str, str]] = {
    Inspectorate.HMICFRS: (
        "His Majesty's Inspectorate of Constabulary and Fire & Rescue Services",
        "HMICFRS",
    ),
    Inspectorate.HMCPSI: ("His Majesty's Crown Prosecution Service Inspectorate", "HMCPSI"),
    Inspectorate.HMI_PROBATION: ("His Majesty's Inspectorate of Probation", "HMI Probation"),
    Inspectorate.HMI_PRISONS: ("His Majesty's Inspectorate of Prisons", "HMI Prisons"),
    Inspectorate.OFSTED: ("Office for Standards in Education, Children's Services and Skills", "Ofsted"),
    Inspectorate.CQC: ("Care Quality Commission", "CQC"),
    Inspectorate.HIW: ("Healthcare Inspectorate Wales", "HIW"),
    Inspectorate.ESTYN: ("Estyn, His Majesty's Inspectorate for Education and Training in Wales", "Estyn"),
    Inspectorate.CIW: ("Care Inspectorate Wales", "CIW"),
}


class GradeValue(StrEnum):
    """HMICFRS's five-point scale (PEEL since 2021; regional SOC inspections grade the same way)."""

    OUTSTANDING = "outstanding"
    GOOD = "good"
    ADEQUATE = "adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Body(StrEnum):
    """Who a finding is addressed to when it is not one force or one regional unit of the directory.

    A finding's `addressed_to` lists directory keys (a force, a regional unit) and these words.
    """

    ALL_FORCES = "all-forces"  # "chief constables should ...": every force answers
    PCCS = "pccs"  # police and crime commissioners (local policing bodies)
    COLLEGE_OF_POLICING = "college-of-policing"
    NPCC = "npcc"
    HOME_OFFICE = "home-office"
    NCA = "nca"
    CPS = "cps"
    OTHER = "other-body"  # named in the finding's `addressee` words

    @property
    def answered_by_office(self) -> bool:
        """Findings to all forces and to PCCs are answered in each office's response; the rest noted."""
        return self in (Body.ALL_FORCES, Body.PCCS)

    @property
    def label(self) -> str:
        return {
            Body.ALL_FORCES: "All chief constables",
            Body.PCCS: "Police and crime commissioners",
            Body.COLLEGE_OF_POLICING: "College of Policing",
            Body.NPCC: "National Police Chiefs' Council",
            Body.HOME_OFFICE: "Home Office",
            Body.NCA: "National Crime Agency",
            Body.CPS: "Crown Prosecution Service",
            Body.OTHER: "Another body",
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
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class Finding(_Strict):
    ref: FindingRef
    kind: FindingKind
    label: SingleLine | None = Field(
        default=None,
        max_length=80,
        description="The ref as the report prints it, e.g. 'Recommendation 1' or 'AFI 3'; "
        "by default the kind and the ref.",
    )
    text: NonBlank
    explanation: MultiLine = Field(default="", max_length=50_000)
    addressee: SingleLine = Field(
        default="chief constable",
        max_length=200,
        description="Who it is addressed to, in the report's words.",
    )
    addressed_to: list[Key] = Field(
        default_factory=list,
        max_length=20,
        description="Who must act on it: directory keys of forces or regional units, or the words of "
        "signoff.domain.inspection.Body (all-forces, pccs, college-of-policing, npcc, home-office, nca, cps, "
        "other-body). May be left out only when the report covers a single force.",
    )
    answers: FindingRef | None = Field(
        default=None, description="For a recommendation: the ref of the cause of concern it answers."
    )
    due: date | None = None
    lead: EmailStr | None = Field(
        default=None, description="The force's strategic lead for this finding, if already allocated."
    )

    @field_validator("lead")
    @classmethod
    def _lowercase(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @field_validator("addressed_to")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        twice = sorted({key for key in value if value.count(key) > 1})
        if twice:
            raise ValueError(f"names {', '.join(twice)} more than once")
        return value

    @property
    def printed_ref(self) -> str:
        """The ref as the response prints it."""
        return self.label or f"{self.kind.label} {self.ref}"

    @property
    def bodies(self) -> list[Body]:
        """The non-directory addressees."""
        return [Body(key) for key in self.addressed_to if key in BODY_WORDS]

    @property
    def organisations(self) -> list[str]:
        """The directory keys among the addressees (forces, regional units)."""
        return [key for key in self.addressed_to if key not in BODY_WORDS]


# The words of Body, as against the directory keys of forces and regional units.
BODY_WORDS = frozenset(body.value for body in Body)


class Grade(_Strict):
    """One grade the report gives: an area of a PEEL inspection, or a force or unit of a regional one."""

    area: SingleLine = Field(min_length=1, max_length=200)
    grade: GradeValue
    organisation: Key | None = Field(
        default=None, description="The force or regional unit graded; by default the report's one force."
    )

    @field_validator("grade", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        # 'Requires improvement' as printed is accepted as well as the key.
        return value.strip().lower().replace(" ", "_") if isinstance(value, str) else value


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


# The validation context of a report read back from storage (Inspection.model_validate(data, context=...)).
STORED = "stored"
STORED_DATA = {STORED: True}


class Inspection(_Strict):
    """What HMICFRS published, and for which PCC offices a response is due."""

    title: Title
    published: date
    type: InspectionType
    type_label: SingleLine | None = Field(
        default=None, max_length=80, description="How the document names the type, e.g. 'Thematic'."
    )
    report_url: HttpUrl
    inspectorates: list[Inspectorate] = Field(
        default_factory=lambda: [Inspectorate.HMICFRS],
        min_length=1,
        max_length=10,
        description="Who inspected: HMICFRS alone, or with others in a joint inspection (HMICFRS first).",
    )
    forces_covered: list[Key] = Field(min_length=1)
    grades: list[Grade] = Field(default_factory=list, max_length=200)
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
    def _unique_refs(self, info: ValidationInfo) -> Inspection:
        seen: set[str] = set()
        for finding in self.findings:
            if finding.ref.lower() in seen:
                raise ValueError(f"finding reference {finding.ref!r} is used twice")
            seen.add(finding.ref.lower())
        if len(set(self.respond_for)) != len(self.respond_for):
            raise ValueError("respond_for names the same PCC office twice")
        if len(set(self.inspectorates)) != len(self.inspectorates):
            raise ValueError("inspectorates names the same inspectorate twice")
        kinds = {finding.ref: finding.kind for finding in self.findings}
        for finding in self.findings:
            if finding.answers is None:
                continue
            if finding.kind != FindingKind.RECOMMENDATION:
                raise ValueError(f"finding {finding.ref}: only a recommendation answers a cause of concern")
            if kinds.get(finding.answers) != FindingKind.CAUSE_OF_CONCERN:
                raise ValueError(
                    f"finding {finding.ref}: answers {finding.answers!r}, which is not a cause of concern "
                    "of this report"
                )
        if not (isinstance(info.context, dict) and info.context.get(STORED)):
            self._check_new_intake()
        return self

    def _check_new_intake(self) -> None:
        """Rules added after reports were stored under the older ones: a report coming in must keep them; a
        stored one (a sign-off's, a proposal's) is read as it was accepted, never refused on reading."""
        printed: dict[str, str] = {}
        for finding in self.findings:
            # A numbered label names one finding: two "Recommendation 1" would be two sections, tasks and
            # headings of one name. Unnumbered ones ("Promising practice") may repeat.
            label = " ".join(finding.printed_ref.lower().split())
            if any(c.isdigit() for c in label) and label in printed:
                raise ValueError(
                    f"findings {printed[label]} and {finding.ref} are both labelled "
                    f"{finding.printed_ref!r}; give each the label the report prints"
                )
            printed.setdefault(label, finding.ref)
            # A date the report gives for acting on it: not before the report was out (a typed year), and
            # not on good practice, which nobody acts on.
            if finding.due is not None and finding.kind.is_practice:
                raise ValueError(
                    f"finding {finding.ref}: a {finding.kind.label.lower()} is not acted on, so has no due date"
                )
            if finding.due is not None and finding.due < self.published:
                raise ValueError(
                    f"finding {finding.ref}: due {finding.due.isoformat()}, before the report was published "
                    f"({self.published.isoformat()})"
                )

    @property
    def inspectorate_names(self) -> str:
        """'His Majesty's Inspectorate of ... and His Majesty's Crown Prosecution Service Inspectorate'."""
        names = [inspectorate.full_name for inspectorate in self.inspectorates]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def is_joint(self) -> bool:
        return len(self.inspectorates) > 1

    def recommendations_answering(self, cause_ref: str) -> list[Finding]:
        return [f for f in self.findings if f.answers == cause_ref]

    @property
    def display_type(self) -> str:
        return self.type_label or TYPE_NAMES[self.type]

    def finding(self, ref: str) -> Finding:
        for finding in self.findings:
            if finding.ref == ref:
                return finding
        raise KeyError(ref)

    def identity(self) -> str:
        """A stable key for 'this report', so the same report is not started twice for one office: its
        address, normalised. The stored key is a digest, so any address fits the column."""
        return "address:" + hashlib.sha256(normalised_address(str(self.report_url)).encode()).hexdigest()

    def identity_by_title(self) -> str:
        """The key of a report that shares its address with another (none should): its date and full title."""
        words = f"{self.published.isoformat()}\n{self.title}"
        return "report:" + hashlib.sha256(words.encode()).hexdigest()


def normalised_address(url: str) -> str:
    """A report's address as compared: scheme and host lower-cased, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
