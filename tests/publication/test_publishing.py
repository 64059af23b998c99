"""Publishing: the dated folder and its manifest, the record, the emails, lateness, corrections, refusals."""

from __future__ import annotations

import email
import hashlib
import json
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from signoff.adapters.documents.certificate_file import read_certificate
from signoff.adapters.orm import audit_events, outbox, publications
from signoff.bootstrap import Application
from signoff.domain.errors import InvalidInput, InvalidTransition, NotPermitted
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.render_queued import render_queued
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import HANNAH, JOHN, OWEN, PRIYA
from tests.publication.reference import ready_to_publish
from tests.support.story import start_reference

# The publication's record and its folder, written together or not at all.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases

LONDON = ZoneInfo("Europe/London")
PUBLISHING_DAY = datetime(2023, 12, 18, 10, 0, tzinfo=LONDON)
AFTER_THE_LAST_DAY = datetime(2024, 1, 8, 11, 0, tzinfo=LONDON)  # the last day was Thursday 4 January
HMICFRS = "pcc-responses@hmicfrs.example.org"
HOME_SECRETARY = "home.secretary@homeoffice.example.org"


def emails(app: Application, event: str) -> list[EmailMessage]:
    render_queued(app.deps)  # as delivery does first: emails are rendered just after their change commits
    with app.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.message).where(outbox.c.event == event)).all()
    return [email.message_from_bytes(row.message, policy=policy.default) for row in rows]  # type: ignore[misc]


def counts(app: Application) -> dict[str, Any]:
    with app.engine.connect() as connection:
        return {
            "publications": connection.scalar(select(func.count()).select_from(publications)),
            "audit": connection.scalar(select(func.count()).select_from(audit_events)),
            "outbox": connection.scalar(select(func.count()).select_from(outbox)),
        }


def folders(app: Application) -> list[str]:
    root = app.settings.publication_dir
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_publishing_writes_the_dated_folder_records_it_and_sends_the_formal_copies(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = ready_to_publish(app)
    clock.set(PUBLISHING_DAY)
    result = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)

    assert result.folder.name == f"2023-12-18-cheshire-pcc-signoff-{signoff_id}-v1"
    assert result.folder.parent == app.settings.publication_dir
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert (
        hashlib.sha256((result.folder / "manifest.json").read_bytes()).hexdigest() == result.manifest_sha256
    )
    assert manifest["signoff_id"] == signoff_id
    assert manifest["published_at"] == "2023-12-18T10:00:00+00:00"
    assert manifest["on_time"] is True
    names = [f["name"] for f in manifest["files"]]
    assert names == [
        "response.html",
        "response.pdf",
        "response.md",
        "certificate.html",
        "certificate.pdf",
        "certificate.json",
    ]
    for entry in manifest["files"]:
        data = (result.folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["name"]

    detail = signoff_detail(signoff_id, app.deps)
    assert detail.state == "published"
    assert [s.state for s in detail.stages] == ["complete"] * 4
    assert result.on_time
    assert result.days_late == 0

    pdf = (result.folder / "response.pdf").read_bytes()
    copies = emails(app, "formal_copy")
    assert sorted(str(m["To"]).rsplit("<")[-1].rstrip(">") for m in copies) == [HOME_SECRETARY, HMICFRS]
    for message in copies:
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == "cheshire-pcc-response.pdf"
        assert attachment.get_content() == pdf
        assert "section 55(6)" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    told = sorted(str(m["To"]).rsplit("<")[-1].rstrip(">") for m in emails(app, "published"))
    assert HANNAH in told
    assert JOHN in told
    assert PRIYA in told
    assert all("Published: " in str(m["Subject"]) for m in emails(app, "published"))


def test_the_certificate_verifies_against_the_record_and_a_forged_one_does_not(
    app: Application, clock: FixedClock, tmp_path: Path
) -> None:
    signoff_id = ready_to_publish(app)
    clock.set(PUBLISHING_DAY)
    result = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)

    for name in ("certificate.html", "certificate.json"):
        report = verify_audit(signoff_id, app.deps, read_certificate(result.folder / name))
        assert report.intact, report.problems
        assert report.certificate_checked

    forged = json.loads((result.folder / "certificate.json").read_text())
    forged["sections"][3]["content_hash"] = "0" * 64
    forged["sections"][0]["approvals"][0]["decided_at"] = "2023-11-11T09:30:00+00:00"
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    report = verify_audit(signoff_id, app.deps, read_certificate(tmp_path / "forged.json"))
    assert not report.intact
    assert any("commissioner-response" in p and "revision" in p for p in report.problems), report.problems
    assert any("report-summary" in p and "no approval by" in p for p in report.problems), report.problems

    (tmp_path / "not-json.json").write_text("{")
    with pytest.raises(InvalidInput, match=r"not-json\.json: is not valid JSON"):
        read_certificate(tmp_path / "not-json.json")


def test_publishing_after_the_statutory_last_day_is_recorded_and_flagged(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = ready_to_publish(app)
    clock.set(AFTER_THE_LAST_DAY)
    result = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)

    assert not result.on_time
    assert result.days_late == 4
    [shown] = signoff_detail(signoff_id, app.deps).publications
    assert (shown.on_time, shown.days_late, shown.version) == (False, 4, 1)
    with app.engine.connect() as connection:
        details = connection.execute(
            select(audit_events.c.details).where(audit_events.c.action == "published")
        ).scalar_one()
    assert details["on_time"] is False
    assert details["days_late"] == 4
    to_admin = next(m for m in emails(app, "published") if HANNAH in str(m["To"]))
    assert str(to_admin["Subject"]).startswith("Published late: ")
    body = to_admin.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "LATE: this was 4 days after the statutory last day, Thursday 4 January 2024" in body


def test_a_correction_is_a_new_version_and_the_old_one_is_kept(app: Application, clock: FixedClock) -> None:
    signoff_id = ready_to_publish(app)
    clock.set(PUBLISHING_DAY)
    first = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)
    first_files = {p.name: p.read_bytes() for p in first.folder.iterdir()}
    before = counts(app)

    with pytest.raises(InvalidInput, match="needs a note saying what was corrected"):
        publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)
    assert counts(app) == before
    assert folders(app) == [first.folder.name]

    clock.set(datetime(2023, 12, 19, 9, 0, tzinfo=LONDON))
    second = publish_signoff(
        PublishSignoff(signoff_id=signoff_id, by=HANNAH, note="The Chief Constable's title was wrong."),
        app.deps,
    )
    assert second.version == 2
    assert second.folder.name == f"2023-12-19-cheshire-pcc-signoff-{signoff_id}-v2"
    assert {p.name: p.read_bytes() for p in first.folder.iterdir()} == first_files
    assert "(version 2, a correction)" in (second.folder / "response.html").read_text()
    subjects = sorted(str(m["Subject"]) for m in emails(app, "formal_copy"))
    assert sum(s.startswith("Correction: ") for s in subjects) == 2
    assert len(subjects) == 4
    assert verify_audit(signoff_id, app.deps).intact


def test_only_the_pcc_office_publishes_and_a_refusal_writes_nothing(
    app: Application, clock: FixedClock
) -> None:
    signoff_id = ready_to_publish(app)
    clock.set(PUBLISHING_DAY)
    before = counts(app)
    with pytest.raises(NotPermitted, match="may not publish cheshire-pcc's response"):
        publish_signoff(PublishSignoff(signoff_id=signoff_id, by=PRIYA), app.deps)
    assert counts(app) == before
    assert folders(app) == []
    assert signoff_detail(signoff_id, app.deps).state == "ready_to_publish"


def test_a_signoff_still_in_approval_cannot_be_published(app: Application) -> None:
    signoff_id = start_reference(app)
    before = counts(app)
    with pytest.raises(InvalidTransition, match="only a sign-off whose sections are all approved"):
        publish_signoff(PublishSignoff(signoff_id=signoff_id, by=OWEN), app.deps)
    assert counts(app) == before
    assert folders(app) == []


def test_when_the_publication_cannot_be_recorded_its_folder_is_removed(
    app: Application, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    signoff_id = ready_to_publish(app)
    clock.set(PUBLISHING_DAY)
    before = counts(app)

    def broken_queue(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("signoff.service.handlers.publish.queue", broken_queue)
    with pytest.raises(RuntimeError, match="the database went away"):
        publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)
    assert counts(app) == before
    assert folders(app) == []
    assert signoff_detail(signoff_id, app.deps).state == "ready_to_publish"

    monkeypatch.undo()
    result = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)
    assert result.version == 1
