"""The reports the publications watcher proposed to the office: the list, and one report's page with its
intake (the start form's fields, read and checked by start.py's code), "Start the sign-off" and "Not for us".

What the start form has no field for (each finding's addressee in the report's words and its due date; the
grades and inspectorates) is kept from the proposal for the findings whose reference stays; its label,
addressees and the cause of concern it answers are the form's, as the person leaves them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from signoff.domain.directory import Participant
from signoff.domain.errors import InvalidInput, InvalidTransition, PlanDoesNotFit
from signoff.domain.inspection import Inspection
from signoff.entrypoints.web.context import Id, render, signed_in, web
from signoff.entrypoints.web.forms import FormData, field_errors, read_date, read_form
from signoff.entrypoints.web.security import check_csrf
from signoff.entrypoints.web.start import (
    FINDING_ROWS,
    MESSAGES,
    form_values,
    intake_choices,
    intake_from_fields,
    named_for_form,
)
from signoff.service.handlers.proposals import (
    DismissProposal,
    ProposalView,
    correct_proposal,
    dismiss_proposal,
    open_proposals,
    proposal_view,
    start_from_proposal,
)
from signoff.service.handlers.watch_publications import WatchDependencies
from signoff.watching import watch_dependencies

router = APIRouter(include_in_schema=False)
Me = Annotated[Participant, Depends(signed_in)]
# Kept from the proposal for a finding whose ref stays: the start form has no field for it (its label,
# addressees, their words and the cause it answers have fields: what the person leaves there is what counts).
KEPT_FINDING_FIELDS = ("due",)


def _watch(request: Request) -> WatchDependencies:
    return watch_dependencies(web(request).application)


def _rows(intake: Inspection) -> int:
    return max(FINDING_ROWS, len(intake.findings) + 2)


def intake_values(intake: Inspection) -> dict[str, Any]:
    """The intake as the fields of templates/web/_intake_fields.html show it."""
    values: dict[str, Any] = {
        "title": intake.title,
        "published-day": str(intake.published.day),
        "published-month": str(intake.published.month),
        "published-year": str(intake.published.year),
        "type": intake.type.value,
        "type_label": intake.type_label or "",
        "report_url": str(intake.report_url),
        "forces_covered": list(intake.forces_covered),
        "force_specific": intake.force_specific.answer,
        "force_specific_note": intake.force_specific.note or "",
        "force_quoted": intake.force_quoted,
        "recommendations": [
            name for name in ("national", "local", "regional") if getattr(intake.recommendations, name)
        ],
    }
    for n, finding in enumerate(intake.findings):
        values.update(
            {
                f"findings-{n}-ref": finding.ref,
                f"findings-{n}-kind": finding.kind.value,
                f"findings-{n}-text": finding.text,
                f"findings-{n}-explanation": finding.explanation,
                f"findings-{n}-lead": finding.lead or "",
                f"findings-{n}-label": finding.label or "",
                # The start form's own fields for them (templates/web/_intake_fields.html), filled in.
                f"findings-{n}-addressed_to": ", ".join(finding.addressed_to),
                f"findings-{n}-answers": finding.answers or "",
                # As the report words it (printed in the response); the keys are in the addressed_to field.
                f"findings-{n}-addressee": finding.addressee,
            }
        )
    return values


def _intake_from_form(
    form: FormData, view: ProposalView
) -> tuple[Inspection | None, dict[str, str], dict[str, Any]]:
    """The corrected intake, or the form's errors named as the start form names them, and what was typed."""
    proposed = view.proposal.intake
    data, rows = intake_from_fields(form, _rows(proposed))
    kept = {finding.ref: finding for finding in proposed.findings}
    for finding in data["findings"]:
        before = kept.get(str(finding.get("ref", "")).strip())
        if before is not None:
            for name in KEPT_FINDING_FIELDS:
                finding.setdefault(name, getattr(before, name))
    data.update(
        {
            "grades": proposed.grades,
            "inspectorates": proposed.inspectorates,
            "respond_for": [view.proposal.office],
        }
    )
    values = form_values(form)
    try:
        return Inspection.model_validate(data), {}, values
    except ValidationError as error:
        named = named_for_form(error, rows)
        published = read_date(form, "published", MESSAGES["published"])
        if "published" in named and published.error:
            named["published"] = published.error
        return None, named, {**values, **published.values}


def _page(
    request: Request,
    view: ProposalView,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    intake = view.proposal.intake
    return render(
        request,
        "proposal.html",
        {
            **intake_choices(request),
            "finding_rows": _rows(intake),
            "view": view,
            "proposal": view.proposal,
            "values": values if values is not None else intake_values(intake),
            "errors": errors or {},
            "dismiss_reason": (values or {}).get("reason", ""),
            "flash": request.session.pop("flash", None),
        },
        status,
    )


@router.get("/proposals", response_class=HTMLResponse)
def proposals_list(request: Request, me: Me) -> Response:
    return render(
        request,
        "proposals.html",
        {"proposals": open_proposals(me.email, _watch(request)), "flash": request.session.pop("flash", None)},
    )


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal_page(request: Request, proposal_id: Id, me: Me) -> Response:
    return _page(request, proposal_view(proposal_id, me.email, _watch(request)))


@router.post("/proposals/{proposal_id}")
async def proposal_post(request: Request, proposal_id: Id, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_proposal_post_with_form, request, proposal_id, me, form)


def _proposal_post_with_form(request: Request, proposal_id: Id, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    watch = _watch(request)
    view = proposal_view(proposal_id, me.email, watch)
    action = form.get("action")
    if action not in ("start", "save"):
        # Only the page's two buttons: anything else must not fall through to starting, which cannot be
        # undone.
        raise InvalidInput(f"action: {action!r} is neither 'start' nor 'save'")
    intake, errors, values = _intake_from_form(form, view)
    if intake is None:
        return _page(request, view, values, errors, 422)
    try:
        if action == "save":
            correct_proposal(proposal_id, intake, me.email, watch)
            request.session["flash"] = "Your corrections are saved. The sign-off has not started."
            return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)
        started = start_from_proposal(proposal_id, intake, me.email, watch)
    except (InvalidInput, PlanDoesNotFit, InvalidTransition) as problem:
        return _page(request, view, values, {"title": problem.message}, 422)
    request.session["flash"] = (
        f"Your office already had sign-off #{started.signoff_id} for this report: the proposal now "
        "points to it, and no other was started."
        if started.already
        else f"Sign-off #{started.signoff_id} started from the proposed report."
    )
    return RedirectResponse(f"/signoffs/{started.signoff_id}", status_code=303)


@router.post("/proposals/{proposal_id}/dismiss")
async def proposal_dismiss(request: Request, proposal_id: Id, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_proposal_dismiss_with_form, request, proposal_id, me, form)


def _proposal_dismiss_with_form(request: Request, proposal_id: Id, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    watch = _watch(request)
    view = proposal_view(proposal_id, me.email, watch)
    try:
        command = DismissProposal(reason=form.get("reason"))
    except ValidationError as error:
        message = field_errors(error, {"reason": "Say why the report is not for your office"}).get(
            "reason", "Say why the report is not for your office"
        )
        return _page(
            request,
            view,
            {**intake_values(view.proposal.intake), "reason": form.get("reason")},
            {"reason": message},
            422,
        )
    dismiss_proposal(proposal_id, command, me.email, watch)
    request.session["flash"] = "The report is marked as not for your office."
    return RedirectResponse("/proposals", status_code=303)
