"""Driving the web app as a person does: a test client, the forms' CSRF tokens, and signing in the way a
person does (ask for a link, take it from the email the outbox holds, press the button)."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient

from signoff.adapters.orm import outbox
from signoff.bootstrap import Application

__all__ = ["TestClient", "csrf", "csrf_of", "last_sign_in_url", "sign_in", "start_form_fields"]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def csrf(client: TestClient) -> dict[str, str]:
    """The JSON API's CSRF header for the signed-in session."""
    session = client.get("/api/session")
    assert session.status_code == 200, session.text
    return {"X-CSRF-Token": session.json()["csrf_token"]}


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


def start_form_fields(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    """The 'start a sign-off' form, filled in for a PEEL report on Cheshire."""
    fields: dict[str, str | list[str]] = {
        "respond_for": ["cheshire-pcc"],
        "title": "PEEL 2023: Cheshire",
        "published": "2023-11-10",
        "type": "peel",
        "report_url": "https://hmicfrs.justiceinspectorates.gov.uk/peel-cheshire",
        "forces_covered": ["cheshire-constabulary"],
        "force_specific": "yes",
        "force_quoted": "no",
        "recommendations": ["local"],
        "findings-0-ref": "AFI-1",
        "findings-0-kind": "area_for_improvement",
        "findings-0-text": "Improve call handling.",
    }
    fields.update(overrides)
    return fields
