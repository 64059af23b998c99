"""The published response as data: what goes where in the document, built from a sign-off's approved texts.

The default layout follows the reference document (examples/reference/cheshire-pcc-response-nw-soc-2023.txt):
a table about the inspection, then the parts config/publication.yaml names in order (the report summary,
the grades, the findings with the force's action on each, the findings for noting, the constabulary
response quoted and attributed, the Commissioner's response and signature). Each office may have its own
order, headings and title, or publish a letter. Pure: no files, no templates, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

# The certificate and the layout's configuration have modules of their own; their names are re-exported
# here so that callers keep importing the published document's names from one place.
from signoff.domain.certificate import Certificate as Certificate
from signoff.domain.certificate import CertifiedApproval as CertifiedApproval
from signoff.domain.certificate import CertifiedSection as CertifiedSection
from signoff.domain.certificate import build_certificate as build_certificate
from signoff.domain.directory import Participant, Roster
from signoff.domain.document_layout import (
    FindingsPart,
    GradesPart,
    InspectionPart,
    NotingPart,
    OfficeDocument,
    Part,
    SectionPart,
    Signature,
    fill_title,
)
from signoff.domain.document_layout import PublicationConfig as PublicationConfig
from signoff.domain.document_layout import SectionTexts as SectionTexts
from signoff.domain.errors import InvalidInput, InvalidTransition
from signoff.domain.inspection import Finding, FindingKind, Inspection
from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.model import Section, SignOff
from signoff.domain.routing import signoff_findings
from signoff.domain.speakers import speaker
from signoff.domain.transitions import SectionState, SignoffState

UK_TIME = LOCAL_TIME


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
    printed_ref: str  # as the report prints it: "Recommendation 1", "AFI 3"
    kind: FindingKind
    text: str
    explanation: str
    due: str  # "30 September 2025", or "" when the report gives no date
    addressee: str  # for a finding for noting: who must act on it
    answered: bool  # the sign-off has a section answering it (its response, or "Not drafted yet")
    response: ApprovedText | None
    # Addressed to PCCs (not the force): the office's own answer, printed under the office's heading.
    by_office: bool = False
    # For a cause of concern: the recommendations that answer it, printed under it.
    recommendations: tuple[FindingEntry, ...] = ()


@dataclass(frozen=True)
class FindingGroup:
    heading: str
    findings: tuple[FindingEntry, ...]
    # Findings answered together (a pipeline's `national: combined`): one response after them all.
    answered_together: bool = False
    response: ApprovedText | None = None


@dataclass(frozen=True)
class GradeRow:
    organisation: str  # the force or unit graded ("" for a single-force report)
    area: str
    grade: str


PartKind = Literal["plain", "quote", "signed", "findings", "noting", "grades", "inspection_table"]


@dataclass(frozen=True)
class DocumentPart:
    heading: str
    kind: PartKind
    text: ApprovedText | None = None
    attribution: str = ""
    groups: tuple[FindingGroup, ...] = ()
    response_heading: str = ""
    office_response_heading: str = ""  # over a finding the office answers itself (addressed to PCCs)
    noted: tuple[FindingEntry, ...] = ()
    comment_heading: str = ""
    grades: tuple[GradeRow, ...] = ()
    grades_by_organisation: bool = False


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str
    signature: Signature | None


@dataclass(frozen=True)
class LetterStyle:
    addressees: tuple[str, ...]
    salutation: str
    closing: str


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
    inspectorates: str  # every inspectorate's full name
    report_url: str
    header: HeaderTable
    parts: tuple[DocumentPart, ...]
    signatory: Signatory | None
    letter: LetterStyle | None  # the office publishes a letter: addressees, "Dear ...", closing
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


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _addressee(finding: Finding) -> str:
    """Who must act on a finding for noting: the report's words, else the bodies' names. The words are
    not the report's when blank (the watcher's reader could not place them) or still the model's default
    beside bodies named (a file or the start form leaving them out): "chief constable" would then be
    printed over a recommendation to the Ministry of Justice."""
    words = finding.addressee
    unworded = not words or words == Finding.model_fields["addressee"].default
    if unworded and finding.bodies:
        return _joined([body.label for body in finding.bodies])
    return words


class _Findings:
    """The held findings as entries, remembering which sections they placed."""

    def __init__(self, by_finding: dict[str, Section], placed: set[str], by_office: set[str]) -> None:
        self._by_finding = by_finding
        self._placed = placed
        self._by_office = by_office

    def entry(self, finding: Finding, recommendations: Sequence[Finding] = ()) -> FindingEntry:
        section = self._by_finding.get(finding.ref)
        if section is not None:
            self._placed.add(section.key)
        return FindingEntry(
            ref=finding.ref,
            printed_ref=finding.printed_ref,
            kind=finding.kind,
            text=finding.text,
            explanation=finding.explanation,
            due=document_day(finding.due) if finding.due else "",
            addressee=_addressee(finding),
            answered=section is not None,
            response=approved_text(section) if section else None,
            recommendations=tuple(self.entry(r) for r in recommendations),
            by_office=finding.ref in self._by_office,
        )

    def groups(
        self,
        part: FindingsPart,
        held: Sequence[Finding],
        together: Sequence[Finding],
        combined: Section | None,
    ) -> tuple[FindingGroup, ...]:
        """By kind; a recommendation answering a held cause of concern goes under it, not with the rest;
        the findings answered together (`together`, by the `combined` section) after the recommendations."""
        # A cause answered together (a national one) prints without its recommendations: one the office
        # answers on its own prints with the other recommendations, never nowhere.
        causes = {f.ref for f in held if f.kind is FindingKind.CAUSE_OF_CONCERN and f not in together}
        groups: list[FindingGroup] = []
        for kind in FindingKind:
            of_kind = [f for f in held if f.kind is kind and f not in together]
            if kind is FindingKind.RECOMMENDATION:
                of_kind = [f for f in of_kind if f.answers not in causes]
            entries = tuple(
                self.entry(f, [r for r in held if r.answers == f.ref and r not in together])
                if kind is FindingKind.CAUSE_OF_CONCERN
                else self.entry(f)
                for f in of_kind
            )
            if entries:
                groups.append(FindingGroup(part.heading(kind), entries))
            if kind is FindingKind.RECOMMENDATION and combined is not None:
                self._placed.add(combined.key)
                # A national cause of concern prints with the national recommendations that answer it.
                national_causes = {f.ref for f in together if f.kind is FindingKind.CAUSE_OF_CONCERN}
                groups.append(
                    FindingGroup(
                        part.heading_together({f.kind for f in together}),
                        tuple(
                            self.entry(f, [r for r in together if r.answers == f.ref])
                            if f.ref in national_causes
                            else self.entry(f)
                            for f in together
                            if f.answers not in national_causes
                        ),
                        answered_together=True,
                        response=approved_text(combined),
                    )
                )
        return tuple(groups)


def _grades(signoff: SignOff, roster: Roster) -> tuple[tuple[GradeRow, ...], bool]:
    inspection = signoff.inspection
    # A grade that names nobody is the report's one force's (a multi-force report must name one; a
    # sign-off stored before that rule falls back to its own force): not the force of whichever office
    # responds, which another force's PEEL answered by a second office would make its own.
    report_force = inspection.forces_covered[0] if len(inspection.forces_covered) == 1 else signoff.force_org
    graded = [(g, g.organisation or report_force) for g in inspection.grades]
    by_organisation = any(organisation != signoff.force_org for _, organisation in graded)
    rows = tuple(
        GradeRow(
            organisation=roster.organisation_name(organisation) if by_organisation else "",
            area=g.area,
            grade=g.grade.label,
        )
        for g, organisation in graded
    )
    return rows, by_organisation


def findings_a_section_answers(
    signoff: SignOff, section_key: str, roster: Roster, config: PublicationConfig
) -> tuple[Finding, ...]:
    """The findings one section answers, as the document prints them beside it: its own finding; for the
    section answering findings together (a layout's `national_section`), those it answers; for the
    comment on the findings for other bodies (a `comment_section`), those noted."""
    _stage, section = signoff.section(section_key)
    if section.finding_ref:
        return (signoff.inspection.finding(section.finding_ref),)
    layout = config.for_office(signoff.pcc_org)
    routing = signoff_findings(signoff, roster)
    if any(isinstance(p, FindingsPart) and p.national_section == section_key for p in layout.layout):
        own = {s.finding_ref for stage in signoff.stages for s in stage.sections if s.finding_ref}
        return tuple(f for f in routing.national if f.ref not in own)
    if any(isinstance(p, NotingPart) and p.comment_section == section_key for p in layout.layout):
        return routing.noted
    return ()


def build_document(
    signoff: SignOff, roster: Roster, config: PublicationConfig, *, preview: bool = False
) -> ResponseDocument:
    """The document for a sign-off in its office's layout; unless previewing, every section must be approved.

    A part whose section the sign-off does not have is left out (a joint thematic may have no chief
    constable's comments); but every section the sign-off has must have a place in the layout: text
    that was approved is never silently left out of what is published.
    """
    if not preview and signoff.state not in (SignoffState.READY_TO_PUBLISH, SignoffState.PUBLISHED):
        raise InvalidTransition(
            f"sign-off #{signoff.id} is {signoff.state.value.replace('_', ' ')}: only a sign-off whose "
            "sections are all approved can be published (use --preview to see a draft)"
        )
    inspection = signoff.inspection
    layout = config.for_office(signoff.pcc_org)
    area = roster.organisation_area(signoff.pcc_org) or roster.organisation_name(signoff.pcc_org)
    sections = {s.key: s for stage in signoff.ordered_stages() for s in stage.ordered_sections()}
    by_finding = {s.finding_ref: s for s in sections.values() if s.finding_ref}
    routing = signoff_findings(signoff, roster)
    placed: set[str] = set()
    findings = _Findings(by_finding, placed, {f.ref for f in routing.by_office})
    parts: list[DocumentPart] = []
    for part in layout.layout:
        if isinstance(part, InspectionPart):
            parts.append(DocumentPart(heading="", kind="inspection_table"))
        elif isinstance(part, GradesPart):
            rows, by_organisation = _grades(signoff, roster)
            if rows:
                parts.append(
                    DocumentPart(
                        heading=part.heading,
                        kind="grades",
                        grades=rows,
                        grades_by_organisation=by_organisation,
                    )
                )
        elif isinstance(part, FindingsPart):
            combined = sections.get(part.national_section) if part.national_section else None
            together = [f for f in routing.national if f.ref not in by_finding] if combined else []
            held = [f for f in inspection.findings if f in routing.answered or f in routing.practice]
            groups = findings.groups(part, held, together, combined)
            if groups:
                parts.append(
                    DocumentPart(
                        heading="",
                        kind="findings",
                        groups=groups,
                        response_heading=part.response_heading,
                        office_response_heading=part.office_response_heading,
                    )
                )
        elif isinstance(part, NotingPart):
            comment = sections.get(part.comment_section) if part.comment_section else None
            if comment is not None:
                placed.add(comment.key)
            if routing.noted or comment is not None:
                parts.append(
                    DocumentPart(
                        heading=part.heading,
                        kind="noting",
                        noted=tuple(findings.entry(f) for f in routing.noted),
                        text=approved_text(comment) if comment is not None else None,
                        comment_heading=part.comment_heading if comment is not None else "",
                    )
                )
        else:
            parts.extend(_section_part(part, sections, placed, signoff, roster))
    unplaced = [key for key in sections if key not in placed]
    if unplaced:
        raise InvalidInput(
            f"config/publication.yaml's layout for {signoff.pcc_org} gives no place to section "
            f"{', '.join(unplaced)}: add it to the layout so that its approved text is published"
        )
    final = all(s.state is SectionState.APPROVED for s in sections.values())
    if not preview and not final:
        raise InvalidTransition(f"sign-off #{signoff.id} has sections that are not approved")
    office = roster.organisation_name(signoff.pcc_org)
    force = roster.organisation_name(signoff.force_org)
    title_values = {
        "area": area,
        "office": office,
        "force": force,
        "report_title": inspection.title,
        "inspectorates": inspection.inspectorate_names,
        "inspectorates_short": _joined([i.short_name for i in inspection.inspectorates]),
    }
    letter = layout.office.letter
    return ResponseDocument(
        signoff_id=signoff.id,
        title=fill_title(layout.title, title_values),
        language=config.language,
        office=office,
        force=force,
        inspectorates=inspection.inspectorate_names,
        report_url=str(inspection.report_url),
        header=_header(inspection, area),
        parts=tuple(parts),
        signatory=_signatory(signoff, roster, layout.office, _signed_section(layout.layout, sections)),
        letter=LetterStyle(tuple(letter.addressees), letter.salutation, letter.closing) if letter else None,
        final=final,
    )


def _section_part(
    part: SectionPart, sections: dict[str, Section], placed: set[str], signoff: SignOff, roster: Roster
) -> list[DocumentPart]:
    section = sections.get(part.section)
    if section is None:
        return []  # the pipeline of this sign-off has no such section
    placed.add(section.key)
    return [
        DocumentPart(
            heading=part.heading,
            kind=part.style,
            text=approved_text(section),
            attribution=_attribution(signoff, section, roster, part.attribute_to_role),
        )
    ]


def _header(inspection: Inspection, area: str) -> HeaderTable:
    return HeaderTable(
        inspection_title=inspection.title,
        date_published=document_day(inspection.published),
        inspection_type=inspection.display_type,
        area=area,
        force_specific=inspection.force_specific.note or inspection.force_specific.answer.capitalize(),
        force_quoted={"yes": "Yes", "no": "No", "n/a": "N/A"}[inspection.force_quoted],
        recommendations_national=_yes_no(inspection.recommendations.national),
        recommendations_local=_yes_no(inspection.recommendations.local)
        + (" (& Regional)" if inspection.recommendations.regional else ""),
    )


def _signed_section(layout: Sequence[Part], sections: dict[str, Section]) -> Section | None:
    """The section the signature block follows (style: signed), if the layout has one and the sign-off too."""
    key = next((p.section for p in layout if isinstance(p, SectionPart) and p.style == "signed"), None)
    return sections.get(key) if key else None


def _attribution(signoff: SignOff, section: Section, roster: Roster, role: str | None) -> str:
    """The quoted text's speaker (speakers.py), with their title and the force."""
    if role is None:
        return ""
    force = roster.organisation_name(signoff.force_org)
    person = speaker(section, roster, role, signoff.force_org)
    if person is None:
        return force
    return ", ".join(x for x in (person.name, person.title, force) if x)


def _signatory(
    signoff: SignOff, roster: Roster, office: OfficeDocument, signed: Section | None
) -> Signatory | None:
    """Who signs: the office's configured signatory; else the speaker (speakers.py) of the signed section
    (`signed`) for the office's commissioner, or the commissioner when nothing is signed."""
    person: Participant | None
    if office.signatory:
        person = roster.find_email(office.signatory)
        if person is None:
            raise InvalidInput(
                f"config/publication.yaml: the signatory {office.signatory} of {signoff.pcc_org} "
                "is not in the directory"
            )
    elif signed is not None:
        person = speaker(signed, roster, "commissioner", signoff.pcc_org)
    else:
        holders = roster.holders("commissioner", signoff.pcc_org)
        person = holders[0] if holders else None
    if person is None:
        return None
    # One who has left (inactive) still signs with their last title: a correction reprints the comments
    # they approved and signed. Moved to another office, their title now is that office's.
    if person.active and person.organisation != signoff.pcc_org:
        now_of = roster.organisation_name(person.organisation)
        if office.signatory:
            raise InvalidInput(
                f"config/publication.yaml: the signatory {office.signatory} of {signoff.pcc_org} is now of "
                f"{now_of}: name the office's own signatory"
            )
        raise InvalidInput(
            f"{person.email} approved the response as {roster.organisation_name(signoff.pcc_org)}'s "
            f"commissioner and is now of {now_of}, whose title would sign it: name who signs for "
            f"{signoff.pcc_org} in config/publication.yaml (its `signatory`)"
        )
    return Signatory(name=person.name, title=person.title, signature=office.signature)
