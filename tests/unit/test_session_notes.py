"""What a form hands the next page in the session cookie stays small enough for the browser to keep it
(one over 4,096 bytes is dropped, with the outcomes or errors in it, and the sign-in)."""

from __future__ import annotations

from signoff.entrypoints.web.session_notes import MOST_CHARACTERS, bounded_outcomes, bounded_values


def test_a_long_bulk_action_keeps_what_fits_in_order_and_counts_the_rest() -> None:
    done = [
        f"Sign-off #{n}, Report summary: reminded Rachel Ashworth <rachel@example.org>" for n in range(60)
    ]
    failed = [f"Sign-off #{n}, AFI-1: not done: Daniel holds nothing there" for n in range(60, 63)]
    kept = bounded_outcomes(done + failed)
    assert kept[:-1] == done[: len(kept) - 1]
    assert sum(len(line) for line in kept[:-1]) <= MOST_CHARACTERS
    assert kept[-1].startswith("…and ")
    assert kept[-1].endswith(" done, 3 not done)")
    assert bounded_outcomes(done[:3]) == done[:3]


def test_a_long_reason_shown_again_is_kept_in_part() -> None:
    values = bounded_values({"reason": "x" * 3_000, "to_person": "claire@example.org"})
    assert len(values["reason"]) == 1_000
    assert values["reason"].endswith("…")
    assert values["to_person"] == "claire@example.org"
