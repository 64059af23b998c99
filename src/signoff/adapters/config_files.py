"""Reading YAML and JSON files into Pydantic models, with errors that name the file, line and key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from signoff.domain.errors import InvalidInput

Model = TypeVar("Model", bound=BaseModel)


class _TextDatesLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: a date stays text for Pydantic, so 2023-02-30 is refused by
    the field's validator (naming the field and line) instead of crashing the YAML constructor."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
MAX_FILE_BYTES = 2_000_000


def load_model(path: Path, model: type[Model]) -> Model:
    """The file's content validated as `model`, or InvalidInput listing every problem with its place."""
    text = _read(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidInput(f"{path}:{error.lineno}: not valid JSON: {error.msg}") from None
        return validate(data, model, str(path))
    try:
        root = yaml.compose(text, Loader=_TextDatesLoader)
        data = yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise InvalidInput(f"{where}: not valid YAML: {problem}") from None
    return validate(data, model, str(path), lambda loc: _line_of(root, loc))


def validate(data: Any, model: type[Model], source: str, line_of: Any = None) -> Model:
    """Validate already-parsed data; errors name `source` and the key path."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: expected a mapping of fields at the top, found {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            loc = tuple(problem["loc"])
            line = line_of(loc) if line_of else None
            place = f"{source}:{line}" if line else source
            key = _dotted(loc) or "(top level)"
            lines.append(f"{place}: {key}{_whose(data, loc)}: {_message(problem)}")
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
    return f" ({label})" if isinstance(label, str) else ""


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: {size} bytes is too large (the limit is {MAX_FILE_BYTES})")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read: {error.strerror}") from None


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
