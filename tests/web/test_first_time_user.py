"""Issue #16's rough edges, as a first-time user meets them: texts shown as they will read (and previewed
before saving), pages in words rather than keys, dates entered as day, month and year, people chosen
from those who may be chosen, and the administration table's statutory last day."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from tests.people import DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.publication.reference import ready_to_publish
from tests.support.story import approve, draft
from tests.support.web import TestClient, csrf_of, sign_in, start_form_fields

SUMMARY = "/signoffs/{id}/sections/report-summary"


def text_of(page: str) -> str:
    """The page's words, as read: tags gone, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def post(client: TestClient, page_path: str, action: str, data: dict[str, str]) -> tuple[int, str]:
    page = client.get(page_path)
    assert page.status_code == 200, page.text
    answer = client.post(action, data={**data, "csrf_token": csrf_of(page.text)})
    return answer.status_code, answer.text


MARKDOWN = "The force *must* act.\n\n- first point\n- second point\n\n> A quote from the report."


def test_a_section_shows_its_text_rendered_and_as_typed(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    draft(app, signoff_id, "report-summary", OWEN, MARKDOWN)
    sign_in(client, app, RACHEL)
    page = client.get(SUMMARY.format(id=signoff_id)).text
    assert "<em>must</em>" in page
    assert "<li>first point</li>" in page
    assert "<blockquote>" in page
    assert "The text as typed" in page
    assert "- first point" in page  # the source, beside it


def test_the_draft_form_previews_without_saving_and_keeps_what_was_typed(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    path = SUMMARY.format(id=signoff_id)
    status, page = post(
        client, path, f"{path}/revisions", {"body": MARKDOWN, "note": "first go", "preview": "yes"}
    )
    assert status == 200
    assert "Preview: how your text will read" in page
    assert "<li>second point</li>" in page
    assert html.escape(MARKDOWN, quote=False) in page  # still in the text box
    assert 'value="first go"' in page
    assert "Nothing has been drafted yet." in page  # nothing saved
    status, page = post(client, path, f"{path}/revisions", {"body": "<script>x</script>", "preview": "yes"})
    assert "<script>x</script>" not in page


def test_the_audit_trail_and_the_banners_read_in_words(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    path = SUMMARY.format(id=signoff_id)
    status, _ = post(client, path, f"{path}/revisions", {"body": "Version one."})
    assert status == 303
    assert "Revision 1 saved: Report summary." in text_of(client.get(path).text)
    sign_in(client, app, RACHEL)
    status, _ = post(client, path, f"{path}/decision", {"outcome": "approve"})
    assert status == 303
    assert "Report summary: section approved." in text_of(client.get(path).text)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Version one.")
    approve(app, signoff_id, "finding-afi-1", DANIEL)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Version two, after approval.")
    sign_in(client, app, OWEN)
    words = text_of(client.get(f"/signoffs/{signoff_id}").text)
    assert "Stage opened: Report summary" in words
    assert "Text saved: Report summary" in words
    assert "edited after it was approved" in words
    assert "Approver: Rachel Ashworth" in words
    assert "Due Friday" in words
    assert "stage opened" not in words
    assert "report_summary" not in words
    assert "False" not in words
    assert "True" not in words
    assert "reopened approved text" not in words


def test_published_files_are_listed_by_what_they_are(client: TestClient, app: Application) -> None:
    signoff_id = ready_to_publish(app)
    sign_in(client, app, OWEN)
    confirm = client.get(f"/signoffs/{signoff_id}/publish/confirm")
    client.post(f"/signoffs/{signoff_id}/publications", data={"csrf_token": csrf_of(confirm.text)})
    words = text_of(client.get(f"/signoffs/{signoff_id}").text)
    for label in (
        "The response (PDF)",
        "The response (web page)",
        "The response (Markdown)",
        "Certificate of completion (PDF)",
        "Certificate of completion (web page)",
        "Certificate of completion (data)",
        "List of files and their fingerprints",
    ):
        assert label in words, label
    assert "manifest.json" not in words
    page = client.get(f"/signoffs/{signoff_id}").text
    manifest = client.get(re.findall(r'href="(/signoffs/\d+/published/1/manifest\.json)"', page)[0])
    assert manifest.status_code == 200
    assert "List of files and their fingerprints" in text_of(client.get(f"/responses/{signoff_id}").text)


def test_the_start_forms_file_errors_say_what_is_wrong_and_on_which_line(
    client: TestClient, app: Application
) -> None:
    sign_in(client, app, OWEN)
    page = client.get("/signoffs/new")
    bad = "title: PEEL\npublished: 2023-13-45\n"
    answer = client.post(
        "/signoffs/new",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("peel.yaml", bad.encode(), "application/x-yaml")},
    )
    assert answer.status_code == 422
    words = text_of(answer.text)
    assert (
        "Line 2 of peel.yaml: the date the report was published must be a real date, like 2023-11-10."
        in words
    )
    assert "Input should be" not in words


def test_dates_are_entered_as_day_month_and_year_and_a_bad_one_is_named(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    sign_in(client, app, OWEN)
    form = client.get("/signoffs/new").text
    assert 'type="date"' not in form
    for part in ("day", "month", "year"):
        assert f'name="published-{part}"' in form
    fields = {k: v for k, v in start_form_fields().items() if k != "published"}
    answer = client.post(
        "/signoffs/new",
        data={
            **fields,
            "published-day": "10",
            "published-month": "11",
            "published-year": "",
            "csrf_token": csrf_of(form),
        },
    )
    assert answer.status_code == 422
    assert "The date must include a year" in answer.text
    assert 'value="11"' in answer.text  # what was typed stays
    answer = client.post(
        "/signoffs/new",
        data={
            **fields,
            "published-day": "31",
            "published-month": "2",
            "published-year": "2023",
            "csrf_token": csrf_of(form),
        },
    )
    assert "Enter a real date" in answer.text
    answer = client.post(
        "/signoffs/new",
        data={
            **fields,
            "published-day": "10",
            "published-month": "11",
            "published-year": "2023",
            "csrf_token": csrf_of(form),
        },
    )
    assert answer.status_code == 303, answer.text

    # The delegation form, on a section page.
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    sign_in(client, app, RACHEL)
    path = SUMMARY.format(id=signoff_id)
    page = client.get(path).text
    assert 'name="until-day"' in page
    assert 'type="date"' not in page
    data = {
        "to_person": HANNAH,
        "until-day": "1",
        "until-month": "12",
        "until-year": "",
        "reason": "leave",
        "back": path,
    }
    client.post("/delegations", data={**data, "csrf_token": csrf_of(page)})
    again = client.get(path).text
    assert "The date must include a year" in again
    assert 'id="until-error"' in again
    client.post("/delegations", data={**data, "until-year": "2023", "csrf_token": csrf_of(page)})
    assert "Hannah Whitfield can now decide your approval requests until Friday 1 December 2023." in text_of(
        client.get(path).text
    )


def test_the_administration_page_chooses_people_and_dates_the_govuk_way(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Training.")
    clock.advance(timedelta(days=21))
    sign_in(client, app, HANNAH)
    page = client.get("/admin").text
    assert 'type="date"' not in page
    select = page[page.index('<select class="select" id="to_person"') :]
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert first
    assert first.group(1) == "Choose a person"
    assert 'value="somebody@another-office' not in select
    # The statutory last day (Thursday 4 January 2024), not the publish-by day, in its column.
    row = page[page.index("Daniel Holt<br>") :]
    assert "Thursday 4 January 2024" in row[: row.index("</tr>")]

    item = re.search(r'name="item" value="([^"]+)"', page)
    assert item
    data = {"csrf_token": csrf_of(page), "item": html.unescape(item.group(1)), "back": "/admin"}
    client.post("/admin/actions", data={**data, "action": "reassign", "to_person": ""})
    assert "Choose a person" in client.get("/admin").text.split("There is a problem")[1][:400]
    client.post(
        "/admin/actions",
        data={
            **data,
            "action": "extend",
            "new_due_on-day": "40",
            "new_due_on-month": "12",
            "new_due_on-year": "2023",
        },
    )
    after = client.get("/admin").text
    assert "Enter a real date" in after
    assert 'id="new_due_on-error"' in after
    client.post(
        "/admin/actions",
        data={**data, "action": "remind"},
    )
    words = text_of(client.get("/admin").text)
    assert re.search(r"Area for improvement AFI-1 \([^)]*\), held by Daniel Holt: reminder sent", words), (
        words
    )
    assert DANIEL not in words.split("Signed in as")[0]


def test_a_date_centuries_away_is_refused_on_its_field_and_nothing_changes(
    client: TestClient, app: Application, clock: FixedClock, signoff_id: int
) -> None:
    # 31 12 9999 once overflowed (the day after it is no date) into a server error.
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Training.")
    clock.advance(timedelta(days=21))
    sign_in(client, app, HANNAH)
    page = client.get("/admin").text
    item = re.search(r'name="item" value="([^"]+)"', page)
    assert item
    data = {"csrf_token": csrf_of(page), "item": html.unescape(item.group(1)), "back": "/admin"}
    before = text_of(client.get("/admin/people").text)
    far = {"day": "31", "month": "12", "year": "9999"}
    for action, field in (("delegate", "until"), ("extend", "new_due_on")):
        answer = client.post(
            "/admin/actions",
            data={**data, "action": action, "to_person": JOHN, **{f"{field}-{k}": v for k, v in far.items()}},
        )
        assert answer.status_code < 500
        after = client.get("/admin").text
        assert "Enter a date between 2000 and 2099" in after, action
        assert f'id="{field}-error"' in after
    assert text_of(client.get("/admin/people").text) == before  # no delegation made

    sign_in(client, app, RACHEL)
    tasks = client.get("/tasks").text
    fields = {
        "to_person": JOHN,
        "reason": "leave",
        "back": "/tasks",
        **{f"until-{k}": v for k, v in far.items()},
    }
    answer = client.post("/delegations", data={**fields, "csrf_token": csrf_of(tasks)})
    assert answer.status_code < 500
    assert "Enter a date between 2000 and 2099" in client.get("/tasks").text
