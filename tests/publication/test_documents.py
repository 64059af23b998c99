"""The published response itself: the reference layout, accessibility, the tagged PDF, escaped markup."""

from __future__ import annotations

import io
import itertools
import re
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from markdown_it import MarkdownIt
from pypdf import PdfReader

from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import PublishResult, publish_signoff
from signoff.service.queries.render_document import render_document
from tests.browser import accessibility_violations, chromium
from tests.people import HANNAH
from tests.publication.reference import (
    assert_markdown_reads_as_html,
    normalise,
    ready_to_publish,
    reference_pieces,
    visible_text,
)

LONDON = ZoneInfo("Europe/London")
PUBLISHING_DAY = datetime(2023, 12, 18, 10, 0, tzinfo=LONDON)
HOSTILE = (
    "Our reply <script>alert('x')</script> stands.\n\n"
    "An image <img src=x onerror=alert(1)> and [a link](javascript:alert(1)) and "
    "[another](JaVaScRiPt:alert(2)).\n\n"
    "Template syntax {{ 7*7 }} {% if true %}yes{% endif %} stays as typed."
)


def publish_reference(app: Application, clock: FixedClock, **texts: str) -> PublishResult:
    signoff_id = ready_to_publish(app, texts)
    clock.set(PUBLISHING_DAY)
    return publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)


def test_the_reference_response_has_every_field_and_paragraph_of_the_reference_in_order(
    app: Application, clock: FixedClock
) -> None:
    published = publish_reference(app, clock)
    html = (published.folder / "response.html").read_text(encoding="utf-8")
    text = visible_text(html)
    position = 0
    for piece in reference_pieces():
        found = text.find(piece, position)
        assert found >= 0, f"not found after position {position}: {piece!r}\n\nin: {text[position:][:300]!r}"
        position = found + len(piece)
    assert '<html lang="en-GB">' in html
    assert 'alt="Signature of John Dwyer"' in html
    assert 'src="data:image/svg+xml;base64,' in html  # self-contained: one file to upload


def test_the_response_and_certificate_have_no_wcag_aa_violations(app: Application, clock: FixedClock) -> None:
    published = publish_reference(app, clock)
    with chromium() as browser:
        for name in ("response.html", "certificate.html"):
            page = browser.new_page()
            page.goto((published.folder / name).resolve().as_uri())
            assert accessibility_violations(page) == [], name
            headings = page.eval_on_selector_all("h1,h2,h3,h4", "els => els.map(e => +e.tagName[1])")
            assert headings[0] == 1
            assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), headings
            page.close()


def _pdf_words(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"Page \d+ of \d+", " ", text).replace("•", " ")
    return reader, normalise(text).split()


def test_the_pdf_is_tagged_titled_and_says_what_the_html_says(app: Application, clock: FixedClock) -> None:
    published = publish_reference(app, clock)
    html = (published.folder / "response.html").read_text(encoding="utf-8")
    reader, words = _pdf_words((published.folder / "response.pdf").read_bytes())
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert reader.metadata is not None
    assert reader.metadata.title == (
        "Cheshire Police and Crime Commissioner's Response to His Majesty's Inspectorate of Constabulary "
        "and Fire & Rescue Services (HMICFRS) Inspections"
    )
    assert words == visible_text(html).split()


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.tags


def test_markup_typed_into_a_section_is_text_in_every_format(app: Application, clock: FixedClock) -> None:
    published = publish_reference(app, clock, **{"commissioner-response": HOSTILE})
    html = (published.folder / "response.html").read_text(encoding="utf-8")
    elements = _elements(html)
    assert [tag for tag, _ in elements].count("script") == 0
    assert all("onerror" not in attrs for _, attrs in elements)
    assert all(not (attrs.get("href") or "").lower().startswith("javascript") for _, attrs in elements)
    # The one image is the signature; the typed <img> is text.
    assert [attrs.get("alt") for tag, attrs in elements if tag == "img"] == ["Signature of John Dwyer"]
    text = visible_text(html)
    assert "Our reply <script>alert('x')</script> stands." in text
    assert "An image <img src=x onerror=alert(1)> and [a link](javascript:alert(1))" in text
    assert "{{ 7*7 }} {% if true %}yes{% endif %}" in text

    markdown = (published.folder / "response.md").read_text(encoding="utf-8")
    # A website editor renders the Markdown; even one that allows raw HTML gets only text from it.
    rendered = MarkdownIt("commonmark").render(markdown)
    assert "<script" not in rendered
    assert "onerror=alert(1)>" not in rendered.replace("&gt;", ">").split("&lt;img")[0]
    assert 'href="javascript' not in rendered.lower()
    assert "Our reply &lt;script&gt;alert('x')&lt;/script&gt; stands." in rendered
    assert "{{ 7*7 }}" in rendered

    _reader, words = _pdf_words((published.folder / "response.pdf").read_bytes())
    assert "<script>alert('x')</script>" in " ".join(words)


def test_a_preview_of_unapproved_text_says_so(app: Application) -> None:
    from tests.support.story import start_reference

    signoff_id = start_reference(app)
    html = render_document(signoff_id, "html", app.deps).decode()
    assert "Preview: not every section of this response is approved yet." in visible_text(html)
    assert "Not drafted yet." in visible_text(html)
    markdown = render_document(signoff_id, "md", app.deps).decode()
    assert "**Preview: not every section" in markdown
    assert render_document(signoff_id, "pdf", app.deps).startswith(b"%PDF-")


def test_the_markdown_read_by_commonmark_has_the_htmls_headings_quotes_lists_and_paragraphs(
    app: Application, clock: FixedClock
) -> None:
    published = publish_reference(app, clock)
    html = (published.folder / "response.html").read_text(encoding="utf-8")
    assert_markdown_reads_as_html(html, (published.folder / "response.md").read_text(encoding="utf-8"))
