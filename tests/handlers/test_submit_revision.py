"""A drafter writes a section: a new revision, and its approvers are asked."""

from __future__ import annotations

from signoff.domain.errors import NotPermitted
from signoff.service.queries.signoff_read import section_detail
from tests.people import OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import draft, start_reference


def test_a_draft_goes_to_its_approver(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    assert draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.") == 1
    summary = section_detail(signoff_id, "report-summary", memory.deps)
    assert summary.section.state == "in_approval"
    assert summary.body == "The NWROCU was inspected."
    assert summary.section.holders == [f"Rachel Ashworth <{RACHEL}>"]
    assert ("approval_requested", RACHEL) in memory.emails()


def test_only_the_sections_drafters_may_write_it(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    memory.refused(
        lambda: draft(memory, signoff_id, "report-summary", PRIYA, "Not mine to write."),
        NotPermitted,
        "only the section's drafters",
    )
    assert section_detail(signoff_id, "report-summary", memory.deps).body is None
