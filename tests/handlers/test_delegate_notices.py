"""While a delegation is live, the delegate hears of the approvals they may give: the request, the reminder and
the overdue notice go to them as well as to the person away. Not the drafting, not after the delegation ends,
not to a delegate the decision would not honour (the author of the text, a person removed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from signoff.domain.errors import NotPermitted
from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.pipeline import Pipeline
from signoff.service.commands import EndDelegation, Reassign, WithdrawSignoff
from signoff.service.handlers.administer import reassign_request, withdraw_signoff
from signoff.service.handlers.delegate import end_delegation
from signoff.service.handlers.remind_now import remind_now
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.queries.my_tasks import my_tasks
from signoff.service.queries.signoff_read import signoff_detail
from tests.handlers.test_send_due_notices import reload_with
from tests.people import HANNAH, JOHN, OWEN, RACHEL
from tests.support.app import InMemoryApp, stricter_pipeline
from tests.support.story import ZOE, approve, delegate, draft, load_with_zoe, request_changes, start_reference

DEADLINE_EMAILS = ("approval_requested", "reminder", "overdue", "escalation")


def deadline_emails_from(memory: InMemoryApp, start: int) -> list[tuple[str, str, str]]:
    """(event, recipient, audience) of the deadline emails queued since the outbox held `start`."""
    return [
        (str(e.event), e.recipient_email, str(e.context["audience"]))
        for e in memory.store.state.outbox[start:]
        if str(e.event) in DEADLINE_EMAILS
    ]


def sweep_on(memory: InMemoryApp, signoff_id: int, days_after_due: int) -> list[tuple[str, str, str]]:
    """The deadline emails of a sweep at 10:00 on the first stage's due day, moved by `days_after_due`."""
    due_on = signoff_detail(signoff_id, memory.deps).stages[0].due_on
    memory.clock.set(datetime.combine(due_on + timedelta(days=days_after_due), time(10), tzinfo=LOCAL_TIME))
    start = len(memory.store.state.outbox)
    send_due_notices(memory.deps)
    return deadline_emails_from(memory, start)


def test_the_delegate_is_asked_reminded_and_chased_for_the_person_away(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, JOHN, days=120)
    start = len(memory.store.state.outbox)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    asked = deadline_emails_from(memory, start)
    assert ("approval_requested", RACHEL, "approver") in asked
    assert ("approval_requested", JOHN, "delegate") in asked
    [to_john] = [e for e in memory.store.state.outbox[start:] if e.recipient_email == JOHN]
    assert to_john.context["holder_name"] == "Rachel Ashworth"
    assert "Rachel Ashworth has delegated their approvals to you" in str(to_john.context["why"])

    reminded = sweep_on(memory, signoff_id, 0)
    assert ("reminder", RACHEL, "holder") in reminded
    assert ("reminder", JOHN, "delegate") in reminded
    chased = sweep_on(memory, signoff_id, 1)
    assert ("overdue", RACHEL, "holder") in chased
    assert ("overdue", JOHN, "delegate") in chased

    # The delegate approves for her: nothing waits for either of them any more.
    approve(memory, signoff_id, "report-summary", JOHN)
    assert not [e for e in sweep_on(memory, signoff_id, 5) if e[1] in (RACHEL, JOHN)]


def test_after_the_delegation_ends_only_the_holder_is_chased(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    delegation_id = delegate(memory, RACHEL, JOHN, days=120)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    end_delegation(EndDelegation(delegation_id=delegation_id, by=RACHEL), memory.deps)
    reminded = sweep_on(memory, signoff_id, 0)
    assert ("reminder", RACHEL, "holder") in reminded
    assert not [e for e in reminded if e[1] == JOHN], reminded


def test_a_delegation_that_ran_out_chases_only_the_holder(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, JOHN, days=2)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    chased = sweep_on(memory, signoff_id, 1)
    assert ("overdue", RACHEL, "holder") in chased
    assert not [e for e in chased if e[1] == JOHN], chased


def test_the_author_covering_for_the_approver_is_not_asked_to_approve_their_own_text(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, OWEN, days=120)
    start = len(memory.store.state.outbox)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    sweep_on(memory, signoff_id, 1)
    told = deadline_emails_from(memory, start)
    assert ("overdue", RACHEL, "holder") in told
    assert not [e for e in told if e[1] == OWEN], told


def test_a_drafter_away_is_chased_alone_as_delegation_covers_approvals_only(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    delegate(memory, OWEN, HANNAH, days=120)
    told = sweep_on(memory, signoff_id, 1)
    assert ("overdue", OWEN, "holder") in told
    assert not [e for e in told if e[2] == "delegate"], told


def test_a_delegate_removed_from_the_directory_hears_nothing(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, JOHN, days=120)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")

    memory.move(JOHN, None)
    told = sweep_on(memory, signoff_id, 0)
    assert ("reminder", RACHEL, "holder") in told
    assert not [e for e in told if e[1] == JOHN], told


def test_the_administrators_reminder_reaches_the_delegate_too(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, JOHN, days=120)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    start = len(memory.store.state.outbox)
    assert remind_now(signoff_id, "report-summary", RACHEL, HANNAH, memory.deps) == 2
    assert deadline_emails_from(memory, start) == [
        ("reminder", RACHEL, "holder"),
        ("reminder", JOHN, "delegate"),
    ]


def test_a_delegate_with_a_place_of_their_own_in_the_round_is_not_asked_to_fill_a_second(
    memory: InMemoryApp,
) -> None:
    # 'context' needs two of Rachel, John and Hannah; John is away and Rachel covers for him. Her own
    # approval is her one approval in the round, so she is never asked to give his as well.
    stricter = stricter_pipeline()
    memory.deps = replace(memory.deps, load_pipeline=lambda: stricter)
    signoff_id = start_reference(memory)
    delegate(memory, JOHN, RACHEL, days=120)
    start = len(memory.store.state.outbox)
    draft(memory, signoff_id, "context", OWEN, "Context.")
    asked = deadline_emails_from(memory, start)
    assert ("approval_requested", JOHN, "approver") in asked
    assert ("approval_requested", RACHEL, "approver") in asked
    assert not [e for e in asked if e[2] == "delegate"], asked
    approve(memory, signoff_id, "context", RACHEL)
    chased = sweep_on(memory, signoff_id, 1)
    assert ("overdue", JOHN, "holder") in chased
    assert not [e for e in chased if e[2] == "delegate"], chased


def test_the_delegate_hears_when_the_person_away_is_asked_again_after_an_edit(memory: InMemoryApp) -> None:
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)  # step 1 of Rachel then John
    delegate(memory, RACHEL, HANNAH, days=120)
    start = len(memory.store.state.outbox)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary, edited.")
    told = [
        (str(e.event), e.recipient_email, str(e.context["audience"]))
        for e in memory.store.state.outbox[start:]
    ]
    assert ("approval_invalidated", RACHEL, "approver") in told  # asked again, with what changed
    assert ("approval_requested", HANNAH, "delegate") in told
    assert not [e for e in told if e[0] == "approval_requested" and e[1] == RACHEL], told
    assert approve(memory, signoff_id, "report-summary", HANNAH).on_behalf_of is not None


PAT = "pat.deputy@cheshire-pcc.example.org"


def test_one_delegate_covering_two_approvers_of_a_round_is_asked_for_the_one_approval_they_can_give(
    memory: InMemoryApp,
) -> None:
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    signoff_id = start_reference(memory)

    def add_pat(data: dict[str, Any]) -> None:
        data["people"].append(
            {
                "name": "Pat Deputy",
                "email": PAT,
                "title": "Deputy",
                "organisation": "cheshire-pcc",
                "roles": [],
            }
        )

    reload_with(memory, add_pat)
    delegate(memory, JOHN, PAT, days=120)
    delegate(memory, HANNAH, PAT, days=120)
    start = len(memory.store.state.outbox)
    draft(memory, signoff_id, "context", OWEN, "Context.")
    to_pat = [e.context["holder_name"] for e in memory.store.state.outbox[start:] if e.recipient_email == PAT]
    assert len(to_pat) == 1, to_pat
    approve(memory, signoff_id, "context", PAT)
    # Pat's one approval is given: the overdue notices chase John or Hannah, not Pat.
    assert not [e for e in sweep_on(memory, signoff_id, 1) if e[1] == PAT]


def test_a_delegate_whose_own_place_was_reassigned_away_is_chased_for_the_person_away(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    reassign_request(
        Reassign(
            signoff_id=signoff_id, section="report-summary", from_person=RACHEL, to_person=JOHN, admin=HANNAH
        ),
        memory.deps,
    )
    delegate(memory, JOHN, RACHEL, days=120)
    chased = sweep_on(memory, signoff_id, 1)
    assert ("overdue", JOHN, "holder") in chased
    assert ("overdue", RACHEL, "delegate") in chased


def rachels_summary_given_to_hannah(memory: InMemoryApp) -> list[tuple[str, str, str]]:
    """Owen drafts the summary, the administrator gives Rachel's request for it to Hannah: (event,
    recipient, audience) of the emails that queues."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    since = len(memory.store.state.outbox)
    reassign_request(
        Reassign(
            signoff_id=signoff_id,
            section="report-summary",
            from_person=RACHEL,
            to_person=HANNAH,
            admin=HANNAH,
        ),
        memory.deps,
    )
    return [
        (str(e.event), e.recipient_email, str(e.context["audience"]))
        for e in memory.store.state.outbox[since:]
    ]


def test_the_delegate_hears_when_the_request_they_were_asked_to_approve_is_reassigned(
    memory: InMemoryApp,
) -> None:
    """Rachel is away and John decides for her; the administrator gives her approval to Hannah. John, who
    was asked to approve it for Rachel, is told it is no longer hers (nor his for her)."""
    delegate(memory, RACHEL, JOHN, days=20)
    told = [email for email in rachels_summary_given_to_hannah(memory) if email[0] == "approval_reassigned"]
    assert told == [("approval_reassigned", RACHEL, "approver"), ("approval_reassigned", JOHN, "delegate")]


def test_a_delegate_given_the_request_itself_or_never_asked_for_it_is_not_told_it_is_gone(
    memory: InMemoryApp,
) -> None:
    """Rachel is away, and both Hannah and Owen decide for her. Owen wrote the text, so was never asked to
    approve it for her; the administrator then gives Rachel's request to Hannah herself, who is asked for it
    in her own right. Neither is told it is no longer Rachel's to approve."""
    delegate(memory, RACHEL, HANNAH, days=20)
    delegate(memory, RACHEL, OWEN, days=20)
    told = [(event, to) for event, to, _ in rachels_summary_given_to_hannah(memory)]
    assert ("approval_reassigned", RACHEL) in told
    assert ("approval_requested", HANNAH) in told
    assert ("approval_reassigned", HANNAH) not in told
    assert ("approval_reassigned", OWEN) not in told


def test_a_delegate_taking_over_after_the_reminder_is_reminded_at_the_next_sweep(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    assert ("reminder", RACHEL, "holder") in sweep_on(memory, signoff_id, 0)
    # Later that morning Rachel is called away: John decides for her from now.
    delegate(memory, RACHEL, JOHN, days=7)
    memory.clock.advance(timedelta(minutes=15))
    start = len(memory.store.state.outbox)
    send_due_notices(memory.deps)
    assert deadline_emails_from(memory, start) == [("reminder", JOHN, "delegate")]


def test_cover_arranged_ahead_reminds_its_delegate_at_the_first_sweep_after_it_starts(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    due_on = signoff_detail(signoff_id, memory.deps).stages[0].due_on
    # Arranged now, for leave from the due day's first moment; Rachel is reminded the day before, alone.
    delegate(memory, RACHEL, JOHN, days=7, starts_at=datetime.combine(due_on, time(0), tzinfo=LOCAL_TIME))
    assert sweep_on(memory, signoff_id, -1) == [("reminder", RACHEL, "holder")]
    assert sweep_on(memory, signoff_id, 0) == [("reminder", JOHN, "delegate")]


def test_a_delegate_whose_own_step_is_still_to_come_is_not_asked_to_approve_the_earlier_step_for_someone(
    memory: InMemoryApp,
) -> None:
    # 'report-summary' goes to Rachel, then John. Rachel is away and John covers for her: had he approved
    # her step for her, his one approval of the round would be spent, and his own step could never pass.
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, JOHN, days=120)
    start = len(memory.store.state.outbox)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    assert deadline_emails_from(memory, start) == [("approval_requested", RACHEL, "approver")]
    memory.refused(
        lambda: approve(memory, signoff_id, "report-summary", JOHN),
        NotPermitted,
        "approves section 'report-summary' in their own right at step 2",
        "an administrator can reassign",
    )
    # The way on: an administrator gives Rachel's step to Hannah; then John approves his own.
    reassign_request(
        Reassign(
            signoff_id=signoff_id,
            section="report-summary",
            from_person=RACHEL,
            to_person=HANNAH,
            admin=HANNAH,
        ),
        memory.deps,
    )
    approve(memory, signoff_id, "report-summary", HANNAH)
    assert approve(memory, signoff_id, "report-summary", JOHN).section_state == "approved"


def test_a_drafter_may_not_approve_for_someone_after_a_co_drafter_edits_their_text(
    memory: InMemoryApp,
) -> None:
    # Owen and Zoe both draft the summary; Rachel, who approves it, is away and Owen covers for her. Zoe's
    # one comma leaves Owen's words in the text: it is still his own, and he approves none of it.
    load_with_zoe(memory, "cheshire-pcc", ["policy_officer"])
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, OWEN, days=120)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary")
    draft(memory, signoff_id, "report-summary", ZOE, "Summary,")
    memory.refused(
        lambda: approve(memory, signoff_id, "report-summary", OWEN),
        NotPermitted,
        "nobody may approve their own text: revision 1 is theirs",
    )
    # Nor is it on his list of tasks, as a decision he could give for Rachel.
    assert [(t.section_key, t.kind) for t in my_tasks(OWEN, memory.deps)] == []
    assert approve(memory, signoff_id, "report-summary", RACHEL).section_state == "approved"


def test_the_delegate_asked_to_approve_for_someone_is_told_when_the_sign_off_is_withdrawn(
    memory: InMemoryApp,
) -> None:
    # Zoe, of the office and in no part of the sign-off, decides for Rachel while she is away.
    load_with_zoe(memory, "cheshire-pcc", [])
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, ZOE, days=120)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    start = len(memory.store.state.outbox)
    withdraw_signoff(
        WithdrawSignoff(signoff_id=signoff_id, reason="Not ours to answer", admin=HANNAH), memory.deps
    )
    withdrawn = [e for e in memory.store.state.outbox[start:] if str(e.event) == "withdrawn"]
    assert (RACHEL, "participants") in {(e.recipient_email, str(e.context["audience"])) for e in withdrawn}
    [to_zoe] = [e for e in withdrawn if e.recipient_email == ZOE]
    assert to_zoe.context["audience"] == "delegate"
    assert "you decide for an approver of" in str(to_zoe.context["why"])


def rachel_then_any_commissioner(memory: InMemoryApp) -> int:
    """The summary approved by Rachel, then by any one of the commissioners (John, and Zoe beside him)."""
    data: dict[str, Any] = stricter_pipeline().model_dump(mode="json", exclude_none=True)
    data["stages"][0]["sections"][0]["approval"] = {
        "approvers": [{"role": "chief_executive", "of": "pcc"}, {"role": "commissioner", "of": "pcc"}],
        "order": "sequence",
        "require": "any",
    }
    chosen = Pipeline.model_validate(data)
    memory.deps = replace(memory.deps, load_pipeline=lambda: chosen)
    load_with_zoe(memory, "cheshire-pcc", ["commissioner"])
    return start_reference(memory)


def test_a_delegate_whose_own_later_step_others_can_pass_approves_the_earlier_step_for_the_person_away(
    memory: InMemoryApp,
) -> None:
    signoff_id = rachel_then_any_commissioner(memory)
    delegate(memory, RACHEL, JOHN, days=120)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    # John's own step needs any one of John and Zoe: Zoe can pass it, so John may approve Rachel's.
    assert approve(memory, signoff_id, "report-summary", JOHN).on_behalf_of is not None
    memory.refused(
        lambda: approve(memory, signoff_id, "report-summary", JOHN),
        NotPermitted,
        "one person's approval cannot fill two places",
    )
    assert approve(memory, signoff_id, "report-summary", ZOE).section_state == "approved"


def test_a_delegate_whose_own_step_needs_them_may_still_ask_for_changes_for_the_person_away(
    memory: InMemoryApp,
) -> None:
    memory.deps = replace(memory.deps, load_pipeline=stricter_pipeline)
    signoff_id = start_reference(memory)
    delegate(memory, RACHEL, JOHN, days=120)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    decided = request_changes(memory, signoff_id, "report-summary", JOHN, "Say when the unit was set up.")
    assert decided.on_behalf_of is not None
