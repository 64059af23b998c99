"""Table header cells in the tagged PDF carry /Scope, as the HTML's `scope` says.

WeasyPrint (70) tags a `th` as a TH structure element with /A << /O /Table >> and gives the data cells
/Headers, but writes no /Scope; PDF/UA checkers (PAC, veraPDF's PDF/UA rules) and some screen readers
want it on every TH. The TH elements appear in the structure tree in document order, as the `th`
elements do in the HTML, so the n-th TH takes the n-th `th`'s scope.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from html.parser import HTMLParser

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, PdfObject

# HTML's scope values as PDF's: a row group's header is a row header of each row it spans.
_PDF_SCOPE = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


class _HeaderScopes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "th":
            self.scopes.append(_PDF_SCOPE.get((dict(attrs).get("scope") or "").lower()))


def header_scopes(html: str) -> list[str | None]:
    """Each `th`'s scope as PDF names it, in document order (None where the HTML gives none)."""
    parser = _HeaderScopes()
    parser.feed(html)
    parser.close()
    return parser.scopes


def _children(element: DictionaryObject) -> Iterator[DictionaryObject]:
    found: PdfObject | None = element.get("/K")
    if found is None:
        return
    kids = found.get_object()
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        if kid is None:
            continue
        resolved = kid.get_object()
        if isinstance(resolved, DictionaryObject) and "/S" in resolved:
            yield resolved


def _table_headers(root: DictionaryObject) -> Iterator[tuple[DictionaryObject, str]]:
    """Every TH in document order, with the structure element it sits in (THead, TBody or TR's parent)."""
    stack: list[tuple[DictionaryObject, str]] = [(root, "")]
    while stack:
        element, section = stack.pop()
        kind = str(element.get("/S", ""))
        if kind == "/TH":
            yield element, section
        inner = kind if kind in ("/THead", "/TBody", "/TFoot") else section
        stack.extend((child, inner) for child in reversed(list(_children(element))))


def _table_attributes(header: DictionaryObject) -> DictionaryObject:
    """The TH's attribute dictionary of owner /Table, made if it has none (/A may be one or a list)."""
    found = header.get("/A")
    found = found.get_object() if found is not None else None
    candidates = found if isinstance(found, ArrayObject) else [found] if found is not None else []
    for candidate in candidates:
        resolved = candidate.get_object()
        if isinstance(resolved, DictionaryObject) and resolved.get("/O") == "/Table":
            return resolved
    table = DictionaryObject({NameObject("/O"): NameObject("/Table")})
    if isinstance(found, ArrayObject):
        found.append(table)
    elif found is None:
        header[NameObject("/A")] = table
    else:
        header[NameObject("/A")] = ArrayObject([found, table])
    return table


def with_header_scopes(pdf: bytes, scopes: list[str | None]) -> bytes:
    """The PDF with /Scope on every TH: the HTML's where it has one; else /Column in a table head, /Row
    elsewhere. A PDF without a structure tree is returned unchanged."""
    # Incremental: the changed TH objects are appended to WeasyPrint's file as it is, object streams and
    # all (rewritten whole, the file would come out two and a half times the size).
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    tree = writer.root_object.get("/StructTreeRoot")
    if tree is None:
        return pdf
    headers = list(_table_headers(tree.get_object()))
    if not headers:
        return pdf
    # Counted differently (a th WeasyPrint did not lay out), the HTML's scopes cannot be matched up.
    matched = len(headers) == len(scopes)
    for index, (header, section) in enumerate(headers):
        scope = (scopes[index] if matched else None) or ("/Column" if section == "/THead" else "/Row")
        _table_attributes(header)[NameObject("/Scope")] = NameObject(scope)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
