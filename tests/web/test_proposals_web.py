"""A proposed report's page: its office's policy officer sees the intake beside the report's link and the
statutory clock from the publication date, corrects it with the start form's validation, starts the sign-off
or says it is not for the office; any other office gets the app's 404, and the office's other roles its 403."""

from __future__ import annotations

import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from signoff.bootstrap import Application
from signoff.domain.transitions import ProposalState
from signoff.service.clock import FixedClock
from signoff.service.handlers.watch_publications import watch_publications
from signoff.watching import watch_dependencies
from tests.handlers.test_watch_publications import NOW
from tests.support.hmicfrs import serve_fixtures
from tests.support.web import TestClient, csrf_of, sign_in

OWEN = "owen.prescott@cheshire-pcc.example.org"  # Cheshire's policy officer
JOHN = "john.dwyer@cheshire-pcc.example.org"  # Cheshire's commissioner: may not start a sign-off


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def proposal(app: Application) -> tuple[int, str]:
    """Cheshire's proposal of the PEEL report, and another office's policy officer."""
    with serve_fixtures() as base:
        watch = watch_dependencies(app)
        watch_publications(watch, base + "publications.html")
    with watch.new_unit_of_work() as uow:
        [peel] = [
            p
            for p in uow.proposals.for_office("cheshire-pcc")
            if p.report_url.endswith("peel-2025-cheshire.html")
        ]
        roster = uow.directory.roster()
    stranger = next(
        p.email
        for p in roster.participants
        if p.organisation == "merseyside-pcc" and "policy_officer" in p.roles
    )
    assert peel.id is not None
    return peel.id, stranger


def state_of(app: Application, proposal_id: int) -> ProposalState:
    with watch_dependencies(app).new_unit_of_work() as uow:
        return uow.proposals.get(proposal_id).state


def test_the_page_shows_the_intake_the_report_and_the_clock(
    client: TestClient, app: Application, proposal: tuple[int, str]
) -> None:
    proposal_id, _ = proposal
    sign_in(client, app, OWEN, f"/proposals/{proposal_id}")
    page = client.get(f"/proposals/{proposal_id}")
    assert page.status_code == 200
    text = page.text
    assert "PEEL 2025: An inspection of Cheshire Constabulary" in text
    assert "peel-2025-cheshire.html" in text  # the link to the report
    assert "7 December 2025" in text  # 56 days from 13 October 2025
    assert (
        'value="The constabulary should improve how it supervises investigations.' not in text
    )  # a textarea
    assert "The constabulary should improve how it supervises investigations." in text
    assert "Start the sign-off" in text
    assert "Not for us" in text
    listing = client.get("/proposals")
    assert f"/proposals/{proposal_id}" in listing.text


def test_a_correction_is_validated_as_the_start_form_is_and_the_signoff_starts(
    client: TestClient, app: Application, proposal: tuple[int, str]
) -> None:
    proposal_id, _ = proposal
    sign_in(client, app, OWEN, f"/proposals/{proposal_id}")
    form = _form_of(client.get(f"/proposals/{proposal_id}").text)
    assert form["findings-3-ref"] == "AFI-1"

    refused = client.post(f"/proposals/{proposal_id}", data={**form, "title": "", "action": "start"})
    assert refused.status_code == 422
    assert "Enter the title of the report" in refused.text
    assert state_of(app, proposal_id) is ProposalState.PROPOSED
    # Neither of the page's buttons (a tampered or scripted post): nothing starts, which cannot be undone.
    for action in ("bogus", ""):
        refused = client.post(f"/proposals/{proposal_id}", data={**form, "action": action})
        assert refused.status_code == 422
        assert "neither &#39;start&#39; nor &#39;save&#39;" in refused.text
        assert state_of(app, proposal_id) is ProposalState.PROPOSED

    assert (form["findings-1-answers"], form["findings-2-answers"]) == ("CoC-1", "CoC-1")
    assert form["findings-1-addressed_to"] == "cheshire-constabulary"
    corrected = {
        **form,
        "findings-3-text": "The constabulary should record anti-social behaviour as crime.",
        "findings-2-answers": "",  # the person says Recommendation 2 answers no cause of concern
        "action": "start",
    }
    started = client.post(f"/proposals/{proposal_id}", data=corrected)
    assert started.status_code == 303, started.text
    signoff_path = started.headers["location"]
    assert re.fullmatch(r"/signoffs/\d+", signoff_path)
    assert state_of(app, proposal_id) is ProposalState.STARTED
    with watch_dependencies(app).new_unit_of_work() as uow:
        intake = uow.proposals.get(proposal_id).intake
    assert intake.finding("AFI-1").text == "The constabulary should record anti-social behaviour as crime."
    # What the form has no field for is kept from the proposal.
    assert intake.finding("R-1").answers == "CoC-1"
    assert intake.finding("R-1").due is not None
    assert intake.finding("R-1").label == "Recommendation 1"
    assert intake.finding("R-2").answers is None, "a field the person emptied stays empty"
    assert [g.area for g in intake.grades] == [
        "Responding to the public",
        "Investigating crime",
        "Protecting vulnerable people",
    ]


def test_not_for_us_needs_a_reason(client: TestClient, app: Application, proposal: tuple[int, str]) -> None:
    proposal_id, _ = proposal
    sign_in(client, app, OWEN, f"/proposals/{proposal_id}")
    token = csrf_of(client.get(f"/proposals/{proposal_id}").text)
    empty = client.post(f"/proposals/{proposal_id}/dismiss", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422
    assert "Say why the report is not for your office" in empty.text
    assert state_of(app, proposal_id) is ProposalState.PROPOSED
    done = client.post(
        f"/proposals/{proposal_id}/dismiss", data={"csrf_token": token, "reason": "Answered regionally"}
    )
    assert done.status_code == 303
    assert state_of(app, proposal_id) is ProposalState.DISMISSED


def test_another_office_cannot_open_edit_start_or_dismiss_it(
    client: TestClient, app: Application, proposal: tuple[int, str]
) -> None:
    proposal_id, stranger = proposal
    sign_in(client, app, OWEN, f"/proposals/{proposal_id}")
    form = _form_of(client.get(f"/proposals/{proposal_id}").text)
    sign_in(client, app, stranger, "/proposals")
    token = csrf_of(client.get("/proposals").text)
    assert f"/proposals/{proposal_id}" not in client.get("/proposals").text
    assert client.get(f"/proposals/{proposal_id}").status_code == 404
    for action in ("save", "start"):
        response = client.post(
            f"/proposals/{proposal_id}", data={**form, "csrf_token": token, "action": action}
        )
        assert response.status_code == 404, action
    dismissed = client.post(
        f"/proposals/{proposal_id}/dismiss", data={"csrf_token": token, "reason": "not ours"}
    )
    assert dismissed.status_code == 404
    assert state_of(app, proposal_id) is ProposalState.PROPOSED

    sign_in(client, app, JOHN, f"/proposals/{proposal_id}")
    assert client.get(f"/proposals/{proposal_id}").status_code == 403


def _form_of(html: str) -> dict[str, str | list[str]]:
    """The intake form's fields as the page fills them, read as a browser would submit them."""
    form: dict[str, str | list[str]] = {}
    page = LexborHTMLParser(html).css_first("form#form")
    assert page is not None, "the page has no intake form"
    for node in page.css("input, textarea, select"):
        name = node.attributes.get("name")
        if not name:
            continue
        kind = node.attributes.get("type")
        if node.tag == "textarea":
            form[name] = node.text(deep=True)
        elif node.tag == "select":
            chosen = node.css_first("option[selected]") or node.css_first("option")
            form[name] = str(chosen.attributes.get("value")) if chosen is not None else ""
        elif kind in ("checkbox", "radio"):
            if "checked" in node.attributes:
                if kind == "checkbox":
                    values = form.setdefault(name, [])
                    assert isinstance(values, list)
                    values.append(str(node.attributes.get("value")))
                else:
                    form[name] = str(node.attributes.get("value"))
        elif kind != "submit":
            form[name] = str(node.attributes.get("value") or "")
    return form
