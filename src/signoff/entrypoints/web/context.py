"""What every route reaches through the request: the application, the templates, the signed-in person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from signoff.bootstrap import Application
from signoff.domain.directory import Participant
from signoff.domain.errors import SignoffError
from signoff.entrypoints.web.security import SESSION_ID, csrf_token
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.sign_in import SignInPolicy
from signoff.service.handlers.web_sessions import SessionPolicy, resume_session, sign_out

# Ids fit the databases' 32-bit integers: a larger number is refused as bad input, not a crash.
# The largest id a row can have (PostgreSQL's integer): a larger one in a path or a form is no row.
LARGEST_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=LARGEST_ID)]


class SignInRequired(SignoffError):
    """Nobody is signed in (or the session has ended: signed out, idle, past its lifetime, ended)."""


@dataclass(frozen=True)
class Web:
    application: Application
    templates: Environment
    sign_in: SignInPolicy
    sessions: SessionPolicy

    @property
    def deps(self) -> Dependencies:
        return self.application.deps


def web(request: Request) -> Web:
    found: Web = request.app.state.web
    return found


def current_person(request: Request) -> Participant | None:
    """The signed-in person, or None; the cookie of a session that has ended is emptied here."""
    known: Participant | None = getattr(request.state, "me", None)
    if known is not None:
        return known
    session_id = request.session.get(SESSION_ID)
    if not isinstance(session_id, str):
        return None
    context = web(request)
    person = resume_session(session_id, context.deps, context.sessions)
    if person is None:
        request.session.clear()
        return None
    request.state.me = person
    return person


def signed_in(request: Request) -> Participant:
    """The signed-in person (a route dependency); SignInRequired when there is none."""
    person = current_person(request)
    if person is None:
        raise SignInRequired("sign in to continue")
    return person


def start_session(request: Request, session_id: str) -> None:
    """Put a new server-side session's id in the cookie, ending the session it held before, if any."""
    end_session(request)
    # The CSRF token now derives from the new session: one seen before signing in is worth nothing after.
    request.session[SESSION_ID] = session_id


def end_session(request: Request) -> None:
    """End the cookie's server-side session, so that no copy of the cookie works again, and empty it."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        sign_out(session_id, web(request).deps)
    request.session.clear()


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    environment = web(request).templates
    me = getattr(request.state, "me", None)
    values = {
        "request": request,
        "me": me,
        "csrf_token": csrf_token(request),
        "path": request.url.path,
        "errors": {},
        "values": {},
        **(context or {}),
    }
    return HTMLResponse(environment.get_template(f"web/{name}").render(values), status_code=status)
