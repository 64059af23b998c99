"""Each office publishes in its own layout from config/publication.yaml: its own order of parts and
headings, its own title, a letter to HMICFRS and the Home Secretary; the other offices keep the file's."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader

from signoff.adapters.config_files import load_model, validate
from signoff.bootstrap import Application
from signoff.domain.document_layout import PublicationConfig
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Inspection
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.settings import PROJECT_ROOT
from tests.publication.drive import drive_to_ready, render, section_text
from tests.publication.reference import assert_markdown_reads_as_html, normalise, visible_text

SHIPPED = PROJECT_ROOT / "config" / "publication.yaml"
PEEL = PROJECT_ROOT / "examples" / "peel-2025-graded-example.yaml"
LANCASHIRE_POLICY_OFFICER = "james.cowell@lancashire-pcc.example.org"

# Lancashire's house style: a letter, the Commissioner's comments first, the report's own title.
LANCASHIRE_LAYOUT: list[dict[str, object]] = [
    {"section": "commissioner-response", "heading": "The Commissioner's comments", "style": "signed"},
    {"grades": True, "heading": "How the force was graded"},
    {"findings": True, "response_heading": "What the constabulary is doing"},
    {"section": "report-summary", "heading": "The report in brief"},
    {"section": "constabulary-response", "heading": "The Chief Constable's comments", "style": "quote"},
]
LANCASHIRE = {
    "title": "Response of the Police and Crime Commissioner for {area} to {inspectorates_short}: {report_title}",
    "layout": LANCASHIRE_LAYOUT,
    "letter": {
        "addressees": [
            "Sir Andy Cooke, His Majesty's Chief Inspector of Constabulary",
            "The Rt Hon the Home Secretary",
        ],
        "salutation": "Dear Sir Andy and Home Secretary,",
        "closing": "Yours sincerely,",
    },
}


def _config(**offices: dict[str, object]) -> PublicationConfig:
    shipped = load_model(SHIPPED, PublicationConfig).model_dump(mode="json", exclude_none=True)
    shipped["offices"] = {**shipped["offices"], **offices}
    return validate(shipped, PublicationConfig, "publication.yaml")


@pytest.fixture
def peel_ready(app: Application, clock: FixedClock) -> int:
    inspection = load_model(PEEL, Inspection)
    day = inspection.published
    clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
    [signoff_id] = start_signoff(
        StartSignoff(inspection=inspection, started_by=LANCASHIRE_POLICY_OFFICER), app.deps
    )
    drive_to_ready(app, signoff_id)
    return signoff_id


def _in_order(text: str, *pieces: str) -> None:
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        assert found >= 0, f"not found after {position}: {piece!r} in {text[position:][:300]!r}"
        position = found + len(piece)


def test_an_office_publishes_a_letter_with_the_commissioners_comments_first(
    app: Application, peel_ready: int
) -> None:
    rendered = render(app, peel_ready, _config(**{"lancashire-pcc": LANCASHIRE}))
    title = (
        "Response of the Police and Crime Commissioner for Lancashire to HMICFRS: PEEL 2023-25 Police "
        "effectiveness, efficiency and legitimacy: An inspection of Lancashire Constabulary"
    )
    commissioner = section_text("commissioner-response", "Commissioner's response").splitlines()[0]
    pieces = (
        title,
        "Sir Andy Cooke, His Majesty's Chief Inspector of Constabulary",
        "The Rt Hon the Home Secretary",
        "1 April 2025",
        "Dear Sir Andy and Home Secretary,",
        "The Commissioner's comments",
        commissioner,
        "How the force was graded",
        "Responding to the public",
        "Inadequate",
        "Causes of concern",
        "Cause of concern 1",
        "What the constabulary is doing",
        "The report in brief",
        "The Chief Constable's comments",
        "Yours sincerely,",
    )
    html_text = visible_text(rendered.html)
    _in_order(html_text, *pieces)
    assert rendered.doc.signatory is not None
    signatory = (rendered.doc.signatory.name, rendered.doc.signatory.title)
    _in_order(html_text, "Yours sincerely,", *signatory)
    # One signature, after the closing: not also after the Commissioner's comments, though they are signed.
    assert html_text.count(rendered.doc.signatory.name) == 1
    # No table about the inspection: this layout does not list it.
    assert "Title of Inspection" not in html_text

    pdf = PdfReader(io.BytesIO(rendered.pdf))
    pdf_text = normalise(re.sub(r"Page \d+ of \d+", " ", " ".join(p.extract_text() for p in pdf.pages)))
    _in_order(pdf_text, *pieces, *signatory)

    markdown_text = visible_text(MarkdownIt("commonmark").render(rendered.markdown))
    _in_order(markdown_text, *pieces, *signatory)
    assert_markdown_reads_as_html(rendered.html, rendered.markdown)


def test_an_office_without_a_layout_of_its_own_keeps_the_files(app: Application, peel_ready: int) -> None:
    rendered = render(app, peel_ready, _config(**{"cheshire-pcc": LANCASHIRE}), pdf=False)
    text = visible_text(rendered.html)
    assert rendered.doc.title == (
        "Lancashire Police and Crime Commissioner's Response to His Majesty's Inspectorate of Constabulary "
        "and Fire & Rescue Services (HMICFRS) Inspections"
    )
    assert rendered.doc.letter is None
    _in_order(
        text,
        "Title of Inspection",
        "Report Summary",
        "Grades",
        "Causes of concern",
        "Commissioner’s Response",
    )
    assert "Dear Sir Andy" not in text


def test_a_layout_leaving_out_a_section_the_office_has_is_refused(app: Application, peel_ready: int) -> None:
    without_summary = {
        **LANCASHIRE,
        "layout": [p for p in LANCASHIRE_LAYOUT if p.get("section") != "report-summary"],
    }
    with pytest.raises(
        InvalidInput, match="layout for lancashire-pcc gives no place to section report-summary"
    ):
        render(app, peel_ready, _config(**{"lancashire-pcc": without_summary}), pdf=False)
