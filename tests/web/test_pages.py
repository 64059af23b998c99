"""The pages: tasks, a sign-off, a section (draft, decide, delegate), start, published files. Who may see and
do what, bad input kept and named, markup shown escaped, and no GET that acts."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from hashlib import sha256
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from signoff.adapters.orm import publications, revisions, signoffs
from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from signoff.service.queries.signoff_read import section_detail
from signoff.settings import PROJECT_ROOT
from tests.people import ANDREW, CLAIRE, DANIEL, HANNAH, OWEN, PRIYA, RACHEL, SARAH
from tests.support.story import approve, draft
from tests.support.web import TestClient, csrf_of, sign_in, start_form_fields


def to_force_stage(app: Application, signoff_id: int) -> None:
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    approve(app, signoff_id, "report-summary", RACHEL)


def post_form(client: TestClient, page_path: str, action: str, data: dict[str, str]) -> tuple[int, str]:
    page = client.get(page_path)
    assert page.status_code == 200, page.text
    answer = client.post(action, data={**data, "csrf_token": csrf_of(page.text)})
    return answer.status_code, answer.text


def revision_count(app: Application) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(revisions)).scalar_one())


def test_pages_need_a_session_and_come_back_after_sign_in(client: TestClient, signoff_id: int) -> None:
    answer = client.get(f"/signoffs/{signoff_id}/sections/report-summary")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next=/signoffs/{signoff_id}/sections/report-summary"


def test_my_tasks_shows_what_waits_with_due_date_and_statutory_day(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/tasks").text
    assert f'href="/signoffs/{signoff_id}/sections/report-summary"' in page
    assert "Thursday 4 January 2024" in page  # the statutory last day
    assert "Friday 24 November 2023" in page  # the summary's due date: 10 working days
    sign_in(client, app, RACHEL)
    assert "Nothing waits for you now." in client.get("/tasks").text


def test_delegated_approvals_appear_in_the_delegates_tasks(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    to_force_stage(app, signoff_id)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Training.")
    draft(app, signoff_id, "constabulary-response", PRIYA, "Comments.")
    approve(app, signoff_id, "finding-afi-1", DANIEL)
    sign_in(client, app, ANDREW)
    status, _ = post_form(
        client,
        "/tasks",
        "/delegations",
        {"to_person": SARAH, "until": "2023-12-01", "reason": "annual leave", "back": "/tasks"},
    )
    assert status == 303
    sign_in(client, app, SARAH)
    tasks = client.get("/tasks").text
    assert "on behalf of Andrew Kershaw" in tasks


def test_a_force_contact_sees_only_their_organisations_sections(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    to_force_stage(app, signoff_id)
    sign_in(client, app, PRIYA)
    page = client.get(f"/signoffs/{signoff_id}")
    assert page.status_code == 200
    assert "finding-afi-1" in page.text
    assert "/sections/report-summary" not in page.text
    assert "The NWROCU was inspected." not in page.text
    assert client.get(f"/signoffs/{signoff_id}/sections/report-summary").status_code == 403
    assert client.get(f"/api/signoffs/{signoff_id}/sections/report-summary").status_code == 403


def test_another_office_sees_nothing(client: TestClient, app: Application, signoff_id: int) -> None:
    people = {p.email for p in app.load_directory_config().people}
    outsider = next(e for e in sorted(people) if e.endswith("@cumbria-pcc.example.org"))
    sign_in(client, app, outsider)
    assert client.get(f"/signoffs/{signoff_id}").status_code == 403
    assert client.get(f"/signoffs/{signoff_id}/sections/report-summary").status_code == 403


def test_drafting_needs_the_form_token_and_a_get_changes_nothing(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    action = f"/signoffs/{signoff_id}/sections/report-summary/revisions"
    assert client.post(action, data={"body": "Sneaky"}).status_code == 403
    assert client.post(action, data={"body": "Sneaky", "csrf_token": "forged"}).status_code == 403
    assert client.get(action).status_code in (404, 405)
    assert client.get(
        f"/signoffs/{signoff_id}/sections/report-summary/decision?outcome=approve"
    ).status_code in (
        404,
        405,
    )
    assert revision_count(app) == 0


# Text stored as typed and read back unchanged.
@pytest.mark.both_databases
def test_the_drafter_drafts_and_markup_is_kept_as_typed_and_shown_escaped(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    text = 'The <script>alert("x")</script> NWROCU & partners'
    status, _ = post_form(client, path, f"{path}/revisions", {"body": text, "note": "first"})
    assert status == 303
    assert section_detail(signoff_id, "report-summary", app.deps).body == text
    page = client.get(path).text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; NWROCU &amp; partners" in page
    assert "<script>" not in page
    assert "Revision 1 saved" in page


def test_an_empty_text_is_refused_naming_the_field_and_keeping_the_note(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    status, html = post_form(client, path, f"{path}/revisions", {"body": "   ", "note": "my <note>"})
    assert status == 422
    assert "There is a problem" in html
    assert '<a href="#body">Text: Enter the text of the section</a>' in html
    assert 'value="my &lt;note&gt;"' in html
    assert revision_count(app) == 0


# Decisions and revisions stored and read back: the web's storage path.
@pytest.mark.both_databases
def test_request_changes_needs_a_comment_then_the_approver_sees_the_diff_and_approves(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    sign_in(client, app, RACHEL)
    status, html = post_form(client, path, f"{path}/decision", {"outcome": "request_changes", "comment": ""})
    assert status == 422
    assert 'href="#comment"' in html
    assert 'value="request_changes" checked' in html
    status, _ = post_form(
        client,
        path,
        f"{path}/decision",
        {"outcome": "request_changes", "comment": "Say how Cheshire was graded."},
    )
    assert status == 303
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == "changes_requested"

    sign_in(client, app, OWEN)
    page = client.get(path).text
    assert "Say how Cheshire was graded." in page
    status, _ = post_form(
        client,
        path,
        f"{path}/revisions",
        {"body": "The NWROCU was inspected.\nCheshire: adequate.", "note": ""},
    )
    assert status == 303

    sign_in(client, app, RACHEL)
    page = client.get(path).text
    assert " The NWROCU was inspected.\n<ins>+Cheshire: adequate.</ins>\n" in page  # one line each
    assert "<strong>Rachel Ashworth</strong> asked for changes to revision 1" in page
    status, _ = post_form(client, path, f"{path}/decision", {"outcome": "approve", "comment": ""})
    assert status == 303
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == "approved"
    # A second decision on the same text is refused as a conflict.
    token = csrf_of(client.get(path).text)
    assert (
        client.post(f"{path}/decision", data={"outcome": "approve", "csrf_token": token}).status_code == 409
    )


def read_revision(html: str) -> str:
    """The revision the decision form says was read (its hidden field)."""
    found = re.search(r'name="revision" value="(\d+)"', html)
    assert found, "the decision form names no revision"
    return found.group(1)


def test_a_decision_on_a_text_revised_while_it_was_read_is_refused_and_the_new_text_shown(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    sign_in(client, app, RACHEL)
    page = client.get(path).text
    assert read_revision(page) == "1"
    # While Rachel reads revision 1, Owen saves another text.
    draft(app, signoff_id, "report-summary", OWEN, "Nothing was inspected.")
    form = {"outcome": "approve", "comment": "Fine.", "revision": read_revision(page)}
    answer = client.post(f"{path}/decision", data={**form, "csrf_token": csrf_of(page)})
    assert answer.status_code == 409
    assert "the text is now revision 2, not revision 1; read it, then decide" in answer.text
    assert "Nothing was inspected." in answer.text
    assert read_revision(answer.text) == "2"
    assert 'value="approve" checked' not in answer.text  # she chooses again, on the new text
    assert ">Fine.</textarea>" in answer.text
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == "in_approval"
    assert "approved revision" not in client.get(path).text

    # Whatever else the stale form got wrong (no choice made; changes asked for without a comment), the new
    # text is what it is told first: the form shown again carries revision 2, which it must read.
    for stale in ({"outcome": "", "comment": ""}, {"outcome": "request_changes", "comment": ""}):
        answer = client.post(f"{path}/decision", data={**stale, "revision": "1", "csrf_token": csrf_of(page)})
        assert answer.status_code == 409
        assert "the text is now revision 2, not revision 1" in answer.text
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == "in_approval"

    # An altered hidden field is refused as well, and changes nothing.
    answer = client.post(f"{path}/decision", data={**form, "revision": "two", "csrf_token": csrf_of(page)})
    assert answer.status_code == 422
    assert "This page did not say which revision you read" in answer.text
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == "in_approval"

    # Having read revision 2, her approval stands, on it.
    page = client.get(path).text
    form = {"outcome": "approve", "comment": "", "revision": read_revision(page)}
    assert client.post(f"{path}/decision", data={**form, "csrf_token": csrf_of(page)}).status_code == 303
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == "approved"
    assert "<strong>Rachel Ashworth</strong> approved revision 2" in client.get(path).text


def test_an_approver_acts_only_on_requests_assigned_to_them(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    to_force_stage(app, signoff_id)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Training.")
    path = f"/signoffs/{signoff_id}/sections/finding-afi-1"
    sign_in(client, app, CLAIRE)  # a strategic lead of the force, but not this finding's
    page = client.get(path)
    assert page.status_code == 200
    assert "Send decision" not in page.text
    answer = client.post(f"{path}/decision", data={"outcome": "approve", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 403
    assert section_detail(signoff_id, "finding-afi-1", app.deps).section.state == "in_approval"


def test_nobody_but_the_drafters_may_draft(client: TestClient, app: Application, signoff_id: int) -> None:
    sign_in(client, app, RACHEL)
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    page = client.get(path)
    assert "Save and send for approval" not in page.text
    answer = client.post(f"{path}/revisions", data={"body": "Mine", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 403
    assert revision_count(app) == 0


def test_an_unknown_sign_off_or_section_is_not_found(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    assert client.get("/signoffs/999").status_code == 404
    assert client.get(f"/signoffs/{signoff_id}/sections/nope").status_code == 404
    assert client.get("/signoffs/99999999999999999999").status_code == 404
    assert client.get("/no-such-page").status_code == 404


def test_the_sign_off_page_has_its_timeline_holders_and_audit_trail(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    to_force_stage(app, signoff_id)
    sign_in(client, app, OWEN)
    page = client.get(f"/signoffs/{signoff_id}").text
    assert "<svg" in page
    assert "Statutory last day" in page
    assert "Priya Mistry" in page  # holds the force's drafting
    assert "Sign-off started" in page
    assert "Section approved: Report summary" in page


def test_the_office_starts_a_sign_off_from_the_form(client: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/signoffs/new")
    answer = client.post("/signoffs/new", data={**start_form_fields(), "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303, answer.text
    created = client.get(answer.headers["location"]).text
    assert "PEEL 2023: Cheshire" in created
    assert "Area for improvement AFI-1" in created


def test_a_bad_start_form_names_each_field_and_keeps_what_was_typed(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/signoffs/new")
    fields = start_form_fields(
        published="2023-02-30", title="<i>PEEL</i>", **{"findings-2-ref": "X 1", "findings-2-text": ""}
    )
    answer = client.post("/signoffs/new", data={**fields, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 422
    assert 'href="#published"' in answer.text
    assert 'href="#findings-2-ref"' in answer.text
    assert 'value="&lt;i&gt;PEEL&lt;/i&gt;"' in answer.text
    with app.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(signoffs)).scalar_one() == 0


def test_a_force_contact_cannot_start_a_sign_off(client: TestClient, app: Application) -> None:
    sign_in(client, app, PRIYA)
    assert client.get("/signoffs/new").status_code == 403


def test_the_office_starts_a_sign_off_from_an_uploaded_file(client: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/signoffs/new")
    content = (PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml").read_bytes()
    answer = client.post(
        "/signoffs/new",
        data={"csrf_token": csrf_of(page.text), "respond_for": ["cheshire-pcc", "cumbria-pcc"]},
        files={"file": ("nw-soc.yaml", content, "application/yaml")},
    )
    assert answer.status_code == 303, answer.text
    with app.engine.connect() as connection:
        offices = set(connection.execute(select(signoffs.c.pcc_org)).scalars())
    assert offices == {"cheshire-pcc", "cumbria-pcc"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("inspection.txt", b"title: x", "must be YAML"),
        ("inspection.yaml", b"title: [unclosed", "inspection.yaml"),
        ("inspection.yaml", b"x" * 600_000, "smaller than"),
    ],
)
def test_a_bad_upload_is_refused_with_its_reason(
    client: TestClient, app: Application, name: str, content: bytes, message: str
) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/signoffs/new")
    answer = client.post(
        "/signoffs/new",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": (name, content, "text/plain")},
    )
    assert answer.status_code == 422
    assert 'href="#file"' in answer.text
    assert message in answer.text


# Published files found through the stored publication record.
@pytest.mark.both_databases
def test_published_files_are_served_only_from_the_manifest_to_the_organisations(
    client: TestClient, app: Application, signoff_id: int, tmp_path: Path, clock: FixedClock
) -> None:
    folder = tmp_path / "published" / "v1"
    folder.mkdir(parents=True)
    (folder / "response.html").write_text("<h1>Response</h1>", encoding="utf-8")
    (folder / "secret.txt").write_text("not listed", encoding="utf-8")
    (folder / "altered.html").write_text("changed after publication", encoding="utf-8")
    manifest = {
        "files": [
            {
                "name": "response.html",
                "media_type": "text/html",
                "sha256": sha256(b"<h1>Response</h1>").hexdigest(),
            },
            {
                "name": "altered.html",
                "media_type": "text/html",
                "sha256": sha256(b"as published").hexdigest(),
            },
        ]
    }
    recorded = json.dumps(manifest).encode()
    (folder / "manifest.json").write_bytes(recorded)
    with app.engine.begin() as connection:
        owen_id = connection.execute(select(func.min(signoffs.c.started_by_id))).scalar_one()
        connection.execute(
            insert(publications).values(
                signoff_id=signoff_id,
                version=1,
                published_at=clock.now(),
                published_on=date(2023, 12, 1),
                published_by_id=owen_id,
                folder=str(folder),
                manifest_sha256=sha256(recorded).hexdigest(),
                on_time=True,
                days_late=0,
                note="",
            )
        )
    sign_in(client, app, PRIYA)
    page = client.get(f"/signoffs/{signoff_id}").text
    assert f'href="/signoffs/{signoff_id}/published/1/response.html"' in page
    served = client.get(f"/signoffs/{signoff_id}/published/1/response.html")
    assert served.status_code == 200
    assert served.text == "<h1>Response</h1>"
    assert served.headers["content-type"].startswith("text/html")
    assert client.get(f"/signoffs/{signoff_id}/published/1/altered.html").status_code == 404
    assert client.get(f"/signoffs/{signoff_id}/published/1/secret.txt").status_code == 404
    assert client.get(f"/signoffs/{signoff_id}/published/1/manifest.json").status_code == 200
    assert client.get(f"/signoffs/{signoff_id}/published/1/..%2Fv1%2Fsecret.txt").status_code == 404
    assert client.get(f"/signoffs/{signoff_id}/published/2/response.html").status_code == 404

    # A manifest rewritten on disk (a swapped response and a file slipped in, listed with their hashes)
    # vouches for nothing: not the one recorded, it serves no file and the page links none it lists.
    (folder / "response.html").write_text("<h1>Forged</h1>", encoding="utf-8")
    (folder / "smuggled.html").write_text("<p>slipped in</p>", encoding="utf-8")
    forged = {
        "files": [
            {"name": n, "media_type": "text/html", "sha256": sha256((folder / n).read_bytes()).hexdigest()}
            for n in ("response.html", "smuggled.html")
        ]
    }
    (folder / "manifest.json").write_text(json.dumps(forged), encoding="utf-8")
    for name in ("response.html", "smuggled.html", "manifest.json"):
        assert client.get(f"/signoffs/{signoff_id}/published/1/{name}").status_code == 404, name
    page = client.get(f"/signoffs/{signoff_id}").text
    assert "published/1/response.html" not in page
    assert "published/1/smuggled.html" not in page
    people = {p.email for p in app.load_directory_config().people}
    outsider = next(e for e in sorted(people) if e.endswith("@cumbria-pcc.example.org"))
    sign_in(client, app, outsider)
    assert client.get(f"/signoffs/{signoff_id}/published/1/response.html").status_code == 403
    clock.advance(timedelta(0))


def test_hannah_the_administrator_may_withdraw_but_a_policy_officer_may_not(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    page = client.get(f"/signoffs/{signoff_id}")
    assert "Withdraw sign-off" not in page.text
    refused = client.post(
        f"/signoffs/{signoff_id}/withdraw", data={"reason": "x", "csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 403
    sign_in(client, app, HANNAH)
    status, _ = post_form(
        client, f"/signoffs/{signoff_id}", f"/signoffs/{signoff_id}/withdraw", {"reason": "Not ours"}
    )
    assert status == 303
    assert "withdrawn" in client.get(f"/signoffs/{signoff_id}").text


def test_the_home_page_leads_to_the_tasks(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/tasks"


def test_a_bad_delegation_is_named_on_the_page_it_came_from(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, ANDREW)
    status, _ = post_form(
        client,
        "/tasks",
        "/delegations",
        {"to_person": "not-an-address", "until": "soon", "reason": "", "back": "/tasks"},
    )
    assert status == 303
    page = client.get("/tasks").text
    assert 'href="#to_person"' in page
    assert 'href="#until"' in page
    assert 'value="not-an-address"' in page
    assert "There is a problem" not in client.get("/tasks").text  # shown once


def test_a_draft_saved_over_a_revision_made_while_it_was_written_is_refused_and_kept(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    """Owen's page shows revision 1; meanwhile revision 2 is saved. His text comes back with the new one
    shown above it, and is not saved over it unseen; saved again from that page, it goes."""
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    sign_in(client, app, OWEN)
    page = client.get(path).text
    assert 'name="base_revision" value="1"' in page
    draft(app, signoff_id, "report-summary", OWEN, "Written in another tab.")
    form = {"body": "Mine, from the first tab.", "note": "", "csrf_token": csrf_of(page)}
    answer = client.post(f"{path}/revisions", data={**form, "base_revision": "1"})
    assert answer.status_code == 409
    assert "the text is now revision 2, and yours was written on revision 1" in answer.text
    assert "Written in another tab." in answer.text
    assert "Mine, from the first tab.</textarea>" in answer.text
    assert 'name="base_revision" value="2"' in answer.text
    assert section_detail(signoff_id, "report-summary", app.deps).section.revision == 2
    again = client.post(
        f"{path}/revisions", data={**form, "base_revision": "2", "csrf_token": csrf_of(answer.text)}
    )
    assert again.status_code == 303
