"""People the directory moves to another organisation, or removes, while a sign-off names them.

Reloading the directory updates a person in place (keyed by email): someone who leaves Cheshire's office
for Cumbria's keeps their id, and so their places on Cheshire's sections. They keep no part in Cheshire's
response: they neither read, draft nor approve it, their task list and people page show none of it, and
Cheshire's administrator can give their place back to a Cheshire colleague. A delegation is honoured, and
offered as a task, only while both ends are active people of one organisation."""

from __future__ import annotations

from signoff.bootstrap import Application
from signoff.service.commands import Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.queries.signoff_read import section_detail
from tests.people import HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.support.story import ZOE, approve, delegate, draft, load_with_zoe, start_reference
from tests.support.web import TestClient, csrf, csrf_of, sign_in

FIONA = "fiona.dixon@cumbria-pcc.example.org"  # Cumbria's office administrator
SECRET = "CHESHIRE-ONLY summary text."


def give_zoe_rachels_place(app: Application, signoff_id: int) -> None:
    load_with_zoe(app, "cheshire-pcc", ["viewer"])
    draft(app, signoff_id, "report-summary", OWEN, SECRET)
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=RACHEL, to_person=ZOE, admin=HANNAH
        ),
        app.deps,
    )


def test_someone_moved_to_another_office_neither_reads_nor_approves_the_old_offices_section(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    give_zoe_rachels_place(app, signoff_id)
    load_with_zoe(app, "cumbria-pcc", ["pcc_admin"])  # Zoe now administers Cumbria's office
    sign_in(client, app, ZOE)

    assert client.get("/api/tasks").json() == []
    assert client.get(f"/api/signoffs/{signoff_id}").status_code == 403
    section = client.get(f"/api/signoffs/{signoff_id}/sections/report-summary")
    assert section.status_code == 403
    assert SECRET not in section.text
    assert SECRET not in client.get(f"/signoffs/{signoff_id}/sections/report-summary").text
    decided = client.post(
        f"/api/signoffs/{signoff_id}/sections/report-summary/decisions",
        json={"outcome": "approve"},
        headers=csrf(client),
    )
    assert decided.status_code == 403, decided.text
    assert section_detail(signoff_id, "report-summary", app.deps).section.state == "in_approval"


def test_the_office_gives_the_place_of_someone_who_moved_back_to_a_colleague(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    give_zoe_rachels_place(app, signoff_id)
    load_with_zoe(app, "cumbria-pcc", ["pcc_admin"])
    sign_in(client, app, HANNAH)
    answer = client.post(
        f"/api/signoffs/{signoff_id}/reassign",
        json={"section": "report-summary", "from_person": ZOE, "to_person": RACHEL},
        headers=csrf(client),
    )
    assert answer.status_code == 200, answer.text
    sign_in(client, app, RACHEL)
    assert [t["section_key"] for t in client.get("/api/tasks").json()] == ["report-summary"]
    decided = client.post(
        f"/api/signoffs/{signoff_id}/sections/report-summary/decisions",
        json={"outcome": "approve"},
        headers=csrf(client),
    )
    assert decided.status_code == 201, decided.text


def test_a_drafter_moved_to_another_office_cannot_write_the_old_offices_text(
    client: TestClient, app: Application
) -> None:
    load_with_zoe(app, "cheshire-pcc", ["policy_officer"])
    signoff_id = start_reference(app)  # Zoe is one of its drafters
    load_with_zoe(app, "cumbria-pcc", ["pcc_admin"])
    sign_in(client, app, ZOE)
    assert client.get("/api/tasks").json() == []
    written = client.post(
        f"/api/signoffs/{signoff_id}/sections/report-summary/revisions",
        json={"body": "Written by Cumbria's administrator.", "note": ""},
        headers=csrf(client),
    )
    assert written.status_code == 403, written.text
    assert section_detail(signoff_id, "report-summary", app.deps).section.revision is None


def test_a_delegate_who_moved_sees_no_task_and_no_delegation_of_the_old_office(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    load_with_zoe(app, "cheshire-pcc", ["viewer"])
    delegate(app, RACHEL, ZOE, reason="RACHEL-LEAVE-REASON")
    draft(app, signoff_id, "report-summary", OWEN, SECRET)
    sign_in(client, app, ZOE)
    assert [t["on_behalf_of"] for t in client.get("/api/tasks").json()] == ["Rachel Ashworth"]

    load_with_zoe(app, "cumbria-pcc", ["pcc_admin"])
    sign_in(client, app, ZOE)
    assert client.get("/api/tasks").json() == []
    assert "Rachel" not in client.get("/tasks").text
    for cumbria_admin in (ZOE, FIONA):
        sign_in(client, app, cumbria_admin)
        people = client.get("/admin/people").text
        assert "RACHEL-LEAVE-REASON" not in people
        assert "rachel.ashworth@" not in people


def test_a_delegation_from_someone_who_left_offers_no_task(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    give_zoe_rachels_place(app, signoff_id)
    delegate(app, ZOE, JOHN)
    sign_in(client, app, JOHN)
    assert [t["on_behalf_of"] for t in client.get("/api/tasks").json()] == ["Zoe Example"]
    load_with_zoe(app, None, [])  # Zoe leaves: the reload deactivates her
    sign_in(client, app, JOHN)
    assert client.get("/api/tasks").json() == []


def test_the_office_drafter_moved_into_its_force_takes_the_offices_section_across_to_nobody(
    client: TestClient, app: Application
) -> None:
    """Zoe drafts the office's summary, then joins the office's own force. The summary stays the office's:
    the force's people, Zoe included, do not read its draft (they never could), and it is not her task."""
    load_with_zoe(app, "cheshire-pcc", ["policy_officer"])
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", ZOE, SECRET)
    load_with_zoe(app, "cheshire-constabulary", ["force_liaison"])

    for someone in (PRIYA, ZOE):
        sign_in(client, app, someone)
        answer = client.get(f"/api/signoffs/{signoff_id}/sections/report-summary")
        assert answer.status_code == 403, (someone, answer.text)
        assert SECRET not in client.get(f"/signoffs/{signoff_id}").text
    assert client.get("/api/tasks").json() == []


def test_a_force_drafter_moved_into_the_office_is_offered_no_draft_form_for_the_forces_section(
    client: TestClient, app: Application
) -> None:
    """Zoe, the force's liaison, is one of the drafters of its sections; she then joins the office. The
    link in her 'drafts needed' email opens the section without a form that saving would refuse."""
    load_with_zoe(app, "cheshire-constabulary", ["force_liaison"])
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)
    path = f"/signoffs/{signoff_id}/sections/constabulary-response"
    sign_in(client, app, ZOE)
    assert f'action="{path}/revisions"' in client.get(path).text  # hers while she is of the force
    load_with_zoe(app, "cheshire-pcc", ["policy_officer"])
    sign_in(client, app, ZOE)
    page = client.get(path)
    assert f'action="{path}/revisions"' not in page.text
    answer = client.post(
        f"{path}/revisions", data={"body": "Ours.", "note": "", "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 403
