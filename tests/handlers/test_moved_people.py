"""Someone the directory moves out of a sign-off's office and force, or removes, while it names them: the
emails its work causes no longer reach them, and the administrator is told plainly that reminding them
sends nothing (their place is to be reassigned)."""

from __future__ import annotations

from signoff.domain.errors import InvalidInput
from signoff.service.commands import Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.handlers.remind_now import remind_now
from tests.people import CLAIRE, DANIEL, HANNAH, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, request_changes, start_reference


def emails_to(memory: InMemoryApp, email: str, since: int) -> list[str]:
    return [event for event, to in memory.emails()[since:] if to == email]


def test_an_approver_moved_to_another_force_hears_nothing_more_of_the_section(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    memory.move(DANIEL, "cumbria-constabulary", ["strategic_lead"])
    since = len(memory.emails())

    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="finding-afi-1", from_person=DANIEL, to_person=CLAIRE, admin=HANNAH
        ),
        memory.deps,
    )
    request_changes(memory, signoff_id, "finding-afi-1", CLAIRE, "Cheshire's own comment.")
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training for every investigator.")

    assert emails_to(memory, DANIEL, since) == []
    assert "approval_requested" in emails_to(memory, CLAIRE, since)


def test_a_drafter_moved_to_another_office_is_not_sent_the_comment_on_their_text(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    since = len(memory.emails())

    request_changes(memory, signoff_id, "report-summary", RACHEL, "Cheshire's own comment.")

    assert emails_to(memory, OWEN, since) == []


def test_reminding_a_holder_who_moved_away_is_refused_naming_why(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.move(RACHEL, "cumbria-pcc", ["pcc_admin"])

    memory.refused(
        lambda: remind_now(signoff_id, "report-summary", RACHEL, HANNAH, memory.deps),
        InvalidInput,
        RACHEL,
        "no longer of",
        "reassign their place",
    )


def test_reminding_a_holder_who_left_is_refused_too(memory: InMemoryApp) -> None:
    # The directory refuses them itself: it holds them no longer.
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.move(RACHEL, None)

    memory.refused(
        lambda: remind_now(signoff_id, "report-summary", RACHEL, HANNAH, memory.deps),
        InvalidInput,
        RACHEL,
        "no longer active",
    )
