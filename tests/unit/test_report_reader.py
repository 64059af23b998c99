"""The report reader against the fictional HMICFRS fixtures (from disk, and over HTTP from a loopback server):
each report's intake field by field (golden), the parts it could not place flagged, the listing (HTML, Atom
and RSS), and pages it must refuse naming the problem."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from signoff.adapters.publications.http_fetcher import HttpFetcher
from signoff.adapters.publications.listing import read_listing
from signoff.adapters.publications.names import OrganisationNames
from signoff.adapters.publications.reader import FetchingReader
from signoff.adapters.publications.report_page import findings_from_pdf_text, read_report_page
from signoff.domain.inspection import InspectionType
from signoff.domain.report_reading import ListedReport, PublicationUnreadable, ReportReading
from signoff.service.ports import FetchedPage
from tests.support.hmicfrs import (
    BASE,
    FIXTURES,
    FixtureFetcher,
    directory_names,
    fixture_reader,
    serve_fixtures,
)

REPORTS = BASE + "publications/"


def finding(
    ref: str, kind: str, label: str, text: str, addressee: str, addressed_to: list[str], **rest: Any
) -> dict[str, Any]:
    return {
        "ref": ref,
        "kind": kind,
        "label": label,
        "text": text,
        "explanation": rest.get("explanation", ""),
        "addressee": addressee,
        "addressed_to": addressed_to,
        "answers": rest.get("answers"),
        "due": rest.get("due"),
        "lead": None,
    }


def grade(area: str, value: str, organisation: str) -> dict[str, Any]:
    return {"area": area, "grade": value, "organisation": organisation}


CHESHIRE = "cheshire-constabulary"
EXPECTED: dict[str, dict[str, Any]] = {
    "peel-2025-cheshire": {
        "title": "PEEL 2025: An inspection of Cheshire Constabulary",
        "published": "2025-10-13",
        "type": "peel",
        "type_label": "PEEL",
        "inspectorates": ["hmicfrs"],
        "covered": [CHESHIRE],
        "named": [],
        "other_forces": [],
        "grades": [
            grade("Responding to the public", "requires_improvement", CHESHIRE),
            grade("Investigating crime", "adequate", CHESHIRE),
            grade("Protecting vulnerable people", "good", CHESHIRE),
        ],
        "findings": [
            finding(
                "CoC-1",
                "cause_of_concern",
                "Cause of concern 1",
                "The constabulary isn't answering emergency and non-emergency calls quickly enough.",
                "",
                [CHESHIRE],
                explanation="In the 12 months to June 2025, it answered 81 percent of emergency calls within 10 "
                "seconds, against a national standard of 90 percent.\n\n- Call handlers didn't always use a "
                "structured risk assessment.\n- Repeat victims weren't always identified.",
            ),
            finding(
                "R-1",
                "recommendation",
                "Recommendation 1",
                "By 31 March 2026, the chief constable should make sure that the constabulary answers emergency "
                "calls within national standards.",
                "the chief constable",
                [CHESHIRE],
                answers="CoC-1",
                due="2026-03-31",
            ),
            finding(
                "R-2",
                "recommendation",
                "Recommendation 2",
                "The chief constable should make sure that call handlers identify repeat victims using a "
                "structured risk assessment.",
                "The chief constable",
                [CHESHIRE],
                answers="CoC-1",
                explanation="This should include regular audits of call handling.",
            ),
            finding(
                "AFI-1",
                "area_for_improvement",
                "Area for improvement 1",
                "The constabulary should make sure that it records crime accurately when anti-social behaviour "
                "is reported.",
                "The constabulary",
                [CHESHIRE],
            ),
            finding(
                "AFI-2",
                "area_for_improvement",
                "Area for improvement 2",
                "The constabulary should improve how it supervises investigations.",
                "The constabulary",
                [CHESHIRE],
                explanation="Supervisors didn't always set clear investigation plans.",
            ),
            finding(
                "IP-1",
                "innovative_practice",
                "Innovative practice 1",
                "The constabulary uses a digital tool that tells victims how their case is progressing.",
                "",
                [CHESHIRE],
            ),
        ],
        "flags": [],
        "pdf_url": REPORTS + "peel-2025-cheshire.pdf",
    },
    "thematic-stalking-2025": {
        "title": "The police response to stalking: a national thematic inspection",
        "published": "2025-10-14",
        "type": "national_thematic",
        "type_label": "National thematic",
        "inspectorates": ["hmicfrs"],
        "covered": ["merseyside-police"],
        "named": [],
        "other_forces": ["Northshire Police", "Westmoor Constabulary"],
        "grades": [],
        "findings": [
            finding(
                "R-1",
                "recommendation",
                "Recommendation 1",
                "By 30 June 2026, chief constables should make sure that every stalking report is risk "
                "assessed by a trained officer.",
                "chief constables",
                ["all-forces"],
                due="2026-06-30",
            ),
            finding(
                "R-2",
                "recommendation",
                "Recommendation 2",
                "Police and crime commissioners should make sure that specialist stalking advocacy services are "
                "available to victims in their area.",
                "Police and crime commissioners",
                ["pccs"],
            ),
            finding(
                "R-3",
                "recommendation",
                "Recommendation 3",
                "By 31 December 2026, the College of Policing should update its guidance on stalking protection "
                "orders.",
                "the College of Policing",
                ["college-of-policing"],
                due="2026-12-31",
            ),
            finding(
                "R-4",
                "recommendation",
                "Recommendation 4",
                "The Home Office should review the statutory guidance on stalking.",
                "The Home Office",
                ["home-office"],
            ),
        ],
        "flags": [],
        "pdf_url": None,
    },
    "joint-case-files-2025": {
        "title": "A joint inspection of the quality of case files",
        "published": "2025-10-15",
        "type": "joint_thematic",
        "type_label": "Joint thematic",
        "inspectorates": ["hmicfrs", "hmcpsi"],
        "covered": ["lancashire-constabulary", "cumbria-constabulary"],
        "named": [],
        "other_forces": [],
        "grades": [],
        "findings": [
            finding(
                "CoC-1",
                "cause_of_concern",
                "Cause of concern",
                "Too many case files sent to prosecutors are incomplete.",
                "",
                [],
                explanation="Of the 120 files we examined, 46 lacked a key witness statement.",
            ),
            finding(
                "R-1",
                "recommendation",
                "Recommendation 1",
                "By 31 March 2026, chief constables should make sure that supervisors check every case file "
                "before it is sent to the Crown Prosecution Service.",
                "chief constables",
                ["all-forces"],
                answers="CoC-1",
                due="2026-03-31",
            ),
            finding(
                "R-2",
                "recommendation",
                "Recommendation 2",
                "The Crown Prosecution Service should tell forces within five days when a file falls short.",
                "The Crown Prosecution Service",
                ["cps"],
            ),
            finding(
                "R-3",
                "recommendation",
                "Recommendation 3",
                "The National Police Chiefs' Council should publish a national case file standard.",
                "The National Police Chiefs' Council",
                ["npcc"],
            ),
        ],
        # A report of two forces: which one the cause of concern is about is for a person to say (the
        # start refuses it unsaid), not passed over as nothing to check.
        "flags": [("Cause of concern", "the reader cannot tell whom it is addressed to")],
        "pdf_url": None,
    },
    "nw-soc-2025": {
        "title": "An inspection of the north-west regional response to serious and organised crime",
        "published": "2025-10-16",
        "type": "regional_soc",
        "type_label": "Regional organised crime",
        "inspectorates": ["hmicfrs"],
        "covered": [
            CHESHIRE,
            "cumbria-constabulary",
            "greater-manchester-police",
            "lancashire-constabulary",
            "merseyside-police",
            "nw-rocu",
        ],
        "named": [],
        "other_forces": [],
        "grades": [
            grade("Tackling serious and organised crime", "good", CHESHIRE),
            grade("Tackling serious and organised crime", "adequate", "lancashire-constabulary"),
            grade("Tackling serious and organised crime", "good", "nw-rocu"),
        ],
        # Only in the PDF: read from its text, a paragraph's wrapped lines joined again.
        "findings": [
            finding(
                "R-1",
                "recommendation",
                "Recommendation 1",
                "By 31 March 2026, the North West Regional Organised Crime Unit should agree one intelligence "
                "collection plan with the forces of the region.",
                "the North West Regional Organised Crime Unit",
                ["nw-rocu"],
                explanation="The unit and the forces each collect intelligence to their own plans.",
                due="2026-03-31",
            ),
            finding(
                "R-2",
                "recommendation",
                "Recommendation 2",
                "Chief constables should make sure that every serious and organised crime investigation has a "
                "lifetime management plan for the offenders it convicts.",
                "Chief constables",
                ["all-forces"],
            ),
            finding(
                "AFI-1",
                "area_for_improvement",
                "Area for improvement 1",
                "Cheshire Constabulary should improve how it identifies organised crime groups exploiting children.",
                "Cheshire Constabulary",
                [CHESHIRE],
            ),
            finding(
                "AFI-2",
                "area_for_improvement",
                "Area for improvement 2",
                "Lancashire Constabulary should make sure that its local organised crime leads have the training "
                "they need.",
                "Lancashire Constabulary",
                ["lancashire-constabulary"],
                explanation="We found two leads who had not been trained.",
            ),
        ],
        "flags": [],
        "pdf_url": REPORTS + "nw-soc-2025.pdf",
    },
    "peel-2025-greater-manchester": {
        "title": "PEEL 2025: An inspection of Greater Manchester Police",
        "published": "2025-10-20",
        "type": "peel",
        "type_label": "PEEL",
        "inspectorates": ["hmicfrs"],
        "covered": ["greater-manchester-police"],
        "named": [],
        "other_forces": [],
        "grades": [grade("Responding to the public", "good", "greater-manchester-police")],
        "findings": [
            # Its date is not a day: no due date is guessed.
            finding(
                "R-1",
                "recommendation",
                "Recommendation 1",
                "By spring 2026, the chief constable should reduce the backlog of digital forensic examinations.",
                "the chief constable",
                ["greater-manchester-police"],
            ),
            # Nobody it can place: no addressee is guessed.
            finding(
                "R-2",
                "recommendation",
                "Recommendation 2",
                "Work is needed to make sure that officers record the ethnicity of people they stop and search.",
                "",
                [],
            ),
            finding(
                "AFI-1",
                "area_for_improvement",
                "AFI 1",
                "The force should make sure that victims are told when their case is closed.",
                "The force",
                ["greater-manchester-police"],
            ),
        ],
        "flags": [
            (
                "Grade: Leadership and force management",
                "'Not graded this year' is not a grade on the five-point scale",
            ),
            ("Recommendation 1", "its date ('By spring 2026') is not a day the reader can read"),
            ("Recommendation 2", "the reader cannot tell whom it is addressed to"),
            ("Observation 1", "not a kind of finding the reader knows"),
        ],
        "pdf_url": None,
    },
}


def _compare(reading: ReportReading, expected: dict[str, Any]) -> None:
    got = reading.model_dump(mode="json")
    for name, value in expected.items():
        if name == "findings":
            assert len(got["findings"]) == len(value), [f["ref"] for f in got["findings"]]
            for found, wanted in zip(got["findings"], value, strict=True):
                for field, field_value in wanted.items():
                    assert found[field] == field_value, f"{found['ref']}.{field}"
        elif name == "flags":
            assert [
                (flag["where"], flag["problem"][: len(problem)])
                for flag, (_, problem) in zip(got["flags"], value, strict=True)
            ] == value
        else:
            assert got[name] == value, name


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serve_fixtures() as base:
        yield base


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_report_read_over_http_from_a_local_server_is_as_expected(served: str, name: str) -> None:
    """The real fetcher (httpx, timeouts) against the fixtures served on loopback: the same intake."""
    reader = FetchingReader(HttpFetcher(timeout_seconds=10, max_bytes=5_000_000), directory_names())
    reading = reader.report(ListedReport(url=f"{served}publications/{name}.html", title=name))
    expected = dict(EXPECTED[name])
    if expected["pdf_url"]:
        expected["pdf_url"] = expected["pdf_url"].replace(BASE, served)
    _compare(reading, expected)


def test_the_http_fetcher_refuses_what_is_too_large_or_missing(served: str) -> None:
    with pytest.raises(PublicationUnreadable, match="larger than 1000 bytes"):
        HttpFetcher(timeout_seconds=10, max_bytes=1000).fetch(served + "publications.html")
    with pytest.raises(PublicationUnreadable, match="answered 404"):
        HttpFetcher(timeout_seconds=10, max_bytes=100_000).fetch(served + "nothing-here.html")
    with pytest.raises(PublicationUnreadable, match="only http and https"):
        HttpFetcher(timeout_seconds=10, max_bytes=100_000).fetch("file:///etc/passwd")


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_report_reads_as_expected_field_by_field(name: str) -> None:
    fetcher = FixtureFetcher()
    reading = fixture_reader(fetcher).report(ListedReport(url=f"{REPORTS}{name}.html", title=name))
    assert reading.report_url == f"{REPORTS}{name}.html"
    _compare(reading, EXPECTED[name])
    # The PDF is fetched only where the page shows no findings.
    assert fetcher.fetched == [
        f"{REPORTS}{name}.html",
        *([f"{REPORTS}{name}.pdf"] if name == "nw-soc-2025" else []),
    ]


def test_an_unplaceable_part_is_flagged_with_its_words_and_left_out_of_the_findings() -> None:
    reading = fixture_reader().report(
        ListedReport(url=f"{REPORTS}peel-2025-greater-manchester.html", title="x")
    )
    [observation] = [flag for flag in reading.flags if flag.where == "Observation 1"]
    assert observation.text == "The force's new records system was still bedding in during our fieldwork."
    assert "Observation 1" not in {f.printed_ref for f in reading.findings}


def test_a_publication_that_is_no_report_is_read_as_none() -> None:
    reading = fixture_reader().report(
        ListedReport(url=f"{REPORTS}annual-plan-consultation-2025.html", title="Consultation")
    )
    assert (reading.is_report, reading.type_label, reading.findings) == (False, "Consultation", [])


def test_the_html_listing_and_the_atom_feed_list_the_same_reports_newest_first() -> None:
    page = read_listing(
        (FIXTURES / "publications.html").read_bytes(), "text/html", BASE + "publications.html"
    )
    feed = read_listing((FIXTURES / "feed.atom").read_bytes(), "application/atom+xml", BASE + "feed.atom")
    assert [r.url for r in page] == [
        REPORTS + name + ".html"
        for name in (
            "peel-2025-northshire",
            "peel-2025-greater-manchester",
            "annual-plan-consultation-2025",
            "nw-soc-2025",
            "joint-case-files-2025",
            "thematic-stalking-2025",
            "peel-2025-cheshire",
        )
    ]
    assert page[0].published == date(2025, 10, 21)
    assert page[0].type_label == "PEEL"
    assert [(r.url, r.title, r.published) for r in feed] == [
        (r.url, r.title, r.published) for r in page if "consultation" not in r.url
    ]


@pytest.mark.parametrize(
    ("content", "content_type", "problem"),
    [
        (b"<html><body><p>Maintenance</p></body></html>", "text/html", "no publications found"),
        (
            b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>",
            "application/atom+xml",
            "not well-formed XML",
        ),
        (b"<?xml version='1.0'?><catalogue/>", "application/xml", "neither Atom nor RSS"),
        (
            b"<?xml version='1.0'?><!DOCTYPE feed [<!ENTITY a 'aaaa'>]><feed xmlns='http://www.w3.org/2005/Atom'>&a;</feed>",
            "application/atom+xml",
            "the feed was refused",
        ),
    ],
)
def test_a_listing_it_cannot_read_is_refused_naming_the_address_and_the_problem(
    content: bytes, content_type: str, problem: str
) -> None:
    class Answering(FixtureFetcher):
        def fetch(self, url: str) -> FetchedPage:
            return FetchedPage(url=url, content_type=content_type, content=content)

    with pytest.raises(PublicationUnreadable) as refused:
        fixture_reader(Answering()).listing(BASE + "publications.html")
    assert BASE + "publications.html" in refused.value.message
    assert problem in refused.value.message


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<html><body><main><p>No heading</p></main></body></html>", "no title"),
        (
            "<html><body><article class='publication'><h1>A report</h1></article></body></html>",
            "does not say when",
        ),
        (
            "<html><body><article class='publication'><h1>A report</h1><dl class='publication__meta'><dt>Published</dt>"
            "<dd><time datetime='2025-02-30'>30 February</time></dd></dl></article></body></html>",
            "is not a date",
        ),
    ],
)
def test_a_tampered_report_page_is_refused_naming_the_problem(html: str, problem: str) -> None:
    with pytest.raises(Exception, match=problem) as refused:
        read_report_page(html, REPORTS + "tampered.html", directory_names())
    assert REPORTS + "tampered.html" in str(refused.value)


def test_a_missing_report_page_is_unreadable_naming_its_address() -> None:
    with pytest.raises(PublicationUnreadable, match="404"):
        fixture_reader().report(ListedReport(url=REPORTS + "gone.html", title="Gone"))


def test_a_page_with_a_control_character_in_its_title_is_unreadable_naming_its_address() -> None:
    class Tampered(FixtureFetcher):
        def fetch(self, url: str) -> FetchedPage:
            page = super().fetch(url)
            return FetchedPage(url, page.content_type, page.content.replace(b"PEEL 2025:", b"PEEL\x07 2025:"))

    with pytest.raises(PublicationUnreadable, match="control characters") as refused:
        fixture_reader(Tampered()).report(ListedReport(url=f"{REPORTS}peel-2025-cheshire.html", title="x"))
    assert f"{REPORTS}peel-2025-cheshire.html: the page cannot be read: title" in refused.value.message


def test_an_rss_feed_lists_its_items_with_their_dates() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>HMICFRS (fictional)</title>
      <item><title>PEEL 2025: An inspection of Cheshire Constabulary</title>
        <link>publications/peel-2025-cheshire.html</link><pubDate>Mon, 13 Oct 2025 00:01:00 +0100</pubDate>
        <category>PEEL</category></item>
      <item><title>No address</title></item>
    </channel></rss>"""
    [item] = read_listing(rss, "application/rss+xml", BASE + "feed.rss")
    assert (item.url, item.published, item.type_label) == (
        REPORTS + "peel-2025-cheshire.html",
        date(2025, 10, 13),
        "PEEL",
    )


def test_an_rss_feed_printing_the_moment_in_gmt_gives_the_day_in_england() -> None:
    # 00:01 on Tuesday 14 October 2025, British Summer Time, as a feed in GMT prints it.
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>HMICFRS (fictional)</title>
      <item><title>PEEL 2025: An inspection of Cheshire Constabulary</title>
        <link>publications/peel-2025-cheshire.html</link><pubDate>Mon, 13 Oct 2025 23:01:00 GMT</pubDate>
        </item></channel></rss>"""
    [item] = read_listing(rss, "application/rss+xml", BASE + "feed.rss")
    assert item.published == date(2025, 10, 14)
    # RFC 2822's "-0000": UTC, its local zone unknown.
    unknown_zone = rss.replace(b"23:01:00 GMT", b"23:01:00 -0000")
    [item] = read_listing(unknown_zone, "application/rss+xml", BASE + "feed.rss")
    assert item.published == date(2025, 10, 14)


def test_a_finding_printed_twice_is_read_once_and_a_different_text_under_its_label_is_flagged() -> None:
    # Reports print their recommendations in the summary, then again in the chapters.
    from signoff.adapters.publications.finding_words import FindingReader, heading
    from signoff.adapters.publications.names import OrganisationNames

    reader = FindingReader(OrganisationNames(by_name={}, full_names={}), "cheshire-constabulary")
    first = heading("Recommendation 1")
    assert first is not None
    assert reader.add(first, "The chief constable should act.", "") is not None
    assert reader.add(first, "The chief  constable should act.", "Why, in the chapter.") is None
    assert reader.add(first, "The chief constable should do something else.", "") is None
    assert [f.ref for f in reader.findings] == ["R-1"]
    [flag] = reader.flags
    assert "printed again with another text (read as R-1)" in flag.problem


def test_a_grade_of_a_several_force_report_that_names_no_force_is_left_out_and_flagged() -> None:
    # The regional report's grades table without its "Force or unit" column: whose grade each is, nobody can
    # tell; kept, the proposal could never be started (and its form has no place to say).
    page = (FIXTURES / "publications" / "nw-soc-2025.html").read_text(encoding="utf-8")
    page = page.replace('<th scope="col">Force or unit</th>', "")
    for who in (
        "Cheshire Constabulary",
        "Lancashire Constabulary",
        "North West Regional Organised Crime Unit",
    ):
        page = page.replace(f"<td>{who}</td>", "", 1)
    reading = read_report_page(page, REPORTS + "nw-soc-2025.html", directory_names())
    assert reading.grades == []
    flagged = [flag for flag in reading.flags if flag.where.startswith("Grade:")]
    assert len(flagged) == 3
    assert "is not said to be any one force's or unit's grade" in flagged[0].problem


def test_recommendations_printed_under_a_cause_of_concern_in_a_pdf_answer_it() -> None:
    """As the HTML reader does: "Recommendation 1" and "2" printed under the cause answer it; a
    recommendation after a section's title ("Recommendations") answers none."""
    reading = ReportReading(
        report_url="https://hmicfrs.example.org/r/peel",
        title="PEEL",
        published=date(2025, 10, 1),
        type=InspectionType.PEEL,
        covered=["cheshire-constabulary"],
    )
    text = "\n".join(
        [
            "Cause of concern",
            "The force does not answer emergency calls quickly enough.",
            "Recommendation 1",
            "By 31 March 2026, the chief constable should publish a plan to answer calls sooner.",
            "Recommendation 2",
            "The chief constable should report monthly on call answering.",
            "Recommendations",
            "Recommendation 3",
            "The chief constable should review the force's vetting.",
        ]
    )
    found = findings_from_pdf_text(reading, text, OrganisationNames(by_name={}, full_names={}))
    answers = {f.printed_ref: f.answers for f in found.findings}
    assert answers == {
        "Cause of concern": None,
        "Recommendation 1": "CoC-1",
        "Recommendation 2": "CoC-1",
        "Recommendation 3": None,
    }
