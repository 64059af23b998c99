"""Reading YAML and JSON files into Pydantic models, with errors that name the file, line and key."""

from __future__ import annotations

import json
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from signoff.domain.errors import InvalidInput
from signoff.domain.text_fields import first_control_character

Model = TypeVar("Model", bound=BaseModel)


try:
    # libyaml's parser: an order of magnitude faster on a large file, and it refuses deep nesting.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _TextDatesLoader(_SafeLoader):
    """YAML without implicit timestamps: a date stays text for Pydantic, so 2023-02-30 is refused by
    the field's validator (naming the field and line) instead of crashing the YAML constructor."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
MAX_FILE_BYTES = 2_000_000
# Values after aliases are expanded: far above any real configuration, far below a "billion laughs".
MAX_VALUES = 200_000
# A file with more problems than this is not worth listing in full.
MAX_PROBLEMS_LISTED = 50
# What a constructor raises on a value its explicit tag cannot take (!!int '', !!bool maybe,
# !!timestamp 2023-02-30), or on an integer too long to convert; and what deep nesting raises.
_BAD_VALUE = (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError)


def load_model(path: Path, model: type[Model]) -> Model:
    """The file's content validated as `model`, or InvalidInput listing every problem with its place."""
    text = read_text_file(path)
    if path.suffix.lower() == ".json":
        return validate(_parse_json(text, path), model, str(path))
    root, data = _parsed_yaml(text, path)
    return validate(data, model, str(path), lambda loc: _line_of(root, loc))


@lru_cache(maxsize=16)
def _parsed_yaml(text: str, path: Path) -> tuple[Any, Any]:
    """`_parse_yaml`, once per file content: the configuration is read again for each request and each
    handler (so that an edited file applies at once), and parsing the directory with its checks takes
    some 40 ms where validating what it holds takes a few. The text is the key, so an edit is parsed
    anew; a file that fails is not kept. Validation only reads what is kept."""
    return _parse_yaml(text, path)


def _parse_json(text: str, path: Path) -> Any:
    try:
        # A file saved as "UTF-8 with BOM" (Windows' editors) begins with its mark, as YAML reads it too.
        return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_refuse_duplicates(path))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path}:{error.lineno}: not valid JSON: {error.msg}") from None
    except RecursionError:
        raise InvalidInput(f"{path}: not valid JSON: nested too deeply") from None
    except ValueError as error:  # an integer too long to convert
        raise InvalidInput(f"{path}: not valid JSON: {error}") from None


def _refuse_duplicates(path: Path) -> Any:
    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _value in pairs]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise InvalidInput(f"{path}: key {', '.join(map(repr, twice))} is given twice in one object")
        return dict(pairs)

    return pairs_to_dict


def _parse_yaml(text: str, path: Path) -> tuple[Any, Any]:
    """The node tree (for line numbers) and the data."""
    loader = _TextDatesLoader(text)
    try:
        _count_values(text, path)
        root = loader.get_single_node()
        if root is not None:
            _check_shape(root, path)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise InvalidInput(f"{where}: not valid YAML: {problem}") from None
    except _BAD_VALUE as error:
        raise InvalidInput(f"{path}: not valid YAML: {type(error).__name__}: {error}") from None
    finally:
        loader.dispose()
    return root, data


def _count_values(text: str, path: Path) -> None:
    """Refuse a file of more than MAX_VALUES values before building them: parsing is cheap next to
    building a node for each, and a file of a million tiny values would take seconds to refuse."""
    counter = _TextDatesLoader(text)
    try:
        count = 0
        while counter.check_event():
            if isinstance(counter.get_event(), yaml.NodeEvent):
                count += 1
                if count > MAX_VALUES:
                    raise InvalidInput(f"{path}: has more than {MAX_VALUES} values")
    finally:
        counter.dispose()


def _check_shape(root: yaml.Node, path: Path) -> None:
    """Refuse a mapping that gives a key twice, a node that contains itself, and aliases that expand
    past MAX_VALUES (a "billion laughs"), before anything is constructed. Linear in the nodes."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            on_path.discard(id(node))
            sizes[id(node)] = size = 1 + sum(sizes[id(child)] for child in children)
            if size > MAX_VALUES:
                raise InvalidInput(
                    f"{path}:{node.start_mark.line + 1}: expands to more than {MAX_VALUES} values "
                    "through its aliases"
                )
            continue
        if id(node) in on_path:
            raise InvalidInput(
                f"{path}:{node.start_mark.line + 1}: an alias refers to the value containing it"
            )
        on_path.add(id(node))
        if isinstance(node, yaml.MappingNode):
            _refuse_duplicate_keys(node, path)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _refuse_duplicate_keys(node: yaml.MappingNode, path: Path) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        if (key.tag, key.value) in seen:
            raise InvalidInput(f"{path}:{key.start_mark.line + 1}: key {key.value!r} is given twice")
        seen.add((key.tag, key.value))


def validate(data: Any, model: type[Model], source: str, line_of: Any = None) -> Model:
    """Validate already-parsed data; errors name `source` and the key path."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: expected a mapping of fields at the top, found {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = []
        problems = error.errors()
        for problem in problems[:MAX_PROBLEMS_LISTED]:
            loc = tuple(problem["loc"])
            line = line_of(loc) if line_of else None
            place = f"{source}:{line}" if line else source
            key = _dotted(loc) or "(top level)"
            lines.append(f"{place}: {key}{_whose(data, loc)}: {_message(problem)}")
        if len(problems) > MAX_PROBLEMS_LISTED:
            lines.append(f"{source}: and {len(problems) - MAX_PROBLEMS_LISTED} more problems")
        raise InvalidInput("\n".join(lines)) from None


def _whose(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """For an entry of a list of people or findings, say whose it is, not just its position."""
    if len(loc) < 2 or not isinstance(loc[1], int) or not isinstance(data.get(loc[0]), list):
        return ""
    entries = data[loc[0]]
    entry = entries[loc[1]] if loc[1] < len(entries) else None
    if not isinstance(entry, dict):
        return ""
    label = entry.get("name") or entry.get("ref") or entry.get("key")
    # A label holding a control character (the fault being reported, say) is not echoed to a terminal.
    usable = isinstance(label, str) and first_control_character(label) is None
    return f" ({label})" if usable else ""


def read_text_file(path: Path) -> str:
    try:
        status = path.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read: {error.strerror}") from None
    if stat.S_ISDIR(status.st_mode):
        raise InvalidInput(f"{path}: cannot read: Is a directory")
    if not stat.S_ISREG(status.st_mode):
        # A device (/dev/zero) or a pipe reports no size and may never end: only a file is read.
        raise InvalidInput(f"{path}: not a file")
    if status.st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: {status.st_size} bytes is too large (the limit is {MAX_FILE_BYTES})")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # a file growing while it is read stops at the limit too
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read: {error.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: more than {MAX_FILE_BYTES} bytes is too large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None


def _message(problem: Any) -> str:
    message = str(problem["msg"])
    return message.removeprefix("Value error, ")


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of the deepest ancestor found."""
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    current = node
    for part in loc:
        child = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == str(part):
                    child = value_node
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            child = current.value[part]
        if child is None:
            break
        current = child
        line = current.start_mark.line + 1
    return line


def line_in_yaml(path: Path, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the value at `loc` in a YAML file already validated (for a later check's message)."""
    root, _data = _parse_yaml(read_text_file(path), path)
    return _line_of(root, loc)
