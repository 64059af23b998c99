"""The pages people use: their tasks, a sign-off, a section (draft, decide, delegate), published files."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from signoff.domain.approval import revised_while_read
from signoff.domain.directory import Participant
from signoff.domain.errors import InvalidInput, InvalidPeriod, NotFound, NotPermitted, TextChanged
from signoff.domain.model import MAX_SECTION_LENGTH, Outcome
from signoff.domain.text_fields import MultiLine, SingleLine
from signoff.entrypoints.web.context import Id, render, signed_in, web
from signoff.entrypoints.web.formatting import LONDON, day
from signoff.entrypoints.web.forms import FormData, field_errors, read_date, read_form
from signoff.entrypoints.web.security import check_csrf
from signoff.entrypoints.web.session_notes import bounded_values
from signoff.entrypoints.web.timeline import timeline
from signoff.service.commands import Decide, DelegateApprovals, EndDelegation, SubmitRevision
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals, end_delegation
from signoff.service.handlers.submit_revision import submit_revision
from signoff.service.queries.delegate_choices import delegate_choices
from signoff.service.queries.directory_view import person_name
from signoff.service.queries.my_delegations import my_delegations
from signoff.service.queries.my_tasks import my_tasks
from signoff.service.queries.published_file import published_file
from signoff.service.queries.section_page import SectionPage, section_page
from signoff.service.queries.signoff_page import signoff_page

router = APIRouter(include_in_schema=False)
Me = Annotated[Participant, Depends(signed_in)]


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def take_flash(request: Request) -> str | None:
    found = request.session.pop("flash", None)
    return found if isinstance(found, str) else None


@router.get("/")
def home() -> Response:
    return RedirectResponse("/tasks", status_code=303)


@router.get("/tasks", response_class=HTMLResponse)
def tasks(request: Request, me: Me) -> Response:
    context = web(request)
    items = my_tasks(me.email, context.deps)
    return render(
        request,
        "tasks.html",
        {"tasks": items, "flash": take_flash(request), "delegation": delegation_feedback(request)},
    )


@router.get("/signoffs/{signoff_id}", response_class=HTMLResponse)
def signoff(request: Request, signoff_id: Id, me: Me) -> Response:
    context = web(request)
    page = signoff_page(signoff_id, me.email, context.deps)
    return render(
        request,
        "signoff.html",
        {
            "page": page,
            "timeline": timeline(page, context.deps.clock.now()),
            "timeline_narrow": timeline(page, context.deps.clock.now(), narrow=True),
            "flash": take_flash(request),
        },
    )


@router.get("/signoffs/{signoff_id}/sections/{section_key}", response_class=HTMLResponse)
def section(request: Request, signoff_id: Id, section_key: str, me: Me) -> Response:
    page = section_page(signoff_id, section_key[:64], me.email, web(request).deps)
    return _section(request, page)


def _section(
    request: Request,
    page: SectionPage,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    preview: str | None = None,
) -> Response:
    return render(
        request,
        "section.html",
        {
            "page": page,
            "preview": preview,
            "errors": errors or {},
            "values": values or {},
            "flash": take_flash(request),
            "delegation": delegation_feedback(request),
        },
        status,
    )


class DraftForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    body: MultiLine = Field(min_length=1, max_length=MAX_SECTION_LENGTH)
    note: SingleLine = Field(default="", max_length=2000)
    base_revision: int | None = Field(default=None, ge=0, le=2_147_483_647)


class DecisionForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    outcome: Outcome
    comment: MultiLine = Field(default="", max_length=10_000)
    # The revision the page showed (a hidden field): a decision on a text revised since is refused.
    revision: int | None = Field(default=None, ge=1)


@router.post("/signoffs/{signoff_id}/sections/{section_key}/revisions")
async def draft(request: Request, signoff_id: Id, section_key: str, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_draft_with_form, request, signoff_id, section_key, me, form)


def _draft_with_form(request: Request, signoff_id: Id, section_key: str, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    deps = web(request).deps
    values = {"body": form.get("body"), "note": form.get("note")}
    try:
        parsed = DraftForm.model_validate({**values, "base_revision": form.get("base_revision") or None})
        if form.get("preview"):
            # Shown as it will read, with what was typed kept in the form; nothing is saved.
            page = section_page(signoff_id, section_key, me.email, deps)
            if not page.can_draft:
                raise NotPermitted(f"{me.email} may not draft section {section_key!r}")
            return _section(request, page, values=values, preview=parsed.body)
        number = submit_revision(
            SubmitRevision(
                signoff_id=signoff_id,
                section=section_key,
                author=me.email,
                body=parsed.body,
                note=parsed.note,
                base_revision=parsed.base_revision,
            ),
            deps,
        )
    except TextChanged as changed:
        # Revised by someone else while this text was written: the page shows theirs, this one kept.
        page = section_page(signoff_id, section_key, me.email, deps)
        return _section(request, page, {"body": changed.message}, values, 409)
    except ValidationError as error:
        errors = field_errors(
            error, {"body": "Enter the text of the section", "note": "The note is too long"}
        )
        return _section(request, section_page(signoff_id, section_key, me.email, deps), errors, values, 422)
    except InvalidInput as problem:
        page = section_page(signoff_id, section_key, me.email, deps)
        return _section(request, page, {"body": problem.message}, values, 422)
    title = section_page(signoff_id, section_key, me.email, deps).title
    flash(request, f"Revision {number} saved: {title}. The approvers have been asked to review it.")
    return RedirectResponse(f"/signoffs/{signoff_id}/sections/{section_key}", status_code=303)


@router.post("/signoffs/{signoff_id}/sections/{section_key}/decision")
async def decision(request: Request, signoff_id: Id, section_key: str, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_decision_with_form, request, signoff_id, section_key, me, form)


def _decision_with_form(
    request: Request, signoff_id: Id, section_key: str, me: Me, form: FormData
) -> Response:
    check_csrf(request, form.get("csrf_token"))
    deps = web(request).deps
    values = {"outcome": form.get("outcome"), "comment": form.get("comment")}
    try:
        parsed = DecisionForm.model_validate({**values, "revision": form.get("revision") or None})
        # A request for changes without a comment is refused by the domain; the error lands on the comment.
        result = decide(
            Decide(
                signoff_id=signoff_id,
                section=section_key,
                actor=me.email,
                outcome=parsed.outcome,
                comment=parsed.comment,
                revision=parsed.revision,
            ),
            deps,
        )
    except ValidationError as error:
        page = section_page(signoff_id, section_key, me.email, deps)
        if (changed := _revised_since(form.get("revision"), page)) is not None:
            return _text_changed(request, page, changed, values)
        errors = field_errors(error, {"outcome": "Choose whether to approve or to ask for changes"})
        if "revision" in errors:  # the hidden field, altered: said beside the choice the person made
            errors.setdefault(
                "outcome", "This page did not say which revision you read: reload it, then decide"
            )
        return _section(request, page, errors, values, 422)
    except TextChanged as changed:
        return _text_changed(request, section_page(signoff_id, section_key, me.email, deps), changed, values)
    except InvalidInput as problem:
        page = section_page(signoff_id, section_key, me.email, deps)
        field = "comment" if values["outcome"] == Outcome.REQUEST_CHANGES.value else "outcome"
        return _section(request, page, {field: problem.message}, values, 422)
    # The handler describes them as "Name <address>"; the banner names them.
    behalf = f" on behalf of {result.on_behalf_of.split(' <')[0]}" if result.on_behalf_of else ""
    done = "approved" if values["outcome"] == Outcome.APPROVE.value else "sent back with your comment"
    title = section_page(signoff_id, section_key, me.email, deps).title
    flash(request, f"{title}: section {done}{behalf}.")
    return RedirectResponse(f"/signoffs/{signoff_id}/sections/{section_key}", status_code=303)


def _revised_since(posted: str, page: SectionPage) -> TextChanged | None:
    """The refusal due when the form names a revision the section has moved on from: said before anything
    else the form got wrong, since the form shown again carries the new revision."""
    if not posted.isdecimal() or page.revision is None or int(posted) == page.revision:
        return None
    return revised_while_read(page.key, page.revision, int(posted))


def _text_changed(
    request: Request, page: SectionPage, changed: TextChanged, values: dict[str, str]
) -> Response:
    # The page shown again has the new text and, in its form, the new revision; their comment is kept, their
    # choice is not: it was made on the text they read, and they choose again on the new one.
    return _section(request, page, {"outcome": changed.message}, {"comment": values["comment"]}, 409)


class DelegationForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    to_person: EmailStr
    until: date
    reason: SingleLine = Field(min_length=1, max_length=2000)


@router.post("/delegations")
async def delegate(request: Request, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_delegate_with_form, request, me, form)


def _delegate_with_form(request: Request, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    deps = web(request).deps
    back = form.get("back")
    back = back if back.startswith("/signoffs/") or back == "/tasks" else "/tasks"
    until = read_date(form, "until", "Enter the last day of the delegation")
    values = {"to_person": form.get("to_person"), **until.values, "reason": form.get("reason")}
    now = deps.clock.now()
    errors: dict[str, str] = {}
    try:
        parsed = DelegationForm.model_validate(
            {"to_person": values["to_person"], "until": until.value, "reason": values["reason"]}
        )
        ends = datetime.combine(parsed.until + timedelta(days=1), time(0), tzinfo=LONDON)
        delegate_approvals(
            DelegateApprovals(
                from_person=me.email,
                to_person=parsed.to_person,
                starts_at=now,
                ends_at=ends,
                reason=parsed.reason,
                by=me.email,
            ),
            deps,
        )
    except ValidationError as error:
        errors = field_errors(
            error,
            {
                "to_person": "Choose the person who will decide for you",
                "until": until.error or "Enter the last day of the delegation",
                "reason": "Say why (for example, annual leave)",
            },
        )
    except (NotPermitted, NotFound) as problem:
        # Who was chosen cannot decide for me (another organisation, myself, nobody the directory holds):
        # said beside the choice, on the form, with what was typed kept.
        errors = {"to_person": problem.message}
    except InvalidPeriod as problem:
        # A period too long or too far off: said beside the dates.
        errors = {"until": problem.message}
    except InvalidInput as problem:
        # The choice's (already deciding for me): said beside it.
        errors = {"to_person": problem.message}
    if until.error:
        errors["until"] = until.error
    if errors:
        request.session["delegation_errors"] = {
            "errors": bounded_values(errors, 500),
            "values": bounded_values({k: v for k, v in values.items() if isinstance(v, str)}),
        }
        return RedirectResponse(back + "#delegate", status_code=303)
    delegate_name = person_name(parsed.to_person, me.email, deps)
    flash(request, f"{delegate_name} can now decide your approval requests until {day(parsed.until)}.")
    return RedirectResponse(back, status_code=303)


@router.post("/delegations/{delegation_id}/end")
async def end_a_delegation(request: Request, delegation_id: Id, me: Me) -> Response:
    """End a delegation early, from the delegation form (either person) or the People page (their
    office's administrator)."""
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_end_a_delegation_with_form, request, delegation_id, me, form)


def _end_a_delegation_with_form(request: Request, delegation_id: Id, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    back = form.get("back")
    back = back if back.startswith("/signoffs/") or back in ("/tasks", "/admin/people") else "/tasks"
    end_delegation(EndDelegation(delegation_id=delegation_id, by=me.email), web(request).deps)
    flash(request, f"Delegation #{delegation_id} has ended.")
    return RedirectResponse(back, status_code=303)


@router.get("/signoffs/{signoff_id}/published/{version}/{file_name}")
def published(request: Request, signoff_id: Id, version: Id, file_name: str, me: Me) -> Response:
    found = published_file(signoff_id, version, file_name, me.email, web(request).deps)
    return FileResponse(
        found.path, media_type=found.media_type, filename=found.path.name, content_disposition_type="inline"
    )


def delegation_feedback(request: Request) -> dict[str, Any]:
    """The delegation form's choices (whom the signed-in person may choose), and the errors and values of
    one posted from another page, shown once."""
    found = request.session.pop("delegation_errors", None)
    feedback = found if isinstance(found, dict) else {"errors": {}, "values": {}}
    email = signed_in(request).email
    return {
        **feedback,
        "people": delegate_choices(email, web(request).deps),
        "mine": my_delegations(email, web(request).deps),
    }
