"""The "Let someone decide for you" form chooses from the people who may take one's approvals: active people
of one's own organisation, never oneself; choosing nobody is an error on that field."""

from __future__ import annotations

import re
from html import unescape

from signoff.bootstrap import Application
from signoff.service.handlers.load_directory import load_directory
from tests.people import ANDREW, CLAIRE, RACHEL
from tests.support.web import TestClient, csrf_of, sign_in

CHOOSER = re.compile(r'<select[^>]*id="to_person"[^>]*>(.*?)</select>', re.DOTALL)
OPTION = re.compile(r'<option value="([^"]*)"[^>]*>([^<]*)</option>')


def choices(page: str) -> list[tuple[str, str]]:
    """The delegate chooser's options, as (value, text)."""
    found = CHOOSER.search(page)
    assert found, page
    return [(unescape(value), unescape(text)) for value, text in OPTION.findall(found.group(1))]


def test_the_chooser_lists_exactly_the_active_people_of_ones_own_organisation(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    config = app.load_directory_config()
    without_claire = config.model_copy(update={"people": [p for p in config.people if p.email != CLAIRE]})
    load_directory(without_claire, app.deps.load_pipeline(), app.deps)  # Claire is no longer active
    for me in (ANDREW, RACHEL):  # someone of the force, someone of the office
        organisation = next(p.organisation for p in config.people if p.email == me)
        eligible = {p.email for p in config.people if p.organisation == organisation} - {me, CLAIRE}
        sign_in(client, app, me)
        [first, *people] = choices(client.get("/tasks").text)
        assert first == ("", "Choose a person")
        assert sorted(value for value, _ in people) == sorted(eligible)
        assert len(people) == len(eligible)
        names = {p.email: p.name for p in config.people}
        assert all(text.startswith(names[value]) for value, text in people)


def test_choosing_nobody_is_an_error_on_the_chooser_and_delegates_nothing(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, ANDREW)
    page = client.get("/tasks").text
    data = {"to_person": "", "until": "2023-12-01", "reason": "annual leave", "back": "/tasks"}
    answer = client.post("/delegations", data={**data, "csrf_token": csrf_of(page)})
    assert answer.status_code == 303
    again = client.get("/tasks").text
    assert 'href="#to_person"' in again
    assert "Choose the person who will decide for you" in again
    assert 'id="to_person-error"' in again
    assert 'id="until-error"' not in again
    assert 'id="reason-error"' not in again
    assert "can now decide your approval requests" not in again
    assert choices(again)[0] == ("", "Choose a person")


def delegation_form_after(client: TestClient, chosen: str, until: str = "2023-12-01") -> str:
    """The task page after asking `chosen` to decide (the chooser tampered with where they are not on it)."""
    page = client.get("/tasks").text
    data = {"to_person": chosen, "until": until, "reason": "annual leave", "back": "/tasks"}
    answer = client.post("/delegations", data={**data, "csrf_token": csrf_of(page)})
    assert answer.status_code == 303, answer.text
    return unescape(client.get("/tasks").text)


def test_someone_who_cannot_decide_for_me_is_an_error_beside_the_chooser_not_a_refusal_page(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, ANDREW)
    for chosen, words in (
        (RACHEL, "can be delegated only to an active person of"),  # of the office, not the force
        (ANDREW, "cannot delegate to themselves"),
        ("nobody@cheshire.police.example.org", "only to an active person of"),  # said as of anyone elsewhere
    ):
        again = delegation_form_after(client, chosen)
        assert 'id="to_person-error"' in again, chosen
        assert words in again, chosen
        assert 'id="until-error"' not in again, chosen


def test_a_second_delegation_while_one_is_live_is_an_error_beside_the_chooser(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, ANDREW)
    assert "can now decide your approval requests" in delegation_form_after(client, CLAIRE)
    again = delegation_form_after(client, CLAIRE)
    assert 'id="to_person-error"' in again
    assert "already decides for" in again
    assert 'id="until-error"' not in again


def test_a_period_too_long_is_an_error_beside_the_last_day_whoever_is_chosen(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, ANDREW)
    # Two years: a mistyped year, not cover for leave. The dates' error, though the message could name
    # anyone (the choice is sound).
    again = delegation_form_after(client, CLAIRE, until="2025-12-01")
    assert 'id="until-error"' in again
    assert "a delegation lasts at most" in again
    assert 'id="to_person-error"' not in again
    assert "can now decide your approval requests" not in again
