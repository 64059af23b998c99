"""Administration: what is late and who holds it (the fast query agrees with the older one), acting on it
singly and in bulk, failed emails, the directory and the on-time figures; administrators only."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from signoff.adapters.config_files import load_model
from signoff.adapters.orm import outbox
from signoff.bootstrap import Application
from signoff.domain.inspection import Inspection
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff, StartSignoff
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.attention import AttentionFilter, attention
from signoff.service.queries.signoff_read import section_detail, signoff_detail
from signoff.service.queries.stalled import stalled
from signoff.settings import PROJECT_ROOT
from tests.people import CLAIRE, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.support.story import ZOE, approve, draft, drive_reference, load_with_zoe, start_reference
from tests.support.web import TestClient, csrf_of, sign_in

FLAG_NAMES = {
    "overdue": "overdue",
    "due_soon": "due soon",
    "idle": "idle",
    "at_risk": "statutory deadline at risk",
}


def stalled_force_stage(app: Application, clock: FixedClock, signoff_id: int) -> None:
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Training.")
    clock.advance(timedelta(days=21))


def test_only_administrators_see_the_administration_pages(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    for path in ("/admin", "/admin/emails", "/admin/people", "/admin/figures", "/api/admin/attention"):
        assert client.get(path).status_code == 403, path
    assert "Administration" not in client.get("/tasks").text


def test_the_fast_query_finds_what_the_older_one_finds(
    app: Application, clock: FixedClock, signoff_id: int
) -> None:
    stalled_force_stage(app, clock, signoff_id)
    old = {(i.signoff_id, i.section, i.waiting_to, tuple(sorted(i.flags))) for i in stalled(app.deps)}
    page = attention(HANNAH, AttentionFilter(per_page=200), app.deps)
    new = {
        (i.signoff_id, i.section_key, i.waiting_to, tuple(sorted(FLAG_NAMES[f] for f in i.flags)))
        for i in page.items
    }
    assert new == old
    assert page.total == len(page.items) > 0


def test_the_stalled_request_is_listed_filtered_and_reassigned_in_bulk(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    stalled_force_stage(app, clock, signoff_id)
    sign_in(client, app, HANNAH)
    page = client.get("/admin")
    assert page.status_code == 200
    assert ">Daniel Holt<br>" in page.text
    assert ">Priya Mistry<br>" in page.text
    assert "Idle" in page.text
    force_only = client.get("/admin?organisation=cheshire-constabulary&flag=idle&sort=holder").text
    assert force_only.index(">Daniel Holt<br>") < force_only.index(">Priya Mistry<br>")
    assert ">Daniel Holt<br>" not in client.get("/admin?flag=overdue").text  # due on 8 December
    pcc_only = client.get("/admin?organisation=cheshire-pcc").text
    assert ">Daniel Holt<br>" not in pcc_only
    item = f"{signoff_id}|finding-afi-1|{DANIEL}|approve|constabulary_response"
    answer = client.post(
        "/admin/actions",
        data={"csrf_token": csrf_of(page.text), "item": [item], "action": "reassign", "to_person": CLAIRE},
    )
    assert answer.status_code == 303
    after = client.get("/admin").text
    assert "reassigned to" in after
    afi = section_detail(signoff_id, "finding-afi-1", app.deps).section
    assert afi.holders == [f"Claire Bannister <{CLAIRE}>"]


def test_remind_now_sends_the_holder_a_reminder(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    stalled_force_stage(app, clock, signoff_id)
    sign_in(client, app, HANNAH)
    page = client.get("/admin")
    value = f"remind:{signoff_id}|finding-afi-1|{DANIEL}|approve|constabulary_response"
    client.post("/admin/actions", data={"csrf_token": csrf_of(page.text), "single": value})
    with app.engine.connect() as connection:
        reminders = (
            connection.execute(select(outbox.c.recipient_email).where(outbox.c.event == "reminder"))
            .scalars()
            .all()
        )
    assert reminders == [DANIEL]
    assert "reminder sent" in client.get("/admin").text
    # A second click in the same minute sends nothing, and the trail records nothing more.
    client.post("/admin/actions", data={"csrf_token": csrf_of(page.text), "single": value})
    assert "already reminded this minute" in client.get("/admin").text
    trail = client.get(f"/signoffs/{signoff_id}").text
    assert trail.count("Reminder sent") == 1


@pytest.mark.parametrize(
    "signoff_ref",
    ["9223372036854775808", "2147483648", "\u00b2", "0"],
    ids=["huge", "past-int", "superscript", "zero"],
)
def test_a_row_whose_signoff_id_no_row_can_have_is_refused_as_unreadable(
    client: TestClient, app: Application, signoff_id: int, signoff_ref: str
) -> None:
    """A tampered row naming a sign-off id the database cannot hold, or a digit of another script, is a
    row that cannot be read (422, saying so), not a server error."""
    sign_in(client, app, HANNAH)
    page = client.get("/admin")
    for action in ("remind", "reassign", "extend"):
        value = f"{action}:{signoff_ref}|report-summary|{OWEN}|draft|report_summary"
        answer = client.post("/admin/actions", data={"csrf_token": csrf_of(page.text), "single": value})
        assert answer.status_code == 422, answer.text
        assert "could not be read" in html.unescape(answer.text)


def banner_lines(client: TestClient) -> list[str]:
    page = client.get("/admin").text
    found = re.search(r'<div class="banner" role="status"><ul>(.*?)</ul></div>', page, re.S)
    return [html.unescape(line) for line in re.findall(r"<li>(.*?)</li>", found.group(1))] if found else []


def test_bulk_delegate_makes_one_delegation_per_holder_and_refuses_drafting_rows(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    stalled_force_stage(app, clock, signoff_id)
    sign_in(client, app, HANNAH)
    page = client.get("/admin")
    approval = f"{signoff_id}|finding-afi-1|{DANIEL}|approve|constabulary_response"
    drafting = f"{signoff_id}|constabulary-response|{PRIYA}|draft|constabulary_response"
    until = {"until-day": "20", "until-month": "12", "until-year": "2023"}
    client.post(
        "/admin/actions",
        data={
            "csrf_token": csrf_of(page.text),
            "item": [approval, approval, drafting],  # the same row twice: a double selection
            "action": "delegate",
            "to_person": CLAIRE,
            **until,
        },
    )
    first, second, third = banner_lines(client)
    assert first.endswith("Claire Bannister decides for them until Wednesday 20 December 2023")
    assert second == first
    assert third.endswith(
        "not done: only approvals can be delegated; drafting stays with the section's drafters"
    )
    people = client.get("/admin/people").text
    assert people.count("annual leave") + people.count("delegated by an administrator") == 1


def test_bulk_extend_moves_each_stage_once_and_reports_what_failed(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    stalled_force_stage(app, clock, signoff_id)
    sign_in(client, app, HANNAH)
    page = client.get("/admin")
    items = [
        f"{signoff_id}|finding-afi-1|{DANIEL}|approve|constabulary_response",
        f"{signoff_id}|constabulary-response|{PRIYA}|draft|constabulary_response",
    ]
    client.post(
        "/admin/actions",
        data={
            "csrf_token": csrf_of(page.text),
            "item": items,
            "action": "extend",
            "new_due_on": "2023-12-22",
        },
    )
    stage = next(s for s in signoff_detail(signoff_id, app.deps).stages if s.key == "constabulary_response")
    assert stage.due_on.isoformat() == "2023-12-22"
    client.post(
        "/admin/actions",
        data={"csrf_token": csrf_of(page.text), "item": items[:1], "action": "reassign", "to_person": PRIYA},
    )
    assert "not done" in client.get("/admin").text  # Priya wrote the text: she may not approve it


def test_a_gets_on_action_urls_change_nothing(client: TestClient, app: Application, signoff_id: int) -> None:
    sign_in(client, app, HANNAH)
    assert client.get("/admin/actions?action=remind").status_code in (404, 405)
    assert client.get(f"/signoffs/{signoff_id}/withdraw").status_code in (404, 405)
    assert signoff_detail(signoff_id, app.deps).state == "active"


def test_a_failed_email_is_listed_and_retried(client: TestClient, app: Application, signoff_id: int) -> None:
    with app.engine.begin() as connection:
        first = connection.execute(select(outbox.c.id).order_by(outbox.c.id)).scalars().first()
        connection.execute(
            update(outbox).where(outbox.c.id == first).values(state="failed", last_error="550 no such user")
        )
    sign_in(client, app, HANNAH)
    page = client.get("/admin/emails")
    assert "550 no such user" in page.text
    answer = client.post(f"/admin/emails/{first}/retry", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303
    with app.engine.connect() as connection:
        state = connection.execute(select(outbox.c.state).where(outbox.c.id == first)).scalar_one()
    assert str(state) == "queued"
    assert "No email has failed." in client.get("/admin/emails").text


def test_the_directory_and_the_figures_pages(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    stalled_force_stage(app, clock, signoff_id)
    sign_in(client, app, HANNAH)
    people = client.get("/admin/people").text
    assert "Priya Mistry" in people
    assert "force_liaison" in people
    figures = client.get("/admin/figures").text
    assert "Report summary" in figures
    assert "<svg" in figures


def test_the_administration_page_is_paginated(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    stalled_force_stage(app, clock, signoff_id)
    sign_in(client, app, HANNAH)
    first = client.get("/admin?per_page=1")
    assert "page 1 of" in first.text
    assert "Next page" in first.text
    api = client.get("/api/admin/attention?per_page=1&page=2").json()
    assert api["page"] == 2
    assert len(api["items"]) == 1
    assert api["total"] >= 2


@pytest.mark.both_databases  # a query of its own: the office's sign-offs ready to publish
def test_an_approved_response_waiting_to_be_published_is_listed_for_its_office_only(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    signoff_id = drive_reference(app, clock)
    sign_in(client, app, HANNAH)
    page = client.get("/admin").text
    assert "Approved, waiting to be published" in page
    assert f'href="/signoffs/{signoff_id}/publish"' in page
    publish_by = signoff_detail(signoff_id, app.deps).publish_by
    # Days before the publish-by day it is due soon and the statutory deadline at risk; after, overdue.
    clock.set(datetime.combine(publish_by - timedelta(days=1), time(10), tzinfo=UTC))
    [ready] = attention(HANNAH, AttentionFilter(), app.deps).ready
    assert (ready.signoff_id, set(ready.flags)) == (signoff_id, {"due_soon", "at_risk"})
    clock.set(datetime.combine(publish_by + timedelta(days=1), time(10), tzinfo=UTC))
    sign_in(client, app, HANNAH)  # a new day, a new session
    [ready] = client.get("/api/admin/attention").json()["ready"]
    assert "overdue" in ready["flags"]
    # Another office's administrator does not see it.
    assert attention("fiona.dixon@cumbria-pcc.example.org", AttentionFilter(), app.deps).ready == []
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=OWEN), app.deps)
    assert attention(HANNAH, AttentionFilter(), app.deps).ready == []
    assert "Approved, waiting to be published" not in client.get("/admin").text


def test_a_failed_email_to_someone_who_has_left_says_why_it_is_not_sent_again(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    with app.engine.begin() as connection:
        to_owen = (
            connection.execute(
                select(outbox.c.id).where(outbox.c.recipient_email == OWEN).order_by(outbox.c.id)
            )
            .scalars()
            .first()
        )
        connection.execute(
            update(outbox).where(outbox.c.id == to_owen).values(state="failed", last_error="550 no such user")
        )
    config = app.load_directory_config()
    moved = [
        p.model_copy(update={"organisation": "cumbria-pcc"}) if p.email == OWEN else p for p in config.people
    ]
    load_directory(config.model_copy(update={"people": moved}), app.deps.load_pipeline(), app.deps)

    sign_in(client, app, HANNAH)
    page = client.get("/admin/emails")
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", page.text, flags=re.S) if f">{to_owen}</td>" in r]
    assert f"Not sent again: {OWEN} is no longer of" in html.unescape(row)
    assert "Retry" not in row
    # Pressed anyway (a page open from before): refused, and the email stays failed.
    answer = client.post(f"/admin/emails/{to_owen}/retry", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 422
    with app.engine.connect() as connection:
        state = connection.execute(select(outbox.c.state).where(outbox.c.id == to_owen)).scalar_one()
    assert str(state) == "failed"


@pytest.mark.both_databases
def test_every_drafter_of_a_section_is_listed_and_a_moved_drafters_place_stays_its_organisations(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    # Two policy officers: the summary has two drafters. Then Zoe moves to the force, her place on the
    # summary still the office's, and the drafting goes idle.
    load_with_zoe(app, "cheshire-pcc", ["policy_officer"])
    signoff_id = start_reference(app)
    load_with_zoe(app, "cheshire-constabulary", ["policy_officer"])
    clock.advance(timedelta(days=21))
    sign_in(client, app, HANNAH)

    def holders(query: str = "") -> list[str]:
        page = client.get(f"/admin{query}").text
        return sorted(html.unescape(name) for name in re.findall(r">([^<>]+)<br><span class=\"hint\">", page))

    assert holders() == ["Owen Prescott", "Zoe Example"]
    assert holders("?organisation=cheshire-pcc") == ["Owen Prescott", "Zoe Example"]  # the office's places
    assert holders("?organisation=cheshire-constabulary") == []
    # Her row says where she is now, and whose place it is.
    page_text = html.unescape(client.get("/admin").text)
    assert (
        'Zoe Example<br><span class="hint">Cheshire Constabulary; place of Office of the Police and Crime '
        "Commissioner for Cheshire; to draft"
    ) in page_text
    assert (
        'Owen Prescott<br><span class="hint">Office of the Police and Crime Commissioner for Cheshire; to draft'
        in (page_text)
    )
    # The list is the domain's: every holding, each drafter of a section one.
    listed = attention(HANNAH, AttentionFilter(per_page=200), app.deps).items
    assert sorted((i.section_key, i.waiting_to, f"{i.holder} <{i.holder_email}>") for i in listed) == sorted(
        (i.section, i.waiting_to, i.holder) for i in stalled(app.deps)
    )
    # Her place is given away from the page, as the first drafter's could be.
    page = client.get("/admin").text
    item = f"{signoff_id}|report-summary|{ZOE}|draft|report_summary"
    answer = client.post(
        "/admin/actions",
        data={"csrf_token": csrf_of(page), "item": [item], "action": "reassign", "to_person": JOHN},
    )
    assert answer.status_code == 303
    assert "reassigned to" in client.get("/admin").text
    summary = section_detail(signoff_id, "report-summary", app.deps).section
    assert sorted(summary.drafters) == [f"John Dwyer <{JOHN}>", f"Owen Prescott <{OWEN}>"]


def test_the_stage_filter_offers_the_stages_of_every_pipeline(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    # A national thematic follows config/pipelines/thematic.yaml: its force's stage is "The force's action".
    thematic = load_model(PROJECT_ROOT / "examples" / "national-thematic-2025-example.yaml", Inspection)
    clock.set(datetime.combine(thematic.published, time(9, 30), tzinfo=UTC))
    start_signoff(StartSignoff(inspection=thematic, started_by=OWEN, respond_for=["cheshire-pcc"]), app.deps)
    sign_in(client, app, HANNAH)
    stages = client.get("/api/admin/attention").json()["stages"]
    assert ["force_response", "The force's action"] in stages
    assert ["constabulary_response", "Constabulary response"] in stages  # the default pipeline's, as before
    choices = client.get("/admin").text.split('id="stage"')[1].split("</select>")[0]
    assert 'value="force_response"' in choices
