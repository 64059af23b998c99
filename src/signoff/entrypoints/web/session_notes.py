"""What a form hands the page it redirects to, carried in the session cookie: kept small enough that the
browser keeps the cookie (browsers drop one over 4,096 bytes, with everything in it, the sign-in too).

The cookie holds the session's id and these notes, signed; about 2,400 characters of notes leave room for
the rest and for escaping.
"""

from __future__ import annotations

MOST_CHARACTERS = 2_400


def bounded_outcomes(outcomes: list[str], most: int = MOST_CHARACTERS) -> list[str]:
    """The outcomes of a bulk action, in the order done, as many as fit in `most` characters; then one line
    saying how many more were done and not done."""
    ordered = outcomes
    kept: list[str] = []
    used = 0
    for outcome in ordered:
        line = clipped(outcome, 300)
        if used + len(line) > most:
            break
        kept.append(line)
        used += len(line)
    rest = ordered[len(kept) :]
    if rest:
        failed = sum(": not done:" in o for o in rest)
        kept.append(f"…and {len(rest)} more ({len(rest) - failed} done, {failed} not done)")
    return kept


def bounded_values(values: dict[str, str], most: int = 1_000) -> dict[str, str]:
    """A form's values to show again, each cut to `most` characters (a long reason kept in part)."""
    return {name: clipped(value, most) for name, value in values.items()}


def clipped(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
