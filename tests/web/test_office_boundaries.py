"""One installation, several offices: an administrator acts only on their own office's sign-offs and
people, a sign-off names only its office's and force's people, and one person is one approval.

Each test is a defect found by trying it as another office would (issue #13), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, update

from signoff.adapters.config_files import load_model
from signoff.adapters.orm import delegations, outbox, people
from signoff.bootstrap import Application, bootstrap
from signoff.domain.errors import InvalidInput, NotFound, NotPermitted
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, DelegateApprovals, StartSignoff
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.signoff_read import section_detail
from signoff.settings import PROJECT_ROOT, Settings
from tests.people import DANIEL, HANNAH, JOHN, OWEN, RACHEL
from tests.support.story import REFERENCE, approve, draft
from tests.support.web import TestClient, csrf, csrf_of, sign_in

# Merseyside: another office of the same region, and its force.
GRACE = "grace.mccarthy@merseyside-pcc.example.org"  # Merseyside's PCC administrator
LIAM = "liam.doyle@merseyside-pcc.example.org"  # Merseyside's policy officer
BERNADETTE = "bernadette.quinn@merseyside-pcc.example.org"  # Merseyside's chief executive
PATRICIA = "patricia.rimmer@merseyside-pcc.example.org"  # Merseyside's commissioner
SIOBHAN = "siobhan.kelly@merseyside.police.example.org"  # a Merseyside strategic lead


def reference_for(*offices: str, **changes: object) -> Inspection:
    """The reference report answered by `offices`, its finding addressed to all forces so that each
    office's force answers it (as printed, it is Cheshire's alone)."""
    inspection = load_model(REFERENCE, Inspection)
    findings = [f.model_copy(update={"addressed_to": ["all-forces"]}) for f in inspection.findings]
    return inspection.model_copy(update={"respond_for": list(offices), "findings": findings, **changes})


def start_for_merseyside(app: Application) -> int:
    """The reference report, answered by Merseyside alone: its finding's lead (Cheshire's) left out."""
    reference = reference_for("merseyside-pcc")
    findings = [f.model_copy(update={"lead": None}) for f in reference.findings]
    inspection = reference.model_copy(update={"findings": findings})
    [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=LIAM), app.deps)
    return signoff_id


def delegate_for_a_week(app: Application, from_person: str, to_person: str, reason: str = "leave") -> int:
    """`from_person` lets `to_person` decide for them from now for seven days, set up by themselves."""
    now = app.deps.clock.now()
    return delegate_approvals(
        DelegateApprovals(
            from_person=from_person,
            to_person=to_person,
            starts_at=now,
            ends_at=now + timedelta(days=7),
            reason=reason,
            by=from_person,
        ),
        app.deps,
    )


def delegation_count(app: Application) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(delegations)).scalar_one())


def to_commissioner_stage(app: Application, signoff_id: int) -> None:
    """Merseyside's sign-off with its commissioner's response waiting for Patricia Rimmer."""
    draft(app, signoff_id, "report-summary", LIAM, "Summary.")
    approve(app, signoff_id, "report-summary", BERNADETTE)
    draft(app, signoff_id, "finding-afi-1", "kieran.molloy@merseyside.police.example.org", "Action.")
    approve(app, signoff_id, "finding-afi-1", SIOBHAN)
    draft(
        app, signoff_id, "constabulary-response", "kieran.molloy@merseyside.police.example.org", "Comments."
    )
    approve(app, signoff_id, "constabulary-response", "margaret.halewood@merseyside.police.example.org")
    draft(app, signoff_id, "commissioner-response", LIAM, "The Commissioner's comments.")


# ----- 1. An administrator cannot approve another office's sign-off through a delegation -----


def test_an_administrator_cannot_take_another_offices_approvals_through_the_api(
    client: TestClient, app: Application
) -> None:
    signoff_id = start_for_merseyside(app)
    to_commissioner_stage(app, signoff_id)
    sign_in(client, app, HANNAH)
    now = app.deps.clock.now()
    answer = client.post(
        "/api/delegations",
        json={
            "from_person": PATRICIA,
            "to_person": HANNAH,
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=14)).isoformat(),
            "reason": "annual leave",
        },
        headers=csrf(client),
    )
    assert answer.status_code == 403, answer.text
    assert delegation_count(app) == 0
    path = f"/api/signoffs/{signoff_id}/sections/commissioner-response/decisions"
    refused = client.post(path, json={"outcome": "approve"}, headers=csrf(client))
    assert refused.status_code == 403
    assert section_detail(signoff_id, "commissioner-response", app.deps).section.state == "in_approval"


def test_an_administrator_cannot_delegate_another_offices_approvals_from_the_admin_page(
    client: TestClient, app: Application
) -> None:
    signoff_id = start_for_merseyside(app)
    to_commissioner_stage(app, signoff_id)
    sign_in(client, app, HANNAH)
    form = client.get("/admin")
    assert form.status_code == 200
    item = f"{signoff_id}|commissioner-response|{PATRICIA}|approve|commissioner_response"
    answer = client.post(
        "/admin/actions",
        data={
            "csrf_token": csrf_of(form.text),
            "action": "delegate",
            "item": item,
            "to_person": HANNAH,
            "until": "2023-12-01",
            "reason": "annual leave",
        },
    )
    assert answer.status_code == 303
    assert delegation_count(app) == 0
    assert "not done" in client.get("/admin").text


def test_a_delegation_from_another_organisation_gives_no_right_to_decide(app: Application) -> None:
    """Even a delegation stored before the rule (written by hand here) is not honoured."""
    signoff_id = start_for_merseyside(app)
    to_commissioner_stage(app, signoff_id)
    delegate_for_a_week(app, PATRICIA, BERNADETTE)
    with app.engine.begin() as connection:
        delegation_id = connection.execute(select(func.min(delegations.c.id))).scalar_one()
        cheshire_admin = connection.execute(select(people.c.id).where(people.c.email == HANNAH)).scalar_one()
        connection.execute(
            update(delegations).where(delegations.c.id == delegation_id).values(to_person_id=cheshire_admin)
        )
    with pytest.raises(NotPermitted):
        decide(
            Decide(
                signoff_id=signoff_id, section="commissioner-response", actor=HANNAH, outcome=Outcome.APPROVE
            ),
            app.deps,
        )
    assert section_detail(signoff_id, "commissioner-response", app.deps).section.state == "in_approval"


def test_a_delegation_goes_only_to_someone_of_the_same_organisation(app: Application) -> None:
    with pytest.raises(NotPermitted, match="only to an active person of"):
        delegate_for_a_week(app, JOHN, PATRICIA)
    assert delegation_count(app) == 0


# ----- 2. Whoever starts a sign-off cannot name just anyone as a finding's lead -----


# One answer for each: who is in the directory, and where, is not the starter's to learn from it.
@pytest.mark.parametrize(
    ("lead", "why"),
    [
        (
            DANIEL,
            "is not a strategic lead (role 'strategic_lead') of a force answering the report",
        ),  # a strategic lead of another force
        (
            OWEN,
            "is not a strategic lead (role 'strategic_lead') of a force answering the report",
        ),  # a colleague of no force at all
        (
            LIAM,
            "is not a strategic lead (role 'strategic_lead') of a force answering the report",
        ),  # the starter themselves
        (
            "nobody@merseyside.police.example.org",
            "is not a strategic lead (role 'strategic_lead') of a force answering the report",
        ),
    ],
)
def test_a_findings_lead_must_be_a_strategic_lead_of_the_force_answering(
    app: Application, lead: str, why: str
) -> None:
    # A report of Merseyside alone: a lead of a force the report covers is that force's, and is left to
    # it (test_one_office_starts_its_own_response_to_a_regional_report_naming_other_forces_leads).
    reference = reference_for("merseyside-pcc", forces_covered=["merseyside-police"])
    findings = [f.model_copy(update={"lead": lead}) for f in reference.findings]
    inspection = reference.model_copy(update={"findings": findings})
    with pytest.raises(InvalidInput) as refused:
        start_signoff(StartSignoff(inspection=inspection, started_by=LIAM), app.deps)
    assert lead in refused.value.message
    assert f"finding {findings[0].ref}" in refused.value.message
    assert why in refused.value.message
    assert "Cheshire" not in refused.value.message
    with app.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_a_regional_report_gives_each_force_its_own_lead(app: Application) -> None:
    """The reference names Cheshire's lead: Cheshire's sign-off uses him, Merseyside's its own leads."""
    cheshire, merseyside = start_signoff(
        StartSignoff(inspection=reference_for("cheshire-pcc", "merseyside-pcc"), started_by=OWEN), app.deps
    )
    draft(app, cheshire, "report-summary", OWEN, "Summary.")
    approve(app, cheshire, "report-summary", RACHEL)
    draft(app, merseyside, "report-summary", LIAM, "Summary.")
    approve(app, merseyside, "report-summary", BERNADETTE)
    draft(app, cheshire, "finding-afi-1", "priya.mistry@cheshire.police.example.org", "Action.")
    draft(app, merseyside, "finding-afi-1", "kieran.molloy@merseyside.police.example.org", "Action.")
    assert "Daniel Holt" in section_detail(cheshire, "finding-afi-1", app.deps).section.holders[0]
    merseyside_holders = section_detail(merseyside, "finding-afi-1", app.deps).section.holders
    assert merseyside_holders
    assert not any("Daniel Holt" in holder for holder in merseyside_holders)


def test_an_office_cannot_start_a_sign_off_for_another_office_alone(app: Application) -> None:
    with pytest.raises(NotPermitted, match="an office starts its own sign-off"):
        start_signoff(StartSignoff(inspection=reference_for("merseyside-pcc"), started_by=OWEN), app.deps)


def test_another_office_cannot_tell_which_sections_an_unpublished_sign_off_has(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    # Grace, of Merseyside: a section there and one not there answer alike, on the page, the API, and a
    # decision or a text posted to it; nor does any answer list the sign-off's sections.
    sign_in(client, app, GRACE)
    answers: dict[str, set[tuple[int, str]]] = {}
    for key in ("finding-afi-1", "finding-afi-9"):
        seen = answers.setdefault(key, set())
        for method, path, body in (
            ("get", f"/api/signoffs/{signoff_id}/sections/{key}", None),
            ("get", f"/signoffs/{signoff_id}/sections/{key}", None),
            ("post", f"/api/signoffs/{signoff_id}/sections/{key}/decisions", {"outcome": "approve"}),
            ("post", f"/api/signoffs/{signoff_id}/sections/{key}/revisions", {"body": "Ours now."}),
        ):
            if method == "get":
                answer = client.get(path)
            else:
                answer = client.post(path, json=body, headers=csrf(client))
            assert "report-summary" not in answer.text
            seen.add((answer.status_code, answer.text.replace(key, "KEY")))
    assert answers["finding-afi-1"] == answers["finding-afi-9"]
    assert {status for status, _ in answers["finding-afi-1"]} == {403}


def test_an_office_cannot_start_another_offices_sign_off_of_that_forces_own_report(
    client: TestClient, app: Application
) -> None:
    # Merseyside's own inspection (a single force's): Cheshire's office may start its own response to it,
    # not Merseyside's, which Merseyside's office starts (and would otherwise find already taken).
    sign_in(client, app, OWEN)
    merseyside_only = reference_for("cheshire-pcc", "merseyside-pcc", forces_covered=["merseyside-police"])
    body = merseyside_only.model_dump(mode="json")
    answer = client.post("/api/signoffs", json={"inspection": body}, headers=csrf(client))
    assert answer.status_code == 403, answer.text
    assert (
        "may not start the sign-off of Office of the Police and Crime Commissioner for Merseyside"
        in answer.text
    )
    with app.deps.new_unit_of_work() as uow, pytest.raises(NotFound):
        uow.signoffs.get(1)  # all or nothing: not even Cheshire's own was started
    [merseyside] = start_signoff(
        StartSignoff(inspection=merseyside_only, started_by=LIAM, respond_for=["merseyside-pcc"]), app.deps
    )
    assert merseyside


def test_a_start_form_naming_another_forces_lead_is_refused_with_the_reason(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, LIAM)
    reference = reference_for("merseyside-pcc", forces_covered=["merseyside-police"])
    body = reference.model_dump(mode="json")
    body["findings"][0]["lead"] = DANIEL
    answer = client.post("/api/signoffs", json={"inspection": body}, headers=csrf(client))
    assert answer.status_code == 422, answer.text
    assert DANIEL in answer.text


# ----- 3. A delegation does not break the administration pages -----


def test_the_administration_pages_work_with_delegations_in_place(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    delegate_for_a_week(app, JOHN, RACHEL, reason="annual leave")
    sign_in(client, app, HANNAH)
    for path in ("/admin", "/admin/people"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
    people = client.get("/admin/people").text
    assert "annual leave" in people
    sign_in(client, app, GRACE)
    merseyside_view = client.get("/admin/people")
    assert merseyside_view.status_code == 200
    # Another office's people and delegations are not Merseyside's to see.
    assert "annual leave" not in merseyside_view.text
    assert "John Dwyer" not in merseyside_view.text
    assert "Patricia Rimmer" in merseyside_view.text


# ----- 4. One person cannot fill two places of a "require all" step through a delegation -----


@pytest.fixture
def require_all_app(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Application]:
    """The reference pipeline, with the summary approved by the chief executive AND the commissioner."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    pipeline = yaml.safe_load((config / "pipeline.yaml").read_text())
    summary = pipeline["stages"][0]["sections"][0]
    summary["approval"] = {
        "approvers": [{"role": "chief_executive", "of": "pcc"}, {"role": "commissioner", "of": "pcc"}],
        "require": "all",
    }
    (config / "pipeline.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    settings = Settings(database_url=database_url, config_dir=config, var_dir=tmp_path / "var")
    application = bootstrap(settings, clock=clock)
    load_directory(application.load_directory_config(), application.deps.load_pipeline(), application.deps)
    yield application
    application.engine.dispose()


@pytest.mark.parametrize("own_first", [True, False], ids=["own-then-delegated", "delegated-then-own"])
def test_a_delegate_cannot_fill_two_places_of_a_require_all_step(
    require_all_app: Application, own_first: bool
) -> None:
    app = require_all_app
    [signoff_id] = start_signoff(
        StartSignoff(inspection=reference_for("cheshire-pcc"), started_by=OWEN), app.deps
    )
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    delegate_for_a_week(app, JOHN, RACHEL, reason="annual leave")
    # Rachel's first approval goes through (for herself, or for John through the delegation).
    approve(app, signoff_id, "report-summary", RACHEL)
    detail = section_detail(signoff_id, "report-summary", app.deps)
    assert detail.section.state == "in_approval"
    with pytest.raises(NotPermitted, match="cannot fill two places"):
        approve(app, signoff_id, "report-summary", RACHEL)
    assert section_detail(signoff_id, "report-summary", app.deps) == detail
    # John himself still can, and that completes the step.
    if own_first:
        approve(app, signoff_id, "report-summary", JOHN)
        assert section_detail(signoff_id, "report-summary", app.deps).section.state == "approved"


# ----- 9. Failed emails and on-time figures stay within the office -----


def fail_every_email(app: Application) -> None:
    with app.engine.begin() as connection:
        connection.execute(update(outbox).values(state="failed", last_error="550 refused"))


def test_an_administrator_sees_and_retries_only_their_own_offices_failed_emails(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    merseyside = start_for_merseyside(app)
    fail_every_email(app)
    with app.engine.connect() as connection:
        theirs = (
            connection.execute(
                select(outbox.c.id).where(outbox.c.signoff_id == merseyside).order_by(outbox.c.id)
            )
            .scalars()
            .first()
        )
        ours = (
            connection.execute(
                select(outbox.c.id).where(outbox.c.signoff_id == signoff_id).order_by(outbox.c.id)
            )
            .scalars()
            .first()
        )
    assert theirs is not None
    assert ours is not None
    sign_in(client, app, HANNAH)
    listed = {email["signoff_id"] for email in client.get("/api/admin/emails/failed").json()}
    assert signoff_id in listed
    assert merseyside not in listed
    assert "merseyside" not in client.get("/admin/emails").text.lower()
    refused = client.post(f"/api/admin/emails/{theirs}/retry", headers=csrf(client))
    assert refused.status_code == 404
    with app.engine.connect() as connection:
        assert (
            connection.execute(select(outbox.c.state).where(outbox.c.id == theirs)).scalar_one() == "failed"
        )
    assert client.post(f"/api/admin/emails/{ours}/retry", headers=csrf(client)).status_code == 200


def test_on_time_figures_show_only_the_administrators_own_office(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    start_for_merseyside(app)
    clock.advance(timedelta(days=30))
    sign_in(client, app, HANNAH)
    figures = client.get("/admin/figures")
    assert figures.status_code == 200
    assert "Cheshire" in figures.text
    assert "Merseyside" not in figures.text


# ----- Found by the stateful test: a start that cannot be planned is bad input, not a server fault -----


def test_a_start_too_late_for_the_plan_starts_with_a_warning_naming_the_publish_by_day(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=50))
    sign_in(client, app, LIAM)
    body = reference_for("merseyside-pcc").model_dump(mode="json")
    body["findings"][0]["lead"] = None
    answer = client.post("/api/signoffs", json={"inspection": body}, headers=csrf(client))
    assert answer.status_code == 201, answer.text
    [warning] = answer.json()["warnings"]
    assert "publish-by day" in warning
    assert "Thursday 4 January 2024" in warning
    form = client.get("/signoffs/new")
    body["report_url"] = "https://hmicfrs.example.org/another-report"
    body["title"] = "Another report, started as late"
    started = client.post(
        "/signoffs/new",
        data={"csrf_token": csrf_of(form.text), "respond_for": ["merseyside-pcc"]},
        files={"file": ("report.yaml", yaml.safe_dump(body).encode(), "application/yaml")},
    )
    assert started.status_code == 303, started.text
    page = client.get(started.headers["location"])
    banner = page.text.split('class="banner"', 1)[1].split("</div>", 1)[0]
    assert "Warning:" in banner
    assert "publish-by day" in banner


def test_another_offices_administrator_learns_nobody_from_reassigning_or_reminding_on_a_sign_off(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    # Grace, of Merseyside, on Cheshire's sign-off: an address of nobody and one of Cheshire's people get
    # the same refusal, so she cannot find out who is in the directory.
    sign_in(client, app, GRACE)
    answers = set()
    for someone in ("nobody@cheshire.police.example.org", DANIEL):
        for path, body in (
            (
                f"/api/signoffs/{signoff_id}/reassign",
                {"section": "finding-afi-1", "from_person": someone, "to_person": someone},
            ),
            (f"/api/signoffs/{signoff_id}/sections/finding-afi-1/reminders", {"holder": someone}),
        ):
            answer = client.post(path, json=body, headers=csrf(client))
            answers.add((path, answer.status_code, answer.text.replace(someone, "SOMEONE")))
    assert len(answers) == 2, answers
    assert {status for _, status, _ in answers} == {403}
