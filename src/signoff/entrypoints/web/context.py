"""What every route reaches through the request: the application, the templates, the signed-in person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from signoff.adapters.web_store import web_store
from signoff.bootstrap import Application
from signoff.domain.directory import Participant
from signoff.domain.errors import SignoffError
from signoff.entrypoints.web.security import csrf_token
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.sign_in import SignInPolicy

# Ids fit the databases' 32-bit integers: a larger number is refused as bad input, not a crash.
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
SESSION_EMAIL = "email"
SESSION_SEEN = "seen"
# Rewriting the cookie on every request is needless; once a minute keeps the idle timeout exact enough.
TOUCH_EVERY = timedelta(seconds=60)


class SignInRequired(SignoffError):
    """Nobody is signed in (or the session has been idle too long)."""


@dataclass(frozen=True)
class Web:
    application: Application
    templates: Environment
    sign_in: SignInPolicy
    idle: timedelta
    store = staticmethod(web_store)

    @property
    def deps(self) -> Dependencies:
        return self.application.deps


def web(request: Request) -> Web:
    found: Web = request.app.state.web
    return found


def session_email(request: Request) -> str | None:
    """The signed-in address, or None; an idle session is ended here."""
    email = request.session.get(SESSION_EMAIL)
    if not isinstance(email, str):
        return None
    context = web(request)
    now = context.deps.clock.now()
    try:
        seen = datetime.fromisoformat(str(request.session.get(SESSION_SEEN)))
    except ValueError:
        seen = None
    if seen is None or now - seen > context.idle:
        request.session.clear()
        return None
    if now - seen > TOUCH_EVERY:
        request.session[SESSION_SEEN] = now.isoformat()
    return email


def signed_in(request: Request) -> Participant:
    """The signed-in person (a route dependency); SignInRequired when there is none."""
    email = session_email(request)
    if email is None:
        raise SignInRequired("sign in to continue")
    with web(request).deps.new_unit_of_work() as uow:
        person = uow.directory.find(email)
    if person is None or not person.active:
        request.session.clear()
        raise SignInRequired("sign in to continue")
    request.state.me = person
    return person


def start_session(request: Request, email: str) -> None:
    request.session.clear()
    request.session[SESSION_EMAIL] = email
    request.session[SESSION_SEEN] = web(request).deps.clock.now().isoformat()
    # A new token for the new session: one seen before signing in is worth nothing after.
    request.session.pop("csrf", None)
    csrf_token(request)


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
