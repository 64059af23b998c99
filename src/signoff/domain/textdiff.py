"""What changed between two revisions of a section, for the approver who is asked again."""

from __future__ import annotations

import difflib
import hashlib


def content_hash(body: str) -> str:
    """The identity of a revision's text: an approval is bound to exactly this."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# difflib's matching grows with the product of the two texts' lines: two legal-size revisions of short,
# similar lines (a long numbered table) took it half a minute, on every view of the section and inside the
# write that asks its approver again. Beyond this many pairs of lines, the change is shown coarsely.
MOST_LINE_PAIRS = 250_000
CONTEXT = 3


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> list[str]:
    """Changed lines with a little context: '+' added, '-' removed, ' ' unchanged.

    The file headers and hunk markers of a unified diff mean nothing to a reader who is not a developer,
    so they are left out; a '...' line stands between separate stretches of change. Two long texts are
    compared coarsely (`_coarse`), in time growing with their length alone.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if len(old_lines) * len(new_lines) > MOST_LINE_PAIRS:
        return _coarse(old_lines, new_lines)
    lines: list[str] = []
    for line in difflib.unified_diff(old_lines, new_lines, fromfile=old_label, tofile=new_label, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if lines:
                lines.append("...")
            continue
        lines.append(line)
    return lines


def _coarse(old: list[str], new: list[str]) -> list[str]:
    """The lines both texts begin and end with kept as they are; all between them shown removed, then
    added. True, if not the smallest change: one stretch of change, with a little context either side."""
    if old == new:
        return []
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    before = [f" {line}" for line in old[max(0, start - CONTEXT) : start]]
    after = [f" {line}" for line in old[len(old) - end : len(old) - end + CONTEXT]]
    removed = [f"-{line}" for line in old[start : len(old) - end]]
    added = [f"+{line}" for line in new[start : len(new) - end]]
    return [*before, *removed, *added, *after]
