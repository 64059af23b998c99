"""A drafter writes a section: a new revision, and its approvers are asked."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from signoff.domain.errors import NotPermitted, TextChanged
from signoff.domain.pipeline import Pipeline
from signoff.service.commands import SubmitRevision
from signoff.service.handlers.submit_revision import submit_revision
from signoff.service.queries.signoff_read import section_detail
from tests.people import OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp, stricter_pipeline
from tests.support.story import ZOE, approve, draft, load_with_zoe, start_reference


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


def test_peers_approve_each_others_text_and_one_who_wrote_what_waits_does_not(memory: InMemoryApp) -> None:
    # The summary, drafted by the office's policy officers (Owen and Zoe) and approved by any one of them:
    # peer review. Nobody approves what they wrote of the text waiting; an approved text is everyone's.
    # (The stage's second section, 'context', keeps the stage open once the summary is approved.)
    data: dict[str, Any] = stricter_pipeline().model_dump(mode="json", exclude_none=True)
    data["stages"][0]["sections"][0]["approval"] = {
        "approvers": [{"role": "policy_officer", "of": "pcc"}],
        "require": "any",
    }
    peer_review = Pipeline.model_validate(data)
    memory.deps = replace(memory.deps, load_pipeline=lambda: peer_review)
    load_with_zoe(memory, "cheshire-pcc", ["policy_officer"])
    signoff_id = start_reference(memory)

    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.refused(
        lambda: approve(memory, signoff_id, "report-summary", OWEN), NotPermitted, "their own text"
    )
    assert approve(memory, signoff_id, "report-summary", ZOE).section_state == "approved"
    # Zoe edits the approved text: Owen, who wrote what she approved, approves her edit.
    draft(memory, signoff_id, "report-summary", ZOE, "Summary, with the unit's name.")
    assert approve(memory, signoff_id, "report-summary", OWEN).section_state == "approved"


def test_a_text_written_on_a_revision_since_replaced_is_refused_not_saved_over_it(
    memory: InMemoryApp,
) -> None:
    """Owen's page showed revision 1; Zoe, drafting with him, saved revision 2. Owen's text, written on
    revision 1, would replace hers unseen: refused, naming both revisions, and nothing changes."""
    load_with_zoe(memory, "cheshire-pcc", ["policy_officer"])
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary, first.")

    def save(author: str, body: str, base: int) -> int:
        command = SubmitRevision(
            signoff_id=signoff_id, section="report-summary", author=author, body=body, base_revision=base
        )
        return submit_revision(command, memory.deps)

    assert save(ZOE, "Summary, Zoe's.", 1) == 2
    memory.refused(
        lambda: save(OWEN, "Summary, Owen's.", 1), TextChanged, "now revision 2", "written on revision 1"
    )
    assert save(OWEN, "Summary, Owen's, having read Zoe's.", 2) == 3
