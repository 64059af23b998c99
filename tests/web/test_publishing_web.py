"""Publishing from the web app and the JSON API, on SQLite and PostgreSQL: the office's publisher previews
the response as it will be published, confirms (seeing the statutory last day and whether today is on
time), publishes, then corrects it with a note; a correction without one is refused naming the note and
changes nothing; nobody else may publish; the emails link to the public page."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from signoff.adapters.orm import outbox, publications, signoffs
from signoff.bootstrap import Application
from signoff.domain.directory import PersonConfig
from signoff.service.clock import FixedClock
from signoff.service.handlers.load_directory import load_directory
from tests.people import HANNAH, OWEN, PRIYA, RACHEL
from tests.publication.reference import ready_to_publish
from tests.support.web import TestClient, csrf_of, sign_in

OTHER_OFFICE_ADMIN = "fiona.dixon@cumbria-pcc.example.org"
VIEWER = "vera.viewer@cheshire-pcc.example.org"


def written(app: Application) -> tuple[int, str, int, list[str]]:
    """Publications, the sign-off's state, queued emails, and the published folders on disk."""
    with app.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(publications)).scalar_one()
        state = connection.execute(select(signoffs.c.state)).scalar_one()
        emails = connection.execute(select(func.count()).select_from(outbox)).scalar_one()
    root = app.settings.publication_dir
    folders = sorted(p.name for p in root.iterdir()) if root.exists() else []
    return int(count), str(state), int(emails), folders


def publish_form(client: TestClient, signoff_id: int, note: str | None = None) -> tuple[int, str, str]:
    """Confirm and press the button; (status, location, text)."""
    confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm")
    assert confirm.status_code == 200, confirm.text
    data = {"csrf_token": csrf_of(confirm.text)}
    if note is not None:
        data["note"] = note
    answer = client.post(f"/signoffs/{signoff_id}/publications", data=data)
    return answer.status_code, answer.headers.get("location", ""), answer.text


# Publication files and their records, written through the web.
@pytest.mark.both_databases
def test_an_office_previews_confirms_publishes_then_corrects_with_a_note(
    client: TestClient, app: Application
) -> None:
    signoff_id = ready_to_publish(app)
    sign_in(client, app, OWEN)
    assert f'href="/signoffs/{signoff_id}/publish"' in client.get(f"/signoffs/{signoff_id}").text

    preview = client.get(f"/signoffs/{signoff_id}/publish")
    assert preview.status_code == 200, preview.text
    assert "Publish the response" in preview.text
    assert "Thursday 4 January 2024" in preview.text  # the statutory last day
    assert "Friday 10 November 2023: on time" in preview.text
    assert f'<iframe class="preview-frame" src="/signoffs/{signoff_id}/publish/preview.html"' in preview.text

    framed = client.get(f"/signoffs/{signoff_id}/publish/preview.html")
    assert framed.status_code == 200
    policy = framed.headers["content-security-policy"]
    assert "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    assert "script-src" not in policy
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"
    # Exactly as it will be published: dated today, no preview banner.
    assert "Published by" in framed.text
    assert "on 10 November 2023" in framed.text
    assert "This is not the published response" not in framed.text
    pdf = client.get(f"/signoffs/{signoff_id}/publish/preview.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert written(app)[0] == 0  # previews publish nothing

    confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm").text
    assert "Check before you publish" in confirm
    assert "Thursday 4 January 2024" in confirm
    assert 'name="note"' not in confirm  # a first publication needs no note
    status, location, _ = publish_form(client, signoff_id)
    assert (status, location) == (303, f"/signoffs/{signoff_id}/publications/1")
    done = client.get(location).text
    assert "Response published" in done
    assert "on time" in done
    for name in ("response.html", "response.pdf", "response.md", "certificate.json", "manifest.json"):
        assert f'href="/responses/{signoff_id}/v1/{name}"' in done
    count, state, emails, folders = written(app)
    assert (count, state, len(folders)) == (1, "published", 1)

    # A correction: the confirmation asks what was corrected, and refuses to go on without it.
    confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm").text
    assert "Publish the correction" in confirm
    assert 'name="note"' in confirm
    status, _, page = publish_form(client, signoff_id, note="   ")
    assert status == 422
    assert '<a href="#note">What was corrected: Enter a note saying what was corrected</a>' in page
    assert written(app) == (count, state, emails, folders)  # nothing written, nothing queued

    status, location, _ = publish_form(client, signoff_id, note="The <Chief> Constable's title was wrong")
    assert (status, location) == (303, f"/signoffs/{signoff_id}/publications/2")
    done = client.get(location).text
    assert "Correction published" in done
    assert "What was corrected: The &lt;Chief&gt; Constable&#39;s title was wrong" in done
    assert written(app)[0] == 2
    assert len(written(app)[3]) == 2


def test_the_confirmation_says_how_many_days_late_publishing_today_is(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    signoff_id = ready_to_publish(app)
    clock.advance(timedelta(days=59))  # Monday 8 January 2024: four days after the last day
    sign_in(client, app, RACHEL)  # the Chief Executive publishes too
    confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm").text
    assert "Monday 8 January 2024: <strong>4 days late</strong>" in confirm
    assert "Publishing today is 4 days late" in confirm
    status, location, _ = publish_form(client, signoff_id)
    assert status == 303
    assert "4 days after the statutory last day" in client.get(location).text

    # A week later, a correction: it keeps the response's timeliness, and is not itself called late.
    clock.advance(timedelta(days=7))
    sign_in(client, app, RACHEL)  # a week on, signed in again
    confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm").text
    assert "a correction (the response was first published 4 days late)" in confirm
    assert "Publishing today is" not in confirm
    status, _, _ = publish_form(client, signoff_id, note="A typo.")
    assert status == 303
    page = client.get(f"/signoffs/{signoff_id}").text
    assert "(4 days late)" in page
    assert "(a correction)" in page


def add_viewer(app: Application) -> None:
    config = app.load_directory_config()
    viewer = PersonConfig(email=VIEWER, name="Vera Viewer", organisation="cheshire-pcc", roles=["viewer"])
    load_directory(
        config.model_copy(update={"people": [*config.people, viewer]}), app.deps.load_pipeline(), app.deps
    )


@pytest.mark.parametrize("who", [OTHER_OFFICE_ADMIN, PRIYA, VIEWER])
def test_only_the_offices_publishers_may_publish(client: TestClient, app: Application, who: str) -> None:
    add_viewer(app)
    signoff_id = ready_to_publish(app)
    sign_in(client, app, who)
    before = written(app)
    if who == VIEWER:  # the viewer reads the sign-off, but is offered no publishing
        page = client.get(f"/signoffs/{signoff_id}")
        assert page.status_code == 200
        assert f'href="/signoffs/{signoff_id}/publish"' not in page.text
    for path in ("", "/preview.html", "/preview.pdf", "/confirm"):
        assert client.get(f"/signoffs/{signoff_id}/publish{path}").status_code == 403, path
    token = csrf_of(client.get("/tasks").text)
    answer = client.post(f"/signoffs/{signoff_id}/publications", data={"csrf_token": token})
    assert answer.status_code == 403
    session = client.get("/api/session").json()
    answer = client.post(
        f"/api/signoffs/{signoff_id}/publications", json={}, headers={"X-CSRF-Token": session["csrf_token"]}
    )
    assert answer.status_code == 403
    assert "may not publish" in answer.json()["detail"]
    assert written(app) == before


def test_publishing_needs_the_form_token(client: TestClient, app: Application) -> None:
    signoff_id = ready_to_publish(app)
    sign_in(client, app, HANNAH)
    before = written(app)
    assert client.post(f"/signoffs/{signoff_id}/publications", data={}).status_code == 403
    assert (
        client.post(f"/signoffs/{signoff_id}/publications", data={"csrf_token": "forged"}).status_code == 403
    )
    assert client.post(f"/api/signoffs/{signoff_id}/publications", json={}).status_code == 403
    assert written(app) == before


def test_a_signoff_still_in_approval_cannot_be_previewed_for_publishing(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    page = client.get(f"/signoffs/{signoff_id}/publish")
    assert page.status_code == 409
    assert "only a sign-off whose sections are all approved can be published" in page.text
    assert f'href="/signoffs/{signoff_id}/publish"' not in client.get(f"/signoffs/{signoff_id}").text


def api_csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}


# Publication files and their records, written through the API.
@pytest.mark.both_databases
def test_the_api_publishes_and_corrects(client: TestClient, app: Application) -> None:
    signoff_id = ready_to_publish(app)
    sign_in(client, app, HANNAH)
    path = f"/api/signoffs/{signoff_id}/publications"
    answer = client.post(path, headers=api_csrf(client))  # no body: the note is optional
    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        "signoff_id": signoff_id,
        "version": 1,
        "on_time": True,
        "days_late": 0,
        "files": [
            "response.html",
            "response.pdf",
            "response.md",
            "certificate.html",
            "certificate.pdf",
            "certificate.json",
            "manifest.json",
        ],
        "public_url": f"http://127.0.0.1:8000/responses/{signoff_id}",
    }
    before = written(app)
    refused = client.post(path, json={"note": ""}, headers=api_csrf(client))
    assert refused.status_code == 422
    assert "needs a note saying what was corrected" in refused.json()["detail"]
    control = client.post(path, json={"note": "bad\x00note"}, headers=api_csrf(client))
    assert control.status_code == 422
    assert control.json()["detail"][0]["loc"] == ["body", "note"]
    assert client.post(path, json={"note": "x", "extra": 1}, headers=api_csrf(client)).status_code == 422
    assert written(app) == before
    corrected = client.post(path, json={"note": "The date was wrong"}, headers=api_csrf(client))
    assert corrected.status_code == 201
    assert (corrected.json()["version"], corrected.json()["on_time"]) == (2, True)
    assert "/api/signoffs/{signoff_id}/publications" in client.get("/api/openapi.json").json()["paths"]


def test_the_formal_copies_and_the_published_notice_link_to_the_public_page(
    client: TestClient, app: Application
) -> None:
    signoff_id = ready_to_publish(app)
    sign_in(client, app, OWEN)
    assert publish_form(client, signoff_id)[0] == 303
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.event, outbox.c.context, outbox.c.message).where(
                outbox.c.event.in_(["formal_copy", "published"])
            )
        ).all()
    assert {row.event for row in rows} == {"formal_copy", "published"}
    public = f"http://127.0.0.1:8000/responses/{signoff_id}"
    for row in rows:
        assert row.context["document_url"] == public
        if row.message is not None:  # rendered when queued: the words the recipient reads
            message = email.message_from_bytes(row.message, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            text = message.get_body(preferencelist=("plain",))
            assert text is not None
            assert public in text.get_content()
            assert "/published/" not in text.get_content()
    client.cookies.clear()  # HMICFRS and the Home Office are not signed in
    page = client.get(public.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert f'href="/responses/{signoff_id}/v1/response.pdf"' in page.text


def test_a_house_style_problem_is_told_as_the_publications_not_the_notes(
    client: TestClient, app: Application
) -> None:
    """The configured signatory has moved to another office: a first publication, with no note field, says
    so against its Publish button, and nothing is written."""
    signoff_id = ready_to_publish(app)
    config = app.load_directory_config()
    commissioner = "john.dwyer@cheshire-pcc.example.org"
    people = [
        p.model_copy(update={"organisation": "cumbria-pcc", "roles": ["viewer"], "escalation_contact": None})
        if p.email == commissioner
        else p.model_copy(update={"escalation_contact": None})
        if p.escalation_contact == commissioner
        else p
        for p in config.people
    ]
    load_directory(config.model_copy(update={"people": people}), app.deps.load_pipeline(), app.deps)
    sign_in(client, app, OWEN)
    before = written(app)
    status, _, text = publish_form(client, signoff_id)
    assert status == 422
    assert f'<a href="#publish">Publishing: config/publication.yaml: the signatory {commissioner}' in text
    assert 'href="#note"' not in text
    assert written(app) == before


def test_a_publish_form_sent_twice_publishes_once(client: TestClient, app: Application) -> None:
    """A double click, or the correction's form resent: one publication, one set of formal copies; the
    second lands on what was published, and is not asked for a correction's note."""
    signoff_id = ready_to_publish(app)
    sign_in(client, app, OWEN)
    confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm")
    data = {"csrf_token": csrf_of(confirm.text), "version": "1"}
    first = client.post(f"/signoffs/{signoff_id}/publications", data=data)
    after_first = written(app)
    second = client.post(f"/signoffs/{signoff_id}/publications", data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["location"] == f"/signoffs/{signoff_id}/publications/1"
    assert written(app) == after_first
    # The correction's form sent twice, by the API this time: version 2 once; the second is refused.
    headers = api_csrf(client)
    body = {"note": "The Chief Constable's title was wrong.", "version": 2}
    made = client.post(f"/api/signoffs/{signoff_id}/publications", json=body, headers=headers)
    again = client.post(f"/api/signoffs/{signoff_id}/publications", json=body, headers=headers)
    assert (made.status_code, again.status_code) == (201, 409)
    assert "was published as version 2 after you confirmed version 2" in again.json()["detail"]
    assert written(app)[0] == 2


def test_a_version_never_offered_is_refused_naming_the_next(client: TestClient, app: Application) -> None:
    """Version 2 asked for before version 1: "published as another version after you confirmed version 2"
    said something had been published that never was."""
    signoff_id = ready_to_publish(app)
    sign_in(client, app, OWEN)
    before = written(app)
    answer = client.post(
        f"/api/signoffs/{signoff_id}/publications", json={"version": 2}, headers=api_csrf(client)
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        f"version 2 is not the next version of sign-off #{signoff_id}: that is 1"
    )
    assert written(app) == before
