"""The watcher given a broken or hostile PDF (the regional report's findings are only in its PDF): that report
is unreadable, named, and tried again at the next run; the run goes on and proposes every other report. pypdf
raises more than PdfReadError on a damaged file (an object that refers to itself, a string where a dictionary
belongs): one such file once stopped every run at the same report, so that nothing listed after it was ever
proposed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from signoff.service.handlers.watch_publications import watch_publications
from tests.handlers.test_watch_publications import CONFIG, FORCES, LISTING, NOW, REPORT
from tests.support.app import in_memory_app
from tests.support.hmicfrs import FIXTURES, FixtureFetcher, fixture_reader
from tests.support.proposal_fakes import watch_in_memory

# Bytes of the fixture PDF changed (offset, new byte): each found by mutating the file at random, each
# making pypdf raise something other than PdfReadError.
DAMAGE = {
    "a string where a dictionary belongs": [(1551, 62)],
    "an object that refers to itself": [(1324, 212), (28, 198)],
    "a damaged cross-reference": [(24, 134), (122, 157)],
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_pdf_makes_its_report_unreadable_and_the_run_goes_on(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "hmicfrs"
    shutil.copytree(FIXTURES, folder)
    pdf = folder / "publications" / "nw-soc-2025.pdf"
    content = bytearray(pdf.read_bytes())
    for offset, value in DAMAGE[damage]:
        content[offset] = value
    pdf.write_bytes(bytes(content))

    clean_memory = in_memory_app(now=NOW)
    clean, _ = watch_in_memory(clean_memory, fixture_reader(), CONFIG, FORCES)
    expected = {(p.office, p.report_url) for p in watch_publications(clean, LISTING).proposed}

    watch, _ = watch_in_memory(in_memory_app(now=NOW), fixture_reader(FixtureFetcher(folder)), CONFIG, FORCES)
    report = watch_publications(watch, LISTING)
    regional = REPORT.format("nw-soc-2025")
    assert len(report.unreadable_reports) == 1
    assert "nw-soc-2025.pdf" in report.unreadable_reports[0]
    assert {(p.office, p.report_url) for p in report.proposed} == {
        (office, url) for office, url in expected if url != regional
    }
    again = watch_publications(watch, LISTING)
    assert again.new == 1, "the unreadable report is tried again at the next run"
