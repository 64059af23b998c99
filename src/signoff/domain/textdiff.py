"""What changed between two revisions of a section, for the approver who is asked again."""

from __future__ import annotations

import difflib
import hashlib


def content_hash(body: str) -> str:
    """The identity of a revision's text: an approval is bound to exactly this."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> list[str]:
    """Changed lines with a little context: '+' added, '-' removed, ' ' unchanged.

    The file headers and hunk markers of a unified diff mean nothing to a reader who is not a developer,
    so they are left out; a '...' line stands between separate stretches of change.
    """
    lines: list[str] = []
    for line in difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm=""
    ):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if lines:
                lines.append("...")
            continue
        lines.append(line)
    return lines
