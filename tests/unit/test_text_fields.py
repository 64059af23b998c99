"""The text types every boundary uses: a string with a forbidden character is refused, saying which and
where; any other string is taken exactly as given (a multi-line one with Windows line endings made
line feeds); and a file's refusal names its line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from signoff.adapters.config_files import load_model
from signoff.domain.directory import DirectoryConfig
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Inspection
from signoff.domain.text_fields import MultiLine, SingleLine, line_and_column
from signoff.settings import PROJECT_ROOT

SINGLE = TypeAdapter(SingleLine)
MULTI = TypeAdapter(MultiLine)


def forbidden_in_single_line(character: str) -> bool:
    code = ord(character)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0x2028 <= code <= 0x202E  # the separators, and the bidirectional embeddings and overrides
        or 0x2066 <= code <= 0x2069  # the bidirectional isolates
        or 0xD800 <= code <= 0xDFFF
        or 0xFDD0 <= code <= 0xFDEF  # noncharacters
        or code in (0xFFFE, 0xFFFF)  # noncharacters XML 1.0 forbids
    )


def forbidden_in_multi_line(character: str) -> bool:
    return forbidden_in_single_line(character) and character not in "\n\t"


# Every code point, surrogates included (which st.text leaves out unless asked).
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
FORBIDDEN = st.one_of(
    st.characters(max_codepoint=0x1F),
    st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
    st.characters(min_codepoint=0x2028, max_codepoint=0x202E),
    st.characters(min_codepoint=0x2066, max_codepoint=0x2069),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
    st.characters(min_codepoint=0xFDD0, max_codepoint=0xFDEF, exclude_categories=()),
    st.sampled_from(["\ufffe", "\uffff"]),
)


@given(
    before=st.text(ANY_CHARACTER).filter(lambda t: not any(map(forbidden_in_single_line, t))),
    bad=FORBIDDEN,
    after=st.text(ANY_CHARACTER),
)
def test_a_single_line_with_a_forbidden_character_is_refused_saying_which_and_where(
    before: str, bad: str, after: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        SINGLE.validate_python(before + bad + after)
    [problem] = caught.value.errors()
    assert problem["type"] == "control_character"
    assert problem["msg"] == (
        f"must not contain control characters (found U+{ord(bad):04X} at position {len(before)})"
    )


@given(st.text(ANY_CHARACTER).filter(lambda t: not any(map(forbidden_in_single_line, t))))
def test_a_single_line_without_one_is_taken_unchanged(text: str) -> None:
    assert SINGLE.validate_python(text) == text


@given(text=st.text(ANY_CHARACTER), bad=FORBIDDEN.filter(forbidden_in_multi_line))
def test_multi_line_text_with_a_forbidden_character_is_refused(text: str, bad: str) -> None:
    with pytest.raises(ValidationError, match="must not contain control characters"):
        MULTI.validate_python(text + bad + text)


@given(st.text(ANY_CHARACTER).filter(lambda t: not any(map(forbidden_in_multi_line, t))))
def test_multi_line_text_without_one_is_taken_unchanged(text: str) -> None:
    assert MULTI.validate_python(text) == text


@given(st.lists(st.text(ANY_CHARACTER).filter(lambda t: not any(map(forbidden_in_multi_line, t)))))
def test_windows_line_endings_become_line_feeds(lines: list[str]) -> None:
    assert MULTI.validate_python("\r\n".join(lines)) == "\n".join(lines)


def test_a_lone_carriage_return_is_refused_in_multi_line_text() -> None:
    with pytest.raises(ValidationError, match=r"found U\+000D at position 3"):
        MULTI.validate_python("one\rtwo")


def test_line_and_column_count_from_one() -> None:
    assert line_and_column("ab\ncd\x00", 5) == (2, 3)
    assert line_and_column("\x00", 0) == (1, 1)


def test_an_intake_file_with_a_nul_names_the_line_and_key(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml").read_text(encoding="utf-8")
    path = tmp_path / "report.yaml"
    path.write_text(text.replace("type_label: Thematic", 'type_label: "The\\0matic"'), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if row.startswith("type_label:"))
    with pytest.raises(InvalidInput) as caught:
        load_model(path, Inspection)
    assert caught.value.message == (
        f"{path}:{line}: type_label: must not contain control characters (found U+0000 at position 3)"
    )


def test_a_directory_with_an_escape_in_a_name_is_refused_naming_the_line_and_key(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "config" / "directory.yaml").read_text(encoding="utf-8")
    line, name = next(
        (n, row.split("name:", 1)[1].strip())
        for n, row in enumerate(text.splitlines(), start=1)
        if row.startswith("    name:")
    )
    path = tmp_path / "directory.yaml"
    path.write_text(text.replace(f"name: {name}", f'name: "\\e[31m{name}"', 1), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_model(path, DirectoryConfig)
    # The message names the place, and does not echo the escape (which would recolour the terminal).
    assert caught.value.message == (
        f"{path}:{line}: organisations[0].name: must not contain control characters "
        "(found U+001B at position 0)"
    )


def test_a_note_holding_a_character_xml_cannot_is_refused_naming_it() -> None:
    # A correction's note goes into the public Atom feed, one for every office: U+FFFF there would make it
    # unreadable to every feed reader.
    with pytest.raises(ValidationError, match="U\\+FFFF at position 5"):
        SINGLE.validate_python("Typo \uffff fixed")
    with pytest.raises(ValidationError, match="U\\+FFFE at position 0"):
        MULTI.validate_python("\ufffeA body")


def test_a_title_that_would_read_backwards_is_refused_and_a_right_to_left_mark_is_not() -> None:
    # U+202E reverses what follows: "Approved: <RLO>txet" would show as "Approved: text" in a subject.
    with pytest.raises(ValidationError, match="U\\+202E at position 10"):
        SINGLE.validate_python("Approved: \u202etxet")
    assert SINGLE.validate_python("\u0639\u0644\u064a \u200f(Ali)") == "\u0639\u0644\u064a \u200f(Ali)"
