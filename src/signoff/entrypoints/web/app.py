"""The app factory: one FastAPI app, its middleware, the pages, the JSON API and the error pages.

Nothing happens at import: `create_web_app(application)` builds it; `signoff web` and `signoff serve`
run it under uvicorn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from signoff.bootstrap import Application
from signoff.domain.errors import (
    AlreadyDecided,
    ConcurrencyConflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    PlanDoesNotFit,
    SignoffError,
)
from signoff.entrypoints.mail_relay import MailRelay
from signoff.entrypoints.web import admin, api, auth, pages, proposals, public, publishing, start
from signoff.entrypoints.web.context import SignInRequired, Web, render
from signoff.entrypoints.web.formatting import web_environment
from signoff.entrypoints.web.log_redaction import install_log_redaction
from signoff.entrypoints.web.security import BodyLimit, SecurityHeaders, secret_key
from signoff.entrypoints.web.write_queue import WriteQueue
from signoff.service.handlers.sign_in import SignInPolicy, TooManyRequests
from signoff.service.handlers.web_sessions import SessionPolicy

STATUS: list[tuple[type[SignoffError], int]] = [
    (SignInRequired, 401),
    (InvalidInput, 422),
    (PlanDoesNotFit, 422),
    (NotFound, 404),
    (NotPermitted, 403),
    (TooManyRequests, 429),
    (AlreadyDecided, 409),
    (InvalidTransition, 409),
    (ConcurrencyConflict, 409),
]
TITLES = {
    401: "Sign in to continue",
    403: "You cannot do that",
    404: "Page not found",
    409: "That cannot be done now",
    410: "This link has expired",
    413: "That is too large",
    422: "There is a problem",
    429: "Too many requests",
}


def status_of(error: SignoffError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 400)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_web_app(application: Application, *, deliver_mail: bool = False) -> FastAPI:
    """The web app over this application. `deliver_mail` also sends the outbox from this process (for
    `signoff web` alone; `signoff serve` has its own relay)."""
    settings = application.settings
    key = secret_key(settings)
    # However the app is served: a sign-in link's token must reach no log line.
    install_log_redaction()
    https = settings.base_url.scheme == "https"
    relay = MailRelay(application) if deliver_mail and settings.smtp_host else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if relay is not None:
            relay.start()
        try:
            yield
        finally:
            if relay is not None:
                relay.stop()

    app = FastAPI(
        title="signoff",
        summary="Sign-off of a PCC's statutory response to an HMICFRS inspection: the JSON API",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = Web(
        application=application,
        templates=web_environment(settings.templates_dir),
        sign_in=SignInPolicy(
            link_minutes=settings.sign_in_link_minutes,
            per_address=settings.sign_in_requests_per_address,
            per_client=settings.sign_in_requests_per_client,
        ),
        sessions=SessionPolicy(
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_lifetime_hours),
        ),
    )
    # Last added runs first: headers on every response, the size limit, the write queue, the session.
    # The signed cookie holds a server-side session's random id (see web_sessions), never who it is.
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie="signoff_session",
        max_age=settings.session_idle_minutes * 60,
        same_site="lax",
        https_only=https,
    )
    app.add_middleware(WriteQueue, concurrent=1 if application.engine.dialect.name == "sqlite" else 4)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, https=https)

    # start before pages: /signoffs/new is not /signoffs/{id}.
    routers = (auth.router, start.router, pages.router, proposals.router, admin.router, api.router)
    # Publishing (its page and API operation) and the public pages, which need no sign-in.
    for router in (*routers, publishing.router, publishing.api_router, public.router):
        app.include_router(router)

    @app.get("/static/signoff.css", include_in_schema=False)
    def stylesheet() -> Response:
        css = (settings.templates_dir / "web" / "signoff.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css", headers={"cache-control": "public, max-age=3600"})

    @app.exception_handler(SignoffError)
    async def signoff_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignoffError)  # noqa: S101 - registered for this class
        status = status_of(error)
        if _is_api(request):
            return JSONResponse({"detail": error.message}, status_code=status)
        if status == 401:
            # The path as it was sent (percent-encoded), so that one with other letters comes back too.
            path = quote(request.url.path, safe="/_.-")
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/sign-in?next={quote(auth.safe_next(target))}", status_code=303)
        return render(
            request,
            "error.html",
            {"title": TITLES.get(status, "Something went wrong"), "message": error.message},
            status,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)  # noqa: S101 - registered for this class
        if _is_api(request):
            problems = [
                {"loc": list(e.get("loc", ())), "msg": _reason(e), "type": str(e.get("type", ""))}
                for e in error.errors()
            ]
            return JSONResponse({"detail": problems}, status_code=422)
        return render(request, "error.html", {"title": TITLES[404], "message": "There is no such page."}, 404)

    @app.exception_handler(ValidationError)
    async def invalid_command(request: Request, error: Exception) -> Response:
        # A command refused what reached it (a blank key after trimming, say): bad input, not a crash.
        assert isinstance(error, ValidationError)  # noqa: S101 - registered for this class
        problems = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in error.errors()
        ]
        if _is_api(request):
            return JSONResponse({"detail": problems}, status_code=422)
        message = "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in problems)
        return render(request, "error.html", {"title": TITLES[422], "message": message}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)  # noqa: S101 - registered for this class
        if _is_api(request):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        title = TITLES.get(error.status_code, "Something went wrong")
        message = "There is no such page." if error.status_code == 404 else str(error.detail)
        return render(request, "error.html", {"title": title, "message": message}, error.status_code)

    return app


def _reason(problem: dict[str, Any]) -> str:
    """The problem's message, with why JSON could not be read ("JSON decode error" alone says nothing)."""
    message = str(problem.get("msg", ""))
    context = problem.get("ctx") or {}
    if problem.get("type") == "json_invalid" and context.get("error"):
        return f"{message}: {context['error']}"
    return message
