"""Sessions live on the server: signing out, the absolute lifetime, leaving the directory and an
administrator each end one for good, so a copy of the cookie taken before is worth nothing after."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from signoff.adapters.orm import web_sessions
from signoff.bootstrap import Application
from signoff.domain.errors import InvalidInput
from signoff.service.clock import FixedClock
from signoff.service.handlers.load_directory import load_directory
from signoff.settings import load_settings
from tests.people import CLAIRE, DANIEL, HANNAH, OWEN
from tests.support.web import TestClient, csrf_of, sign_in

# Sessions are rows: the web's storage path for who is signed in.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases

COOKIE = "signoff_session"
FIONA = "fiona.dixon@cumbria-pcc.example.org"  # Cumbria's administrator: another office


@pytest.fixture
def other(web_app: FastAPI) -> Iterator[TestClient]:
    """A second browser: the administrator's, while `client` is the person's."""
    with TestClient(web_app, base_url="http://127.0.0.1:8000", follow_redirects=False) as test_client:
        yield test_client


def cookie_of(client: TestClient) -> str:
    value = client.cookies.get(COOKIE)
    assert value, "no session cookie"
    return value


def with_cookie(client: TestClient, value: str) -> TestClient:
    client.cookies.clear()
    client.cookies.set(COOKIE, value)
    return client


def refused(client: TestClient) -> bool:
    """The page sends the visitor to sign in and the API answers 401: nobody is signed in."""
    page = client.get("/tasks")
    api = client.get("/api/tasks")
    return (
        page.status_code == 303 and page.headers["location"].startswith("/sign-in") and api.status_code == 401
    )


def works(client: TestClient) -> bool:
    return client.get("/tasks").status_code == 200 and client.get("/api/tasks").status_code == 200


def api_headers(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}


def endings(app: Application) -> list[tuple[str | None, bool]]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(web_sessions.c.ended_reason, web_sessions.c.ended_at).order_by(web_sessions.c.id)
        ).all()
    return [(reason, ended is not None) for reason, ended in rows]


def test_the_cookie_holds_a_random_id_and_the_database_only_its_hash(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, OWEN)
    payload = cookie_of(client).split(".", 1)[0]
    held = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert OWEN not in json.dumps(held)
    with app.engine.connect() as connection:
        rows = connection.execute(select(web_sessions)).all()
    assert len(rows) == 1
    assert all(held["sid"] not in str(value) for value in rows[0])


def test_a_cookie_copied_before_signing_out_is_refused_after_it(client: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    copied = cookie_of(client)
    page = client.get("/tasks")
    assert client.post("/sign-out", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert refused(with_cookie(client, copied))
    assert endings(app) == [("signed out", True)]


def test_a_session_ends_at_its_lifetime_however_busy(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    sign_in(client, app, OWEN)
    for _ in range(14):  # a request every 50 minutes: never idle, 11 h 40 min in all
        clock.advance(timedelta(minutes=50))
        assert works(client)
    clock.advance(timedelta(minutes=21))  # 12 h 1 min after signing in
    assert refused(client)
    assert endings(app) == [("lifetime reached", True)]


def test_leaving_the_directory_ends_a_persons_sessions_for_good(client: TestClient, app: Application) -> None:
    sign_in(client, app, CLAIRE)
    copied = cookie_of(client)
    config = app.load_directory_config()
    pipeline = app.deps.load_pipeline()
    without = config.model_copy(update={"people": [p for p in config.people if p.email != CLAIRE]})
    loaded = load_directory(without, pipeline, app.deps)
    assert (loaded.deactivated, loaded.sessions_ended) == (1, 1)
    assert refused(with_cookie(client, copied))
    # Put back in the directory, she signs in afresh: the old cookie stays dead.
    load_directory(config, pipeline, app.deps)
    assert refused(with_cookie(client, copied))
    assert endings(app) == [("person no longer active in the directory", True)]


def test_an_administrator_signs_a_person_of_the_force_out_everywhere(
    client: TestClient, other: TestClient, app: Application
) -> None:
    sign_in(client, app, DANIEL)
    daniel = cookie_of(client)
    sign_in(other, app, HANNAH)
    people = other.get("/admin/people")
    assert people.status_code == 200
    assert "Sign out everywhere" in people.text
    done = other.post(
        "/admin/people/end-sessions", data={"person": DANIEL, "csrf_token": csrf_of(people.text)}
    )
    assert done.status_code == 303
    assert "Daniel Holt is signed out everywhere (1 session ended)" in other.get("/admin/people").text
    assert refused(with_cookie(client, daniel))
    assert works(other)  # her own session is untouched
    assert (f"ended by {HANNAH}", True) in endings(app)


def test_an_administrator_of_another_office_is_refused_and_nothing_changes(
    client: TestClient, other: TestClient, app: Application
) -> None:
    sign_in(client, app, DANIEL)
    sign_in(other, app, FIONA)
    people = other.get("/admin/people")
    assert people.status_code == 200
    page = other.post(
        "/admin/people/end-sessions", data={"person": DANIEL, "csrf_token": csrf_of(people.text)}
    )
    assert page.status_code == 403
    api = other.post("/api/admin/end-sessions", json={"person": DANIEL}, headers=api_headers(other))
    assert api.status_code == 403
    assert "cumbria-pcc" in api.json()["detail"]
    assert works(client)
    assert endings(app) == [(None, False), (None, False)]


def test_the_api_ends_a_persons_sessions(client: TestClient, other: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    owen = cookie_of(client)
    sign_in(other, app, HANNAH)
    without_token = other.post("/api/admin/end-sessions", json={"person": OWEN})
    assert without_token.status_code == 403
    assert works(with_cookie(client, owen))
    answer = other.post("/api/admin/end-sessions", json={"person": OWEN}, headers=api_headers(other))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ended": 1}
    assert refused(with_cookie(client, owen))
    bad = other.post("/api/admin/end-sessions", json={"person": "not an address"}, headers=api_headers(other))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "person"


def test_a_person_who_is_not_an_administrator_cannot_end_sessions(
    client: TestClient, other: TestClient, app: Application
) -> None:
    sign_in(client, app, DANIEL)
    sign_in(other, app, OWEN)
    answer = other.post("/api/admin/end-sessions", json={"person": DANIEL}, headers=api_headers(other))
    assert answer.status_code == 403
    assert works(client)


def test_the_form_token_belongs_to_the_session(client: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    first = csrf_of(client.get("/tasks").text)
    sign_in(client, app, OWEN)
    second = csrf_of(client.get("/tasks").text)
    assert first != second
    # The first session's form token does not sign the second out.
    assert client.post("/sign-out", data={"csrf_token": first}).status_code == 403
    assert works(client)


def test_the_lifetime_setting_is_checked_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNOFF_SESSION_LIFETIME_HOURS", raising=False)
    monkeypatch.delenv("SIGNOFF_SESSION_IDLE_MINUTES", raising=False)
    assert load_settings().session_lifetime_hours == 12
    for value, problem in (("0", "greater than or equal to 1"), ("twelve", "valid integer")):
        monkeypatch.setenv("SIGNOFF_SESSION_LIFETIME_HOURS", value)
        with pytest.raises(InvalidInput, match=rf"SIGNOFF_SESSION_LIFETIME_HOURS: .*{problem}"):
            load_settings()
    monkeypatch.setenv("SIGNOFF_SESSION_LIFETIME_HOURS", "1")
    monkeypatch.setenv("SIGNOFF_SESSION_IDLE_MINUTES", "90")
    with pytest.raises(InvalidInput, match=r"SIGNOFF_SESSION_LIFETIME_HOURS .* is shorter than"):
        load_settings()
