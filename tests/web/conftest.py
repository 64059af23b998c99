"""The web app over the `app` fixture (SQLite and PostgreSQL), a test client, and signing in as someone
the way a person does: ask for a link, take it from the email the outbox holds, press the button."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from signoff.adapters.orm import outbox
from signoff.bootstrap import Application
from signoff.entrypoints.web.app import create_web_app
from tests.integration.test_lifecycle import start_reference

# Starlette 1.x warns once, at import, that it prefers httpx2 to httpx; the client works the same.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_app(app: Application) -> FastAPI:
    return create_web_app(app)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url="http://127.0.0.1:8000", follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def last_sign_in_url(app: Application, email: str) -> str:
    with app.engine.connect() as connection:
        contexts = connection.execute(
            select(outbox.c.context)
            .where(outbox.c.event == "sign_in_link", outbox.c.recipient_email == email)
            .order_by(outbox.c.id.desc())
        ).scalars()
        first = next(iter(contexts), None)
    assert first is not None, f"no sign-in link was queued for {email}"
    return str(first["sign_in_url"])


def sign_in(client: TestClient, app: Application, email: str, next_path: str = "/tasks") -> None:
    client.cookies.clear()
    form = client.get(f"/sign-in?next={next_path}")
    client.post("/sign-in", data={"email": email, "next": next_path, "csrf_token": csrf_of(form.text)})
    path = last_sign_in_url(app, email).removeprefix("http://127.0.0.1:8000")
    confirm = client.get(path)
    assert confirm.status_code == 200, confirm.text
    done = client.post(path, data={"csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303, done.text


@pytest.fixture
def signoff_id(app: Application) -> int:
    return start_reference(app)
