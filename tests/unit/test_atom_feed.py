"""The public Atom feed is one for every office: whatever one office's stored text holds, it stays XML
that every feed reader can read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from signoff.entrypoints.web.public import atom_feed
from signoff.service.queries.public_responses import PublicOffice, PublicResponse, PublicVersion

ATOM = "{http://www.w3.org/2005/Atom}"
AT = datetime(2024, 1, 4, 10, tzinfo=UTC)


def version(number: int, note: str) -> PublicVersion:
    return PublicVersion(
        version=number,
        published_at=AT,
        published_on=AT.date(),
        on_time=True,
        days_late=0,
        note=note,
        files=[],
    )


def test_a_title_or_note_stored_with_characters_xml_cannot_hold_still_gives_a_readable_feed() -> None:
    # Stored before text fields refused them: U+FFFF in a correction's note, U+0001 in a title.
    response = PublicResponse(
        signoff_id=1,
        title="Inspection\x01 of \ufffecustody",
        office="Office of the PCC",
        office_key="cheshire-pcc",
        force="Cheshire Constabulary",
        report_published=date(2023, 11, 10),
        statutory_last_day=date(2024, 1, 4),
        published_on=AT.date(),
        on_time=True,
        days_late=0,
        updated_at=AT,
        versions=[version(2, "Typo \uffff fixed"), version(1, "")],
    )
    feed = atom_feed(
        [PublicOffice(key="cheshire-pcc", name="Office of the PCC", responses=[response])],
        "https://signoff.example",
        AT.isoformat(),
    )
    root = ET.fromstring(feed)  # noqa: S314 - our own feed, parsed to check it
    entries = root.findall(f"{ATOM}entry")
    assert "Typo \ufffd fixed" in (entries[0].findtext(f"{ATOM}summary") or "")
    assert "Inspection\ufffd of \ufffdcustody" in (entries[1].findtext(f"{ATOM}title") or "")
