"""What every response and request passes through: security headers, a body size limit, CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.settings import Settings

# Self only, no inline script or style: an injected <script> or style attribute does nothing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # Sign-in links carry their token in the path: never send a URL of ours to another site.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# What the signed cookie holds: the random id of a server-side session (web_sessions), never an address;
# before signing in, a CSRF token for the sign-in forms; and a page's one-off messages.
SESSION_ID = "sid"
ANONYMOUS_CSRF = "csrf"


def secret_key(settings: Settings) -> str:
    """The cookie signing key; production refuses to start without one."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.environment == "production":
        raise InvalidInput(
            "SIGNOFF_SECRET_KEY is not set: the web app will not start in production without a secret key "
            "(32 characters or more)"
        )
    # Development only: sessions last as long as this process.
    return secrets.token_urlsafe(48)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if self.https:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if "cache-control" not in headers:
                    # Pages hold personal, changing data: never from a shared or back-button cache.
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses a body over `limit` bytes with 413, by its Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _refuse(send, self.limit)
                    return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracking)
        except BodyTooLarge:
            if not started:
                await _refuse(send, self.limit)


async def _refuse(send: Send, limit: int) -> None:
    body = f"The request is too large: the limit is {limit // 1000} kB.".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def csrf_token(request: Request) -> str:
    """This session's CSRF token. Signed in, it is derived from the server-side session's id, so it is
    worth exactly as long as that session; before signing in, a random one kept in the cookie."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        return _derived(session_id)
    token = request.session.get(ANONYMOUS_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[ANONYMOUS_CSRF] = token
    return token


def _derived(session_id: str) -> str:
    # Keyed by the session id: the token, which pages show, gives away nothing of the id, which they do not.
    return hmac.new(session_id.encode(), b"signoff csrf token", hashlib.sha256).hexdigest()


def check_csrf(request: Request, given: object) -> None:
    session_id = request.session.get(SESSION_ID)
    expected = _derived(session_id) if isinstance(session_id, str) else request.session.get(ANONYMOUS_CSRF)
    if (
        not isinstance(given, str)
        or not isinstance(expected, str)
        or not secrets.compare_digest(given, expected)
    ):
        raise NotPermitted(
            "this form has expired or did not come from this site: go back, reload the page and try again"
        )
