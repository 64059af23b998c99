"""Hostile configuration and intake files through `load_model`: each is read, or refused with an
InvalidInput naming the file, quickly; never another exception, never a hang.

Covers the intake file (Inspection, YAML and JSON) and the pipeline, directory, notifications,
publication and prepared-texts loaders, with the shipped files as seeds for mutation.
"""

from __future__ import annotations

import copy
import functools
import json
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from signoff.adapters.config_files import MAX_PROBLEMS_LISTED, MAX_VALUES, load_model
from signoff.domain.directory import DirectoryConfig
from signoff.domain.document import PublicationConfig, SectionTexts
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Inspection
from signoff.domain.notifications import NotificationRules
from signoff.domain.pipeline import Pipeline
from signoff.settings import PROJECT_ROOT
from tests.resilience.harness import report

CONFIG = PROJECT_ROOT / "config"
EXAMPLES = PROJECT_ROOT / "examples"
# A file is read or refused in well under this; a hang fails the test instead of stalling the suite.
PATIENCE_SECONDS = 5.0


@dataclass(frozen=True)
class Loader:
    name: str
    shipped: Path
    model: type[BaseModel]


LOADERS = (
    Loader("pipeline", CONFIG / "pipeline.yaml", Pipeline),
    Loader("directory", CONFIG / "directory.yaml", DirectoryConfig),
    Loader("notifications", CONFIG / "notifications.yaml", NotificationRules),
    Loader("publication", CONFIG / "publication.yaml", PublicationConfig),
    Loader("intake-yaml", EXAMPLES / "nw-soc-2023-reference.yaml", Inspection),
    Loader("intake-peel", EXAMPLES / "peel-2025-example.yaml", Inspection),
    Loader("intake-json", EXAMPLES / "child-protection-2024-example.json", Inspection),
    Loader("texts", EXAMPLES / "texts" / "nw-soc-2023-reference.yaml", SectionTexts),
)
LOADER_IDS = [loader.name for loader in LOADERS]

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Hung(Exception):
    pass


@contextmanager
def patience(seconds: float = PATIENCE_SECONDS) -> Iterator[None]:
    """Interrupt the block if it runs longer than `seconds` (a hang becomes a failure)."""

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_or_refuse(path: Path, model: type[BaseModel]) -> BaseModel | InvalidInput:
    """The loaded model, or the InvalidInput it was refused with; anything else fails the test."""
    started = time.monotonic()
    with patience():
        try:
            loaded = load_model(path, model)
        except InvalidInput as error:
            message = str(error)
            assert str(path) in message, f"the refusal does not name the file: {message[:300]}"
            assert len(message) < 100_000, "the refusal is too long to read"
            return error
    assert isinstance(loaded, model)
    assert time.monotonic() - started < PATIENCE_SECONDS
    return loaded


def refusal(path: Path, model: type[BaseModel]) -> str:
    outcome = load_or_refuse(path, model)
    assert isinstance(outcome, InvalidInput), f"{path.name} was accepted"
    return str(outcome)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", errors="surrogatepass"))
    return path


def shipped_data(loader: Loader) -> Any:
    """A fresh copy of the shipped file's data, free to mutate."""
    return copy.deepcopy(_parsed(loader.shipped))


@functools.cache
def _parsed(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def dump(data: Any, suffix: str) -> str:
    if suffix == ".json":
        return json.dumps(data, default=str, allow_nan=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# ----- the shipped files are the seeds: they must load, or every mutation test is vacuous -----


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_the_shipped_files_load(loader: Loader) -> None:
    assert isinstance(load_or_refuse(loader.shipped, loader.model), loader.model)


# ----- hostile values, anywhere in a shipped file -----

HOSTILE_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            " ",
            "2023-02-30",
            "2023-13-01",
            "0000-00-00",
            "yes",
            "no",
            "n/a",
            "~",
            "null",
            ".nan",
            "-.inf",
            "{area.__class__}",
            "{area:>999999999}",
            "../../etc/passwd",
            "signatures/../../secret.svg",
            "x" * 250_000,
            "\u202e\u0000\ud7ff\ufeff",
            "<script>alert(1)</script>",
            "person@",
            "@example.org",
            "a" * 64 + "@example.org",
        ]
    ),
    st.text(max_size=40),
)
HOSTILE_VALUES = st.recursive(
    HOSTILE_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
UNKNOWN_KEY = "Unknown Key!"


def _paths(data: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*here, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*here, index))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated(draw: st.DrawFn, loader: Loader) -> tuple[Any, list[str]]:
    """The shipped data after one to three mutations, and what was done."""
    data = shipped_data(loader)
    done: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        kind = draw(st.sampled_from(["delete", "replace", "inject", "wrap", "stringify"]))
        if kind == "delete":
            del parent[path[-1]]
        elif kind == "replace":
            parent[path[-1]] = draw(HOSTILE_VALUES)
        elif kind == "inject":
            target = parent[path[-1]]
            if not isinstance(target, dict):
                target = parent
            if isinstance(target, dict):
                target[UNKNOWN_KEY] = draw(HOSTILE_VALUES)
        elif kind == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        else:
            parent[path[-1]] = str(parent[path[-1]])
        done.append(f"{kind} {'.'.join(map(str, path))}")
    return data, done


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_mutations_of_the_shipped_files_are_read_or_refused_by_file(loader: Loader, scratch: Path) -> None:
    outcomes = {"read": 0, "refused": 0}

    @FUZZ
    @given(change=mutated(loader))
    def check(change: tuple[Any, list[str]]) -> None:
        data, _done = change
        path = write(
            scratch, f"mutant-{loader.name}{loader.shipped.suffix}", dump(data, loader.shipped.suffix)
        )
        outcome = load_or_refuse(path, loader.model)
        outcomes["refused" if isinstance(outcome, InvalidInput) else "read"] += 1

    check()
    report(f"fuzzed {loader.name}: {outcomes}")
    assert outcomes["refused"] > 0, outcomes


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_an_unknown_key_anywhere_is_refused_and_named(loader: Loader, scratch: Path) -> None:
    data = shipped_data(loader)
    mappings = [p for p in _paths(data) if isinstance(_at(data, p), dict)]

    @FUZZ
    @given(where=st.sampled_from(mappings), value=HOSTILE_VALUES)
    def check(where: tuple[Any, ...], value: Any) -> None:
        data = shipped_data(loader)
        _at(data, where)[UNKNOWN_KEY] = value
        path = write(
            scratch, f"unknown-{loader.name}{loader.shipped.suffix}", dump(data, loader.shipped.suffix)
        )
        message = refusal(path, loader.model)
        assert UNKNOWN_KEY in message, message[:500]

    check()


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_deleting_any_required_top_level_key_is_refused_and_named(loader: Loader, scratch: Path) -> None:
    data = shipped_data(loader)
    required = [k for k, f in loader.model.model_fields.items() if f.is_required() and k in data]
    assert required
    for key in required:
        smaller = {k: v for k, v in data.items() if k != key}
        path = write(scratch, f"without-{key}{loader.shipped.suffix}", dump(smaller, loader.shipped.suffix))
        message = refusal(path, loader.model)
        assert f"{key}: Field required" in message


# ----- whole files of anything -----

JSONISH = st.recursive(
    HOSTILE_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_any_document_is_read_or_refused_by_file(loader: Loader, scratch: Path) -> None:
    @FUZZ
    @given(data=JSONISH, suffix=st.sampled_from([".yaml", ".json"]))
    def check(data: Any, suffix: str) -> None:
        path = write(scratch, f"anything-{loader.name}{suffix}", dump(data, suffix))
        load_or_refuse(path, loader.model)

    check()


@given(
    content=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    suffix=st.sampled_from([".yaml", ".json", ".yml", ""]),
)
@FUZZ
def test_any_bytes_are_read_or_refused_by_file(content: bytes, suffix: str, scratch: Path) -> None:
    load_or_refuse(write(scratch, f"bytes{suffix}", content), Inspection)


YAML_TOKENS = st.sampled_from(
    [
        "a",
        ": ",
        "- ",
        "\n",
        "  ",
        "{",
        "}",
        "[",
        "]",
        ", ",
        "&x ",
        "*x",
        "<<: ",
        "!!python/object/apply:os.system ",
        "!!timestamp ",
        "!!int ",
        "!!float ",
        "!!bool ",
        "!!binary ",
        "!!set ",
        "!!omap ",
        "!custom ",
        "'",
        '"',
        "|\n",
        ">-\n",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "? ",
        "#",
        "2023-02-30",
        "1e999",
        "9" * 5000,
        ".nan",
        "~",
        "\t",
        "\x00",
        "\ufeff",
        "\\ud800",
        "published",
        "title",
        "findings",
    ]
)


@given(tokens=st.lists(YAML_TOKENS, max_size=40))
@FUZZ
def test_any_jumble_of_yaml_syntax_is_read_or_refused_by_file(tokens: list[str], scratch: Path) -> None:
    load_or_refuse(write(scratch, "jumble.yaml", "".join(tokens)), Inspection)


@given(tokens=st.lists(YAML_TOKENS, min_size=1, max_size=12), loader=st.sampled_from(LOADERS))
@FUZZ
def test_yaml_syntax_spliced_into_a_shipped_file_is_read_or_refused_by_file(
    tokens: list[str], loader: Loader, scratch: Path
) -> None:
    lines = loader.shipped.read_text(encoding="utf-8").splitlines(keepends=True)
    at = len("".join(tokens)) % len(lines)
    text = "".join(lines[:at]) + "".join(tokens) + "".join(lines[at:])
    load_or_refuse(write(scratch, f"spliced{loader.shipped.suffix}", text), loader.model)


# ----- aliases: a "billion laughs" is refused at once, an honest anchor still works -----


def laughs(depth: int, width: int = 10, at: str = "title") -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, depth + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    lines.append(f"{at}: *l{depth}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("depth", [6, 9, 30])
@pytest.mark.parametrize("loader", LOADERS[:5], ids=LOADER_IDS[:5])
def test_an_alias_bomb_is_refused_quickly(loader: Loader, depth: int, scratch: Path) -> None:
    field = next(iter(loader.model.model_fields))
    path = write(scratch, "laughs.yaml", laughs(depth, at=field))
    # This process's CPU time: what reading the file costs, not how busy the shared machine is (an
    # exponential expansion would take minutes of it; the bound is generous).
    started = time.process_time()
    message = refusal(path, loader.model)
    assert time.process_time() - started < 1.0
    assert f"expands to more than {MAX_VALUES} values through its aliases" in message


@given(depth=st.integers(min_value=1, max_value=40), width=st.integers(min_value=1, max_value=12))
@FUZZ
def test_any_alias_pyramid_is_read_or_refused_quickly(depth: int, width: int, scratch: Path) -> None:
    started = time.process_time()
    load_or_refuse(write(scratch, "pyramid.yaml", laughs(depth, width, at="forces_covered")), Inspection)
    assert time.process_time() - started < 1.0


def test_a_merge_key_bomb_is_read_or_refused_quickly(scratch: Path) -> None:
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for level in range(1, 12):
        lines.append(f"m{level}: &m{level} {{<<: [{', '.join([f'*m{level - 1}'] * 10)}]}}")
    started = time.process_time()
    refusal(write(scratch, "merges.yaml", "\n".join(lines) + "\n"), Inspection)
    assert time.process_time() - started < 1.0


def test_an_alias_that_contains_itself_is_refused(scratch: Path) -> None:
    message = refusal(write(scratch, "loop.yaml", "forces_covered: &me [a, *me]\n"), Inspection)
    assert "loop.yaml:1: an alias refers to the value containing it" in message


def test_an_honest_anchor_and_merge_still_load(scratch: Path) -> None:
    text = CONFIG.joinpath("pipeline.yaml").read_text(encoding="utf-8")
    drafter = "drafter: {role: policy_officer, of: pcc}"
    assert text.count(drafter) == 2
    anchored = text.replace(drafter, "drafter: &po {role: policy_officer, of: pcc}", 1).replace(
        drafter, "drafter: *po", 1
    )
    anchored = anchored.replace("  due_soon_working_days: 3\n", "  <<: {due_soon_working_days: 3}\n", 1)
    assert "*po" in anchored
    assert "<<:" in anchored
    loaded = load_or_refuse(write(scratch, "anchored.yaml", anchored), Pipeline)
    assert loaded == load_model(CONFIG / "pipeline.yaml", Pipeline)


# ----- other hostile shapes, one by one -----

TAGGED = {
    "python-object": "title: !!python/object/apply:os.system ['echo owned']\n",
    "python-name": "title: !!python/name:os.system\n",
    "impossible-timestamp": "published: !!timestamp 2023-02-30\n",
    "empty-int": "title: !!int ''\n",
    "not-a-bool": "title: !!bool maybe\n",
    "not-a-float": "title: !!float lots\n",
    "bad-binary": "title: !!binary '%%%'\n",
    "custom-tag": "title: !signoff/danger x\n",
    "set": "forces_covered: !!set {a, b}\n",
    "omap-bad": "title: !!omap [a, b]\n",
    "long-integer": "title: " + "9" * 5000 + "\n",
    "two-documents": "title: a\n---\ntitle: b\n",
    "unhashable-key": "? [a, b]\n: c\n",
    "merge-scalar": "<<: 5\n",
    "nul-byte": "title: a\x00b\n",
    "flow-nesting": "title: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "empty": "",
    "only-comment": "# nothing here\n",
    "top-level-list": "- title: a\n",
    "top-level-scalar": "just words\n",
    "bom-and-nothing": "\ufeff",
    "undefined-alias": "title: *nowhere\n",
}


@pytest.mark.parametrize("text", TAGGED.values(), ids=TAGGED.keys())
def test_hostile_yaml_is_refused_by_file(text: str, scratch: Path) -> None:
    message = refusal(write(scratch, "hostile.yaml", text), Inspection)
    assert "Traceback" not in message


def test_an_impossible_date_is_refused_naming_the_field_and_line(scratch: Path) -> None:
    text = EXAMPLES.joinpath("nw-soc-2023-reference.yaml").read_text(encoding="utf-8")
    path = write(scratch, "feb30.yaml", text.replace("published: 2023-11-10", "published: 2023-02-30"))
    message = refusal(path, Inspection)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if row.startswith("published:"))
    assert f"feb30.yaml:{line}: published:" in message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("long.json", '{"title": ' + "9" * 5000 + "}", "not valid JSON"),
        ("nan.json", '{"title": NaN, "published": Infinity, "forces_covered": -Infinity}', "title"),
        ("surrogate.json", '{"title": "\\ud800"}', "title"),
        ("empty.json", "", "not valid JSON"),
        ("list.json", "[1, 2]", "expected a mapping of fields at the top, found list"),
    ],
)
def test_hostile_json_is_refused_by_file(name: str, content: str, expected: str, scratch: Path) -> None:
    assert expected in refusal(write(scratch, name, content), Inspection)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("twice.yaml", "title: first\ntitle: second\n"),
        ("twice.json", '{"title": "first", "title": "second"}'),
    ],
)
def test_a_key_given_twice_is_refused_not_silently_overwritten(
    name: str, content: str, scratch: Path
) -> None:
    message = refusal(write(scratch, name, content), Inspection)
    assert "'title' is given twice" in message
    if name.endswith(".yaml"):
        assert "twice.yaml:2:" in message


def test_a_duplicate_key_deep_in_the_directory_names_its_line(scratch: Path) -> None:
    text = CONFIG.joinpath("directory.yaml").read_text(encoding="utf-8")
    owen = "    roles: [policy_officer]\n"
    assert owen in text
    doubled = text.replace(owen, owen + "    roles: [viewer]\n", 1)
    line = doubled[: doubled.index(owen)].count("\n") + 2
    message = refusal(write(scratch, "directory.yaml", doubled), DirectoryConfig)
    assert f"directory.yaml:{line}: key 'roles' is given twice" in message


def test_invalid_utf8_and_binary_are_refused(scratch: Path) -> None:
    assert "not UTF-8 text" in refusal(
        write(scratch, "latin1.yaml", "title: caf\xe9\n".encode("latin-1")), Inspection
    )
    png = (
        PROJECT_ROOT.joinpath("config", "signatures", "cheshire-pcc.svg").read_bytes()[:50]
        + b"\x89PNG\xff\xd8"
    )
    refusal(write(scratch, "image.yaml", png), Inspection)


def test_a_file_of_a_million_tiny_values_is_refused_quickly(scratch: Path) -> None:
    path = write(scratch, "million.yaml", "people: [" + ",".join(["1"] * 999_000) + "]\n")
    started = time.process_time()
    message = refusal(path, DirectoryConfig)
    assert time.process_time() - started < 2.0
    assert f"has more than {MAX_VALUES} values" in message


def test_a_file_too_large_is_refused_before_it_is_read(scratch: Path) -> None:
    path = write(scratch, "huge.yaml", "title: '" + "x" * 2_100_000 + "'\n")
    assert "is too large" in refusal(path, Inspection)


def test_thousands_of_problems_are_summarised_not_all_listed(scratch: Path) -> None:
    people = [
        {"email": f"not-an-email-{n}", "name": "x", "organisation": "cheshire-pcc"} for n in range(3000)
    ]
    data = yaml.safe_load(CONFIG.joinpath("directory.yaml").read_text(encoding="utf-8"))
    data["people"] = people
    message = refusal(write(scratch, "many.yaml", yaml.safe_dump(data)), DirectoryConfig)
    lines = message.splitlines()
    assert len(lines) == MAX_PROBLEMS_LISTED + 1
    assert lines[-1].endswith(f"and {3000 - MAX_PROBLEMS_LISTED} more problems")
    assert "people[0]" in lines[0]


@pytest.mark.parametrize(
    "title",
    [
        "{area.__class__}",
        "{area.x}",
        "{area[0]}",
        "{area:>999999999}",
        "{area!r}",
        "{0}",
        "{}",
        "{area",
        "area}",
    ],
)
def test_a_publication_title_may_use_only_its_plain_placeholders(title: str, scratch: Path) -> None:
    data = yaml.safe_load(CONFIG.joinpath("publication.yaml").read_text(encoding="utf-8"))
    data["title"] = title
    started = time.process_time()
    message = refusal(write(scratch, "publication.yaml", yaml.safe_dump(data)), PublicationConfig)
    assert time.process_time() - started < 1.0
    assert "title: may use only these placeholders: {area}, {office}" in message


def test_a_publication_title_with_the_area_placeholder_still_loads(scratch: Path) -> None:
    data = yaml.safe_load(CONFIG.joinpath("publication.yaml").read_text(encoding="utf-8"))
    data["title"] = "Response of the {area} PCC, {{in braces}}"
    loaded = load_or_refuse(write(scratch, "publication.yaml", yaml.safe_dump(data)), PublicationConfig)
    assert isinstance(loaded, PublicationConfig)
    assert loaded.title.format(area="Cheshire") == "Response of the Cheshire PCC, {in braces}"


def test_dates_stay_text_until_the_field_reads_them(scratch: Path) -> None:
    text = EXAMPLES.joinpath("nw-soc-2023-reference.yaml").read_text(encoding="utf-8")
    loaded = load_or_refuse(write(scratch, "reference.yaml", text), Inspection)
    assert isinstance(loaded, Inspection)
    assert loaded.published == date(2023, 11, 10)
