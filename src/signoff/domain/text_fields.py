"""Text people type or upload, refused when it holds characters that have no place in it.

PostgreSQL cannot store U+0000 in text at all (a NUL reached it as a 500), and the other control
characters are worse than useless in a statutory document or an email: invisible, able to rewrite a
terminal (an ANSI escape in a CLI listing) or break a line where a single line is promised. So every
text field that crosses a boundary is one of these two types, whatever the entry point:

- `SingleLine` (titles, names, reasons, notes, refs): no C0 or C1 control character, no DEL, no
  U+2028/U+2029 line or paragraph separator, no bidirectional embedding, override or isolate control
  (U+202A to U+202E, U+2066 to U+2069), no lone surrogate (which no UTF-8 database or file can hold),
  no noncharacter of the first plane (U+FDD0 to U+FDEF, U+FFFE, U+FFFF: not text, and not XML);
- `MultiLine` (a section's body, a decision's comment, a finding's text and explanation): the same,
  except that line feeds and tabs are allowed, and Windows line endings (what a browser's textarea
  sends) become line feeds.

A refusal is a Pydantic error of type `control_character`, so it names the field wherever the
boundary reports it (the JSON API's 422, a form's error, a file's line, the CLI's message); its
context carries the character and where it was, for an entry point that can say more (a line number).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

ERROR_TYPE = "control_character"
MESSAGE = "must not contain control characters (found {character} at position {position})"

# C0 controls, DEL, C1 controls, the line and paragraph separators, the bidirectional embedding,
# override and isolate controls (U+202A to U+202E, U+2066 to U+2069: they reorder what a reader sees, so
# that a subject or a title reads other than it is; the left-to-right and right-to-left marks, which a
# name in Arabic or Hebrew may need, stay), lone surrogates (Python can hold one; UTF-8, and so no
# database or file, cannot), and the noncharacters U+FDD0 to U+FDEF, U+FFFE and U+FFFF (XML 1.0 forbids the
# last two: one in a title would make the public Atom feed, every office's, unreadable to every reader).
_SINGLE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
# The same less the line feed and the tab.
_MULTI_LINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


def first_control_character(value: str, *, multi_line: bool = False) -> int | None:
    """Where the first character `value` must not hold is, or None (for text read outside a model)."""
    found = (_MULTI_LINE if multi_line else _SINGLE_LINE).search(value)
    return found.start() if found is not None else None


def _refuse_at(value: str, index: int) -> PydanticCustomError:
    # The position counts the characters before the bad one, so "before\0after" says position 6.
    return PydanticCustomError(
        ERROR_TYPE, MESSAGE, {"character": f"U+{ord(value[index]):04X}", "position": index}
    )


def check_single_line(value: str) -> str:
    found = _SINGLE_LINE.search(value)
    if found is not None:
        raise _refuse_at(value, found.start())
    return value


def check_multi_line(value: str) -> str:
    value = value.replace("\r\n", "\n")
    found = _MULTI_LINE.search(value)
    if found is not None:
        raise _refuse_at(value, found.start())
    return value


def shows_nothing(text: str) -> bool:
    """Whether a reader would see nothing: only spaces, line breaks and invisible format characters (a
    zero-width space, a word joiner, a byte-order mark), which `str.strip` keeps. A text that must say
    something (a comment asking for changes, a reason) is refused as blank when it shows nothing."""
    return all(c.isspace() or unicodedata.category(c) in ("Cf", "Zs", "Zl", "Zp") for c in text)


def check_visible(value: str) -> str:
    if shows_nothing(value):
        raise ValueError("must say something: it has no visible character")
    return value


# After the str schema, so a model's str_strip_whitespace has already trimmed the ends (a YAML folded
# title's final line feed is no fault) and the length limits count what was given.
SingleLine = Annotated[str, AfterValidator(check_single_line)]
MultiLine = Annotated[str, AfterValidator(check_multi_line)]


def line_and_column(text: str, position: int) -> tuple[int, int]:
    """The 1-based line and column of `position` in `text`: where a file's reader should look."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
