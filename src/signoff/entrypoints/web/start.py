"""Starting a sign-off (the PCC office): a form for the inspection and its findings, or its YAML/JSON file."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from signoff.adapters.config_files import load_model
from signoff.domain.access import STARTER_ROLES
from signoff.domain.directory import DirectoryConfig, OrganisationKind, Participant
from signoff.domain.errors import InvalidInput, NotPermitted, PlanDoesNotFit
from signoff.domain.inspection import Body, FindingKind, Inspection, InspectionType, Inspectorate
from signoff.domain.text_fields import ERROR_TYPE as CONTROL_CHARACTER
from signoff.entrypoints.web.context import Web, render, signed_in, web
from signoff.entrypoints.web.forms import FormData, field_errors, read_date, read_form
from signoff.entrypoints.web.security import check_csrf
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoffs

router = APIRouter(include_in_schema=False)
Me = Annotated[Participant, Depends(signed_in)]
FINDING_ROWS = 6
# A finding row's fields, as named in templates/web/_intake_fields.html ('findings-N-label').
FINDING_FIELDS = (
    "ref",
    "label",
    "kind",
    "text",
    "explanation",
    "addressed_to",
    "addressee",
    "answers",
    "lead",
)
SUFFIXES = (".yaml", ".yml", ".json")


def _require_starter(me: Participant) -> None:
    if not STARTER_ROLES & me.roles:
        raise NotPermitted("only the PCC office's administrators and policy officers start sign-offs")


def intake_choices(request: Request) -> dict[str, Any]:
    """What the inspection's fields (templates/web/_intake_fields.html) offer to choose from."""
    directory = web(request).application.load_directory_config()
    return {
        "offices": [(o.key, o.name) for o in directory.organisations if o.kind is OrganisationKind.PCC],
        "forces": [(o.key, o.name) for o in directory.organisations if o.kind is OrganisationKind.FORCE],
        "types": [(t.value, t.value.replace("_", " ").capitalize()) for t in InspectionType],
        "kinds": [(k.value, k.label) for k in FindingKind],
        "inspectorates": [(i.value, i.full_name) for i in Inspectorate],
        "addressees": ", ".join(body.value for body in Body),
        "finding_rows": FINDING_ROWS,
    }


def _page(
    request: Request, me: Participant, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    defaults = {"respond_for": [me.organisation]}
    choices = intake_choices(request)
    # Those whose sign-off the starter may start: their own office's, and their region's for a report of it.
    ours = _offices_of_the_region(web(request).application.load_directory_config(), me.organisation)
    choices["offices"] = [(key, name) for key, name in choices["offices"] if key in ours]
    return render(
        request, "start.html", {**choices, "values": {**defaults, **values}, "errors": errors}, status
    )


def _offices_of_the_region(directory: DirectoryConfig, office: str) -> set[str]:
    """The office and the offices whose forces are of a regional unit with its force."""
    force = next((o.force for o in directory.organisations if o.key == office), None)
    region = {
        member
        for unit in directory.organisations
        if unit.kind is OrganisationKind.REGIONAL_UNIT and force in unit.forces
        for member in unit.forces
    }
    return {office} | {
        o.key for o in directory.organisations if o.kind is OrganisationKind.PCC and o.force in region
    }


@router.get("/signoffs/new", response_class=HTMLResponse)
def start_form(request: Request, me: Annotated[Participant, Depends(signed_in)]) -> Response:
    _require_starter(me)
    return _page(request, me, {}, {})


def intake_from_fields(form: FormData, finding_rows: int = FINDING_ROWS) -> tuple[dict[str, Any], list[int]]:
    """The inspection as data, and which form row each finding came from (errors name the row)."""
    findings = []
    rows: list[int] = []
    for n in range(finding_rows):
        row: dict[str, Any] = {k: form.get(f"findings-{n}-{k}") for k in FINDING_FIELDS}
        if any(row[k].strip() for k in FINDING_FIELDS if k != "kind"):
            finding = {k: v for k, v in row.items() if v.strip() or k in ("ref", "kind", "text")}
            if "addressed_to" in finding:
                # Typed as words separated by commas or spaces: 'cheshire-constabulary, home-office'.
                finding["addressed_to"] = [
                    word for word in re.split(r"[,\s]+", finding["addressed_to"]) if word
                ]
            findings.append(finding)
            rows.append(n)
    data: dict[str, Any] = {
        "title": form.get("title"),
        "published": read_date(form, "published", MESSAGES["published"]).value,
        "type": form.get("type"),
        "type_label": form.get("type_label") or None,
        "report_url": form.get("report_url"),
        "forces_covered": form.all("forces_covered"),
        "force_specific": {
            "answer": form.get("force_specific"),
            "note": form.get("force_specific_note") or None,
        },
        "force_quoted": form.get("force_quoted"),
        "recommendations": {
            "national": "national" in form.all("recommendations"),
            "local": "local" in form.all("recommendations"),
            "regional": "regional" in form.all("recommendations"),
        },
        "findings": findings,
        "respond_for": form.all("respond_for"),
    }
    if form.all("inspectorates"):
        data["inspectorates"] = form.all("inspectorates")  # none chosen: HMICFRS alone
    return data, rows


MESSAGES = {
    "title": "Enter the title of the report",
    "published": "Enter the date the report was published",
    "type": "Choose the type of inspection",
    "type_label": "The type's name must be 80 characters or fewer",
    "report_url": "Enter the address of the report, starting https://",
    "forces_covered": "Choose the forces the report covers",
    "force_specific": "Say whether the report is specific to the force",
    "force_specific_note": "The note must be 200 characters or fewer",
    "force_quoted": "Say whether the force is quoted",
    "respond_for": "Choose at least one PCC office to respond",
    "ref": "Enter the finding's reference, like AFI-1 (letters, numbers, dots and dashes)",
    "text": "Enter the text of the finding",
    "lead": "Enter the strategic lead's email address, like name@example.org, or leave it empty",
    "explanation": "The explanation is too long",
    "label": "The reference as printed must be 80 characters or fewer, like Recommendation 1",
    "addressed_to": "Say who it is addressed to: the keys of forces or regional units, or the words "
    "all-forces, pccs, college-of-policing, npcc, home-office, nca, cps, other-body, each once",
    "answers": "Enter the reference of the cause of concern this recommendation answers, like CoC-1",
    "inspectorates": "Choose the inspectorates that inspected",
}


def named_for_form(error: ValidationError, rows: list[int]) -> dict[str, str]:
    """Pydantic's places as the form's field names, with messages that say what to do."""
    # A control character's own message says what is wrong; the field's usual one ("Enter the title")
    # would not.
    own = {
        "-".join(str(part) for part in problem["loc"])
        for problem in error.errors()
        if problem["type"] == CONTROL_CHARACTER
    }
    named: dict[str, str] = {}
    for name, message in field_errors(error).items():
        parts = name.split("-")
        if parts[0] == "findings" and len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
            parts[1] = str(rows[int(parts[1])])
            text = message if name in own else MESSAGES.get(parts[2], message)
            named.setdefault("-".join(parts[:3]), f"Finding {int(parts[1]) + 1}: {text[0].lower()}{text[1:]}")
            continue
        if parts[:2] == ["force_specific", "note"]:
            parts = ["force_specific_note"]
        elif parts[0] in ("force_specific", "recommendations"):
            parts = parts[:1]
        named.setdefault("-".join(parts), message if name in own else MESSAGES.get(parts[0], message))
    return named


def form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: items[0] if len(items) == 1 else items for name, items in form.fields.items()
    }
    for name in ("forces_covered", "respond_for", "recommendations", "inspectorates"):
        values[name] = form.all(name)
    return values


@router.post("/signoffs/new")
async def start(request: Request, me: Me) -> Response:
    _require_starter(me)
    context = web(request)
    form = await read_form(request, context.application.settings.max_upload_bytes)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_start_with_form, request, me, context, form)


def _start_with_form(request: Request, me: Me, context: Web, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    values = form_values(form)
    upload = form.files.get("file")
    rows: list[int] = []
    try:
        if upload is not None:
            inspection = _inspection_from_file(
                upload.filename, upload.content, context.application.settings.max_upload_bytes
            )
            respond_for = form.all("respond_for") or None
        else:
            data, rows = intake_from_fields(form)
            inspection = Inspection.model_validate(data)
            respond_for = None
        started = start_signoffs(
            StartSignoff(inspection=inspection, started_by=me.email, respond_for=respond_for), context.deps
        )
    except ValidationError as error:
        named = named_for_form(error, rows)
        published = read_date(form, "published", MESSAGES["published"])
        if "published" in named and published.error:
            named["published"] = published.error  # what is wrong with the date, not only that it is
        return _page(request, me, {**values, **published.values}, named, 422)
    except (InvalidInput, PlanDoesNotFit, NotPermitted) as problem:
        # Kept on the form with what was typed: a late plan or a refused office is fixed there.
        status = 403 if isinstance(problem, NotPermitted) else 422
        return _page(
            request, me, values, {"file" if upload is not None else "title": problem.message}, status
        )
    ids = started.ids
    request.session["flash"] = " ".join(
        [
            f"Sign-off #{ids[0]} started."
            if len(ids) == 1
            else f"{len(ids)} sign-offs started: " + ", ".join(f"#{i}" for i in ids) + ".",
            *(f"Warning: {warning}" for warning in started.warnings),
        ]
    )
    return RedirectResponse(f"/signoffs/{ids[0]}", status_code=303)


def _inspection_from_file(name: str, content: bytes, limit: int) -> Inspection:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput("The file must be YAML (.yaml, .yml) or JSON (.json)")
    if len(content) > limit:
        raise InvalidInput(f"The file must be smaller than {limit // 1000} kB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"inspection{suffix}"
        path.write_bytes(content)
        try:
            return load_model(path, Inspection)
        except InvalidInput as problem:
            raise InvalidInput(file_problem_in_words(problem.message, str(path), Path(name).name)) from None


_PLACE = re.compile(r"^(?P<path>.*?)(?::(?P<line>\d+))?: (?P<rest>.*)$", re.DOTALL)
_FINDING = re.compile(r"^findings\[(?P<index>\d+)\]\.(?P<field>[a-z_]+)(?: \((?P<ref>[^)]*)\))?$")
FIELD_WORDS = {
    "title": "the title of the report",
    "published": "the date the report was published",
    "type": "the type of inspection",
    "type_label": "the name of the type",
    "report_url": "the address of the report",
    "forces_covered": "the forces the report covers",
    "force_specific": "whether the report is specific to the force",
    "force_quoted": "whether the force is quoted",
    "recommendations": "the recommendations",
    "findings": "the findings",
    "respond_for": "the offices that respond",
    "ref": "reference",
    "kind": "kind",
    "text": "text",
    "explanation": "explanation",
    "lead": "strategic lead",
    "label": "reference as printed",
    "addressed_to": "addressees",
    "answers": "cause of concern answered",
    "due": "due date",
    "inspectorates": "the inspectorates",
    "grades": "the grades",
}


def file_problem_in_words(message: str, path: str, name: str) -> str:
    """'nw.yaml:12: published: Input should be a valid date ...' as 'Line 12 of nw.yaml: the date the
    report was published must be a real date, like 2023-11-10.'"""
    found = _PLACE.match(message)
    if found is None or found.group("path") != path:
        return message.replace(path, name)
    line, rest = found.group("line"), found.group("rest")
    where = f"Line {line} of {name}" if line else name
    if rest.startswith(("not valid YAML", "not valid JSON")):
        kind = "YAML" if "YAML" in rest[:14] else "JSON"
        return f"{where} is not valid {kind}: check its indentation, colons, quotes and brackets."
    if rest.startswith("expected a mapping"):
        return f"{name} must list the fields of the inspection (title, published, findings, ...), and it does not."
    if rest == "not UTF-8 text":
        return f"{name} is not UTF-8 text: save it as UTF-8 (most editors offer it) and upload it again."
    key, _, problem = rest.partition(": ")
    if not problem:  # a message of the file's own, with no field to name
        return f"{where}: {rest}."
    if key == "(top level)":  # the file as a whole (two findings with one ref, say): no line to point at
        return f"{name}: {problem.removeprefix('Value error, ')}."
    return f"{where}: {_field_in_words(key)} {_problem_in_words(problem)}."


def _field_in_words(key: str) -> str:
    finding = _FINDING.match(key)
    if finding:
        which = finding.group("ref") or f"number {int(finding.group('index')) + 1}"
        return f"the {FIELD_WORDS.get(finding.group('field'), finding.group('field'))} of finding {which}"
    top = key.split(".")[0].split("[")[0]
    return FIELD_WORDS.get(top, f"'{key}'")


def _problem_in_words(problem: str) -> str:
    problem = problem.removeprefix("Value error, ")
    if problem == "Field required":
        return "is missing"
    if problem == "Extra inputs are not permitted":
        return "is not something an inspection file has: check its spelling"
    if "valid date" in problem:
        return "must be a real date, like 2023-11-10"
    if problem.startswith("Input should be "):
        choices = problem.removeprefix("Input should be ")
        if "'" in choices:
            return "must be one of " + choices.replace("'", "").replace("_", " ")
        return "must be " + choices
    if problem.startswith("String should have at most"):
        return "is too long (" + problem.removeprefix("String should have ") + ")"
    if problem.startswith("must not contain"):
        return problem
    if problem.startswith("String should have at least"):
        return "is empty"
    return "is not right: " + problem[:1].lower() + problem[1:]
