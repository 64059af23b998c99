"""A proposed report handled as someone else or clumsily: another office's administrator guessing ids and
tampering with the form, a double click on 'Start the sign-off', a report its office already started by hand,
and hostile text typed into the intake. Each ends in one sign-off of the proposal's office, or a refusal that
names the problem and changes nothing; never a 500, never another office's sign-off."""

from __future__ import annotations

import pytest

from signoff.bootstrap import Application
from signoff.domain.transitions import ProposalState
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.watching import watch_dependencies
from tests.support.web import TestClient, csrf_of, sign_in
from tests.web.test_proposals_web import OWEN, _form_of, clock, proposal, state_of

__all__ = ["clock", "proposal"]  # the fixtures, shared with test_proposals_web

GRACE = "grace.mccarthy@merseyside-pcc.example.org"  # Merseyside's PCC administrator


def signoffs_by_office(app: Application) -> dict[str, int]:
    counts: dict[str, int] = {}
    with app.deps.new_unit_of_work() as uow:
        for signoff in uow.signoffs.page(limit=1000):
            counts[signoff.pcc_org] = counts.get(signoff.pcc_org, 0) + 1
    return counts


def owens_form(client: TestClient, app: Application, proposal_id: int) -> dict[str, str | list[str]]:
    """Signed in as Cheshire's policy officer: the proposal's form as the page fills it."""
    sign_in(client, app, OWEN, f"/proposals/{proposal_id}")
    return _form_of(client.get(f"/proposals/{proposal_id}").text)


def test_another_offices_administrator_guessing_ids_and_tampering_gets_nothing(
    client: TestClient, app: Application, proposal: tuple[int, str]
) -> None:
    proposal_id, _ = proposal
    form = owens_form(client, app, proposal_id)
    sign_in(client, app, GRACE, "/proposals")
    token = csrf_of(client.get("/proposals").text)
    tampered = {
        **form,
        "csrf_token": token,
        "respond_for": "merseyside-pcc",
        "office": "merseyside-pcc",
        "action": "start",
    }
    for guess in (proposal_id, proposal_id + 1, proposal_id + 1000):
        assert client.get(f"/proposals/{guess}").status_code == 404, guess
        assert client.post(f"/proposals/{guess}", data=tampered).status_code == 404, guess
    for odd in ("0", "-1", "abc", "1e3", "99999999999999999999999"):
        assert client.get(f"/proposals/{odd}").status_code in (404, 422), odd
    assert state_of(app, proposal_id) is ProposalState.PROPOSED
    assert signoffs_by_office(app) == {}


def test_a_tampered_respond_for_starts_only_the_proposals_office(
    client: TestClient, app: Application, proposal: tuple[int, str]
) -> None:
    proposal_id, _ = proposal
    form = owens_form(client, app, proposal_id)
    started = client.post(
        f"/proposals/{proposal_id}",
        data={**form, "respond_for": ["merseyside-pcc", "cheshire-pcc"], "action": "start"},
    )
    assert started.status_code == 303, started.text
    assert signoffs_by_office(app) == {"cheshire-pcc": 1}


def test_starting_twice_double_click_or_two_tabs_gives_one_signoff(
    client: TestClient, app: Application, proposal: tuple[int, str]
) -> None:
    proposal_id, _ = proposal
    form = {**owens_form(client, app, proposal_id), "action": "start"}
    first = client.post(f"/proposals/{proposal_id}", data=form)
    assert first.status_code == 303, first.text
    second = client.post(f"/proposals/{proposal_id}", data=form)
    assert second.status_code in (303, 409, 422), second.text
    if second.status_code == 303:
        assert second.headers["location"] == first.headers["location"]
    else:
        assert "already started" in second.text
    # The other tab saves corrections on it, or says not for us: refused, the sign-off stands.
    saved = client.post(f"/proposals/{proposal_id}", data={**form, "action": "save"})
    assert saved.status_code in (409, 422), saved.text
    dismissed = client.post(
        f"/proposals/{proposal_id}/dismiss", data={"csrf_token": form["csrf_token"], "reason": "dup"}
    )
    assert dismissed.status_code in (409, 422), dismissed.text
    assert state_of(app, proposal_id) is ProposalState.STARTED
    assert signoffs_by_office(app) == {"cheshire-pcc": 1}


def test_a_report_already_started_by_hand_is_not_started_again_and_the_proposal_points_to_it(
    client: TestClient, app: Application, proposal: tuple[int, str]
) -> None:
    proposal_id, _ = proposal
    with watch_dependencies(app).new_unit_of_work() as uow:
        intake = uow.proposals.get(proposal_id).intake
    # Started from the start form, its address typed in capitals with a trailing slash.
    by_hand = type(intake).model_validate(
        {
            **intake.model_dump(mode="json"),
            "report_url": str(intake.report_url).replace("http://", "HTTP://") + "/",
        }
    )
    [existing] = start_signoff(
        StartSignoff(inspection=by_hand, started_by=OWEN, respond_for=["cheshire-pcc"]), app.deps
    )
    form = owens_form(client, app, proposal_id)
    pressed = client.post(f"/proposals/{proposal_id}", data={**form, "action": "start"})
    # Taken to the sign-off the office has, told so; the proposal points to it; no second one.
    assert (pressed.status_code, pressed.headers["location"]) == (303, f"/signoffs/{existing}"), pressed.text
    shown = client.get(pressed.headers["location"]).text
    assert f"already had sign-off #{existing} for this report" in shown
    assert signoffs_by_office(app) == {"cheshire-pcc": 1}
    with watch_dependencies(app).new_unit_of_work() as uow:
        marked = uow.proposals.get(proposal_id)
    assert (marked.state, marked.signoff_id) == (ProposalState.STARTED, existing)


@pytest.mark.parametrize(
    ("title", "status"),
    [
        ("<script>alert('x')</script> PEEL", 303),
        ("PEEL\x00 2025", 422),
        ("PEEL\x1b[2J 2025", 422),
        ("PEEL " + "x" * 25_000, 422),
    ],
)
def test_hostile_text_in_the_intake_is_refused_or_shown_as_text(
    client: TestClient, app: Application, proposal: tuple[int, str], title: str, status: int
) -> None:
    proposal_id, _ = proposal
    form = owens_form(client, app, proposal_id)
    response = client.post(
        f"/proposals/{proposal_id}",
        data={**form, "title": title, "findings-0-text": title, "action": "save"},
    )
    assert response.status_code == status, response.text[:500]
    page = client.get(f"/proposals/{proposal_id}").text
    assert "<script>alert" not in page
    if status == 303:
        assert "&lt;script&gt;alert" in page
    assert signoffs_by_office(app) == {}


@pytest.mark.parametrize("action", ["save", "start"])
def test_another_forces_lead_named_on_a_finding_is_refused_naming_the_finding(
    client: TestClient, app: Application, proposal: tuple[int, str], action: str
) -> None:
    proposal_id, _ = proposal
    form = owens_form(client, app, proposal_id)
    named = {**form, "findings-3-lead": "gareth.pendlebury@gmp.police.example.org", "action": action}
    response = client.post(f"/proposals/{proposal_id}", data=named)
    if action == "save" and response.status_code == 303:
        # Kept as a correction, it must still be refused when the sign-off starts.
        response = client.post(f"/proposals/{proposal_id}", data={**named, "action": "start"})
    assert response.status_code == 422, response.text[:300]
    assert "AFI-1" in response.text
    assert "gareth.pendlebury@gmp.police.example.org" in response.text
    assert state_of(app, proposal_id) is ProposalState.PROPOSED
    assert signoffs_by_office(app) == {}
