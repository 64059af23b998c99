"""Someone the directory moves out of a sign-off's office and force, or removes, while it names them: the
emails its work causes no longer reach them, the administrator is told plainly that reminding them sends
nothing, and their place, an approval or a drafting place, is given to a colleague."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from signoff.domain.errors import InvalidInput, NotFound, NotPermitted
from signoff.domain.pipeline import Pipeline
from signoff.service.commands import Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.handlers.remind_now import remind_now
from signoff.service.queries.attention import AttentionFilter, attention
from signoff.service.queries.my_tasks import my_tasks
from signoff.service.queries.signoff_read import section_detail
from signoff.service.queries.stalled import stalled
from tests.people import ANDREW, CLAIRE, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp, pipeline
from tests.support.story import ZOE, approve, delegate, draft, load_with_zoe, request_changes, start_reference

CUMBRIA_LIAISON = "lucy.hodgson@cumbria.police.example.org"
CUMBRIA_ADMIN = "fiona.dixon@cumbria-pcc.example.org"


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
    # Her place is still hers on the sign-off, and the office is told to give it away.
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.move(RACHEL, None)

    memory.refused(
        lambda: remind_now(signoff_id, "report-summary", RACHEL, HANNAH, memory.deps),
        InvalidInput,
        RACHEL,
        "is not reminded: reassign their place",
    )


def test_a_drafting_place_whose_drafter_moved_is_given_to_a_colleague_who_is_asked_to_draft(
    memory: InMemoryApp,
) -> None:
    """Owen, the office's only policy officer, moves to Cumbria after Rachel asks for changes to his
    summary. Nobody else may write it: the administrator gives his drafting place to Hannah, who is asked
    for the text, writes it, and the summary is approved. Owen hears nothing of it."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    request_changes(memory, signoff_id, "report-summary", RACHEL, "Say when it was published.")
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    memory.refused(lambda: draft(memory, signoff_id, "report-summary", HANNAH, "Text."), NotPermitted)
    since = len(memory.emails())

    give_place(memory, signoff_id, "report-summary", OWEN, HANNAH)

    assert emails_to(memory, HANNAH, since) == ["drafting_assigned"]
    assert emails_to(memory, OWEN, since) == []
    summary = section_detail(signoff_id, "report-summary", memory.deps).section
    assert summary.holders == [f"Hannah Whitfield <{HANNAH}>"]
    draft(memory, signoff_id, "report-summary", HANNAH, "Summary, published on 10 November 2023.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    assert section_detail(signoff_id, "report-summary", memory.deps).section.state == "approved"


def test_a_drafting_place_goes_only_to_someone_of_its_organisation_who_does_not_draft_it_already(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    # Priya is still of the force: the force's answer is not the office's to write.
    memory.refused(
        lambda: give_place(memory, signoff_id, "finding-afi-1", PRIYA, OWEN),
        NotPermitted,
        "Cheshire Constabulary's",
    )
    memory.refused(
        lambda: give_place(memory, signoff_id, "finding-afi-1", PRIYA, CUMBRIA_LIAISON),
        NotPermitted,
        "a place can be reassigned only to someone of",
    )
    memory.refused(
        lambda: give_place(memory, signoff_id, "finding-afi-1", CLAIRE, DANIEL),
        NotFound,
        "holds no open approval request and no drafting place",
    )


def give_place(memory: InMemoryApp, signoff_id: int, section: str, holder: str, to: str) -> None:
    reassign_request(
        Reassign(signoff_id=signoff_id, section=section, from_person=holder, to_person=to, admin=HANNAH),
        memory.deps,
    )


def test_a_force_lead_moved_into_the_office_takes_no_place_of_the_force_with_them(
    memory: InMemoryApp,
) -> None:
    """Daniel, the force's strategic lead, joins the commissioner's office. His approval of the force's
    own answer stays the force's: he can no longer give it, it leaves his tasks and his reminders, and the
    administrator gives it to Claire, of the force (not to someone of the office)."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    memory.move(DANIEL, "cheshire-pcc", ["policy_officer"])

    memory.refused(lambda: approve(memory, signoff_id, "finding-afi-1", DANIEL), NotPermitted)
    assert [t.section_key for t in my_tasks(DANIEL, memory.deps)] == []
    memory.refused(
        lambda: remind_now(signoff_id, "finding-afi-1", DANIEL, HANNAH, memory.deps),
        InvalidInput,
        "no longer of Cheshire Constabulary, whose place it is",
    )
    memory.refused(
        lambda: give_place(memory, signoff_id, "finding-afi-1", DANIEL, OWEN),
        NotPermitted,
        "Cheshire Constabulary's",
    )
    give_place(memory, signoff_id, "finding-afi-1", DANIEL, CLAIRE)
    approve(memory, signoff_id, "finding-afi-1", CLAIRE)
    assert section_detail(signoff_id, "finding-afi-1", memory.deps).section.state == "approved"


def test_a_policy_officer_moved_into_the_force_is_not_asked_for_the_offices_text(
    memory: InMemoryApp,
) -> None:
    """Owen joins the force after Rachel asks for changes to his summary: the office's summary is not his
    to write from the force, nor are its comments sent to him there."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.move(OWEN, "cheshire-constabulary", ["force_liaison"])
    since = len(memory.emails())

    request_changes(memory, signoff_id, "report-summary", RACHEL, "The office's own comment.")

    assert emails_to(memory, OWEN, since) == []
    assert [t.section_key for t in my_tasks(OWEN, memory.deps)] == []
    memory.refused(lambda: draft(memory, signoff_id, "report-summary", OWEN, "Text."), NotPermitted)


def test_a_policy_officer_moved_into_the_force_is_not_asked_to_draft_when_the_offices_stage_opens(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    memory.move(OWEN, "cheshire-constabulary", ["force_liaison"])
    since = len(memory.emails())

    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    approve(memory, signoff_id, "finding-afi-1", DANIEL)
    draft(memory, signoff_id, "constabulary-response", PRIYA, "The chief constable's comments.")
    approve(memory, signoff_id, "constabulary-response", ANDREW)  # the commissioner's stage opens

    assert "drafting_assigned" not in emails_to(memory, OWEN, since)


def test_a_drafting_place_does_not_go_to_the_one_person_who_must_approve_the_text(
    memory: InMemoryApp,
) -> None:
    """Rachel alone approves the summary: given its drafting place, she could never approve her own text,
    and the summary would wait for ever. Refused, saying why; the place goes to Hannah instead."""
    signoff_id = start_reference(memory)
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    memory.refused(
        lambda: give_place(memory, signoff_id, "report-summary", OWEN, RACHEL),
        InvalidInput,
        "is needed to approve section 'report-summary'",
    )
    give_place(memory, signoff_id, "report-summary", OWEN, HANNAH)
    draft(memory, signoff_id, "report-summary", HANNAH, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)


def test_the_place_of_someone_who_left_the_directory_is_given_to_a_colleague(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.move(RACHEL, None)  # the chief executive has left
    give_place(memory, signoff_id, "report-summary", RACHEL, JOHN)
    approve(memory, signoff_id, "report-summary", JOHN)
    assert section_detail(signoff_id, "report-summary", memory.deps).section.state == "approved"


def test_someone_moved_to_the_force_approves_through_a_delegation_only_for_whom_they_stand_in(
    memory: InMemoryApp,
) -> None:
    """A step approved by the chief constable and the commissioner together. The commissioner joins the
    force, and the chief constable lets him decide for her: his approval is hers, given for her, never
    the office's place he held before the move."""

    def chief_and_commissioner_together() -> Pipeline:
        data: dict[str, Any] = pipeline().model_dump(mode="json", exclude_none=True)
        data["stages"][1]["sections"][1]["approval"] = {
            "approvers": [{"role": "chief_constable", "of": "force"}, {"role": "commissioner", "of": "pcc"}],
            "require": "all",
        }
        return Pipeline.model_validate(data)

    memory.deps = dataclasses.replace(memory.deps, load_pipeline=chief_and_commissioner_together)
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    approve(memory, signoff_id, "finding-afi-1", DANIEL)
    draft(memory, signoff_id, "constabulary-response", PRIYA, "The chief constable's comments.")
    memory.move(JOHN, "cheshire-constabulary", ["deputy_chief_constable"])
    memory.refused(lambda: approve(memory, signoff_id, "constabulary-response", JOHN), NotPermitted)
    delegate(memory, ANDREW, JOHN)

    recorded = approve(memory, signoff_id, "constabulary-response", JOHN)

    assert recorded.on_behalf_of == f"Andrew Kershaw <{ANDREW}>"


def test_another_offices_administrator_gives_away_no_drafting_place_of_ours(memory: InMemoryApp) -> None:
    """Cumbria's administrator, after Owen moves to Cumbria, cannot take Cheshire's drafting place for
    her own office (nor give it to anyone): nothing changes, and Cheshire's administrator still can."""
    signoff_id = start_reference(memory)
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    give = Reassign(
        signoff_id=signoff_id,
        section="report-summary",
        from_person=OWEN,
        to_person=HANNAH,
        admin=CUMBRIA_ADMIN,
    )
    memory.refused(lambda: reassign_request(give, memory.deps), NotPermitted, "not an administrator")
    memory.refused(
        lambda: reassign_request(give.model_copy(update={"to_person": OWEN}), memory.deps), NotPermitted
    )
    reassign_request(give.model_copy(update={"admin": HANNAH}), memory.deps)
    assert section_detail(signoff_id, "report-summary", memory.deps).section.holders == [
        f"Hannah Whitfield <{HANNAH}>"
    ]


def test_an_office_approver_moved_into_the_force_is_not_told_of_the_offices_reassigned_request(
    memory: InMemoryApp,
) -> None:
    """Rachel, asked to approve the office's summary, moves to Cheshire Constabulary; Hannah gives the
    request to John. The summary is the office's: Rachel, now of the force, hears no more of it."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    memory.move(RACHEL, "cheshire-constabulary", ["force_liaison"])
    before = len(memory.store.state.outbox)
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=RACHEL, to_person=JOHN, admin=HANNAH
        ),
        memory.deps,
    )
    assert [who for _, who in memory.emails()[before:]] == [JOHN]


def test_the_administration_list_names_every_drafter_and_files_a_moved_ones_place_under_its_organisation(
    memory: InMemoryApp,
) -> None:
    load_with_zoe(memory, "cheshire-pcc", ["policy_officer"])
    signoff_id = start_reference(memory)  # the summary has two drafters, the office's two policy officers
    load_with_zoe(memory, "cheshire-constabulary", ["policy_officer"])
    memory.clock.advance(timedelta(days=21))  # their drafting idle

    def listed(organisation: str | None = None) -> list[tuple[str, str, str]]:
        page = attention(HANNAH, AttentionFilter(per_page=200, organisation=organisation), memory.deps)
        return sorted((i.section_key, i.waiting_to, i.holder_email) for i in page.items)

    assert listed() == [("report-summary", "draft", OWEN), ("report-summary", "draft", ZOE)]
    assert listed() == sorted(
        (i.section, i.waiting_to, i.holder.rsplit("<")[-1][:-1]) for i in stalled(memory.deps)
    )
    # Zoe's place is still the office's: filed under it, not under the force she moved to.
    assert listed("cheshire-pcc") == listed()
    assert listed("cheshire-constabulary") == []
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=ZOE, to_person=JOHN, admin=HANNAH
        ),
        memory.deps,
    )
    assert listed() == [("report-summary", "draft", JOHN), ("report-summary", "draft", OWEN)]
    # Another office's administrator sees none of it, filtered by our office's name or not.
    for organisation in (None, "cheshire-pcc", "cheshire-constabulary"):
        theirs = attention(
            CUMBRIA_ADMIN, AttentionFilter(per_page=200, organisation=organisation), memory.deps
        )
        assert theirs.items == [], organisation
