"""The reference sign-off with the reference document's own texts as its approved revisions."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.document import SectionTexts
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.service.commands import Decide, StartSignoff, SubmitRevision
from signoff.service.handlers.decide import decide
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.settings import PROJECT_ROOT
from tests.people import ANDREW, DANIEL, JOHN, OWEN, PRIYA, RACHEL

REFERENCE = PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml"
REFERENCE_TEXTS = PROJECT_ROOT / "examples" / "texts" / "nw-soc-2023-reference.yaml"
REFERENCE_DOCUMENT = PROJECT_ROOT / "examples" / "reference" / "cheshire-pcc-response-nw-soc-2023.txt"
# The reference document's title misnames the inspectorate; the engine's title uses its real name.
MISNAMED = "His Majesty's Inspectorate of Police and Fire and Rescue Services"
INSPECTORATE = "His Majesty's Inspectorate of Constabulary and Fire & Rescue Services"

# Who writes and who approves each section in the reference pipeline.
PEOPLE = {
    "report-summary": (OWEN, RACHEL),
    "finding-afi-1": (PRIYA, DANIEL),
    "constabulary-response": (PRIYA, ANDREW),
    "commissioner-response": (OWEN, JOHN),
}


def reference_texts() -> dict[str, str]:
    return load_model(REFERENCE_TEXTS, SectionTexts).sections


def ready_to_publish(app: Application, texts: dict[str, str] | None = None, title: str | None = None) -> int:
    """Start the reference sign-off (under `title`, if given) and take every section through to approval
    with these texts."""
    texts = {**reference_texts(), **(texts or {})}
    inspection = load_model(REFERENCE, Inspection)
    if title is not None:
        inspection = Inspection.model_validate({**inspection.model_dump(mode="json"), "title": title})
    [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
    for section, (author, approver) in PEOPLE.items():
        submit_revision(
            SubmitRevision(signoff_id=signoff_id, section=section, author=author, body=texts[section]),
            app.deps,
        )
        decide(
            Decide(signoff_id=signoff_id, section=section, actor=approver, outcome=Outcome.APPROVE),
            app.deps,
        )
    return signoff_id


class _VisibleText(HTMLParser):
    """The text a reader sees: no head, no style, no script; images by their alt text if asked."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in ("head", "style", "script", "title"):
            self._hidden += 1
        elif tag in ("p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "figcaption", "br"):
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return normalise("".join(parser.chunks))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def reference_pieces(path: Path = REFERENCE_DOCUMENT) -> list[str]:
    """Every field and paragraph of the reference document, in order (table cells one by one).

    The line describing the signature image is left out: in the published page the image carries its
    own text alternative, which is checked separately. The title names the inspectorate correctly (the
    office's own summary, which misnames it too, is its text and is published as written).
    """
    pieces: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    title = next(index for index, line in enumerate(lines) if line.strip())
    lines[title] = lines[title].replace(MISNAMED, INSPECTORATE)
    for line in lines:
        if line.startswith("A handwritten signature"):
            continue
        for cell in line.split("\t"):
            piece = normalise(cell.removeprefix("- ").removeprefix("- "))
            if piece:
                pieces.append(piece)
    return pieces


class _Blocks(HTMLParser):
    """Headings, quotes, list items and paragraphs of an HTML page, in order, each with its text."""

    KINDS = frozenset({"h1", "h2", "h3", "h4", "h5", "blockquote", "li", "p", "figcaption"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, list[str]]] = []
        self.blocks: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.KINDS:
            self.open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.KINDS and self.open and self.open[-1][0] == tag:
            kind, parts = self.open.pop()
            self.blocks.append((kind, " ".join("".join(parts).split())))

    def handle_data(self, data: str) -> None:
        for _kind, parts in self.open:
            parts.append(data)


def blocks(html: str, kind: str) -> list[str]:
    parser = _Blocks()
    parser.feed(html)
    return [text for found, text in parser.blocks if found == kind]


def paragraphs(html: str) -> list[str]:
    """The page's paragraphs and captions in order, but for the footer (each format words it its own way)."""
    parser = _Blocks()
    parser.feed(html)
    return [
        text
        for kind, text in parser.blocks
        if kind in ("p", "figcaption") and not text.startswith(("Published by", "Not published"))
    ]


def assert_markdown_reads_as_html(html: str, markdown_source: str) -> None:
    """response.md, rendered by CommonMark, has response.html's headings, quotes, list items and
    paragraphs, in the same order: nothing run into the block before it, nothing lost or added."""
    markdown = MarkdownIt("commonmark").render(markdown_source)
    for kind in ("h1", "h2", "h3", "h4", "h5", "blockquote", "li"):
        assert blocks(markdown, kind) == blocks(html, kind), kind
    # Tables are tables in HTML and rows of cells in Markdown (CommonMark has no tables): left out here,
    # their cells are compared word for word by the golden tests.
    written = [p for p in paragraphs(markdown) if not p.startswith("|")]
    shown = paragraphs(html)
    position = 0
    for paragraph in written:
        assert position < len(shown), f"the Markdown has a paragraph the HTML has not: {paragraph!r}"
        if paragraph == shown[position]:
            position += 1
        # The signatory: a name and a title, two lines of one paragraph in Markdown.
        elif position + 1 < len(shown) and paragraph == f"{shown[position]} {shown[position + 1]}":
            position += 2
        else:
            raise AssertionError(f"paragraph {position}: Markdown {paragraph!r}, HTML {shown[position]!r}")
    assert position == len(shown), f"the Markdown lacks: {shown[position:]!r}"
