"""The start form and the API take whom each finding is addressed to, its ref as printed, the cause of
concern it answers and the inspectorates; bad values are refused on the field, naming the finding."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from httpx import Response

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.inspection import Inspection
from signoff.service.clock import FixedClock
from signoff.service.queries.signoff_read import signoff_detail
from signoff.settings import PROJECT_ROOT
from tests.people import OWEN
from tests.support.web import TestClient, csrf, csrf_of, sign_in, start_form_fields

REGIONAL = PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml"
CUMBRIA_POLICY_OFFICER = "matthew.armstrong@cumbria-pcc.example.org"


def two_office_form(**rows: str | list[str]) -> dict[str, str | list[str]]:
    """A report on Cheshire and Merseyside, answered by both offices."""
    first = {"findings-0-addressed_to": "cheshire-constabulary", "findings-0-label": "AFI 1"}
    return start_form_fields(
        respond_for=["cheshire-pcc", "merseyside-pcc"],
        forces_covered=["cheshire-constabulary", "merseyside-police"],
        **{**first, **rows},
    )


def sections_of(app: Application, signoff_id: int) -> dict[str, str]:
    detail = signoff_detail(signoff_id, app.deps)
    return {section.key: section.title for stage in detail.stages for section in stage.sections}


def post_form(client: TestClient, fields: dict[str, str | list[str]]) -> Response:
    page = client.get("/signoffs/new")
    assert page.status_code == 200
    # The form offers each finding's new fields, and the inspectorates.
    for name in (
        "findings-0-addressed_to",
        "findings-0-addressee",
        "findings-0-label",
        "findings-0-answers",
        'name="inspectorates"',
    ):
        assert name in page.text
    return client.post("/signoffs/new", data={**fields, "csrf_token": csrf_of(page.text)})


def test_the_form_routes_each_finding_to_the_offices_it_is_addressed_to(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, OWEN)
    fields = two_office_form(
        **{
            "findings-1-ref": "R-1",
            "findings-1-label": "Recommendation 1",
            "findings-1-kind": "recommendation",
            "findings-1-text": "Chief constables should act.",
            "findings-1-addressed_to": "all-forces, home-office",
            "findings-2-ref": "R-2",
            "findings-2-kind": "recommendation",
            "findings-2-text": "The College should publish guidance.",
            "findings-2-addressed_to": "college-of-policing",
            "findings-3-ref": "R-3",
            "findings-3-kind": "recommendation",
            "findings-3-text": "Probation services should share risk assessments.",
            "findings-3-addressed_to": "other-body",
            "findings-3-addressee": "HM Prison and Probation Service",
            "inspectorates": ["hmicfrs", "hmcpsi"],
        }
    )
    answer = post_form(client, fields)
    assert answer.status_code == 303, answer.text[:2000]
    cheshire = int(answer.headers["location"].rsplit("/", 1)[1])
    merseyside = cheshire + 1
    assert sections_of(app, cheshire)["finding-afi-1"] == "AFI 1"
    assert sections_of(app, cheshire)["finding-r-1"] == "Recommendation 1"
    assert "finding-afi-1" not in sections_of(app, merseyside)  # Cheshire's alone
    assert sections_of(app, merseyside)["finding-r-1"] == "Recommendation 1"
    assert not any(key == "finding-r-2" for key in sections_of(app, cheshire))  # for noting
    with app.deps.new_unit_of_work() as uow:
        inspection = uow.signoffs.get(cheshire).inspection
        assert [i.value for i in inspection.inspectorates] == ["hmicfrs", "hmcpsi"]
        assert inspection.finding("R-1").addressed_to == ["all-forces", "home-office"]
        # The other body in the report's own words, which the response prints (not "Another body").
        assert inspection.finding("R-3").addressee == "HM Prison and Probation Service"


def test_a_multi_force_report_whose_finding_names_nobody_is_refused_naming_the_finding(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, OWEN)
    answer = post_form(client, two_office_form(**{"findings-0-addressed_to": ""}))
    assert answer.status_code == 422
    assert "finding AFI-1: addressed_to is missing" in answer.text
    with app.deps.new_unit_of_work() as uow:
        assert uow.signoffs.page() == []


def test_an_addressee_that_is_not_a_key_is_refused_on_its_field(client: TestClient, app: Application) -> None:
    sign_in(client, app, OWEN)
    answer = post_form(client, two_office_form(**{"findings-0-addressed_to": "Cheshire Constabulary!"}))
    assert answer.status_code == 422
    text = answer.text
    assert 'id="findings-0-addressed_to-error"' in text
    assert "Finding 1: say who it is addressed to" in text
    # What was typed is kept for correcting.
    assert 'value="Cheshire Constabulary!"' in text


def test_an_addressee_unknown_to_the_directory_is_refused_naming_the_finding_and_the_key(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, OWEN)
    answer = post_form(client, two_office_form(**{"findings-0-addressed_to": "atlantis-police"}))
    assert answer.status_code == 422
    assert "finding AFI-1: addressed_to names &#39;atlantis-police&#39;" in answer.text


def test_a_recommendation_answering_what_is_not_a_cause_of_concern_is_refused(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, OWEN)
    fields = start_form_fields(
        **{
            "findings-1-ref": "R-1",
            "findings-1-kind": "recommendation",
            "findings-1-text": "Act.",
            "findings-1-answers": "AFI-1",
        }
    )
    answer = post_form(client, fields)
    assert answer.status_code == 422
    assert "finding R-1: answers &#39;AFI-1&#39;, which is not a cause of concern" in answer.text


def test_a_file_upload_takes_every_field_of_a_regional_report(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    sign_in(client, app, CUMBRIA_POLICY_OFFICER)
    page = client.get("/signoffs/new")
    offices = ["cumbria-pcc", "greater-manchester-mayor", "lancashire-pcc", "merseyside-pcc"]
    answer = client.post(
        "/signoffs/new",
        data={"csrf_token": csrf_of(page.text), "respond_for": offices},
        files={"file": (REGIONAL.name, REGIONAL.read_bytes(), "application/yaml")},
    )
    assert answer.status_code == 303, answer.text[:2000]
    cumbria = int(answer.headers["location"].rsplit("/", 1)[1])
    assert sections_of(app, cumbria) == {
        "report-summary": "Report summary",
        "finding-r-1": "Recommendation 1",
        "finding-afi-1": "AFI 1",
        "finding-afi-2": "AFI 2",
        "finding-afi-5": "AFI 5",
        "constabulary-response": "Constabulary response",
        "commissioner-response": "Commissioner's response",
    }
    with app.deps.new_unit_of_work() as uow:
        stored = uow.signoffs.get(cumbria).inspection
        assert len(stored.grades) == 5
        assert stored.finding("R-2").answers == "CoC-1"


def test_the_api_starts_a_report_with_addressees_and_refuses_a_bad_one_naming_it(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    sign_in(client, app, CUMBRIA_POLICY_OFFICER)
    body = load_model(REGIONAL, Inspection).model_dump(mode="json")
    body["findings"][0]["addressed_to"] = ["hmicfrs"]
    refused = client.post("/api/signoffs", json={"inspection": body}, headers=csrf(client))
    assert refused.status_code == 422
    assert "finding R-1: addressed_to names 'hmicfrs', which is an inspectorate" in refused.json()["detail"]
    body["findings"][0]["addressed_to"] = ["nw-rocu"]
    started = client.post("/api/signoffs", json={"inspection": body}, headers=csrf(client))
    assert started.status_code == 201, started.text
    assert len(started.json()["signoff_ids"]) == 4
    assert started.json()["warnings"] == []


def upload_problem(client: TestClient, app: Application, content: bytes) -> tuple[int, str]:
    """Upload a report file as Cumbria's policy officer: the answer's status and the form's problem, as
    text."""
    sign_in(client, app, CUMBRIA_POLICY_OFFICER)
    page = client.get("/signoffs/new")
    answer = client.post(
        "/signoffs/new",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("nw.yaml", content, "application/yaml")},
    )
    found = re.search(r"There is a problem(.*?)</ul>", answer.text, re.S)
    problem = (
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()) if found else ""
    )
    return answer.status_code, problem


def test_an_uploaded_file_that_is_not_utf8_is_refused_in_plain_words(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    content = REGIONAL.read_text().replace("Fictional", "Fictional caf\u00e9").encode("latin-1")
    assert upload_problem(client, app, content) == (
        422,
        "nw.yaml is not UTF-8 text: save it as UTF-8 (most editors offer it) and upload it again.",
    )


def test_two_findings_with_one_ref_are_refused_naming_the_ref_not_a_line(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    content = REGIONAL.read_text().replace("ref: AFI-2", "ref: r-1", 1)
    assert "ref: r-1" in content
    assert upload_problem(client, app, content.encode()) == (
        422,
        "nw.yaml: finding reference 'r-1' is used twice.",
    )


def test_two_findings_with_one_numbered_label_are_refused_naming_both(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    """Two 'AFI 1' would be two sections, two tasks and two headings of one name; 'Cause of concern',
    unnumbered, may repeat."""
    clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    content = REGIONAL.read_text().replace("label: AFI 2", "label: AFI  1", 1)
    assert upload_problem(client, app, content.encode()) == (
        422,
        "nw.yaml: findings AFI-1 and AFI-2 are both labelled 'AFI 1'; give each the label the report prints.",
    )
