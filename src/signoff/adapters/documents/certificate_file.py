"""Read a certificate of completion: its JSON file, or its HTML (the embedded data and what it shows).

From the HTML both are read: the embedded JSON, and the text of every element marked `data-fact`,
grouped by the `data-certified-section` and `data-certified-approval` elements that hold them, so that
the check can compare what a person reads, not only the data beside it; and the whole page as tokens
(every element with its attributes, every text), to compare with the certificate as issued: a style that
hides a fact, or a row of words outside any fact, changes what a reader sees without changing a fact.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser, LexborNode

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
# More markup than any certificate holds (one of a report with a hundred findings has some thousands of
# tags): a page with more is no certificate of this site's, and is refused before it is parsed, since an
# HTML parser's time on hostile nesting grows faster than the page.
MOST_TAGS = 20_000


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
    if html:
        _not_too_much_markup(text, where)
    data = _embedded(text, where) if html else text
    try:
        facts = CertificateFacts.model_validate(json.loads(data, object_pairs_hook=_once_each))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{where}: is not valid JSON (line {error.lineno}: {error.msg})") from None
    except ValidationError as error:
        first = error.errors()[0]
        at = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {at}: {first['msg']}") from None
    except RecursionError:
        raise InvalidInput(f"{where}: is not a certificate this site issued (nested too deeply)") from None
    except ValueError as error:
        # A number of thousands of digits, or a key given twice: no certificate this site issued.
        raise InvalidInput(f"{where}: is not a certificate this site issued ({str(error)[:200]})") from None
    # What a reader sees, read once the data is known to be a certificate's: a file that is not one is
    # refused without the cost of reading its page.
    visible = _visible_page(text) if html else None
    return CertificateClaims(source=source, facts=facts, visible=visible)


def _once_each(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object whose keys are each given once: a certificate this site issued never repeats one, and a
    reader of JSON takes the last of two, which the page showing the first may not."""
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"the key {twice[0]!r} is given twice")
    return dict(pairs)


def _not_too_much_markup(html: str, where: str) -> None:
    if html.count("<") > MOST_TAGS:
        raise InvalidInput(f"{where}: holds more markup than any certificate does (over {MOST_TAGS:,} tags)")


def _embedded(html: str, where: str) -> str:
    """The certificate's data embedded in its page. Found by plain search, not a regular expression: an
    upload repeating the opening tag with no end would otherwise cost time growing with its square."""
    start = html.find(_EMBEDDED_START)
    end = html.find(_EMBEDDED_END, start + len(_EMBEDDED_START)) if start >= 0 else -1
    if end < 0:
        raise InvalidInput(f"{where}: holds no signoff certificate data")
    return html[start + len(_EMBEDDED_START) : end]


# One step of the walk: (node, hidden, container); a node of None closes the fact being read.
_Step = tuple[LexborNode | None, bool, dict[str, list[str]]]


def _visible_page(html: str) -> VisibleCertificate:
    """Parsed by Lexbor (C, linear in the page whatever it holds: Python's html.parser takes time growing
    with the square of an upload of unclosed tags, and this page is anyone's to upload)."""
    root = LexborHTMLParser(html).root
    return _visible_facts(root).model_copy(update={"page": _page_tokens(root)})


def _page_tokens(root: LexborNode | None) -> tuple[str, ...]:
    """The page in document order: `<tag name="value">` for each element (its attributes sorted), `</tag>`
    where it ends, and each text in curly quotes; white space collapsed, comments left out. Two pages a
    reader sees alike, however their markup is spaced, have the same tokens."""
    tokens: list[str] = []
    stack: list[LexborNode | str | None] = [root]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, str):
            tokens += [node] if node else []
            continue
        if node.tag == "-text":
            if words := " ".join((node.text_content or "").split()):
                tokens.append(f"\u201c{words}\u201d")
            continue
        if node.tag is None or node.tag.startswith("-"):
            continue  # comments and the doctype
        attributes = "".join(
            f' {name}="{" ".join((value or "").split())}"' for name, value in sorted(node.attributes.items())
        )
        tokens.append(f"<{node.tag}{attributes}>")
        stack.append(None if node.tag in _VOID else f"</{node.tag}>")
        children: list[LexborNode] = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend(reversed(children))
    return tuple(tokens)


def _visible_facts(root: LexborNode | None) -> VisibleCertificate:
    """The text of every data-fact element a reader sees, in the container it appears in: the page walked
    once, depth first, each element's hiddenness and container handed down to its children."""
    document: dict[str, list[str]] = {}
    sections: list[tuple[dict[str, list[str]], list[dict[str, list[str]]]]] = []
    stack: list[_Step] = [(root, False, document)]
    fact: tuple[str, list[str], dict[str, list[str]]] | None = None
    while stack:
        node, hidden, container = stack.pop()
        if node is None:
            assert fact is not None  # noqa: S101 - pushed only while a fact is read
            name, chunks, into = fact
            into.setdefault(name, []).append(" ".join("".join(chunks).split()))
            fact = None
            continue
        if node.tag == "-text":
            if fact is not None and not hidden:
                fact[1].append(node.text_content or "")
            continue
        if node.tag is None or node.tag.startswith("-") or node.tag in _VOID:
            continue  # comments and the like; elements that never hold text
        names = node.attributes
        if not hidden and (node.tag in _HIDDEN or "hidden" in names or _styled_away(names.get("style"))):
            hidden = True
        elif not hidden and "data-certified-section" in names:
            sections.append(({}, []))
            container = sections[-1][0]
        elif not hidden and "data-certified-approval" in names and sections and container is not document:
            approval: dict[str, list[str]] = {}
            sections[-1][1].append(approval)
            container = approval
        fact_name = names.get("data-fact")
        if fact_name and fact is None and not hidden:
            fact = (fact_name, [], container)
            stack.append((None, hidden, container))  # after its children: the fact is read
        children: list[_Step] = []
        child = node.child
        while child is not None:
            children.append((child, hidden, container))
            child = child.next
        stack.extend(reversed(children))
    return VisibleCertificate(
        facts=document,
        sections=[
            VisibleSection(facts=facts, approvals=[VisibleApproval(facts=a) for a in approvals])
            for facts, approvals in sections
        ],
    )
