"""The published response as data: what goes where in the document, built from a sign-off's approved texts.

The layout follows the reference document (examples/reference/cheshire-pcc-response-nw-soc-2023.txt):
a header table about the inspection, then the parts named in config/publication.yaml in order (the
report summary, the findings with the force's action on each, the constabulary response quoted and
attributed, the Commissioner's response and signature). Pure: no files, no templates, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath
from string import Formatter
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    EmailStr,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import InvalidInput, InvalidTransition
from signoff.domain.inspection import FindingKind, Key
from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.model import Section, SignOff
from signoff.domain.pipeline import SectionKey
from signoff.domain.transitions import RequestState, SectionState, SignoffState

UK_TIME = LOCAL_TIME
DEFAULT_TITLE = (
    "{area} Police and Crime Commissioner's Response to His Majesty's Inspectorate of Police and "
    "Fire and Rescue Services (HMICFRS) Inspections"
)

# ----- configuration: config/publication.yaml -----


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SectionPart(_Strict):
    """One section's approved text under its own heading."""

    section: SectionKey
    heading: str = Field(min_length=1, max_length=200)
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


class FindingsPart(_Strict):
    """The inspection's findings, grouped by kind, each with the force's action on it (its section)."""

    findings: Literal[True]
    headings: dict[FindingKind, str] = Field(
        default_factory=lambda: {
            FindingKind.CAUSE_OF_CONCERN: "Causes of concern",
            FindingKind.RECOMMENDATION: "Recommendations",
            FindingKind.AREA_FOR_IMPROVEMENT: "Areas for improvement",
        }
    )
    response_heading: str = Field(default="Action taken or proposed", max_length=200)


def _part_kind(value: Any) -> str:
    """`findings: true` marks the findings; anything else is a section (so errors name its fields)."""
    if isinstance(value, dict):
        return "findings" if "findings" in value else "section"
    return "findings" if isinstance(value, FindingsPart) else "section"


Part = Annotated[
    Annotated[SectionPart, Tag("section")] | Annotated[FindingsPart, Tag("findings")],
    Discriminator(_part_kind),
]


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


class OfficeDocument(_Strict):
    """What one PCC office's documents say that the directory does not."""

    signatory: EmailStr | None = Field(
        default=None, description="Who signs; by default the office's commissioner."
    )
    signature: Signature | None = None
    website: str | None = Field(default=None, max_length=300)


class PublicationConfig(_Strict):
    title: str = Field(default=DEFAULT_TITLE, min_length=1, max_length=300)
    language: str = Field(default="en-GB", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    layout: list[Part] = Field(min_length=1)
    offices: dict[Key, OfficeDocument] = Field(default_factory=dict)

    @field_validator("title")
    @classmethod
    def _only_area(cls, value: str) -> str:
        # Parsed, not formatted: formatting '{area.x}' raises AttributeError (not a validation error)
        # and '{area:>999999999}' builds a gigabyte of padding.
        try:
            fields = [(name, spec, conversion) for _text, name, spec, conversion in Formatter().parse(value)]
        except ValueError as error:
            raise ValueError(f"may use only {{area}} as a placeholder ({error!s})") from None
        for name, spec, conversion in fields:
            if name is not None and (name, spec, conversion) != ("area", "", None):
                shown = (
                    "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
                )
                raise ValueError(f"may use only {{area}} as a placeholder, not {shown}")
        return value

    @model_validator(mode="after")
    def _each_section_once(self) -> PublicationConfig:
        keys = [p.section for p in self.layout if isinstance(p, SectionPart)]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"layout places section {', '.join(twice)} more than once")
        if sum(isinstance(p, FindingsPart) for p in self.layout) > 1:
            raise ValueError("layout lists the findings more than once")
        return self


class SectionTexts(_Strict):
    """Section texts by section key, as in a file of prepared texts (examples/texts/*.yaml)."""

    sections: dict[SectionKey, Annotated[str, Field(min_length=1, max_length=100_000)]]


# ----- the document -----


@dataclass(frozen=True)
class ApprovedText:
    """A section's text as it goes into the document, with the revision it comes from."""

    section_key: str
    title: str
    body: str
    revision: int
    content_hash: str
    approved: bool


@dataclass(frozen=True)
class FindingEntry:
    ref: str
    kind: FindingKind
    text: str
    explanation: str
    response: ApprovedText | None


@dataclass(frozen=True)
class FindingGroup:
    heading: str
    findings: tuple[FindingEntry, ...]


@dataclass(frozen=True)
class DocumentPart:
    heading: str
    kind: Literal["plain", "quote", "signed", "findings"]
    text: ApprovedText | None = None
    attribution: str = ""
    groups: tuple[FindingGroup, ...] = ()
    response_heading: str = ""


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str
    signature: Signature | None


@dataclass(frozen=True)
class HeaderTable:
    inspection_title: str
    date_published: str
    inspection_type: str
    area: str
    force_specific: str
    force_quoted: str
    recommendations_national: str
    recommendations_local: str


@dataclass(frozen=True)
class ResponseDocument:
    signoff_id: int | None
    title: str
    language: str
    office: str
    force: str
    report_url: str
    header: HeaderTable
    parts: tuple[DocumentPart, ...]
    signatory: Signatory | None
    final: bool  # every section approved: a preview of unapproved text says so on every page


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def document_day(day: date) -> str:
    """As the reference document writes dates: '10 November 2023'."""
    return f"{day.day} {day:%B %Y}"


def document_moment(moment: datetime) -> str:
    """As the documents write a moment: '18 December 2023 at 10:00:00 (UK time)'."""
    local = moment.astimezone(UK_TIME)
    return f"{document_day(local.date())} at {local:%H:%M:%S} (UK time)"


def approved_text(section: Section) -> ApprovedText | None:
    revision = section.current_revision
    if revision is None:
        return None
    return ApprovedText(
        section_key=section.key,
        title=section.title,
        body=revision.body,
        revision=revision.number,
        content_hash=revision.content_hash,
        approved=section.state is SectionState.APPROVED,
    )


def build_document(
    signoff: SignOff, roster: Roster, config: PublicationConfig, *, preview: bool = False
) -> ResponseDocument:
    """The document for a sign-off; unless previewing, every section must be approved.

    Every section of the sign-off must have a place in the layout: text that was approved is never
    silently left out of what is published.
    """
    if not preview and signoff.state not in (SignoffState.READY_TO_PUBLISH, SignoffState.PUBLISHED):
        raise InvalidTransition(
            f"sign-off #{signoff.id} is {signoff.state.value.replace('_', ' ')}: only a sign-off whose "
            "sections are all approved can be published (use --preview to see a draft)"
        )
    inspection = signoff.inspection
    area = roster.organisation_area(signoff.pcc_org) or roster.organisation_name(signoff.pcc_org)
    sections = {s.key: s for stage in signoff.ordered_stages() for s in stage.ordered_sections()}
    by_finding = {s.finding_ref: s for s in sections.values() if s.finding_ref}
    placed: set[str] = set()
    parts: list[DocumentPart] = []
    for part in config.layout:
        if isinstance(part, FindingsPart):
            groups = []
            for kind in (
                FindingKind.CAUSE_OF_CONCERN,
                FindingKind.RECOMMENDATION,
                FindingKind.AREA_FOR_IMPROVEMENT,
            ):
                entries = []
                for finding in (f for f in inspection.findings if f.kind is kind):
                    section = by_finding.get(finding.ref)
                    if section is not None:
                        placed.add(section.key)
                    entries.append(
                        FindingEntry(
                            ref=finding.ref,
                            kind=kind,
                            text=finding.text,
                            explanation=finding.explanation,
                            response=approved_text(section) if section else None,
                        )
                    )
                if entries:
                    groups.append(FindingGroup(part.headings[kind], tuple(entries)))
            if groups:
                parts.append(
                    DocumentPart(
                        heading="",
                        kind="findings",
                        groups=tuple(groups),
                        response_heading=part.response_heading,
                    )
                )
            continue
        section = sections.get(part.section)
        if section is None:
            continue  # the pipeline of this sign-off has no such section
        placed.add(section.key)
        parts.append(
            DocumentPart(
                heading=part.heading,
                kind=part.style,
                text=approved_text(section),
                attribution=_attribution(signoff, roster, part.attribute_to_role),
            )
        )
    unplaced = [key for key in sections if key not in placed]
    if unplaced:
        raise InvalidInput(
            f"config/publication.yaml's layout gives no place to section {', '.join(unplaced)}: "
            "add it to the layout so that its approved text is published"
        )
    final = all(s.state is SectionState.APPROVED for s in sections.values())
    if not preview and not final:
        raise InvalidTransition(f"sign-off #{signoff.id} has sections that are not approved")
    office = config.offices.get(signoff.pcc_org, OfficeDocument())
    return ResponseDocument(
        signoff_id=signoff.id,
        title=config.title.format(area=area),
        language=config.language,
        office=roster.organisation_name(signoff.pcc_org),
        force=roster.organisation_name(signoff.force_org),
        report_url=str(inspection.report_url),
        header=HeaderTable(
            inspection_title=inspection.title,
            date_published=document_day(inspection.published),
            inspection_type=inspection.display_type,
            area=area,
            force_specific=inspection.force_specific.note or inspection.force_specific.answer.capitalize(),
            force_quoted={"yes": "Yes", "no": "No", "n/a": "N/A"}[inspection.force_quoted],
            recommendations_national=_yes_no(inspection.recommendations.national),
            recommendations_local=_yes_no(inspection.recommendations.local)
            + (" (& Regional)" if inspection.recommendations.regional else ""),
        ),
        parts=tuple(parts),
        signatory=_signatory(signoff, roster, office),
        final=final,
    )


def _attribution(signoff: SignOff, roster: Roster, role: str | None) -> str:
    if role is None:
        return ""
    force = roster.organisation_name(signoff.force_org)
    holders = roster.holders(role, signoff.force_org)
    if not holders:
        return force
    person = holders[0]
    return ", ".join(x for x in (person.name, person.title, force) if x)


def _signatory(signoff: SignOff, roster: Roster, office: OfficeDocument) -> Signatory | None:
    person: Participant | None
    if office.signatory:
        person = roster.find_email(office.signatory)
        if person is None:
            raise InvalidInput(
                f"config/publication.yaml: the signatory {office.signatory} of {signoff.pcc_org} "
                "is not in the directory"
            )
    else:
        holders = roster.holders("commissioner", signoff.pcc_org)
        person = holders[0] if holders else None
    if person is None:
        return None
    return Signatory(name=person.name, title=person.title, signature=office.signature)


# ----- the certificate of completion -----


@dataclass(frozen=True)
class CertifiedApproval:
    approver: str
    approver_email: str
    on_behalf_of: str | None
    decided_at: datetime
    revision_hash: str
    on_behalf_of_email: str | None = None


@dataclass(frozen=True)
class CertifiedSection:
    key: str
    title: str
    revision: int
    content_hash: str
    author: str
    submitted_at: datetime
    approvals: tuple[CertifiedApproval, ...]


@dataclass(frozen=True)
class Certificate:
    signoff_id: int | None
    office: str
    inspection_title: str
    statutory_last_day: date
    sections: tuple[CertifiedSection, ...]
    audit_events: int
    audit_head: str
    issued_at: datetime
    version: int

    def as_json(self) -> dict[str, object]:
        """The facts `signoff audit verify --certificate` checks against the database."""
        return {
            "signoff_id": self.signoff_id,
            "version": self.version,
            "issued_at": self.issued_at.isoformat(),
            "audit": {"events": self.audit_events, "head": self.audit_head},
            "sections": [
                {
                    "key": s.key,
                    "revision": s.revision,
                    "content_hash": s.content_hash,
                    "approvals": [
                        {
                            "approver": a.approver_email,
                            "on_behalf_of": a.on_behalf_of_email,
                            "decided_at": a.decided_at.isoformat(),
                            "revision_hash": a.revision_hash,
                        }
                        for a in s.approvals
                    ],
                }
                for s in self.sections
            ],
        }


def build_certificate(signoff: SignOff, roster: Roster, *, issued_at: datetime, version: int) -> Certificate:
    """Every section's final revision, each approval of it (who, for whom, when), and the audit head."""
    sections: list[CertifiedSection] = []
    for stage in signoff.ordered_stages():
        for section in stage.ordered_sections():
            revision = section.current_revision
            if revision is None:
                continue
            approvals = tuple(
                CertifiedApproval(
                    approver=roster.by_id(r.decision.decided_by_id).name,
                    approver_email=roster.by_id(r.decision.decided_by_id).email,
                    on_behalf_of=roster.by_id(r.decision.on_behalf_of_id).name
                    if r.decision.on_behalf_of_id
                    else None,
                    decided_at=r.decision.decided_at,
                    revision_hash=r.decision.revision_hash,
                    on_behalf_of_email=roster.by_id(r.decision.on_behalf_of_id).email
                    if r.decision.on_behalf_of_id
                    else None,
                )
                for r in section.current_requests()
                if r.state is RequestState.APPROVED and r.decision is not None
            )
            sections.append(
                CertifiedSection(
                    key=section.key,
                    title=section.title,
                    revision=revision.number,
                    content_hash=revision.content_hash,
                    author=roster.by_id(revision.author_id).name,
                    submitted_at=revision.created_at,
                    approvals=approvals,
                )
            )
    return Certificate(
        signoff_id=signoff.id,
        office=roster.organisation_name(signoff.pcc_org),
        inspection_title=signoff.title,
        statutory_last_day=signoff.statutory_last_day,
        sections=tuple(sections),
        audit_events=signoff.audit_count,
        audit_head=signoff.audit_head,
        issued_at=issued_at,
        version=version,
    )
