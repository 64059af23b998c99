"""What changed between two revisions, as the approver asked again reads it: small texts line by line;
long ones (a legal-size numbered table) coarsely, one stretch of change, in time growing with their length
(difflib took half a minute over two such revisions, on every view of the section)."""

from __future__ import annotations

from signoff.domain.textdiff import MOST_LINE_PAIRS, unified_diff


def test_a_small_change_shows_its_lines_with_context() -> None:
    old = "one\ntwo\nthree\nfour\n"
    new = "one\ntwo\n3\nfour\n"
    assert unified_diff(old, new, "r1", "r2") == [" one", " two", "-three", "+3", " four"]


def test_two_long_texts_are_compared_coarsely_with_context_either_side() -> None:
    old = [f"{n}. Item {n % 7}" for n in range(1, 701)]
    new = [*old[:299], "300. Changed", *old[300:]]
    assert len(old) * len(new) > MOST_LINE_PAIRS
    diff = unified_diff("\n".join(old), "\n".join(new), "r1", "r2")
    assert diff == [
        " 297. Item 3",
        " 298. Item 4",
        " 299. Item 5",
        "-300. Item 6",
        "+300. Changed",
        " 301. Item 0",
        " 302. Item 1",
        " 303. Item 2",
    ]


def test_two_long_texts_that_differ_throughout_show_all_of_both() -> None:
    old = [f"Old line {n}" for n in range(600)]
    new = [f"New line {n}" for n in range(600)]
    diff = unified_diff("\n".join(old), "\n".join(new), "r1", "r2")
    assert diff == [f"-{line}" for line in old] + [f"+{line}" for line in new]
