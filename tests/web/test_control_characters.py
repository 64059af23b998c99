"""Control characters in typed or uploaded text: refused at the boundary with a 422 (or the form's own
error) naming the field, on SQLite and on PostgreSQL, and nothing changes.

PostgreSQL cannot store U+0000 in text: before these checks a NUL in a section's body or a report's
title reached it and the app answered 500. The other control characters are refused too: invisible in
a published document, and able to rewrite a terminal or break a line where one line is promised.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from signoff.adapters.config_files import load_model
from signoff.adapters.orm import metadata
from signoff.bootstrap import Application
from signoff.domain.inspection import Inspection
from signoff.service.queries.signoff_read import section_detail
from tests.people import CLAIRE, DANIEL, HANNAH, OWEN, RACHEL
from tests.support.story import REFERENCE, draft
from tests.support.web import TestClient, csrf_of, sign_in, start_form_fields

NUL = "\x00"
# One of each kind refused: NUL, an ANSI escape, DEL, a C1 control (NEL), the line separator, and a
# carriage return on its own (a multi-line field takes "\r\n" as a line feed, but not a lone "\r").
OTHERS = ["\x1b", "\x7f", "\x85", "\u2028", "\r"]
REFUSED = "must not contain control characters"


def changes(app: Application) -> dict[str, int]:
    """Row counts of every table a use case writes (sign-in and session rows come from signing in)."""
    with app.engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in metadata.sorted_tables
            if not table.name.startswith("sign_in") and "session" not in table.name
        }


def csrf_header(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}


def reference_inspection(**changes_: Any) -> dict[str, Any]:
    data: dict[str, Any] = load_model(REFERENCE, Inspection).model_dump(mode="json")
    data["title"] = "A report not yet started"
    data.update(changes_)
    return data


def with_finding(field: str, value: str) -> dict[str, Any]:
    data = reference_inspection()
    data["findings"][0][field] = value
    return data


# (who, path under /api/signoffs/{id} or absolute, body, the field's place in the 422's loc)
API_CASES: dict[str, tuple[str, str, dict[str, Any], list[Any]]] = {
    "revision body": (
        OWEN,
        "sections/report-summary/revisions",
        {"body": "before{c}after"},
        ["body", "body"],
    ),
    "revision note": (
        OWEN,
        "sections/report-summary/revisions",
        {"body": "Fine text.", "note": "tid{c}ied"},
        ["body", "note"],
    ),
    "decision comment": (
        RACHEL,
        "sections/report-summary/decisions",
        {"outcome": "request_changes", "comment": "Add{c} the grade."},
        ["body", "comment"],
    ),
    "withdraw reason": (HANNAH, "withdraw", {"reason": "Not{c} our force"}, ["body", "reason"]),
    "reassign section": (
        HANNAH,
        "reassign",
        {"section": "report{c}summary", "from_person": RACHEL, "to_person": CLAIRE},
        ["body", "section"],
    ),
    "extend stage": (
        HANNAH,
        "extend",
        {"stage": "report{c}summary", "new_due_on": "2023-11-30"},
        ["body", "stage"],
    ),
    "delegation reason": (
        RACHEL,
        "/api/delegations",
        {
            "to_person": HANNAH,
            "starts_at": "2023-11-10T10:00:00+00:00",
            "ends_at": "2023-11-20T10:00:00+00:00",
            "reason": "annual{c} leave",
        },
        ["body", "reason"],
    ),
    "sign-off title": (
        OWEN,
        "/api/signoffs",
        {"inspection": {"title": "PE{c}EL"}},
        ["body", "inspection", "title"],
    ),
    "type label": (
        OWEN,
        "/api/signoffs",
        {"inspection": {"type_label": "Them{c}atic"}},
        ["body", "inspection", "type_label"],
    ),
    "force-specific note": (
        OWEN,
        "/api/signoffs",
        {"inspection": {"force_specific": {"answer": "yes", "note": "N{c}W"}}},
        ["body", "inspection", "force_specific", "note"],
    ),
    "finding text": (
        OWEN,
        "/api/signoffs",
        {"finding": {"text": "Impr{c}ove"}},
        ["body", "inspection", "findings", 0, "text"],
    ),
    "finding explanation": (
        OWEN,
        "/api/signoffs",
        {"finding": {"explanation": "Bec{c}ause"}},
        ["body", "inspection", "findings", 0, "explanation"],
    ),
    "finding addressee": (
        OWEN,
        "/api/signoffs",
        {"finding": {"addressee": "chief{c} constable"}},
        ["body", "inspection", "findings", 0, "addressee"],
    ),
}


def _body(template: dict[str, Any], character: str) -> dict[str, Any]:
    """The case's body with `character` put where the template says {c}."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{c}", character)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    filled = fill(template)
    if "inspection" in filled:
        return {"inspection": reference_inspection(**filled["inspection"])}
    if "finding" in filled:
        [(field, value)] = filled["finding"].items()
        return {"inspection": with_finding(field, value)}
    return dict(filled)


# PostgreSQL cannot store a NUL (it once answered 500): that case runs on both databases.
@pytest.mark.parametrize(
    "character",
    [pytest.param(NUL, marks=pytest.mark.both_databases), *OTHERS],
    ids=["NUL", "ESC", "DEL", "NEL", "LS", "CR"],
)
@pytest.mark.parametrize("case", list(API_CASES), ids=list(API_CASES))
def test_every_api_text_field_refuses_control_characters_naming_the_field(
    client: TestClient, app: Application, signoff_id: int, case: str, character: str
) -> None:
    who, path, template, loc = API_CASES[case]
    body = _body(template, character)
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    sign_in(client, app, who)
    before = changes(app)
    url = path if path.startswith("/") else f"/api/signoffs/{signoff_id}/{path}"
    answer = client.post(url, json=body, headers=csrf_header(client))
    assert answer.status_code == 422, answer.text
    problems = answer.json()["detail"]
    assert [p["loc"] for p in problems] == [loc], problems
    assert REFUSED in problems[0]["msg"]
    assert f"U+{ord(character):04X}" in problems[0]["msg"]
    assert changes(app) == before


# PostgreSQL cannot store a NUL: it once answered 500.
@pytest.mark.both_databases
def test_a_nul_in_a_revision_says_which_character_and_where(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    before = changes(app)
    answer = client.post(
        f"/api/signoffs/{signoff_id}/sections/report-summary/revisions",
        json={"body": "before\u0000after"},
        headers=csrf_header(client),
    )
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "body"]
    assert problem["msg"] == "must not contain control characters (found U+0000 at position 6)"
    assert changes(app) == before
    assert section_detail(signoff_id, "report-summary", app.deps).section.revision is None


# No UTF-8 database can store half a surrogate pair.
@pytest.mark.both_databases
def test_a_lone_surrogate_is_refused_not_a_crash(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    # JSON may spell half a surrogate pair; no UTF-8 database can store it.
    sign_in(client, app, OWEN)
    before = changes(app)
    answer = client.post(
        f"/api/signoffs/{signoff_id}/sections/report-summary/revisions",
        content=b'{"body": "half \\ud800 a pair"}',
        headers={**csrf_header(client), "content-type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", "body"]
    assert changes(app) == before


def test_a_textarea_keeps_its_line_breaks_and_tabs_and_windows_endings_become_line_feeds(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    answer = client.post(
        f"/api/signoffs/{signoff_id}/sections/report-summary/revisions",
        json={"body": "First line.\r\n\r\n- a point\twith a tab\nLast line."},
        headers=csrf_header(client),
    )
    assert answer.status_code == 201, answer.text
    detail = section_detail(signoff_id, "report-summary", app.deps)
    assert detail.body == "First line.\n\n- a point\twith a tab\nLast line."


# A NUL in a path or a filter once reached PostgreSQL, which answered 500.
@pytest.mark.both_databases
@pytest.mark.parametrize(
    "path",
    [
        "/api/signoffs/{id}/sections/report%00summary",
        "/api/signoffs/{id}/sections/%1B%5B31m",
        "/signoffs/{id}/sections/report%00summary",
        "/api/admin/attention?organisation=%00",
        "/api/admin/attention?stage=x%00",
        "/admin?organisation=%00&stage=%00&flag=%00&sort=%00",
        "/signoffs/{id}/published/1/response%00.html",
        "/sign-in/abc%00def",
        "/sign-in?next=/tasks%00",
    ],
)
def test_a_control_character_in_a_path_or_query_is_never_a_server_error(
    client: TestClient, app: Application, signoff_id: int, path: str
) -> None:
    sign_in(client, app, HANNAH)
    answer = client.get(path.replace("{id}", str(signoff_id)))
    # 303: signed in already, /sign-in sends Hannah on (to her tasks, not to the NUL); 410: no such link.
    assert answer.status_code in (200, 303, 404, 410, 422), answer.text
    assert "%00" not in answer.headers.get("location", "")


# A NUL in a path must not reach PostgreSQL.
@pytest.mark.both_databases
def test_a_control_character_in_a_section_path_of_a_post_changes_nothing(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    before = changes(app)
    answer = client.post(
        f"/api/signoffs/{signoff_id}/sections/report%00summary/revisions",
        json={"body": "Text."},
        headers=csrf_header(client),
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["path", "section_key"]
    page = client.get(f"/signoffs/{signoff_id}/sections/report-summary")
    form = client.post(
        f"/signoffs/{signoff_id}/sections/report%00summary/revisions",
        data={"body": "Text.", "csrf_token": csrf_of(page.text)},
    )
    assert form.status_code in (404, 422), form.text
    assert changes(app) == before


# ----- the pages' forms -----


@pytest.mark.parametrize(
    ("field", "values"),
    [
        # PostgreSQL cannot store a NUL: that case runs on both databases.
        pytest.param("body", {"body": "before\x00after"}, marks=pytest.mark.both_databases),
        ("note", {"body": "Text.", "note": "tidied\x1b[2J"}),
    ],
)
def test_the_draft_form_refuses_control_characters_next_to_the_field(
    client: TestClient, app: Application, signoff_id: int, field: str, values: dict[str, str]
) -> None:
    sign_in(client, app, OWEN)
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    before = changes(app)
    answer = client.post(f"{path}/revisions", data={**values, "csrf_token": csrf_of(client.get(path).text)})
    assert answer.status_code == 422, answer.text
    assert f'href="#{field}"' in answer.text
    assert REFUSED in answer.text
    assert changes(app) == before


# PostgreSQL cannot store a NUL.
@pytest.mark.both_databases
def test_the_decision_form_refuses_a_nul_in_the_comment(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    sign_in(client, app, RACHEL)
    path = f"/signoffs/{signoff_id}/sections/report-summary"
    before = changes(app)
    answer = client.post(
        f"{path}/decision",
        data={
            "outcome": "request_changes",
            "comment": "Add\x00 the grade.",
            "csrf_token": csrf_of(client.get(path).text),
        },
    )
    assert answer.status_code == 422, answer.text
    assert 'href="#comment"' in answer.text
    assert "U+0000" in answer.text
    assert changes(app) == before


# PostgreSQL cannot store a NUL.
@pytest.mark.both_databases
def test_the_delegation_form_refuses_a_nul_in_the_reason(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, RACHEL)
    before = changes(app)
    answer = client.post(
        "/delegations",
        data={
            "to_person": HANNAH,
            "until": "2023-11-20",
            "reason": "annual\x00leave",
            "back": "/tasks",
            "csrf_token": csrf_of(client.get("/tasks").text),
        },
    )
    assert answer.status_code == 303
    assert changes(app) == before
    shown = client.get("/tasks").text
    assert REFUSED in shown
    assert 'href="#reason"' in shown


# PostgreSQL cannot store a NUL.
@pytest.mark.both_databases
def test_the_withdraw_form_refuses_a_nul_in_the_reason(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, HANNAH)
    before = changes(app)
    page = client.get(f"/signoffs/{signoff_id}")
    answer = client.post(
        f"/signoffs/{signoff_id}/withdraw", data={"reason": "Not\x00 ours", "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 303
    assert changes(app) == before
    assert REFUSED in client.get(f"/signoffs/{signoff_id}").text


# A NUL in a tampered row must not reach PostgreSQL.
@pytest.mark.both_databases
def test_the_admin_actions_refuse_control_characters_in_a_reason_or_a_row(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    sign_in(client, app, HANNAH)
    token = csrf_of(client.get("/admin").text)
    before = changes(app)
    row = f"{signoff_id}|report-summary|{RACHEL}|approve|report_summary"
    delegated = client.post(
        "/admin/actions",
        data={
            "csrf_token": token,
            "item": [row],
            "action": "delegate",
            "to_person": DANIEL,
            "until": "2023-11-20",
            "reason": "leave\x00",
        },
    )
    assert delegated.status_code == 303
    assert REFUSED in client.get("/admin").text
    # A row's value is the page's own, but a tampered one must not reach the database either.
    for tampered in (
        f"{signoff_id}|report-summary|{RACHEL}\x00|approve|report_summary",
        f"{signoff_id}|report\x00summary|{RACHEL}|approve|report_summary",
    ):
        answer = client.post("/admin/actions", data={"csrf_token": token, "single": f"remind:{tampered}"})
        assert answer.status_code in (303, 422), answer.text
    assert changes(app) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # PostgreSQL cannot store a NUL: the NUL cases run on both databases.
        pytest.param("title", "PEEL\x00 2023", marks=pytest.mark.both_databases),
        ("type_label", "Them\x1batic"),
        pytest.param("force_specific_note", "NW\x00", marks=pytest.mark.both_databases),
        pytest.param("findings-0-text", "Improve\x00 call handling.", marks=pytest.mark.both_databases),
        ("findings-0-explanation", "Because\x7f"),
    ],
)
def test_the_start_form_refuses_control_characters_naming_the_field(
    client: TestClient, app: Application, field: str, value: str
) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/signoffs/new")
    before = changes(app)
    answer = client.post(
        "/signoffs/new", data={**start_form_fields(**{field: value}), "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 422, answer.text
    assert f'href="#{field}"' in answer.text
    assert REFUSED in answer.text
    assert changes(app) == before


# PostgreSQL cannot store a NUL.
@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        (
            "nul.yaml",
            None,
            "Line 11 of nul.yaml: the title of the report must not contain control characters",
        ),
        ("nul.json", None, "nul.json: the text of finding AFI-1 must not contain control characters"),
    ],
)
def test_an_uploaded_file_with_a_nul_in_a_string_is_refused_naming_the_line_and_key(
    client: TestClient, app: Application, name: str, content: bytes | None, where: str
) -> None:
    if name.endswith(".yaml"):
        text = REFERENCE.read_text(encoding="utf-8")
        # YAML cannot hold a raw NUL, but a double-quoted string may spell one as \0.
        data = text.replace(
            "title: HMICFRS inspection of the north-west",
            'title: "HMICFRS\\0 inspection of the north-west',
        ).replace("serious and organised crime\n", 'serious and organised crime"\n', 1)
        payload = data.encode()
    else:
        inspection = reference_inspection()
        inspection["findings"][0]["text"] = "Improve\u0000"
        payload = json.dumps(inspection, indent=1).encode()
    sign_in(client, app, OWEN)
    page = client.get("/signoffs/new")
    before = changes(app)
    answer = client.post(
        "/signoffs/new",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": (name, payload, "application/octet-stream")},
    )
    assert answer.status_code == 422, answer.text
    assert 'href="#file"' in answer.text
    assert where in answer.text
    assert changes(app) == before


# PostgreSQL cannot store a NUL.
@pytest.mark.both_databases
def test_the_sign_in_form_refuses_an_address_with_a_nul(client: TestClient, app: Application) -> None:
    page = client.get("/sign-in")
    before = changes(app)
    answer = client.post(
        "/sign-in", data={"email": f"{OWEN}\x00", "next": "/tasks\x00", "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 422, answer.text
    assert 'href="#email"' in answer.text
    api = client.post("/api/sign-in-links", json={"email": OWEN, "next": "/tasks\x00"})
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["body", "next"]
    with app.engine.connect() as connection:
        links = connection.execute(select(func.count()).select_from(metadata.tables["sign_in_links"]))
        assert links.scalar_one() == 0
    assert changes(app) == before
