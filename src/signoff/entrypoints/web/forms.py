"""Reading forms: their fields as text, a file within its limit, and Pydantic's errors as GOV.UK-style
messages keyed by field (the error summary links each to its field)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from pydantic import ValidationError

from signoff.domain.text_fields import ERROR_TYPE as CONTROL_CHARACTER


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes  # at most the upload limit and one byte: enough to tell that it is too large


@dataclass(frozen=True)
class FormData:
    fields: dict[str, list[str]]
    files: dict[str, Upload]

    def get(self, name: str, default: str = "") -> str:
        found = self.fields.get(name)
        return found[0] if found else default

    def all(self, name: str) -> list[str]:
        return self.fields.get(name, [])


async def read_form(request: Request, upload_limit: int = 0) -> FormData:
    """The form's fields, and its files read (up to `upload_limit` + 1 bytes) and closed."""
    form = await request.form(max_files=2, max_fields=2000)
    fields: dict[str, list[str]] = {}
    files: dict[str, Upload] = {}
    try:
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(name, []).append(value)
            elif value.filename and upload_limit:
                files[name] = Upload(value.filename, await value.read(upload_limit + 1))
    finally:
        await form.close()
    return FormData(fields, files)


def field_errors(error: ValidationError, messages: dict[str, str] | None = None) -> dict[str, str]:
    """The first problem of each field, by the field's form name (nested names joined with '-')."""
    found: dict[str, str] = {}
    for problem in error.errors():
        name = "-".join(str(part) for part in problem["loc"]) or "form"
        if name in found:
            continue
        top = str(problem["loc"][0]) if problem["loc"] else "form"
        if problem["type"] == CONTROL_CHARACTER:
            # The form's usual message ("Enter the text") would send the person looking for the wrong fault.
            field = next((str(part) for part in reversed(problem["loc"]) if isinstance(part, str)), "text")
            found[name] = control_character_message(field, str(problem["msg"]))
            continue
        found[name] = (messages or {}).get(top) or str(problem["msg"]).removeprefix("Value error, ")
    return found


def control_character_message(field: str, message: str) -> str:
    """'Reason must not contain control characters (found U+0000 at position 6)': the field, then why."""
    return f"{field.replace('_', ' ').capitalize()} {message}"
