"""Signing in by emailed link: same answer for any address, single use, expiring, bound to the person,
rate-limited, and never by a GET."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from signoff.adapters.orm import outbox, sign_in_links
from signoff.bootstrap import Application
from signoff.domain.errors import NotFound
from signoff.service.clock import FixedClock
from signoff.service.handlers.sign_in import use_sign_in_link
from signoff.service.handlers.web_sessions import SessionPolicy
from tests.people import DANIEL, OWEN
from tests.support.web import TestClient, csrf_of, last_sign_in_url, sign_in

# Sign-in links are rows, used once even under a race: the web's storage path.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases

BASE = "http://127.0.0.1:8000"
SESSIONS = SessionPolicy(idle=timedelta(hours=1), lifetime=timedelta(hours=12))


def ask(client: TestClient, email: str, next_path: str = "/tasks") -> tuple[int, str]:
    form = client.get(f"/sign-in?next={next_path}")
    answer = client.post(
        "/sign-in", data={"email": email, "next": next_path, "csrf_token": csrf_of(form.text)}
    )
    return answer.status_code, answer.text


def sign_in_emails(app: Application) -> int:
    with app.engine.connect() as connection:
        query = select(func.count()).select_from(outbox).where(outbox.c.event == "sign_in_link")
        return int(connection.execute(query).scalar_one())


def test_known_and_unknown_addresses_get_the_same_answer(client: TestClient, app: Application) -> None:
    known = ask(client, OWEN)
    unknown = ask(client, "nobody@cheshire-pcc.example.org")
    assert known[0] == unknown[0] == 200
    assert known[1].replace(OWEN, "X") == unknown[1].replace("nobody@cheshire-pcc.example.org", "X")
    assert "Check your email" in known[1]
    assert sign_in_emails(app) == 1


def test_a_get_on_the_link_signs_nobody_in_and_the_button_lands_on_the_page_named(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    target = f"/signoffs/{signoff_id}/sections/report-summary"
    ask(client, OWEN, target)
    path = last_sign_in_url(app, OWEN).removeprefix(BASE)
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.text
    assert client.get("/tasks").status_code == 303  # still signed out: the GET did nothing
    done = client.post(path, data={"csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303
    assert done.headers["location"] == target
    page = client.get(target)
    assert page.status_code == 200
    assert "Owen Prescott" in page.text


def test_a_link_works_once(client: TestClient, app: Application) -> None:
    ask(client, OWEN)
    path = last_sign_in_url(app, OWEN).removeprefix(BASE)
    token = csrf_of(client.get(path).text)
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    client.cookies.clear()
    assert client.get(path).status_code == 410
    again = client.get("/sign-in")
    assert client.post(path, data={"csrf_token": csrf_of(again.text)}).status_code == 410


def test_a_link_expires(client: TestClient, app: Application, clock: FixedClock) -> None:
    ask(client, OWEN)
    path = last_sign_in_url(app, OWEN).removeprefix(BASE)
    csrf = csrf_of(client.get(path).text)
    clock.advance(timedelta(minutes=31))
    assert client.get(path).status_code == 410
    assert client.post(path, data={"csrf_token": csrf}).status_code == 410
    assert client.get("/tasks").status_code == 303


def test_only_a_hash_of_the_token_is_stored(client: TestClient, app: Application) -> None:
    ask(client, OWEN)
    token = last_sign_in_url(app, OWEN).rsplit("/", 1)[1]
    with app.engine.connect() as connection:
        rows = connection.execute(select(sign_in_links)).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])


def test_two_racing_uses_of_one_link_sign_in_once(client: TestClient, app: Application) -> None:
    ask(client, DANIEL)
    token = last_sign_in_url(app, DANIEL).rsplit("/", 1)[1]
    results: list[str] = []
    barrier = threading.Barrier(4)

    def use() -> None:
        barrier.wait()
        try:
            results.append(use_sign_in_link(token, app.deps, SESSIONS).email)
        except NotFound:
            results.append("refused")

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [DANIEL, "refused", "refused", "refused"]


def test_sign_in_links_are_rate_limited_per_address(client: TestClient, app: Application) -> None:
    answers = [ask(client, OWEN)[0] for _ in range(6)]
    assert answers == [200] * 5 + [429]
    assert sign_in_emails(app) == 5
    # An unknown address is limited the same way: the limit reveals nothing.
    unknown = [ask(client, "nobody@example.org")[0] for _ in range(6)]
    assert unknown == [200] * 5 + [429]


def test_sign_in_links_are_rate_limited_per_client(client: TestClient, app: Application) -> None:
    answers = [ask(client, f"person{n}@example.org")[0] for n in range(31)]
    assert answers[:30] == [200] * 30
    assert answers[30] == 429


def test_asking_without_the_form_token_is_refused(client: TestClient, app: Application) -> None:
    client.get("/sign-in")
    answer = client.post("/sign-in", data={"email": OWEN, "next": "/tasks"})
    assert answer.status_code == 403
    assert sign_in_emails(app) == 0


def test_a_bad_address_is_named_and_kept(client: TestClient) -> None:
    status, html = ask(client, "not an address <b>")
    assert status == 422
    assert "There is a problem" in html
    assert 'href="#email"' in html
    assert 'value="not an address &lt;b&gt;"' in html


def test_the_link_never_leads_to_another_site(client: TestClient, app: Application) -> None:
    for target in ("//evil.example.org/x", "https://evil.example.org", "/\\evil.example.org"):
        client.cookies.clear()
        ask(client, OWEN, target)
        path = last_sign_in_url(app, OWEN).removeprefix(BASE)
        done = client.post(path, data={"csrf_token": csrf_of(client.get(path).text)})
        assert done.headers["location"] == "/tasks"


def test_an_idle_session_ends(client: TestClient, app: Application, clock: FixedClock) -> None:
    sign_in(client, app, OWEN)
    assert client.get("/tasks").status_code == 200
    clock.advance(timedelta(minutes=59))
    assert client.get("/tasks").status_code == 200  # in use: the idle clock starts again
    clock.advance(timedelta(minutes=61))
    answer = client.get("/tasks")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")


def test_the_session_cookie_is_signed_http_only_and_same_site(client: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    ask_page = client.get("/sign-in")  # any response that writes the session
    cookies = [v for k, v in ask_page.headers.multi_items() if k == "set-cookie"] or ["signoff_session"]
    client.cookies.clear()
    form = client.get("/sign-in")
    header = form.headers["set-cookie"]
    assert "httponly" in header.lower()
    assert "samesite=lax" in header.lower()
    assert "secure" not in header.lower()  # served over http here; https sets Secure
    assert cookies
    # A cookie altered by hand is not a session.
    client.cookies.set("signoff_session", "eyJlbWFpbCI6ICJvd2VuIn0=.forged.signature")
    assert client.get("/tasks").status_code == 303


def test_signing_out_ends_the_session(client: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/tasks")
    assert client.post("/sign-out", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert client.get("/tasks").status_code == 303


def test_a_link_to_a_page_with_other_letters_in_its_path_signs_in_and_comes_back_to_it(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    # A section key is ASCII, but a link may be mistyped or pasted with other letters: the sign-in form
    # must still send a link (it refused its own `next` as a problem on no field of the form).
    first = client.get(f"/signoffs/{signoff_id}/sections/r\u00e9sum\u00e9?tab=1&x=2")
    assert first.status_code == 303
    form = client.get(first.headers["location"])
    next_path = form.text.split('name="next" value="')[1].split('"')[0]
    assert next_path == f"/signoffs/{signoff_id}/sections/r%C3%A9sum%C3%A9?tab=1&amp;x=2"
    answer = client.post(
        "/sign-in",
        data={"email": OWEN, "next": next_path.replace("&amp;", "&"), "csrf_token": csrf_of(form.text)},
    )
    assert answer.status_code == 200
    assert "Check your email" in answer.text
    path = last_sign_in_url(app, OWEN).removeprefix(BASE)
    confirm = client.get(path)
    signed_in = client.post(path, data={"csrf_token": csrf_of(confirm.text)})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"/signoffs/{signoff_id}/sections/r%C3%A9sum%C3%A9?tab=1&x=2"
