"""The small, safe subset of Markdown that people write sections in, and the two ways it is output.

Paragraphs, bullet and numbered lists, emphasis, block quotes and links (http, https and mailto only).
Everything else, raw HTML included, stays text: it is escaped in the HTML and in the Markdown output,
never executed. markdown-it-py's "zero" preset starts with nothing enabled; the subset is opted into.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# What starts a block at the start of a line: a list, a quote, a heading, a fence (``` is escaped anywhere).
# Not `*` or `~`: the text's own are escaped already (_SPECIAL), so a line starting with `*` starts with an
# emphasis marker written here ("**Accepted.** The force..."), which no editor reads as a list.
_BLOCK_START = re.compile(r"^(\s*)([-+=#>])")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])")
_SPECIAL = re.compile(r"([\\`*_\[\]<>!|&~])")


def _safe_link(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in ALLOWED_SCHEMES


@cache
def _parser() -> MarkdownIt:
    # Imported here: the renderer is built by every command, and only rendering a document needs the parser.
    from markdown_it import MarkdownIt

    parser = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["emphasis", "list", "blockquote", "link", "newline", "escape"])
    parser.validateLink = _safe_link  # type: ignore[method-assign]
    return parser


def to_html(text: str) -> Markup:
    """The section as HTML; markup typed into it comes out as text."""
    # The parser escapes every text token and keeps only its own tags, so the result is safe to mark.
    return Markup(_parser().render(text))  # noqa: S704


def to_markdown(text: str) -> str:
    """The section as Markdown that a website editor renders to the same subset, and nothing more."""
    tokens = _parser().parse(text)
    lines: list[str] = []
    prefixes: list[str] = []
    counters: list[int | None] = []
    # A list item's marker replaces its indentation on the item's first line (nested items share it).
    markers: dict[int, str] = {}
    for token in tokens:
        kind = token.type
        if kind == "blockquote_open":
            prefixes.append("> ")
        elif kind == "blockquote_close":
            prefixes.pop()
            lines.append("".join(prefixes).rstrip())
        elif kind == "bullet_list_open":
            counters.append(None)
        elif kind == "ordered_list_open":
            counters.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            counters.pop()
            if not counters:
                lines.append("".join(prefixes).rstrip())
        elif kind == "list_item_open":
            number = counters[-1]
            marker = "- " if number is None else f"{number}. "
            if number is not None:
                counters[-1] = number + 1
            markers[len(prefixes)] = marker
            prefixes.append(" " * len(marker))
        elif kind == "list_item_close":
            prefixes.pop()
        elif kind == "paragraph_close" and not token.hidden:
            lines.append("".join(prefixes).rstrip())
        elif kind == "inline":
            for line in _inline(token.children or []).split("\n"):
                lines.append("".join(markers.get(i, p) for i, p in enumerate(prefixes)) + line)
                markers.clear()
    return _tidy(lines)


def _inline(children: list[Token]) -> str:
    out: list[str] = []
    hrefs: list[str] = []
    for child in children:
        if child.type == "text":
            out.append(_escape(child.content))
        elif child.type == "softbreak":
            out.append("\n")
        elif child.type == "hardbreak":
            out.append("\\\n")
        elif child.type in ("em_open", "em_close"):
            out.append("*")
        elif child.type in ("strong_open", "strong_close"):
            out.append("**")
        elif child.type == "link_open":
            hrefs.append(str(child.attrGet("href") or ""))
            out.append("[")
        elif child.type == "link_close":
            href = hrefs.pop().replace("(", "%28").replace(")", "%29").replace(" ", "%20")
            out.append(f"]({href})")
    return "\n".join(_unblocked(line) for line in "".join(out).split("\n"))


def _unblocked(line: str) -> str:
    """A line of text that would start a list, a quote, a heading or a fence, escaped where it starts (a
    number's full stop, since a backslash before a digit is no escape)."""
    return _NUMBERED.sub(r"\1\\\2", _BLOCK_START.sub(r"\1\\\2", line))


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def literal_markdown(text: str) -> str:
    """Plain text (a title, a finding as the inspectorate wrote it) as Markdown that renders to exactly
    that text on one line: nothing in it is read as emphasis, a link or a block."""
    return _unblocked(_escape(" ".join(str(text).split())))


def _tidy(lines: list[str]) -> str:
    kept: list[str] = []
    for line in lines:
        if not line.strip(" >") and kept and not kept[-1].strip(" >"):
            kept[-1] = line  # one blank line between blocks; the outer one, which ends the quote
            continue
        kept.append(line)
    while kept and not kept[-1].strip(" >"):
        kept.pop()
    return "\n".join(kept) + "\n"
