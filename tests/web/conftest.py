"""The web app over the `app` fixture (SQLite; PostgreSQL too for tests marked both_databases), a test
client, and signing in as someone the way a person does: ask for a link, take it from the email the
outbox holds, press the button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from signoff.bootstrap import Application
from signoff.entrypoints.web.app import create_web_app
from tests.support.story import start_reference
from tests.support.web import TestClient


@pytest.fixture
def web_app(app: Application) -> FastAPI:
    return create_web_app(app)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url="http://127.0.0.1:8000", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def signoff_id(app: Application) -> int:
    return start_reference(app)
