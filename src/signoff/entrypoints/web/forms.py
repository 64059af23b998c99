"""Reading forms: their fields as text, a file within its limit, and Pydantic's errors as GOV.UK-style
messages keyed by field (the error summary links each to its field)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class DateField:
    """A date entered as GOV.UK's date input (day, month and year fields), read and checked."""

    value: date | None
    error: str | None
    values: dict[str, str]  # what was typed, by field name, to show again


# The years a date typed into a form may have.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2099
_YEARS = f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}"


def read_date(form: FormData, name: str, missing: str) -> DateField:
    """The date of the fields `name`-day, -month and -year (or, from an older form or a script, one
    `name` field in ISO form); `missing` is the message when nothing was entered."""
    typed = {part: form.get(f"{name}-{part}").strip() for part in PARTS}
    if not any(typed.values()) and form.get(name).strip():
        try:
            found = date.fromisoformat(form.get(name).strip())
        except ValueError:
            return DateField(None, "Enter a real date", {name: form.get(name)})
        if not EARLIEST_YEAR <= found.year <= LATEST_YEAR:
            return DateField(None, _YEARS, {name: form.get(name)})
        return DateField(found, None, _parts_of(name, found))
    values = {f"{name}-{part}": typed[part] for part in PARTS}
    if not any(typed.values()):
        return DateField(None, missing, values)
    absent = [part for part in PARTS if not typed[part]]
    if absent:
        return DateField(None, f"The date must include a {' and a '.join(absent)}", values)
    if not all(typed[part].isdigit() for part in PARTS):
        return DateField(None, "Enter a real date, in numbers: for example, 27 3 2024", values)
    if len(typed["year"]) != 4:
        return DateField(None, "The year must have 4 numbers, like 2024", values)
    try:
        found = date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
    except ValueError:
        return DateField(None, "Enter a real date", values)
    if not EARLIEST_YEAR <= found.year <= LATEST_YEAR:
        # Nothing here is dated so far off, and a day after 9999-12-31 is no date at all.
        return DateField(None, _YEARS, values)
    return DateField(found, None, values)


def _parts_of(name: str, value: date) -> dict[str, str]:
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}
