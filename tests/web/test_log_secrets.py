"""No secret reaches a log line: a whole sign-in over HTTP against uvicorn configured as `signoff web`
runs it (access log on), and no record, from any logger, holds the link's token or the session's id."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from signoff.adapters.mail_sink import free_port
from signoff.bootstrap import Application
from signoff.entrypoints.web.log_redaction import REDACTED, install_log_redaction
from signoff.entrypoints.web.server import WEB_LOGS, WebServer
from tests.people import OWEN
from tests.support.web import csrf_of, last_sign_in_url

# Where uvicorn logs (its own loggers do not propagate to the root), where we and the HTTP client do.
LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error")


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        """Each record as any handler could print it: message, arguments, traceback, stack."""
        formatter = logging.Formatter("%(name)s %(message)s")
        return [
            "\n".join([formatter.format(r), repr(r.args), r.exc_text or "", r.stack_info or ""])
            for r in self.records
        ]


@pytest.fixture
def server(app: Application) -> WebServer:
    """uvicorn as `signoff web` runs it: access log on, at INFO."""
    return WebServer(app, "127.0.0.1", free_port(), logs=WEB_LOGS)


@pytest.fixture
def captured() -> Iterator[Everything]:
    """Every record from here on. Made after the server: uvicorn's logging set-up replaces its loggers'
    handlers."""
    handler = Everything()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


def session_id(cookie: str) -> str:
    payload = cookie.split(".", 1)[0]
    found: str = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
    return found


def test_a_whole_sign_in_leaves_no_secret_in_any_log_record(
    app: Application, server: WebServer, captured: Everything
) -> None:
    server.start()
    try:
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as browser:
            form = browser.get("/sign-in")
            asked = browser.post(
                "/sign-in", data={"email": OWEN, "next": "/tasks", "csrf_token": csrf_of(form.text)}
            )
            assert asked.status_code == 200
            link = last_sign_in_url(app, OWEN)
            token = link.rsplit("/", 1)[1]
            path = f"/sign-in/{token}"
            confirm = browser.get(path)
            assert confirm.status_code == 200
            done = browser.post(path, data={"csrf_token": csrf_of(confirm.text)})
            assert done.status_code == 303
            cookie = browser.cookies["signoff_session"]
            page = browser.get("/tasks")
            assert page.status_code == 200
            out = browser.post("/sign-out", data={"csrf_token": csrf_of(page.text)})
            assert out.status_code == 303
    finally:
        server.stop()
    lines = captured.lines()
    access = [line for line in lines if line.startswith("uvicorn.access")]
    # The access log was on and heard every request, the link's GET and POST among them.
    assert sum(" /sign-in/" in line for line in access) == 2, access
    for secret in (token, session_id(cookie), cookie):
        leaks = [line for line in lines if secret in line]
        assert leaks == [], leaks
    assert sum(f"/sign-in/{REDACTED}" in line for line in access) == 2, access


def test_our_own_loggers_and_tracebacks_are_redacted_too(captured: Everything) -> None:
    install_log_redaction()
    logger = logging.getLogger("signoff.entrypoints.anything")
    logger.warning("could not send %s", "http://127.0.0.1:8000/sign-in/s3cretT0ken-_x?next=/tasks")
    try:
        raise RuntimeError("failed on /sign-in/An0therS3cret with cookie signoff_session=abc.def.ghi")
    except RuntimeError:
        logger.exception("request failed")
    text = "\n".join(captured.lines())
    for secret in ("s3cretT0ken-_x", "An0therS3cret", "abc.def.ghi"):
        assert secret not in text
    assert f"/sign-in/{REDACTED}?next=/tasks" in text
