"""Each kind of report, driven to publication for every office that responds: the published response
has every field and paragraph in order, in HTML, in the PDF's text and in the Markdown as CommonMark
renders it, and nothing of a finding the office's sign-off does not hold (issue #15).

What each document must say is written here from the report and the office's sign-off (its sections,
and which findings it answers and notes), in the order a reader expects: the table about the report,
the summary, the grades, the causes of concern each followed by its recommendations, the other
recommendations, those answered together, the areas for improvement, the practice noted, the findings
for other bodies with the Commissioner's comment, the force's and the Commissioner's responses.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt
from pypdf import PdfReader

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.directory import Roster
from signoff.domain.document import document_day
from signoff.domain.document_layout import FindingsPart, NotingPart, PublicationConfig, SectionPart
from signoff.domain.inspection import Finding, FindingKind, Inspection
from signoff.domain.model import SignOff
from signoff.domain.routing import signoff_findings
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff, StartSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.settings import PROJECT_ROOT
from tests.browser import accessibility_violations, chromium

# A policy officer of each office: they start and publish its response.
from tests.integration.test_routing_examples import POLICY_OFFICER
from tests.publication.drive import drive_to_ready, section_text
from tests.publication.reference import assert_markdown_reads_as_html, normalise, visible_text
from tests.publication.tables import explicit_header_problems

EXAMPLES = PROJECT_ROOT / "examples"
# Whose response each title says, where the office is not a Police and Crime Commissioner's.
RESPONDENTS = {
    "cumbria-pcc": "Cumbria Police, Fire and Crime Commissioner's",
    "greater-manchester-mayor": "Mayor of Greater Manchester's",
}


@dataclass(frozen=True)
class Published:
    office: str
    expected: list[str]  # every field and paragraph, in order
    unseen: list[str]  # the texts of the findings the office's sign-off does not hold
    html: str
    pdf_text: str
    markdown: str
    certificate: str


def publish_example(app: Application, clock: FixedClock, name: str) -> list[Published]:
    """The example started for every office it names, each sign-off driven to publication."""
    inspection = load_model(EXAMPLES / name, Inspection)
    day = inspection.published
    clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
    ids = start_signoff(
        StartSignoff(inspection=inspection, started_by=POLICY_OFFICER[inspection.respond_for[0]]), app.deps
    )
    results = []
    for signoff_id in ids:
        drive_to_ready(app, signoff_id)
        with app.deps.new_unit_of_work() as uow:
            office = uow.signoffs.get(signoff_id).pcc_org
        folder = publish_signoff(
            PublishSignoff(signoff_id=signoff_id, by=POLICY_OFFICER[office]), app.deps
        ).folder
        with app.deps.new_unit_of_work() as uow:
            signoff = uow.signoffs.get(signoff_id)
            roster = uow.directory.roster()
            expected = expected_pieces(signoff, roster)
            unseen = [normalise(f.text) for f in signoff_findings(signoff, roster).unseen]
        results.append(
            Published(
                office=office,
                expected=expected,
                unseen=unseen,
                html=(folder / "response.html").read_text(encoding="utf-8"),
                pdf_text=_pdf_text(folder / "response.pdf"),
                markdown=(folder / "response.md").read_text(encoding="utf-8"),
                certificate=(folder / "certificate.html").read_text(encoding="utf-8"),
            )
        )
    return results


def _pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages)
    return normalise(re.sub(r"Page \d+ of \d+", " ", text).replace("•", " "))


def _lines(text: str) -> list[str]:
    """A text's paragraphs and list items, as a reader sees them."""
    return [normalise(line.strip().removeprefix("- ")) for line in text.splitlines() if line.strip()]


def _finding(
    finding: Finding, sections: dict[str, tuple[str, str]], *, noted: bool = False, heading: str = ""
) -> list[str]:
    by_ref = {ref: key for key, (_title, ref) in sections.items() if ref}
    pieces = [finding.printed_ref]
    if noted:
        pieces.append(f"Addressed to: {finding.addressee}")
    pieces.append(normalise(finding.text))
    if finding.due:
        pieces.append(f"Due: {document_day(finding.due)}")
    pieces += _lines(finding.explanation)
    if finding.ref in by_ref:
        key = by_ref[finding.ref]
        pieces += [heading or "Action taken or proposed", *_lines(section_text(key, sections[key][0]))]
    return pieces


def expected_pieces(signoff: SignOff, roster: Roster) -> list[str]:
    """Every field and paragraph of this office's response, in order."""
    routing = signoff_findings(signoff, roster)
    inspection = signoff.inspection
    sections = {
        section.key: (section.title, section.finding_ref or "")
        for stage in signoff.ordered_stages()
        for section in stage.ordered_sections()
    }
    area = roster.organisation_area(signoff.pcc_org) or ""
    short = " and ".join(i.short_name for i in inspection.inspectorates)
    whose = RESPONDENTS.get(signoff.pcc_org, f"{area} Police and Crime Commissioner's")
    pieces = [
        f"{whose} Response to {inspection.inspectorate_names} ({short}) Inspections",
        "Title of Inspection",
        inspection.title,
        "Date Inspection Published",
        document_day(inspection.published),
        "Type of Inspection",
        inspection.display_type,
        f"{area} Specific",
        f"{area} Quoted",
        "Recommendations",
        "National",
        "Local",
        "Report Summary",
        *_lines(section_text("report-summary", sections["report-summary"][0])),
    ]
    if inspection.grades:
        pieces.append("Grades")
        for grade in inspection.grades:
            if any(g.organisation for g in inspection.grades):
                pieces.append(roster.organisation_name(grade.organisation or signoff.force_org))
            pieces += [grade.area, grade.grade.label]
    # The office's own words for its parts, as the shipped config gives them (a Mayor's office has its own).
    layout = load_model(PROJECT_ROOT / "config" / "publication.yaml", PublicationConfig).for_office(
        signoff.pcc_org
    )
    headings_of_office = {p.section: p.heading for p in layout.layout if isinstance(p, SectionPart)} | {
        p.comment_section: p.comment_heading
        for p in layout.layout
        if isinstance(p, NotingPart) and p.comment_section
    }
    findings_part = next(p for p in layout.layout if isinstance(p, FindingsPart))
    office_answers = {f.ref for f in routing.by_office}

    def heading_of(finding: Finding) -> str:
        """The office's own answer (a finding to PCCs) is under the office's heading, the force's under its."""
        return (
            findings_part.office_response_heading
            if finding.ref in office_answers
            else findings_part.response_heading
        )

    held = [f for f in inspection.findings if f in routing.answered or f in routing.practice]
    together = [f for f in routing.national if "national-recommendations" in sections]
    causes = {f.ref for f in held if f.kind is FindingKind.CAUSE_OF_CONCERN}
    headings = {
        FindingKind.CAUSE_OF_CONCERN: "Causes of concern",
        FindingKind.RECOMMENDATION: "Recommendations",
        FindingKind.AREA_FOR_IMPROVEMENT: "Areas for improvement",
        FindingKind.INNOVATIVE_PRACTICE: "Innovative practice",
        FindingKind.PROMISING_PRACTICE: "Promising practice",
    }
    for kind, heading in headings.items():
        of_kind = [
            f
            for f in held
            if f.kind is kind
            and f not in together
            and not (kind is FindingKind.RECOMMENDATION and f.answers in causes)
        ]
        if of_kind:
            pieces.append(heading)
        for finding in of_kind:
            pieces += _finding(finding, sections, heading=heading_of(finding))
            for recommendation in inspection.recommendations_answering(finding.ref):
                if recommendation in held and recommendation not in together:
                    pieces += _finding(recommendation, sections, heading=heading_of(recommendation))
        if kind is FindingKind.RECOMMENDATION and together:
            pieces.append("National recommendations")
            for finding in together:
                pieces += _finding(finding, sections, heading=heading_of(finding))
            title = sections["national-recommendations"][0]
            pieces += ["Action taken or proposed", *_lines(section_text("national-recommendations", title))]
    if routing.noted or "for-noting" in sections:
        pieces.append("Recommendations for other bodies")
        for finding in routing.noted:
            pieces += _finding(finding, sections, noted=True)
        if "for-noting" in sections:
            pieces += [
                headings_of_office["for-noting"],
                *_lines(section_text("for-noting", sections["for-noting"][0])),
            ]
    for key in ("constabulary-response", "commissioner-response"):
        if key in sections:
            pieces += [headings_of_office[key], *_lines(section_text(key, sections[key][0]))]
    commissioner = roster.holders("commissioner", signoff.pcc_org)[0]
    return [*pieces, commissioner.name, commissioner.title]


def assert_in_order(pieces: Iterable[str], text: str, where: str) -> None:
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        assert found >= 0, f"{where}: not found after {position}: {piece!r}\n\nin: {text[position:][:400]!r}"
        position = found + len(piece)


def _markdown_text(markdown: str) -> str:
    return visible_text(MarkdownIt("commonmark").render(markdown)).replace(" | ", " ").replace("| ", "")


def check_published(published: Published) -> None:
    pieces = published.expected
    html_text = visible_text(published.html)
    assert_in_order(pieces, html_text, f"{published.office} response.html")
    assert_in_order(pieces, published.pdf_text, f"{published.office} response.pdf")
    assert_in_order(pieces, _markdown_text(published.markdown), f"{published.office} response.md")
    assert_markdown_reads_as_html(published.html, published.markdown)
    # Its description names the office as the directory does, not in a possessive its name cannot take
    # ("Mayor of Greater Manchester (police and crime functions)'s response").
    [description] = re.findall(r'<meta name="description" content="([^"]*)"', published.html)
    assert description.startswith("The response of the "), description
    assert "The response of the " in visible_text(published.certificate)
    assert ")'s" not in visible_text(published.certificate) + description
    # Another force's findings are that office's: never in this one's response.
    for unseen in published.unseen:
        for text in (html_text, published.pdf_text, _markdown_text(published.markdown)):
            assert unseen not in text, (published.office, unseen)


def test_a_peel_response_shows_refs_grades_due_dates_and_recommendations_under_their_cause_of_concern(
    app: Application, clock: FixedClock, tmp_path: Path
) -> None:
    [published] = publish_example(app, clock, "peel-2025-graded-example.yaml")
    check_published(published)
    assert explicit_header_problems(published.html) == []
    # Its grades table and its recommendations nested under their causes of concern pass axe-core too,
    # with headings that never skip a level.
    page_file = tmp_path / "response.html"
    page_file.write_text(published.html, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(page_file.resolve().as_uri())
        assert accessibility_violations(page) == []
        headings = page.eval_on_selector_all("h1,h2,h3,h4,h5,h6", "els => els.map(e => +e.tagName[1])")
        assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), headings
        assert 5 in headings
    text = visible_text(published.html)
    # Recommendations 1 and 2 answer cause of concern 1, and are printed under it, before cause 2.
    order = [
        text.index(ref)
        for ref in (
            "Cause of concern 1",
            "Recommendation 1",
            "Recommendation 2",
            "Cause of concern 2",
            "Recommendation 3",
        )
    ]
    assert order == sorted(order)
    assert "Due: 31 December 2025" in text
    assert "Responding to the public Inadequate" in text
    assert "AFI 3" in text
    assert "Promising practice" in text


def test_a_national_thematic_response_lists_the_findings_for_noting_with_the_commissioners_comment(
    app: Application, clock: FixedClock
) -> None:
    responses = publish_example(app, clock, "national-thematic-2025-example.yaml")
    assert len(responses) >= 3
    for published in responses:
        check_published(published)
        text = visible_text(published.html)
        assert "Addressed to: College of Policing" in text
        assert "Addressed to: Home Office" in text
        assert section_text("for-noting", "Recommendations for other bodies").splitlines()[0] in text
        # No chief constable's comments in this pipeline: the layout's part for them is left out.
        assert "Constabulary Response" not in text


def test_a_joint_inspection_response_names_every_inspectorate(app: Application, clock: FixedClock) -> None:
    responses = publish_example(app, clock, "joint-inspection-2025-example.yaml")
    assert len(responses) == 2
    for published in responses:
        check_published(published)
        text = visible_text(published.html)
        assert "His Majesty's Crown Prosecution Service Inspectorate (HMICFRS and HMCPSI)" in text
        # Recommendation 3, addressed to PCCs, is printed among the recommendations with the office's
        # own answer to it (drafted and approved in the office), before the areas for improvement.
        office_answer = section_text("finding-r-3", "Recommendation 3").splitlines()[0]
        order = [text.index(piece) for piece in ("Recommendation 3", office_answer, "Areas for improvement")]
        assert order == sorted(order), published.office


def test_a_regional_response_has_every_forces_grade_and_only_its_own_findings(
    app: Application, clock: FixedClock
) -> None:
    responses = {p.office: p for p in publish_example(app, clock, "regional-soc-2025-example.yaml")}
    assert set(responses) == set(POLICY_OFFICER) - {"cheshire-pcc"}
    for published in responses.values():
        check_published(published)
        assert published.unseen
