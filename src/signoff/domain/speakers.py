"""Whose words a published text is: the person a quoted text is attributed to (the chief constable's
comments), and who signs the office's own (the commissioner's response).

The rule is one for both: the person who approved the text (for whom a delegate approved it) and holds the
role now; else the last of its approvers whose place was the organisation's and who has since left it (a
chief constable retired, or moved to another force; a commissioner who left office before publishing
day): a successor who never approved the words does not speak them; else the role's holder (nothing
approved yet, a preview; or a text its role's holder did not approve themselves). An approver who gave up
the role and stays in the organisation in another cannot be told from one who never held it (the steps do
not record by which role a place was given): their successor speaks. Pure: no database, no clock.
"""

from __future__ import annotations

from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import Outcome, Section


def approvers_of_text(section: Section, roster: Roster) -> list[Participant]:
    """Who approved the section's current text, in the order they did (a delegate's approval counts as
    the person's they decided for)."""
    revision = section.current_revision
    if revision is None:
        return []
    decisions = sorted(
        (
            r.decision
            for r in section.current_requests()
            if r.decision is not None
            and r.decision.outcome is Outcome.APPROVE
            and r.decision.revision_hash == revision.content_hash
        ),
        key=lambda d: d.decided_at,
    )
    return [roster.by_id(d.on_behalf_of_id or d.decided_by_id) for d in decisions]


def speaker(section: Section, roster: Roster, role: str, organisation: str) -> Participant | None:
    """Whose words the section's approved text is, for `role` of `organisation` (the module's rule)."""
    approvers = approvers_of_text(section, roster)
    holders = roster.holders(role, organisation)
    holding = {h.id for h in holders}
    gone = [p for p in approvers if _left(section, p, organisation)]
    found = next((p for p in approvers if p.id in holding), gone[-1] if gone else None)
    return found or (holders[0] if holders else None)


def _left(section: Section, person: Participant, organisation: str) -> bool:
    """They approved in the organisation's place and are no longer of it: left the directory, or moved."""
    place = section.place_of(person.id)
    if place is None:
        # Planned before places were recorded: as then, one who has left the directory.
        return not person.active
    return place == organisation and (not person.active or person.organisation != organisation)
