"""The day a report was published, read from what the inspectorate's site prints: a moment is read in
England's time (HMICFRS publishes at 00:01 UK time, which in summer is 23:01 UTC the day before)."""

from __future__ import annotations

from datetime import date

import pytest

from signoff.adapters.publications.dates import published_day


@pytest.mark.parametrize(
    ("printed", "day"),
    [
        ("2025-10-21", date(2025, 10, 21)),
        ("2025-10-20T23:01:00Z", date(2025, 10, 21)),  # 00:01 BST
        ("2025-10-20T23:01:00+00:00", date(2025, 10, 21)),
        ("2025-10-21T00:01:00+01:00", date(2025, 10, 21)),
        ("2025-12-01T00:01:00Z", date(2025, 12, 1)),  # GMT: the same day
        ("2025-10-21T00:01:00", date(2025, 10, 21)),  # no offset: the day it names
        ("2025-10-20 23:01:00 UTC", date(2025, 10, 21)),
        ("2025-10-20T23:01:00 GMT", date(2025, 10, 21)),
        (" 2025-10-21 ", date(2025, 10, 21)),
    ],
)
def test_a_printed_date_or_moment_is_the_day_in_england(printed: str, day: date) -> None:
    assert published_day(printed) == day


def test_what_is_not_a_date_is_refused() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        published_day("21 October 2025")
