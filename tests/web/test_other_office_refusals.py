"""Another office's administrator trying each administrative action on Cheshire's sign-off, by the API and
its pages: every one is refused, nothing changes, and no refusal says whose the sign-off is (trying the
numbers one after another must not map which office has which report)."""

from __future__ import annotations

import re

from signoff.bootstrap import Application
from tests.people import HANNAH, OWEN, RACHEL
from tests.support.story import draft
from tests.support.web import TestClient, csrf, sign_in

FIONA = "fiona.dixon@cumbria-pcc.example.org"  # Cumbria's office administrator
# Cheshire's office and force, by key or name: what the refusals must not name.
CHESHIRE = re.compile(r"cheshire", re.IGNORECASE)


def test_another_offices_administrator_is_refused_without_learning_whose_the_signoff_is(
    client: TestClient, app: Application, signoff_id: int
) -> None:
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    sign_in(client, app, HANNAH)
    before = client.get(f"/api/signoffs/{signoff_id}").json()
    sign_in(client, app, FIONA)
    headers = csrf(client)
    base = f"/api/signoffs/{signoff_id}"
    attempts = {
        "remind": (f"{base}/sections/report-summary/reminders", {"holder": RACHEL}),
        "reassign": (
            f"{base}/reassign",
            {"section": "report-summary", "from_person": RACHEL, "to_person": FIONA},
        ),
        "extend": (f"{base}/extend", {"stage": "report_summary", "new_due_on": "2023-12-01"}),
        "withdraw": (f"{base}/withdraw", {"reason": "Not ours to withdraw."}),
        "publish": (f"{base}/publications", {"note": ""}),
    }
    for name, (path, body) in attempts.items():
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code in (403, 409), (name, answer.status_code, answer.text)
        assert not CHESHIRE.search(answer.text), (name, answer.text)
    for page in (f"/signoffs/{signoff_id}", f"/signoffs/{signoff_id}/publish"):
        answer = client.get(page)
        assert answer.status_code == 403, (page, answer.status_code)
        assert not CHESHIRE.search(answer.text.split("<main", 1)[1]), page
    sign_in(client, app, HANNAH)
    assert client.get(f"/api/signoffs/{signoff_id}").json() == before
