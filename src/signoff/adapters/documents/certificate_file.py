"""Read a certificate of completion: its JSON file, or its HTML (the embedded data and what it shows).

From the HTML both are read: the embedded JSON, and the text of every element marked `data-fact`,
grouped by the `data-certified-section` and `data-certified-approval` elements that hold them, so that
the check can compare what a person reads, not only the data beside it.
"""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from pydantic import ValidationError

from signoff.domain.certificate_check import (
    CertificateClaims,
    CertificateFacts,
    VisibleApproval,
    VisibleCertificate,
    VisibleSection,
)
from signoff.domain.errors import InvalidInput

_EMBEDDED_START = '<script type="application/json" id="signoff-certificate">'
_EMBEDDED_END = "</script>"
# Elements that never end with a closing tag: they cannot hold a fact, and must not unbalance the count.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_HIDDEN = frozenset({"head", "script", "style", "template", "title"})


def _styled_away(style: str | None) -> bool:
    """An inline style that keeps a reader from seeing the element: its text is not what they read."""
    compact = "".join((style or "").lower().split())
    return any(rule in compact for rule in ("display:none", "visibility:hidden", "font-size:0", "opacity:0"))


def read_certificate(path: Path) -> CertificateClaims:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"{path}: cannot be read as a certificate (give certificate.html or certificate.json): {error}"
        ) from None
    return parse_certificate(
        text, html=path.suffix.lower() in (".html", ".htm"), source=path.name, where=str(path)
    )


def parse_certificate(text: str, *, html: bool, source: str, where: str | None = None) -> CertificateClaims:
    """A certificate from its text (an upload, say): `html` for certificate.html, else certificate.json.
    Errors start with `where` (the file's path, or its name)."""
    where = where or source
    visible: VisibleCertificate | None = None
    data = _embedded(text, where) if html else text
    try:
        facts = CertificateFacts.model_validate(json.loads(data))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{where}: is not valid JSON (line {error.lineno}: {error.msg})") from None
    except ValidationError as error:
        first = error.errors()[0]
        at = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {at}: {first['msg']}") from None
    # What a reader sees, read once the data is known to be a certificate's: a file that is not one is
    # refused without the cost of reading its page.
    visible = _visible_facts(text) if html else None
    return CertificateClaims(source=source, facts=facts, visible=visible)


def _embedded(html: str, where: str) -> str:
    """The certificate's data embedded in its page. Found by plain search, not a regular expression: an
    upload repeating the opening tag with no end would otherwise cost time growing with its square."""
    start = html.find(_EMBEDDED_START)
    end = html.find(_EMBEDDED_END, start + len(_EMBEDDED_START)) if start >= 0 else -1
    if end < 0:
        raise InvalidInput(f"{where}: holds no signoff certificate data")
    return html[start + len(_EMBEDDED_START) : end]


def _visible_facts(html: str) -> VisibleCertificate:
    reader = _FactReader()
    reader.feed(html)
    reader.close()
    return VisibleCertificate(
        facts=reader.document,
        sections=[
            VisibleSection(facts=facts, approvals=[VisibleApproval(facts=a) for a in approvals])
            for facts, approvals in reader.sections
        ],
    )


class _FactReader(HTMLParser):
    """Collects the visible text of each data-fact element, in the container it appears in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.document: dict[str, list[str]] = {}
        self.sections: list[tuple[dict[str, list[str]], list[dict[str, list[str]]]]] = []
        # One entry per open element: its tag, and what it opened ("hidden", "section", "approval", "").
        self._open: list[tuple[str, str]] = []
        # How many of each tag, and of sections, are open: asked at every tag, so counted, not searched
        # (a page of many unmatched closing tags would otherwise cost time growing with its square).
        self._open_tags: Counter[str] = Counter()
        self._open_sections = 0
        self._hidden = 0
        self._fact: tuple[str, list[str], dict[str, list[str]]] | None = None
        self._fact_depth = 0
        self._approval: dict[str, list[str]] | None = None

    def _container(self) -> dict[str, list[str]]:
        if self._approval is not None:
            return self._approval
        return self.sections[-1][0] if self._in_section() else self.document

    def _in_section(self) -> bool:
        return self._open_sections > 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        names = dict(attrs)
        opened: str | None = None
        if tag in _HIDDEN or "hidden" in names or _styled_away(names.get("style")):
            self._hidden += 1
            opened = "hidden"
        elif "data-certified-section" in names:
            self.sections.append(({}, []))
            self._approval = None
            opened = "section"
        elif "data-certified-approval" in names and self.sections:
            self._approval = {}
            self.sections[-1][1].append(self._approval)
            opened = "approval"
        fact = names.get("data-fact")
        if fact and self._fact is None and not self._hidden:
            self._fact = (fact, [], self._container())
            self._fact_depth = len(self._open) + 1
        self._open.append((tag, opened or ""))
        self._open_tags[tag] += 1
        self._open_sections += opened == "section"

    def handle_endtag(self, tag: str) -> None:
        # A closing tag closes everything opened inside its element and left open.
        if tag in _VOID or not self._open_tags[tag]:
            return
        while self._open:
            opened, kind = self._open.pop()
            self._open_tags[opened] -= 1
            self._open_sections -= kind == "section"
            self._closed(kind)
            if opened == tag:
                break

    def _closed(self, kind: str) -> None:
        if self._fact is not None and len(self._open) < self._fact_depth:
            name, chunks, container = self._fact
            container.setdefault(name, []).append(" ".join("".join(chunks).split()))
            self._fact = None
        if kind == "hidden":
            self._hidden -= 1
        elif kind in ("approval", "section"):
            self._approval = None

    def handle_data(self, data: str) -> None:
        if self._fact is not None and not self._hidden:
            self._fact[1].append(data)
