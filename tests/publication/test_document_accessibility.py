"""What a checker of the published response's accessibility asks beyond axe-core: every data cell of a
table with nested headers names its headers (HTML_CodeSniffer's H43), the tagged PDF's header cells carry
/Scope, and the signature is never alone on a page, away from the text it signs."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from signoff.adapters.documents.pdf_structure import with_header_scopes
from signoff.adapters.documents.rendering import DocumentRenderer
from signoff.bootstrap import Application
from signoff.domain.document import ApprovedText, DocumentPart, HeaderTable, ResponseDocument, Signatory
from signoff.domain.document_layout import Signature
from signoff.service.clock import FixedClock
from signoff.settings import PROJECT_ROOT
from tests.publication.tables import explicit_header_problems
from tests.publication.test_documents import publish_reference


def test_the_header_tables_data_cells_name_every_header_that_applies(
    app: Application, clock: FixedClock
) -> None:
    published = publish_reference(app, clock)
    html = (published.folder / "response.html").read_text(encoding="utf-8")
    assert explicit_header_problems(html) == []
    # The check finds what it is for: the same table with `scope` alone fails it.
    without = html.replace(' headers="', ' data-headers="')
    assert len(explicit_header_problems(without)) == 7


def _table_headers(node: DictionaryObject) -> list[DictionaryObject]:
    found = []
    kids = node.get("/K")
    kids = kids.get_object() if kids is not None else []
    for kid in kids if isinstance(kids, list) else [kids]:
        element = kid.get_object() if kid is not None else None
        if isinstance(element, DictionaryObject) and "/S" in element:
            if element["/S"] == "/TH":
                found.append(element)
            found += _table_headers(element)
    return found


def _scopes(pdf: bytes) -> list[str | None]:
    tree = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"].get_object()
    scopes = []
    for header in _table_headers(tree):
        attributes = header.get("/A")
        attributes = attributes.get_object() if attributes is not None else {}
        scopes.append(str(attributes.get("/Scope")) if "/Scope" in attributes else None)
    return scopes


def test_the_tagged_pdfs_header_cells_carry_the_htmls_scope(app: Application, clock: FixedClock) -> None:
    published = publish_reference(app, clock)
    # The header table: Title, Date, Type (a row group), Specific, Quoted, Recommendations (a row group),
    # National, Local: every one a row header.
    assert _scopes((published.folder / "response.pdf").read_bytes()) == ["/Row"] * 8
    # The certificate's approvals table has column headers.
    certificate = _scopes((published.folder / "certificate.pdf").read_bytes())
    assert "/Column" in certificate
    assert None not in certificate


def test_without_the_added_scopes_weasyprint_writes_none() -> None:
    # Why pdf_structure.py exists: if WeasyPrint starts writing /Scope itself, this says so.
    from weasyprint import HTML

    html = '<html lang="en"><title>t</title><table><tr><th scope="col">A</th></tr><tr><td>1</td></tr></table>'
    plain = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    assert _scopes(plain) == [None]
    assert _scopes(with_header_scopes(plain, ["/Column"])) == ["/Column"]


def _signed(lines: int) -> ResponseDocument:
    text = "\n\n".join(f"Paragraph {n} of the Commissioner's response." for n in range(1, lines + 1))
    return ResponseDocument(
        signoff_id=1,
        title="A response",
        language="en-GB",
        office="Office of the Police and Crime Commissioner for Cheshire",
        force="Cheshire Constabulary",
        inspectorates="His Majesty's Inspectorate of Constabulary and Fire & Rescue Services",
        report_url="https://example.org/report",
        header=HeaderTable("A report", "6 January 2025", "PEEL", "Cheshire", "Yes", "Yes", "No", "Yes"),
        parts=(
            DocumentPart(
                heading="Commissioner’s Response",
                kind="signed",
                text=ApprovedText(
                    "commissioner-response", "Commissioner's response", text, 1, "0" * 64, True
                ),
            ),
        ),
        signatory=Signatory(
            "John Dwyer",
            "Police and Crime Commissioner for Cheshire",
            Signature(image="signatures/cheshire-pcc.svg", alt="Signature of John Dwyer"),
        ),
        letter=None,
        final=True,
    )


def _page_of(reader: PdfReader, words: str) -> int:
    return next(n for n, page in enumerate(reader.pages) if words in " ".join(page.extract_text().split()))


def test_the_signature_stays_on_the_page_of_the_text_it_signs() -> None:
    renderer = DocumentRenderer(PROJECT_ROOT / "templates", PROJECT_ROOT / "config")
    moved_with_it = 0
    # One more line each time: the text's end passes the foot of the first page, where the signature block
    # would not fit after it (at 57 lines, without the stylesheet's rule). Should the page's content change,
    # the last assertion says the window no longer reaches that place.
    for lines in range(50, 64):
        doc = _signed(lines)
        html = renderer.response_html(doc, made_on=date(2025, 1, 6), published_on=date(2025, 1, 6), version=1)
        reader = PdfReader(io.BytesIO(renderer.pdf(html)))
        last = _page_of(reader, f"Paragraph {lines} of the Commissioner's response.")
        assert _page_of(reader, "John Dwyer") == last, lines
        if last > 0 and _page_of(reader, f"Paragraph {lines - 1} of the") < last:
            moved_with_it += 1  # the last paragraph went over to the next page with the signature
    # The range did reach the foot of a page: some text went over to keep the signature company.
    assert moved_with_it > 0


def test_no_heading_the_response_can_hold_is_smaller_than_its_text() -> None:
    """A response under a recommendation under its cause of concern is an h5: unstyled, WeasyPrint set it
    at 0.83em, smaller than the paragraph it heads."""
    import re

    css = (PROJECT_ROOT / "templates" / "documents" / "_document.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    template = (PROJECT_ROOT / "templates" / "documents" / "response.html").read_text(encoding="utf-8")
    deepest = 5 if "level + 1" in template else 4  # a finding at h4, its response one below
    sizes: dict[str, float] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        size = re.search(r"font-size:\s*([\d.]+)em", body)
        for selector in selectors.split(","):
            if size and re.fullmatch(r"h[1-6]", selector.strip()):
                sizes[selector.strip()] = float(size.group(1))
    assert all(sizes.get(f"h{level}", 0) >= 1 for level in range(1, deepest + 1)), sizes
