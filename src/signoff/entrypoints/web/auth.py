"""Signing in with an emailed link, and out. A GET never signs anyone in: mail scanners open links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from signoff.domain.errors import NotFound
from signoff.entrypoints.web.context import current_person, end_session, render, start_session, web
from signoff.entrypoints.web.forms import FormData, field_errors, read_form
from signoff.entrypoints.web.security import check_csrf
from signoff.service.handlers.sign_in import (
    RequestSignIn,
    TooManyRequests,
    request_sign_in_link,
    sign_in_link_usable,
    use_sign_in_link,
)

router = APIRouter(include_in_schema=False)
DEFAULT_NEXT = "/tasks"


def safe_next(value: object) -> str:
    """A path inside this app, or the task list: never another site (//host, \\host or a scheme)."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and len(value) <= 500
        and not value.startswith("/sign-in")
        # ASCII only, as the sign-in request's own check (NextPath) takes it: a page's path with other
        # letters comes back percent-encoded, and one that does not falls back to the task list.
        and all((c.isascii() and c.isalnum()) or c in "/_.-?=&%" for c in value)
    ):
        return value
    return DEFAULT_NEXT


def client_of(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:100]


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = DEFAULT_NEXT) -> Response:
    if current_person(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "sign_in.html", {"next": safe_next(next), "values": {}})


@router.post("/sign-in", response_class=HTMLResponse)
async def ask_for_link(request: Request) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_ask_for_link_with_form, request, form)


def _ask_for_link_with_form(request: Request, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    next_path = safe_next(form.get("next"))
    values = {"email": str(form.get("email", ""))[:320]}
    context = web(request)
    try:
        command = RequestSignIn(email=values["email"], client=client_of(request), next_path=next_path)
    except ValidationError as error:
        errors = field_errors(error, {"email": "Enter an email address, like name@example.org"})
        return render(request, "sign_in.html", {"next": next_path, "values": values, "errors": errors}, 422)
    try:
        request_sign_in_link(command, context.deps, context.sign_in)
    except TooManyRequests as refused:
        return render(
            request,
            "sign_in.html",
            {"next": next_path, "values": values, "errors": {"email": refused.message}},
            429,
        )
    # The same answer whether or not the address is known.
    return render(
        request, "check_email.html", {"email": command.email, "minutes": context.sign_in.link_minutes}
    )


@router.get("/sign-in/{token}", response_class=HTMLResponse)
def confirm_sign_in(request: Request, token: str) -> Response:
    context = web(request)
    if len(token) > 100 or not sign_in_link_usable(token, context.deps):
        return render(request, "link_expired.html", {}, 410)
    return render(request, "confirm_sign_in.html", {"token": token})


@router.post("/sign-in/{token}")
async def use_link(request: Request, token: str) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_use_link_with_form, request, token, form)


def _use_link_with_form(request: Request, token: str, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    context = web(request)
    try:
        if len(token) > 100:
            raise NotFound("unknown link")
        signed = use_sign_in_link(token, context.deps, context.sessions)
    except NotFound:
        return render(request, "link_expired.html", {}, 410)
    start_session(request, signed.session_id)
    return RedirectResponse(safe_next(signed.next_path), status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_sign_out_with_form, request, form)


def _sign_out_with_form(request: Request, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    end_session(request)
    return RedirectResponse("/sign-in", status_code=303)
