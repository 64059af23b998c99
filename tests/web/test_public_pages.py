"""The public pages, read by someone who never signs in, on SQLite and PostgreSQL: the published responses
by office with every version and its files, the files themselves (only as their manifest recorded them),
the Atom feed, and the certificate check with its limit per client."""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from signoff.adapters.orm import publications
from signoff.bootstrap import Application
from signoff.entrypoints.cli import common
from signoff.entrypoints.cli.main import app as cli_app
from signoff.entrypoints.web.public import CERTIFICATE_LIMIT
from signoff.entrypoints.web.rate_limit import SlidingWindowLimit
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff, WithdrawSignoff
from signoff.service.handlers.administer import withdraw_signoff
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.publish import publish_signoff
from tests.people import HANNAH, OWEN
from tests.publication.reference import ready_to_publish
from tests.support.web import TestClient, csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from typer.testing import CliRunner

ATOM = "{http://www.w3.org/2005/Atom}"
FILES = (
    "response.html",
    "response.pdf",
    "response.md",
    "certificate.html",
    "certificate.pdf",
    "certificate.json",
    "manifest.json",
)
CORRECTION = "The <Chief> Constable's title was wrong"


def published_with_correction(app: Application, clock: FixedClock) -> int:
    signoff_id = ready_to_publish(app)
    clock.advance(timedelta(days=20))
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=OWEN), app.deps)
    clock.advance(timedelta(days=3))
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH, note=CORRECTION), app.deps)
    return signoff_id


def folder_of(app: Application, version: int) -> Path:
    with app.engine.connect() as connection:
        found = connection.execute(
            select(publications.c.folder).where(publications.c.version == version)
        ).scalar_one()
    return Path(found)


# Published files found through the stored publication record.
@pytest.mark.both_databases
def test_anyone_reads_the_published_responses_and_their_files(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    signoff_id = published_with_correction(app, clock)
    page = client.get("/responses")
    assert page.status_code == 200
    html = page.text
    assert "Cheshire" in html
    assert f'<a href="/responses/{signoff_id}">' in html
    assert "Yes, on time" in html
    assert "Version 2 (latest), published Sunday 3 December 2023" in html
    assert "Version 1, published Thursday 30 November 2023" in html
    assert html.index("Version 2") < html.index("Version 1")  # newest first
    assert "What was corrected: The &lt;Chief&gt; Constable&#39;s title was wrong" in html
    for version in (1, 2):
        for name in FILES:
            link = f"/responses/{signoff_id}/v{version}/{name}"
            assert f'href="{link}"' in html, link
            served = client.get(link)
            assert served.status_code == 200, link
            assert served.content == (folder_of(app, version) / name).read_bytes()
    pdf = client.get(f"/responses/{signoff_id}/v1/response.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    document = client.get(f"/responses/{signoff_id}/v2/response.html")
    assert "sandbox" in document.headers["content-security-policy"]
    assert "(version 2, a correction)" in document.text
    manifest = json.loads(client.get(f"/responses/{signoff_id}/v2/manifest.json").content)
    assert manifest["correction"] == CORRECTION
    one = client.get(f"/responses/{signoff_id}")
    assert one.status_code == 200
    assert "All published responses" in one.text


def test_the_atom_feed_has_an_entry_for_each_version(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    signoff_id = published_with_correction(app, clock)
    answer = client.get("/responses.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)  # noqa: S314 - our own feed, parsed to check it
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "http://127.0.0.1:8000/responses"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    updated = [datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated") or "") == updated[0]
    newest, first = entries
    assert newest.findtext(f"{ATOM}id") == f"http://127.0.0.1:8000/responses/{signoff_id}/v2"
    assert "(correction, version 2)" in (newest.findtext(f"{ATOM}title") or "")
    assert "Constable's title was wrong" in (newest.findtext(f"{ATOM}summary") or "")
    assert "within the statutory 56 days" in (first.findtext(f"{ATOM}summary") or "")
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None
        links = {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")}
        assert links["alternate"] == f"http://127.0.0.1:8000/responses/{signoff_id}"
        path = (links["related"] or "").removeprefix("http://127.0.0.1:8000")
        assert client.get(path).status_code == 200


def test_nothing_unpublished_or_withdrawn_is_public(client: TestClient, app: Application) -> None:
    ready = ready_to_publish(app)

    def hidden() -> None:
        page = client.get("/responses").text
        assert "No responses have been published yet." in page
        feed = ET.fromstring(client.get("/responses.atom").content)  # noqa: S314 - our own feed
        assert feed.findall(f"{ATOM}entry") == []
        assert feed.findtext(f"{ATOM}updated")
        for signoff_id in (ready, 999):
            assert client.get(f"/responses/{signoff_id}").status_code == 404
            assert client.get(f"/responses/{signoff_id}/v1/response.pdf").status_code == 404

    hidden()
    withdraw_signoff(WithdrawSignoff(signoff_id=ready, reason="started twice", admin=HANNAH), app.deps)
    hidden()


# Published files found through the stored publication record.
@pytest.mark.both_databases
def test_only_files_the_manifest_lists_unchanged_are_served(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    signoff_id = published_with_correction(app, clock)
    v1, v2 = folder_of(app, 1), folder_of(app, 2)
    (v1 / "secret.txt").write_text("not published")
    base = f"/responses/{signoff_id}"
    assert client.get(f"{base}/v1/secret.txt").status_code == 404  # not in the manifest
    assert client.get(f"{base}/v1/..%2Fsecret.txt").status_code == 404
    assert client.get(f"{base}/v3/response.html").status_code == 404
    # Altered after publishing: its SHA-256 no longer matches the manifest's.
    (v1 / "response.html").write_text("<p>Something else</p>")
    assert client.get(f"{base}/v1/response.html").status_code == 404
    assert client.get(f"{base}/v1/response.pdf").status_code == 200
    # A manifest edited to list another file is not the recorded manifest: that version serves nothing.
    manifest = json.loads((v2 / "manifest.json").read_text())
    (v2 / "extra.txt").write_text("smuggled")
    manifest["files"].append({"name": "extra.txt", "sha256": "0" * 64})
    (v2 / "manifest.json").write_text(json.dumps(manifest))
    for name in ("extra.txt", "response.pdf", "manifest.json"):
        assert client.get(f"{base}/v2/{name}").status_code == 404, name


def check(client: TestClient, name: str, content: bytes) -> tuple[int, str]:
    form = client.get("/responses/check-certificate")
    assert form.status_code == 200
    answer = client.post(
        "/responses/check-certificate",
        data={"csrf_token": csrf_of(form.text)},
        files={"certificate": (name, content, "application/octet-stream")},
    )
    return answer.status_code, answer.text


def test_anyone_checks_a_certificate_and_a_tampered_one_does_not_match(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    signoff_id = published_with_correction(app, clock)
    folder = folder_of(app, 1)
    genuine = (folder / "certificate.json").read_bytes()
    status, page = check(client, "certificate.json", genuine)
    assert status == 200
    assert "The certificate matches the record" in page
    status, page = check(client, "certificate.html", (folder / "certificate.html").read_bytes())
    assert (status, "The certificate matches the record" in page) == (200, True)

    facts = json.loads(genuine)
    section = facts["sections"][0]
    real_hash = section["content_hash"]
    left_out = section["approvals"].pop()
    section["content_hash"] = "f" * 64
    status, page = check(client, "certificate.json", json.dumps(facts).encode())
    assert status == 200
    assert "The certificate does not match the record" in page
    assert f"Section &#39;{section['key']}&#39;: the text it certifies (revision" in page
    assert "it leaves out an approval that the record holds" in page
    # Nothing the tampered certificate does not say: not the real hash, nor who approved.
    assert real_hash[:12] not in page
    assert left_out["approver"] not in page

    # certificate.html whose page shows another approver than its data and the record hold.
    shown = (folder / "certificate.html").read_text()
    assert shown.count("Rachel Ashworth") == 1
    status, page = check(client, "certificate.html", shown.replace("Rachel Ashworth", "Ronald Ash").encode())
    assert "The certificate does not match the record" in page
    assert "The page shows, for section 1, approval 1, an approver that is not the record&#39;s." in page
    assert "Rachel Ashworth" not in page

    # A certificate for a sign-off that is not published: the same answer whether or not it exists.
    facts = json.loads(genuine)
    facts["signoff_id"] = signoff_id + 1
    status, page = check(client, "certificate.json", json.dumps(facts).encode())
    assert f"No response numbered {signoff_id + 1} is published here." in page

    # A number no sign-off can have (it once reached the database and failed there).
    facts["signoff_id"] = 10**30
    status, page = check(client, "certificate.json", json.dumps(facts).encode())
    assert status == 422
    assert "The file is not a certificate this site issued" in page

    status, page = check(client, "certificate.json", b"{not json")
    assert status == 422
    assert '<a href="#certificate">Certificate: The file is not a certificate this site issued' in page
    status, page = check(client, "certificate.json", b"")
    assert status == 422
    assert "Select the certificate file" in page


def test_the_certificate_check_needs_the_form_token(client: TestClient, app: Application) -> None:
    client.get("/responses/check-certificate")
    answer = client.post(
        "/responses/check-certificate", files={"certificate": ("c.json", b"{}", "text/plain")}
    )
    assert answer.status_code == 403


def test_the_certificate_check_is_limited_per_client(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    for _ in range(CERTIFICATE_LIMIT):
        assert check(client, "certificate.json", b"{}")[0] == 422  # counted, whatever the file
    status, page = check(client, "certificate.json", b"{}")
    assert status == 429
    assert "wait a few minutes" in page
    clock.advance(timedelta(minutes=15))
    assert check(client, "certificate.json", b"{}")[0] == 422


def test_a_sliding_window_counts_each_client_apart() -> None:
    limit = SlidingWindowLimit(2, timedelta(minutes=10), clients=2)
    start = datetime(2024, 1, 1, 9, 0).astimezone()
    assert limit.allow("a", start)
    assert limit.allow("a", start + timedelta(minutes=1))
    assert not limit.allow("a", start + timedelta(minutes=2))
    assert limit.allow("b", start + timedelta(minutes=2))
    assert limit.allow("a", start + timedelta(minutes=10))  # the first attempt has left the window
    assert not limit.allow("a", start + timedelta(minutes=10, seconds=30))
    # Memory stays bounded: a third client makes it forget the least recently seen.
    assert limit.allow("c", start + timedelta(minutes=11))
    assert limit.allow("b", start + timedelta(minutes=11))


@pytest.mark.parametrize("path", ["/responses", "/responses/check-certificate", "/responses.atom"])
def test_public_pages_need_no_sign_in_and_keep_the_security_headers(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_a_genuine_certificate_still_matches_after_the_directory_corrects_a_name(
    client: TestClient, app: Application, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Names are shown as published: a routine correction of the directory (a person's name, the office's)
    # must not make a genuine certificate look forged to the public, nor to the office's own check.
    published_with_correction(app, clock)
    folder = folder_of(app, 1)
    genuine = (folder / "certificate.html").read_bytes()
    config = app.load_directory_config()
    renamed = config.model_copy(
        update={
            "people": [
                p.model_copy(update={"name": "Rachel Ashworth-Jones"}) if p.email.startswith("rachel.") else p
                for p in config.people
            ],
            "organisations": [
                o.model_copy(update={"name": o.name + " (renamed)"}) if o.key == "cheshire-pcc" else o
                for o in config.organisations
            ],
        }
    )
    load_directory(renamed, app.deps.load_pipeline(), app.deps)
    status, page = check(client, "certificate.html", genuine)
    assert (status, "The certificate matches the record" in page) == (200, True), page
    monkeypatch.setattr(common._State, "application", app)
    office = CliRunner().invoke(
        cli_app, ["audit", "verify", "1", "--certificate", str(folder / "certificate.html")]
    )
    assert office.exit_code == 0, office.output
    # What the page shows is still checked: a name that was never published does not match.
    forged = genuine.decode().replace("Rachel Ashworth", "Rachel Ashworth-Jones").encode()
    status, page = check(client, "certificate.html", forged)
    assert "The certificate does not match the record" in page


def test_a_certificate_page_of_hostile_markup_is_refused_in_words_and_one_hiding_a_fact_still_fails(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    published_with_correction(app, clock)
    genuine = (folder_of(app, 1) / "certificate.html").read_text()
    # Markup Python's HTML parser could not end (it answered 500), and more tags than any certificate holds.
    for hostile, said in (
        (genuine.replace("</body>", "<p>ok</p><![<</body>"), None),
        (
            genuine.replace("</body>", "<b>" * 20_001 + "</body>"),
            "holds more markup than any certificate does",
        ),
    ):
        status, page = check(client, "certificate.html", hostile.encode())
        assert status in (200, 422), page
        if said is not None:
            assert (status, said in page) == (422, True)
    # A page whose approver's name is hidden from its reader, and another shown in its place: the check
    # reads what a reader sees.
    hidden = genuine.replace(
        "Rachel Ashworth", '<span style="display: none">Rachel Ashworth</span>Ronald Ash', 1
    )
    status, page = check(client, "certificate.html", hidden.encode())
    assert "The certificate does not match the record" in page


def test_a_certificate_page_with_words_outside_its_facts_does_not_match_and_says_only_its_own(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    published_with_correction(app, clock)
    genuine = (folder_of(app, 1) / "certificate.html").read_text()
    stylesheet = genuine.replace("</head>", "<style>td[data-fact=approver]{display:none}</style></head>", 1)
    forged = stylesheet.replace("</tbody>", "<tr><td>Ronald Ash</td><td>—</td></tr></tbody>", 1)
    status, page = check(client, "certificate.html", forged.encode())
    assert status == 200
    assert "The certificate does not match the record" in page
    assert (
        "The page is not the certificate published with version 1: it departs from it at &lt;style&gt;"
        in page
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("certificate.json", b"[" * 100_000 + b"]" * 100_000),
        ("certificate.json", b'{"signoff_id": ' + b"9" * 5_000 + b"}"),
    ],
    ids=["brackets nested past recursion", "a number of thousands of digits"],
)
def test_a_certificate_that_breaks_the_json_reader_is_refused_in_words_not_500(
    client: TestClient, name: str, content: bytes
) -> None:
    status, page = check(client, name, content)
    assert status == 422
    assert "is not a certificate this site issued" in page


def test_a_certificate_json_giving_a_key_twice_is_refused(
    client: TestClient, app: Application, clock: FixedClock
) -> None:
    """A reader of JSON takes the last of two; a page showing the first could then pass as matching."""
    published_with_correction(app, clock)
    genuine = (folder_of(app, 1) / "certificate.json").read_text()
    doubled = genuine.replace('"version": 1,', '"version": 1, "version": 1,', 1)
    assert doubled != genuine
    status, page = check(client, "certificate.json", doubled.encode())
    assert status == 422
    assert "the key &#39;version&#39; is given twice" in page
