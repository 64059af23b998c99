"""A certificate verifies only when it is exactly the record, in its data and in the words a reader sees.

Leaving a section or an approval out of a certificate is as much a forgery as changing one; and a
page whose visible text names someone else must fail even when the data embedded in it is genuine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from signoff.adapters.documents.certificate_file import read_certificate
from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.service.queries.audit_verify import AuditReport, verify_audit
from tests.people import HANNAH
from tests.publication.reference import ready_to_publish

PUBLISHING_DAY = datetime(2023, 12, 18, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def published(app: Application, clock: FixedClock) -> tuple[int, Path]:
    signoff_id = ready_to_publish(app)
    clock.set(PUBLISHING_DAY)
    result = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps)
    return signoff_id, result.folder


def check(app: Application, signoff_id: int, path: Path) -> AuditReport:
    return verify_audit(signoff_id, app.deps, read_certificate(path))


# The certificate is checked against what each database stored and gives back.
@pytest.mark.both_databases
def test_a_genuine_certificate_verifies_as_json_and_as_html(
    app: Application, published: tuple[int, Path]
) -> None:
    signoff_id, folder = published
    for name in ("certificate.json", "certificate.html"):
        report = check(app, signoff_id, folder / name)
        assert report.intact, report.problems
        assert report.certificate_checked


def _drop_a_section(data: dict[str, Any]) -> None:
    del data["sections"][1]


def _drop_the_approvals(data: dict[str, Any]) -> None:
    for section in data["sections"]:
        section["approvals"] = []


def _no_sections(data: dict[str, Any]) -> None:
    data["sections"] = []


def _reorder_sections(data: dict[str, Any]) -> None:
    data["sections"].reverse()


def _an_earlier_head(data: dict[str, Any]) -> None:
    data["audit"]["events"] -= 1


def _another_version(data: dict[str, Any]) -> None:
    data["version"] = 2


@pytest.mark.parametrize(
    ("forge", "expected"),
    [
        (_drop_a_section, r"section 'finding-afi-1' is missing from the certificate"),
        (_drop_the_approvals, r"section 'report-summary': the certificate leaves out the approval by"),
        (_no_sections, r"section 'commissioner-response' is missing from the certificate"),
        (_reorder_sections, r"the sections are not in the record's order"),
        (_an_earlier_head, r"audit head"),
        (_another_version, r"has no published version 2"),
    ],
    ids=["a section removed", "no approvals", "no sections", "sections reordered", "head", "version"],
)
def test_a_certificate_json_that_leaves_anything_out_fails(
    app: Application,
    published: tuple[int, Path],
    tmp_path: Path,
    forge: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    signoff_id, folder = published
    data = json.loads((folder / "certificate.json").read_text())
    forge(data)
    (tmp_path / "certificate.json").write_text(json.dumps(data))
    report = check(app, signoff_id, tmp_path / "certificate.json")
    assert not report.intact
    assert any(re.search(expected, p) for p in report.problems), report.problems
    assert all(p.startswith("certificate.json: ") for p in report.problems)


def _cell(fact: str) -> re.Pattern[str]:
    return re.compile(rf'(<td[^>]*data-fact="{fact}">)([^<]*)(</td>)')


def _someone_else_approved(html: str) -> str:
    return _cell("approver").sub(r"\1Someone Else\3", html, count=1)


def _another_time(html: str) -> str:
    return _cell("decided_at").sub(r"\g<1>1 December 2023 at 09:00:00 (UK time)\3", html, count=1)


def _another_hash(html: str) -> str:
    return _cell("content_hash").sub(r"\g<1>" + "0" * 64 + r"\3", html, count=1)


def _the_name_hidden_and_another_shown(html: str) -> str:
    return _cell("approver").sub(
        r'<td data-fact="approver" style="display: none">\2</td><td>Someone Else\3', html, count=1
    )


def _an_approval_row_removed(html: str) -> str:
    return re.sub(r"<tr data-certified-approval>.*?</tr>", "", html, count=1, flags=re.DOTALL)


@pytest.mark.parametrize(
    ("forge", "expected"),
    [
        (_someone_else_approved, r"approver 'Someone Else'; the record says 'Rachel"),
        (_another_time, r"decided at '1 December 2023 at 09:00:00 \(UK time\)'; the record says"),
        (_another_hash, r"content hash '0{64}'; the record says"),
        (_the_name_hidden_and_another_shown, r"no approver \(the record says 'Rachel"),
        (_an_approval_row_removed, r"0 approvals; the record has 1"),
    ],
    ids=["another approver", "another time", "another hash", "hidden name", "row removed"],
)
def test_a_certificate_page_whose_visible_text_differs_from_the_record_fails(
    app: Application,
    published: tuple[int, Path],
    tmp_path: Path,
    forge: Callable[[str], str],
    expected: str,
) -> None:
    signoff_id, folder = published
    genuine = (folder / "certificate.html").read_text()
    forged = forge(genuine)
    assert forged != genuine
    embedded = re.compile(r'<script type="application/json" id="signoff-certificate">.*?</script>', re.DOTALL)
    assert embedded.findall(forged) == embedded.findall(genuine)  # the data is untouched
    (tmp_path / "certificate.html").write_text(forged)
    report = check(app, signoff_id, tmp_path / "certificate.html")
    assert not report.intact
    assert any(re.search(expected, p) for p in report.problems), report.problems


def _a_row_of_words_outside_every_fact(page: str) -> str:
    """A visible approval row that no data-fact marks, beside the genuine ones."""
    row = "<tr><td>Andrew Kershaw</td><td>—</td><td>1 December 2023</td><td>approved AFI-1</td></tr>"
    return page.replace("</tbody>", row + "</tbody>", 1)


def _a_stylesheet_hides_a_fact_and_words_stand_in(page: str) -> str:
    """The genuine approver kept (every fact intact), hidden by a stylesheet rule, a name shown beside it."""
    forged = page.replace("</head>", "<style>.gone{display:none}</style></head>", 1)
    return forged.replace(
        '<tr data-certified-approval><td data-fact="approver">',
        '<tr data-certified-approval><td>Someone Else</td><td class="gone" data-fact="approver">',
        1,
    )


# What a reader sees beyond the facts: the page must be the certificate published with its version.
@pytest.mark.parametrize(
    "forge",
    [_a_row_of_words_outside_every_fact, _a_stylesheet_hides_a_fact_and_words_stand_in],
    ids=["a row outside the facts", "a stylesheet hides a fact"],
)
def test_a_certificate_page_that_shows_more_than_its_facts_fails(
    app: Application, published: tuple[int, Path], tmp_path: Path, forge: Callable[[str], str]
) -> None:
    signoff_id, folder = published
    genuine = (folder / "certificate.html").read_text()
    forged = forge(genuine)
    assert forged != genuine
    (tmp_path / "certificate.html").write_text(forged)
    report = check(app, signoff_id, tmp_path / "certificate.html")
    assert not report.intact
    assert [p for p in report.problems if "is not the certificate published with version 1" in p], (
        report.problems
    )


def test_a_genuine_certificate_page_spaced_or_ordered_otherwise_still_verifies(
    app: Application, published: tuple[int, Path], tmp_path: Path
) -> None:
    """Saved again by an editor that re-indents and reorders attributes, it reads the same: it matches."""
    signoff_id, folder = published
    genuine = (folder / "certificate.html").read_text()
    respaced = genuine.replace("<tr data-certified-approval><td", "<tr data-certified-approval>\n    <td")
    respaced = respaced.replace(
        '<td class="hash" data-fact="revision_hash">', '<td data-fact="revision_hash"  class="hash">'
    )
    assert respaced != genuine
    (tmp_path / "certificate.html").write_text(respaced)
    report = check(app, signoff_id, tmp_path / "certificate.html")
    assert report.intact, report.problems


def test_a_genuine_certificate_of_a_title_with_runs_of_spaces_verifies_as_html(
    app: Application, clock: FixedClock
) -> None:
    """Titles copied from a report keep its double and non-breaking spaces; the page shows them as one."""
    signoff_id = ready_to_publish(app, title="PEEL 2025:  Cheshire\u00a0Constabulary")
    clock.set(PUBLISHING_DAY)
    folder = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), app.deps).folder
    for name in ("certificate.json", "certificate.html"):
        report = check(app, signoff_id, folder / name)
        assert report.intact, report.problems


def test_a_certificate_page_cannot_pass_once_the_published_page_is_gone(
    app: Application, published: tuple[int, Path], tmp_path: Path
) -> None:
    """With the published certificate.html removed, nothing vouches for the rest of an uploaded page: the
    stylesheet forgery no longer passes by default."""
    signoff_id, folder = published
    forged = _a_stylesheet_hides_a_fact_and_words_stand_in((folder / "certificate.html").read_text())
    (folder / "certificate.html").unlink()
    (tmp_path / "certificate.html").write_text(forged)
    report = check(app, signoff_id, tmp_path / "certificate.html")
    assert not report.intact
    assert [p for p in report.problems if "cannot be read" in p], report.problems
