"""Ending a delegation early in the browser's pages and by the API: from the delegation form (the person who
gave it, or the one covering) and from People (their office's administrator). Another office's
administrator is refused, and the delegation stands."""

from __future__ import annotations

import re

from signoff.bootstrap import Application
from tests.people import HANNAH, JOHN, RACHEL
from tests.support.story import delegate
from tests.support.web import TestClient, csrf, csrf_of, sign_in

FIONA = "fiona.dixon@cumbria-pcc.example.org"  # Cumbria's office administrator


def rachel_on_leave(app: Application) -> int:
    return delegate(app, RACHEL, JOHN)


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_person_who_gave_it_ends_it_from_their_tasks(client: TestClient, app: Application) -> None:
    delegation_id = rachel_on_leave(app)
    sign_in(client, app, RACHEL)
    page = client.get("/tasks").text
    assert "John Dwyer decides for you" in text_of(page)
    form = f'action="/delegations/{delegation_id}/end"'
    assert form in page
    answer = client.post(
        f"/delegations/{delegation_id}/end", data={"csrf_token": csrf_of(page), "back": "/tasks"}
    )
    assert answer.status_code == 303
    after = client.get("/tasks").text
    assert f"Delegation #{delegation_id} has ended." in after
    assert form not in after
    sign_in(client, app, JOHN)
    assert "You decide for Rachel Ashworth" not in text_of(client.get("/tasks").text)


def test_the_office_administrator_ends_it_from_people_and_another_office_cannot(
    client: TestClient, app: Application
) -> None:
    delegation_id = rachel_on_leave(app)
    sign_in(client, app, FIONA)
    refused = client.post(f"/api/delegations/{delegation_id}/end", headers=csrf(client))
    assert refused.status_code == 403, refused.text
    sign_in(client, app, HANNAH)
    page = client.get("/admin/people").text
    row = page[page.index("<caption>Delegations</caption>") :]
    assert "active" in text_of(row[: row.index("</tr>", row.index("<tbody>"))])
    answer = client.post(
        f"/delegations/{delegation_id}/end", data={"csrf_token": csrf_of(page), "back": "/admin/people"}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/people"
    after = client.get("/admin/people").text
    rows = after[after.index("<caption>Delegations</caption>") :]
    assert "ended" in text_of(rows[: rows.index("</tbody>")])
    assert f'action="/delegations/{delegation_id}/end"' not in after
    again = client.post(f"/api/delegations/{delegation_id}/end", headers=csrf(client))
    assert again.status_code == 422
    assert "already ended" in again.text
