"""config/publication.yaml: the published response's title, the order and headings of its parts, and what
each PCC office does differently (its own order, title, signatory, or a letter in place of the table).

Validated by Pydantic; an error names the file, the line and the key (signoff.adapters.config_files).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from string import Formatter
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    EmailStr,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from signoff.domain.inspection import FindingKind, Key
from signoff.domain.pipeline import SectionKey

# What a title may say about the report and the office; nothing else is ever filled in.
TITLE_PLACEHOLDERS: dict[str, str] = {
    "area": "the policing area of the PCC office (the directory's `area`), e.g. Cheshire",
    "office": "the PCC office's name, e.g. Office of the Police and Crime Commissioner for Cheshire",
    "force": "the force's name, e.g. Cheshire Constabulary",
    "report_title": "the report's own title",
    "inspectorates": "every inspectorate's full name, e.g. His Majesty's Inspectorate of Constabulary and "
    "Fire & Rescue Services (a joint inspection names each, joined by 'and')",
    "inspectorates_short": "every inspectorate's short name, e.g. HMICFRS, or HMICFRS and HMCPSI",
}
DEFAULT_TITLE = (
    "{area} Police and Crime Commissioner's Response to {inspectorates} ({inspectorates_short}) Inspections"
)


def _placeholders_only(template: str) -> str:
    """Refuse a template that uses anything but a bare {name} of TITLE_PLACEHOLDERS.

    Parsed, not formatted: formatting '{area.x}' raises AttributeError (not a validation error) and
    '{area:>999999999}' builds a gigabyte of padding.
    """
    allowed = ", ".join("{" + name + "}" for name in TITLE_PLACEHOLDERS)
    try:
        fields = [(name, spec, conversion) for _text, name, spec, conversion in Formatter().parse(template)]
    except ValueError as error:
        raise ValueError(f"may use only these placeholders: {allowed} ({error!s})") from None
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in TITLE_PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(f"may use only these placeholders: {allowed}; not {shown}")
    return template


TitleTemplate = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_placeholders_only)]


def fill_title(template: str, values: dict[str, str]) -> str:
    """The template with its placeholders replaced; the values are inserted as text, never re-read."""
    return "".join(
        literal + (values[name] if name is not None else "")
        for literal, name, _spec, _conversion in Formatter().parse(_placeholders_only(template))
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


Heading = Annotated[str, Field(min_length=1, max_length=200)]


class SectionPart(_Strict):
    """One section's approved text under its own heading."""

    section: SectionKey
    heading: Heading
    style: Literal["plain", "quote", "signed"] = Field(
        default="plain",
        description="quote: the text is quoted and attributed (the chief constable's comments); "
        "signed: the signature block follows (the Commissioner's response).",
    )
    attribute_to_role: str | None = Field(
        default=None, description="For a quote: the force role whose holder it is attributed to."
    )

    @model_validator(mode="after")
    def _attribution_only_for_quotes(self) -> SectionPart:
        if self.attribute_to_role and self.style != "quote":
            raise ValueError(f"section {self.section!r}: attribute_to_role only goes with style: quote")
        return self


_FINDING_HEADINGS: dict[FindingKind, str] = {
    FindingKind.CAUSE_OF_CONCERN: "Causes of concern",
    FindingKind.RECOMMENDATION: "Recommendations",
    FindingKind.AREA_FOR_IMPROVEMENT: "Areas for improvement",
    FindingKind.INNOVATIVE_PRACTICE: "Innovative practice",
    FindingKind.PROMISING_PRACTICE: "Promising practice",
}


class FindingsPart(_Strict):
    """The findings the office's sign-off answers, grouped by kind, each with the force's action on it.

    A recommendation that answers a cause of concern is printed under it; innovative and promising
    practice is printed, with no response.
    """

    findings: Literal[True]
    headings: dict[FindingKind, Heading] = Field(default_factory=dict)
    response_heading: Heading = "Action taken or proposed"
    office_response_heading: Heading = Field(
        default="The Commissioner’s response",
        description="Over a finding addressed to PCCs, which the office answers itself, not the force.",
    )
    national_section: SectionKey | None = Field(
        default=None,
        description="The section answering every recommendation addressed to all forces at once (a "
        "pipeline's `national: combined`): printed after them, under response_heading.",
    )
    national_heading: Heading = "National recommendations"

    def heading(self, kind: FindingKind) -> str:
        return self.headings.get(kind, _FINDING_HEADINGS[kind])

    def heading_together(self, kinds: set[FindingKind]) -> str:
        """The findings answered together: national recommendations, and the other kinds when some are
        national too ("National causes of concern and recommendations"), unless the office's layout names
        the heading itself."""
        if kinds <= {FindingKind.RECOMMENDATION} or "national_heading" in self.model_fields_set:
            return self.national_heading
        names = [_FINDING_HEADINGS[kind].lower() for kind in FindingKind if kind in kinds]
        return "National " + (
            " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
        )


class NotingPart(_Strict):
    """The findings addressed only to other bodies (the College of Policing, the Home Office...): listed
    with their addressee, for noting, and the Commissioner's comment on them if the sign-off has one."""

    noting: Literal[True]
    heading: Heading = "Recommendations for other bodies"
    comment_section: SectionKey | None = Field(
        default=None, description="The section holding the Commissioner's comment on them, if any."
    )
    comment_heading: Heading = "Commissioner’s comments"


class GradesPart(_Strict):
    """The grades the report gives (PEEL: each area; a regional report: each force and unit), as a table."""

    grades: Literal[True]
    heading: Heading = "Grades"


class InspectionPart(_Strict):
    """The table about the inspection: title, date, type, force-specific, quoted, recommendations."""

    inspection_table: Literal[True]


_PART_MARKERS = ("findings", "noting", "grades", "inspection_table")


def _part_kind(value: Any) -> str:
    """A part is marked by its key (`findings: true`...); anything else is a section (errors name its fields)."""
    if isinstance(value, dict):
        return next((marker for marker in _PART_MARKERS if marker in value), "section")
    marker = next((m for m in _PART_MARKERS if hasattr(value, m)), None)
    return marker or "section"


Part = Annotated[
    Annotated[SectionPart, Tag("section")]
    | Annotated[FindingsPart, Tag("findings")]
    | Annotated[NotingPart, Tag("noting")]
    | Annotated[GradesPart, Tag("grades")]
    | Annotated[InspectionPart, Tag("inspection_table")],
    Discriminator(_part_kind),
]


def _check_layout(layout: list[Part]) -> list[Part]:
    """Each section in one place, each kind of part at most once."""
    keys = [p.section for p in layout if isinstance(p, SectionPart)]
    keys += [p.comment_section for p in layout if isinstance(p, NotingPart) and p.comment_section]
    keys += [p.national_section for p in layout if isinstance(p, FindingsPart) and p.national_section]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"places section {', '.join(twice)} more than once")
    for kind, name in (
        (FindingsPart, "the findings"),
        (NotingPart, "the findings for noting"),
        (GradesPart, "the grades"),
        (InspectionPart, "the inspection table"),
    ):
        if sum(isinstance(p, kind) for p in layout) > 1:
            raise ValueError(f"lists {name} more than once")
    return layout


Layout = Annotated[list[Part], Field(min_length=1), AfterValidator(_check_layout)]


class Signature(_Strict):
    image: str = Field(min_length=1, max_length=300, description="A PNG, JPEG or SVG file under config/.")
    alt: str = Field(min_length=1, max_length=300, description="The image's text alternative.")

    @field_validator("image")
    @classmethod
    def _inside_config(cls, value: str) -> str:
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError("must be a path inside the config folder, e.g. signatures/commissioner.svg")
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
            raise ValueError("must be a .png, .jpg or .svg file")
        return value


Line = Annotated[str, Field(min_length=1, max_length=300)]


class Letter(_Strict):
    """An office whose house style is a letter to HMICFRS and the Home Secretary (s55(6))."""

    addressees: list[Line] = Field(
        default_factory=lambda: [
            "His Majesty's Chief Inspector of Constabulary, His Majesty's Inspectorate of Constabulary "
            "and Fire & Rescue Services",
            "The Home Secretary, Home Office",
        ],
        min_length=1,
        max_length=10,
    )
    salutation: Line = "Dear Chief Inspector and Home Secretary,"
    closing: Line = "Yours sincerely,"


class OfficeDocument(_Strict):
    """What one PCC office's documents do differently: everything left out is the file's default."""

    signatory: EmailStr | None = Field(
        default=None, description="Who signs; by default the office's commissioner."
    )
    signature: Signature | None = None
    website: str | None = Field(default=None, max_length=300)
    title: TitleTemplate | None = None
    layout: Layout | None = None
    letter: Letter | None = None


class PublicationConfig(_Strict):
    title: TitleTemplate = DEFAULT_TITLE
    language: str = Field(default="en-GB", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    layout: Layout
    offices: dict[Key, OfficeDocument] = Field(default_factory=dict)

    def for_office(self, office: str) -> OfficeLayout:
        own = self.offices.get(office, OfficeDocument())
        return OfficeLayout(
            title=own.title or self.title,
            layout=tuple(own.layout or self.layout),
            office=own,
        )


class OfficeLayout(_Strict):
    """The layout one office publishes in: its own where it has one, else the file's."""

    title: str
    layout: tuple[Part, ...]
    office: OfficeDocument


class SectionTexts(_Strict):
    """Section texts by section key, as in a file of prepared texts (examples/texts/*.yaml)."""

    sections: dict[SectionKey, Annotated[str, Field(min_length=1, max_length=100_000)]]
