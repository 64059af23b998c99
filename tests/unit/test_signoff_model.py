"""The sign-off aggregate, driven by hand with an explicit `now`: who may do what, and what follows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from signoff.domain.audit import chain_problems
from signoff.domain.deadlines import england_and_wales, statutory_deadline
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import AlreadyDecided, InvalidInput, InvalidTransition, NotFound, NotPermitted
from signoff.domain.inspection import Inspection
from signoff.domain.model import Delegation, Outcome, Section, SignOff
from signoff.domain.pipeline import Pipeline
from signoff.domain.transitions import RequestState, SectionState, SignoffState, StageState

CALENDAR = england_and_wales()
PCC = "test-pcc"
FORCE = "test-force"
# The reference report came out on Friday 10 November 2023; the sign-off starts that morning.
NOW = datetime(2023, 11, 10, 9, 30, tzinfo=UTC)


def _person(person_id: int, name: str, organisation: str, *roles: str) -> Participant:
    return Participant(
        id=person_id,
        email=f"{name}@{organisation}.example.org",
        name=name.title(),
        organisation=organisation,
        roles=frozenset(roles),
    )


OWEN = _person(1, "owen", PCC, "policy_officer")
NINA = _person(2, "nina", PCC, "policy_officer")
RACHEL = _person(3, "rachel", PCC, "chief_executive")
JOHN = _person(4, "john", PCC, "commissioner")
HANNAH = _person(5, "hannah", PCC, "pcc_admin")
VICTOR = _person(6, "victor", PCC, "viewer")
PRIYA = _person(7, "priya", FORCE, "force_liaison")
DANIEL = _person(8, "daniel", FORCE, "strategic_lead")
CLAIRE = _person(9, "claire", FORCE, "strategic_lead")
ANDREW = _person(10, "andrew", FORCE, "chief_constable")
SARAH = _person(11, "sarah", FORCE, "deputy_chief_constable")
FIONA = _person(12, "fiona", "other-pcc", "pcc_admin")
ROSTER = Roster((OWEN, NINA, RACHEL, JOHN, HANNAH, VICTOR, PRIYA, DANIEL, CLAIRE, ANDREW, SARAH, FIONA))


# ----- building blocks -----


def sel(who: Participant) -> dict[str, Any]:
    return {"person": who.email}


def section(
    key: str,
    drafter: Participant | dict[str, Any],
    approvers: list[Participant | dict[str, Any]],
    *,
    require: str | int = "all",
    order: str = "parallel",
    after_others: bool = False,
) -> dict[str, Any]:
    return {
        "key": key,
        "title": key.replace("-", " ").capitalize(),
        "drafter": sel(drafter) if isinstance(drafter, Participant) else drafter,
        "approval": {
            "approvers": [sel(a) if isinstance(a, Participant) else a for a in approvers],
            "require": require,
            "order": order,
        },
        "approve_after_others": after_others,
    }


# A pipeline answering findings per finding for the force answers those addressed to PCCs alone too.
OFFICE_PER_FINDING: dict[str, Any] = {
    "per_finding": ["cause_of_concern", "recommendation", "area_for_improvement"],
    "addressed_to": "pccs",
    "drafter": {"role": "policy_officer", "of": "pcc"},
    "approval": {"approvers": [{"role": "commissioner", "of": "pcc"}]},
}


def pipeline(*stages: list[dict[str, Any]]) -> Pipeline:
    """Approval stages named stage_1, stage_2, ... (due 24 Nov, 1 Dec, 8 Dec 2023), then publication."""
    specs: list[dict[str, Any]] = []
    for number, sections in enumerate(stages, start=1):
        due = {"after_start_working_days": 10} if number == 1 else {"after_previous_working_days": 5}
        specs.append({"key": f"stage_{number}", "title": f"Stage {number}", "due": due, "sections": sections})
    specs.append(
        {
            "key": "publication",
            "title": "Publication",
            "kind": "publication",
            "due": {"before_statutory_working_days": 0},
        }
    )
    return Pipeline.model_validate({"stages": specs})


def inspection(findings: list[dict[str, Any]] | None = None) -> Inspection:
    return Inspection.model_validate(
        {
            "title": "An inspection of the test force",
            "published": "2023-11-10",
            "type": "peel",
            "report_url": "https://hmicfrs.example.org/report",
            "forces_covered": [FORCE],
            "force_specific": {"answer": "yes"},
            "force_quoted": "n/a",
            "recommendations": {"national": False, "local": True},
            "findings": findings or [],
            "respond_for": [PCC],
        }
    )


def start(plan: Pipeline, report: Inspection | None = None) -> SignOff:
    report = report or inspection()
    return SignOff.start(
        inspection=report,
        pcc=PCC,
        force=FORCE,
        pipeline=plan,
        roster=ROSTER,
        calendar=CALENDAR,
        deadline=statutory_deadline(report.published, CALENDAR),
        started_by_id=OWEN.id,
        now=NOW,
    )


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def approve(
    signoff: SignOff, key: str, who: Participant, when: datetime, delegations: list[Delegation] | None = None
) -> None:
    signoff.decide(key, who.id, Outcome.APPROVE, "", when, delegations or [], ROSTER)


def request_changes(signoff: SignOff, key: str, who: Participant, comment: str, when: datetime) -> None:
    signoff.decide(key, who.id, Outcome.REQUEST_CHANGES, comment, when, [], ROSTER)


def states(part: Section) -> list[tuple[int, str]]:
    """(approver, request state) for the section's current round."""
    return [(r.approver_id, r.state.value) for r in part.current_requests()]


def sec(signoff: SignOff, key: str) -> Section:
    return signoff.section(key)[1]


def actions(signoff: SignOff) -> list[str]:
    return [event.action for event in signoff.new_audit_events]


def chain_ok(signoff: SignOff) -> bool:
    problems = chain_problems(
        signoff.audit_identity, signoff.new_audit_events, signoff.audit_head, signoff.audit_count
    )
    return problems == []


def delegation(
    from_person: Participant,
    to_person: Participant,
    starts_at: datetime,
    ends_at: datetime,
) -> Delegation:
    return Delegation(
        from_person_id=from_person.id,
        to_person_id=to_person.id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason="annual leave",
        created_by_id=HANNAH.id,
        created_at=NOW - timedelta(days=2),
    )


SUMMARY_ONLY = [section("summary", OWEN, [RACHEL])]
TWO_STAGES = (SUMMARY_ONLY, [section("commissioner", OWEN, [JOHN])])


# ----- starting -----


def test_start_opens_the_first_stage_for_its_drafter() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    assert signoff.state is SignoffState.ACTIVE
    assert signoff.statutory_last_day == date(2024, 1, 4)
    assert signoff.publish_by == date(2024, 1, 4)
    assert [(s.key, s.state) for s in signoff.ordered_stages()] == [
        ("stage_1", StageState.OPEN),
        ("stage_2", StageState.PENDING),
        ("publication", StageState.PENDING),
    ]
    assert signoff.current_stage() is signoff.stage("stage_1")
    summary = sec(signoff, "summary")
    assert summary.state is SectionState.DRAFTING
    assert summary.holder_ids() == [OWEN.id]
    assert sec(signoff, "commissioner").state is SectionState.PENDING
    assert [(h.person_id, h.kind, h.section.key) for h in signoff.holdings()] == [
        (OWEN.id, "draft", "summary")
    ]
    assert actions(signoff) == ["signoff_started", "stage_opened"]
    assert chain_ok(signoff)


def test_a_sign_off_not_yet_stored_has_no_id_but_still_answers() -> None:
    # The domain works without a database: before it is saved a sign-off has no id, and reading
    # what it waits for, or naming a stage it lacks, must not depend on one.
    signoff = start(pipeline(SUMMARY_ONLY))
    assert signoff.id is None
    assert [h.signoff_id for h in signoff.holdings()] == [None]
    with pytest.raises(NotFound, match="no stage 'nonsense'"):
        signoff.stage("nonsense")


def test_start_plans_due_dates_in_working_days_at_five_in_the_afternoon() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    stage_1 = signoff.stage("stage_1")
    assert stage_1.due_on == date(2023, 11, 24)
    assert stage_1.due_at == datetime(2023, 11, 24, 17, 0, tzinfo=UTC)
    assert stage_1.remind_at == datetime(2023, 11, 22, 9, 0, tzinfo=UTC)
    assert stage_1.escalate_at == datetime(2023, 11, 27, 9, 0, tzinfo=UTC)
    assert signoff.stage("stage_2").due_on == date(2023, 12, 1)
    assert signoff.stage("publication").due_on == date(2024, 1, 4)


def test_start_refuses_a_role_nobody_holds() -> None:
    plan = pipeline([section("summary", OWEN, [{"role": "deputy_commissioner", "of": "pcc"}])])
    with pytest.raises(InvalidInput, match="deputy_commissioner"):
        start(plan)


def test_start_refuses_a_quorum_larger_than_the_approvers() -> None:
    plan = pipeline([section("summary", OWEN, [RACHEL, JOHN], require=3)])
    with pytest.raises(InvalidInput, match="needs 3 approvals but only 2"):
        start(plan)


def test_sections_made_per_finding_are_approved_by_the_finding_lead() -> None:
    plan = pipeline(
        [
            {
                "per_finding": ["recommendation", "area_for_improvement"],
                "drafter": {"role": "force_liaison", "of": "force"},
                "approval": {"approvers": [{"finding_lead": True}], "require": "any"},
            }
        ],
        [OFFICE_PER_FINDING],
    )
    report = inspection(
        [
            {
                "ref": "AFI-1",
                "kind": "area_for_improvement",
                "text": "Improve 4P plans.",
                "lead": DANIEL.email,
            },
            {"ref": "R-1", "kind": "recommendation", "text": "Answer calls faster."},
        ]
    )
    signoff = start(plan, report)
    afi, rec = signoff.stage("stage_1").ordered_sections()
    assert (afi.key, afi.title, afi.finding_ref) == ("finding-afi-1", "Area for improvement AFI-1", "AFI-1")
    assert (rec.key, rec.title) == ("finding-r-1", "Recommendation R-1")
    assert afi.drafter_ids == [PRIYA.id]
    signoff.submit_revision("finding-afi-1", PRIYA.id, "New 4P plan template.", at(1))
    signoff.submit_revision("finding-r-1", PRIYA.id, "More call handlers.", at(1))
    assert states(afi) == [(DANIEL.id, "pending")]
    # No lead allocated yet: any strategic lead of the force may approve.
    assert states(rec) == [(DANIEL.id, "pending"), (CLAIRE.id, "pending")]


# ----- drafting and approving -----


def test_submitting_asks_the_approver_and_approval_moves_to_the_next_stage() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    revision = signoff.submit_revision("summary", OWEN.id, "The force was inspected.", at(1))
    summary = sec(signoff, "summary")
    assert revision.number == 1
    assert summary.state is SectionState.IN_APPROVAL
    assert states(summary) == [(RACHEL.id, "pending")]
    assert summary.current_requests()[0].revision_hash == revision.content_hash
    assert summary.holder_ids() == [RACHEL.id]
    [holding] = signoff.holdings()
    assert (holding.person_id, holding.kind, holding.due_at) == (
        RACHEL.id,
        "approve",
        datetime(2023, 11, 24, 17, 0, tzinfo=UTC),
    )

    approve(signoff, "summary", RACHEL, at(2))
    assert summary.state is SectionState.APPROVED
    assert states(summary) == [(RACHEL.id, "approved")]
    assert signoff.stage("stage_1").state is StageState.COMPLETE
    assert signoff.stage("stage_2").state is StageState.OPEN
    assert sec(signoff, "commissioner").state is SectionState.DRAFTING
    assert signoff.state is SignoffState.ACTIVE

    signoff.submit_revision("commissioner", OWEN.id, "I welcome the report.", at(3))
    approve(signoff, "commissioner", JOHN, at(4))
    assert signoff.stage("stage_2").state is StageState.COMPLETE
    assert signoff.stage("publication").state is StageState.OPEN
    assert signoff.state is SignoffState.READY_TO_PUBLISH
    assert signoff.holdings() == []
    assert actions(signoff)[-3:] == ["stage_completed", "stage_opened", "ready_to_publish"]
    assert chain_ok(signoff)

    with pytest.raises(InvalidTransition, match="ready to publish"):
        signoff.submit_revision("commissioner", OWEN.id, "A late change.", at(5))


def test_only_the_drafter_of_an_open_stage_may_submit_non_empty_new_text() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    with pytest.raises(NotPermitted, match="drafters"):
        signoff.submit_revision("summary", RACHEL.id, "Rachel's text.", at(1))
    with pytest.raises(InvalidInput, match="empty"):
        signoff.submit_revision("summary", OWEN.id, "   \n ", at(1))
    with pytest.raises(InvalidTransition, match="stage_2"):
        signoff.submit_revision("commissioner", OWEN.id, "Too early.", at(1))
    with pytest.raises(NotFound, match="no section 'nonsense'"):
        signoff.submit_revision("nonsense", OWEN.id, "Text.", at(1))
    signoff.submit_revision("summary", OWEN.id, "The text.", at(1))
    with pytest.raises(InvalidInput, match="same as revision 1"):
        signoff.submit_revision("summary", OWEN.id, "  The text.  ", at(2))
    assert [r.number for r in sec(signoff, "summary").revisions] == [1]


def test_request_changes_needs_a_comment_and_resubmitting_starts_round_two() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    signoff.submit_revision("summary", OWEN.id, "First draft.", at(1))
    summary = sec(signoff, "summary")
    events_before = signoff.audit_count

    with pytest.raises(InvalidInput, match="comment"):
        request_changes(signoff, "summary", RACHEL, "   ", at(2))
    assert summary.state is SectionState.IN_APPROVAL
    assert states(summary) == [(RACHEL.id, "pending")]
    assert signoff.audit_count == events_before

    request_changes(signoff, "summary", RACHEL, "Say how the force was graded.", at(2))
    assert summary.state is SectionState.CHANGES_REQUESTED
    assert states(summary) == [(RACHEL.id, "changes_requested")]
    first = summary.current_requests()[0]
    assert first.decision is not None
    assert first.decision.comment == "Say how the force was graded."
    assert summary.holder_ids() == [OWEN.id]
    assert [(h.person_id, h.kind) for h in signoff.holdings()] == [(OWEN.id, "draft")]

    revision = signoff.submit_revision("summary", OWEN.id, "First draft.\n\nGraded adequate.", at(3))
    assert revision.number == 2
    assert summary.round == 2
    assert summary.state is SectionState.IN_APPROVAL
    assert states(summary) == [(RACHEL.id, "pending")]
    assert first.state is RequestState.CHANGES_REQUESTED
    assert chain_ok(signoff)


def test_a_new_revision_during_approval_supersedes_the_pending_request() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    signoff.submit_revision("summary", OWEN.id, "First draft.", at(1))
    summary = sec(signoff, "summary")
    [first] = summary.current_requests()
    signoff.submit_revision("summary", OWEN.id, "Second draft.", at(2))
    assert first.state is RequestState.SUPERSEDED
    assert summary.round == 2
    assert states(summary) == [(RACHEL.id, "pending")]
    # Never approved, so nothing to compare against.
    assert summary.current_requests()[0].previously_approved_hash is None


def test_editing_approved_text_invalidates_the_approval_and_shows_what_changed() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL]), section("context", OWEN, [JOHN])]))
    first = signoff.submit_revision("summary", OWEN.id, "Line one.\nLine two.\nLine three.", at(1))
    approve(signoff, "summary", RACHEL, at(2))
    summary = sec(signoff, "summary")
    assert summary.state is SectionState.APPROVED
    assert signoff.stage("stage_1").state is StageState.OPEN  # the context section is still drafting
    [approved] = summary.current_requests()

    second = signoff.submit_revision("summary", OWEN.id, "Line one.\nLine two, amended.\nLine three.", at(3))
    assert summary.state is SectionState.IN_APPROVAL
    assert approved.state is RequestState.INVALIDATED
    [again] = summary.current_requests()
    assert again.state is RequestState.PENDING
    assert again.approver_id == RACHEL.id
    assert again.revision_hash == second.content_hash
    assert again.previously_approved_hash == first.content_hash
    diff = summary.diff_since(again.previously_approved_hash)
    assert not [line for line in diff if line.startswith(("---", "+++", "@@"))]
    assert "-Line two." in diff
    assert "+Line two, amended." in diff
    assert " Line one." in diff
    assert summary.diff_since(second.content_hash) == []
    invalidated = [e for e in signoff.new_audit_events if e.action == "approval_invalidated"]
    assert [(e.details["approver_id"], e.revision_hash) for e in invalidated] == [
        (RACHEL.id, first.content_hash)
    ]
    assert chain_ok(signoff)


# ----- nobody approves their own text -----


def test_an_author_who_is_also_an_approver_cannot_approve_their_own_text() -> None:
    drafters = {"role": "policy_officer", "of": "pcc"}
    signoff = start(pipeline([section("summary", drafters, [OWEN, RACHEL], require="any")]))
    signoff.submit_revision("summary", OWEN.id, "Owen's text.", at(1))
    summary = sec(signoff, "summary")
    # The author is left out of the round.
    assert states(summary) == [(RACHEL.id, "pending")]
    with pytest.raises(NotPermitted):
        approve(signoff, "summary", OWEN, at(2))
    assert states(summary) == [(RACHEL.id, "pending")]


def test_the_author_cannot_approve_through_a_delegation() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Owen's text.", at(1))
    cover = delegation(RACHEL, OWEN, NOW - timedelta(days=1), NOW + timedelta(days=7))
    with pytest.raises(NotPermitted, match="own text"):
        approve(signoff, "summary", OWEN, at(2), [cover])
    summary = sec(signoff, "summary")
    assert states(summary) == [(RACHEL.id, "pending")]
    assert summary.current_requests()[0].decision is None


@pytest.mark.parametrize(
    ("approvers", "require"),
    [([OWEN], "all"), ([OWEN, RACHEL], 2)],
    ids=["only-approver", "needed-for-quorum"],
)
def test_submitting_is_refused_when_the_author_is_needed_to_approve(
    approvers: list[Participant], require: str | int
) -> None:
    drafters = {"role": "policy_officer", "of": "pcc"}
    signoff = start(pipeline([section("summary", drafters, approvers, require=require)]))
    events_before = signoff.audit_count
    with pytest.raises(NotPermitted, match="own text"):
        signoff.submit_revision("summary", OWEN.id, "Owen's text.", at(1))
    summary = sec(signoff, "summary")
    assert summary.state is SectionState.DRAFTING
    assert summary.revisions == []
    assert signoff.audit_count == events_before
    # Another drafter may submit it, and then Owen may approve.
    signoff.submit_revision("summary", NINA.id, "Nina's text.", at(2))
    approve(signoff, "summary", OWEN, at(3))
    assert states(summary)[0] == (OWEN.id, "approved")


# ----- who may decide -----


def test_someone_who_is_not_an_approver_is_not_permitted() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    with pytest.raises(NotPermitted) as raised:
        approve(signoff, "summary", VICTOR, at(2))
    assert str(raised.value) == "Victor <victor@test-pcc.example.org> is not an approver of section 'summary'"
    assert states(sec(signoff, "summary")) == [(RACHEL.id, "pending")]


def test_a_second_decision_by_the_same_approver_is_already_decided() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL, JOHN])]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    approve(signoff, "summary", RACHEL, at(2))
    with pytest.raises(AlreadyDecided, match="already decided"):
        approve(signoff, "summary", RACHEL, at(3))
    with pytest.raises(AlreadyDecided):
        request_changes(signoff, "summary", RACHEL, "On reflection, no.", at(3))
    summary = sec(signoff, "summary")
    assert summary.state is SectionState.IN_APPROVAL
    assert states(summary) == [(RACHEL.id, "approved"), (JOHN.id, "pending")]


def test_deciding_on_an_approved_section_is_already_decided() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL]), section("context", OWEN, [JOHN])]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    approve(signoff, "summary", RACHEL, at(2))
    with pytest.raises(AlreadyDecided):
        approve(signoff, "summary", RACHEL, at(3))


def test_deciding_before_anything_is_submitted_is_an_invalid_transition() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    with pytest.raises(InvalidTransition, match="drafting"):
        approve(signoff, "summary", RACHEL, at(1))


# ----- quorum -----


def test_require_all_needs_every_approver() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL, JOHN], require="all")]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    summary = sec(signoff, "summary")
    assert states(summary) == [(RACHEL.id, "pending"), (JOHN.id, "pending")]
    approve(signoff, "summary", RACHEL, at(2))
    assert summary.state is SectionState.IN_APPROVAL
    assert summary.holder_ids() == [JOHN.id]
    approve(signoff, "summary", JOHN, at(3))
    assert summary.state is SectionState.APPROVED
    assert states(summary) == [(RACHEL.id, "approved"), (JOHN.id, "approved")]


def test_require_any_needs_one_and_cancels_the_rest() -> None:
    signoff = start(
        pipeline(
            [section("summary", OWEN, [RACHEL, JOHN], require="any")],
            [section("commissioner", OWEN, [JOHN])],
        )
    )
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    approve(signoff, "summary", JOHN, at(2))
    summary = sec(signoff, "summary")
    assert summary.state is SectionState.APPROVED
    assert states(summary) == [(RACHEL.id, "cancelled"), (JOHN.id, "approved")]
    assert signoff.stage("stage_2").state is StageState.OPEN
    # Rachel's request was cancelled, not left for her to answer.
    with pytest.raises(AlreadyDecided):
        approve(signoff, "summary", RACHEL, at(3))


def test_require_any_one_request_for_changes_sends_the_section_back() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL, JOHN], require="any")]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    request_changes(signoff, "summary", RACHEL, "Shorter, please.", at(2))
    summary = sec(signoff, "summary")
    assert summary.state is SectionState.CHANGES_REQUESTED
    assert states(summary) == [(RACHEL.id, "changes_requested"), (JOHN.id, "superseded")]


def test_two_of_three_approvals_suffice() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL, JOHN, HANNAH], require=2)]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    summary = sec(signoff, "summary")
    approve(signoff, "summary", RACHEL, at(2))
    assert summary.state is SectionState.IN_APPROVAL
    assert states(summary) == [(RACHEL.id, "approved"), (JOHN.id, "pending"), (HANNAH.id, "pending")]
    approve(signoff, "summary", HANNAH, at(3))
    assert summary.state is SectionState.APPROVED
    assert states(summary) == [(RACHEL.id, "approved"), (JOHN.id, "cancelled"), (HANNAH.id, "approved")]


def test_sequence_asks_the_second_approver_only_after_the_first() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL, JOHN], order="sequence")]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    summary = sec(signoff, "summary")
    assert states(summary) == [(RACHEL.id, "pending"), (JOHN.id, "waiting")]
    assert summary.holder_ids() == [RACHEL.id]
    with pytest.raises(InvalidTransition, match="not yet your turn"):
        approve(signoff, "summary", JOHN, at(2))
    assert states(summary) == [(RACHEL.id, "pending"), (JOHN.id, "waiting")]
    approve(signoff, "summary", RACHEL, at(3))
    assert summary.state is SectionState.IN_APPROVAL
    assert states(summary) == [(RACHEL.id, "approved"), (JOHN.id, "pending")]
    john_request = summary.current_requests()[1]
    assert john_request.activated_at == at(3)
    approve(signoff, "summary", JOHN, at(4))
    assert summary.state is SectionState.APPROVED


# ----- approved after the others -----

GATED_STAGE = [
    section("finding", PRIYA, [DANIEL]),
    section("chief", PRIYA, [ANDREW], after_others=True),
]


def test_approve_after_others_waits_until_the_other_sections_are_approved() -> None:
    signoff = start(pipeline(GATED_STAGE))
    signoff.submit_revision("chief", PRIYA.id, "The chief constable's comments.", at(1))
    chief = sec(signoff, "chief")
    assert chief.state is SectionState.IN_APPROVAL
    assert states(chief) == [(ANDREW.id, "waiting")]
    assert chief.holder_ids() == []
    with pytest.raises(InvalidTransition, match="after the other sections"):
        approve(signoff, "chief", ANDREW, at(2))

    signoff.submit_revision("finding", PRIYA.id, "The force's action.", at(3))
    assert states(chief) == [(ANDREW.id, "waiting")]
    approve(signoff, "finding", DANIEL, at(4))
    assert states(chief) == [(ANDREW.id, "pending")]
    assert signoff.stage("stage_1").state is StageState.OPEN
    approve(signoff, "chief", ANDREW, at(5))
    assert chief.state is SectionState.APPROVED
    assert signoff.stage("stage_1").state is StageState.COMPLETE
    assert chain_ok(signoff)


def test_editing_another_section_puts_the_gated_section_back_to_waiting() -> None:
    signoff = start(pipeline(GATED_STAGE))
    signoff.submit_revision("finding", PRIYA.id, "The force's action.", at(1))
    approve(signoff, "finding", DANIEL, at(2))
    signoff.submit_revision("chief", PRIYA.id, "The chief constable's comments.", at(3))
    chief = sec(signoff, "chief")
    [asked] = chief.current_requests()
    assert asked.state is RequestState.PENDING

    signoff.submit_revision("finding", PRIYA.id, "The force's action, revised.", at(4))
    assert asked.state is RequestState.SUPERSEDED
    assert states(chief) == [(ANDREW.id, "waiting")]
    assert "approval_restarted" in actions(signoff)
    approve(signoff, "finding", DANIEL, at(5))
    assert states(chief) == [(ANDREW.id, "pending")]


def test_editing_another_section_invalidates_an_approval_already_given_on_the_gated_section() -> None:
    signoff = start(
        pipeline(
            [
                section("finding", PRIYA, [DANIEL]),
                section("chief", PRIYA, [ANDREW, SARAH], require="all", after_others=True),
            ]
        )
    )
    signoff.submit_revision("finding", PRIYA.id, "The force's action.", at(1))
    approve(signoff, "finding", DANIEL, at(2))
    chief_text = signoff.submit_revision("chief", PRIYA.id, "The chief constable's comments.", at(3))
    approve(signoff, "chief", ANDREW, at(4))
    chief = sec(signoff, "chief")
    andrew_first, sarah_first = chief.current_requests()
    assert (andrew_first.state, sarah_first.state) == (RequestState.APPROVED, RequestState.PENDING)

    signoff.submit_revision("finding", PRIYA.id, "The force's action, revised.", at(5))
    assert andrew_first.state is RequestState.INVALIDATED
    assert sarah_first.state is RequestState.SUPERSEDED
    assert chief.state is SectionState.IN_APPROVAL
    assert states(chief) == [(ANDREW.id, "waiting"), (SARAH.id, "waiting")]

    approve(signoff, "finding", DANIEL, at(6))
    assert states(chief) == [(ANDREW.id, "pending"), (SARAH.id, "pending")]
    andrew_again = chief.current_requests()[0]
    # Andrew is asked again about the same text he approved: nothing in it changed.
    assert andrew_again.previously_approved_hash == chief_text.content_hash
    assert chief.diff_since(andrew_again.previously_approved_hash) == []
    approve(signoff, "chief", ANDREW, at(7))
    approve(signoff, "chief", SARAH, at(8))
    assert signoff.stage("stage_1").state is StageState.COMPLETE


# ----- delegation -----


def test_an_active_delegation_lets_the_delegate_approve_on_behalf() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    cover = delegation(RACHEL, JOHN, NOW - timedelta(days=1), NOW + timedelta(days=7))
    approve(signoff, "summary", JOHN, at(2), [cover])
    summary = sec(signoff, "summary")
    assert summary.state is SectionState.APPROVED
    [request] = summary.current_requests()
    assert request.approver_id == RACHEL.id
    assert request.decision is not None
    assert (request.decision.decided_by_id, request.decision.on_behalf_of_id) == (JOHN.id, RACHEL.id)
    [decided] = [e for e in signoff.new_audit_events if e.action == "decision"]
    assert (decided.actor_id, decided.on_behalf_of_id) == (JOHN.id, RACHEL.id)
    assert chain_ok(signoff)


def _revoked() -> Delegation:
    cover = delegation(RACHEL, JOHN, NOW - timedelta(days=1), NOW + timedelta(days=7))
    cover.revoked_at = NOW
    return cover


@pytest.mark.parametrize(
    "cover",
    [
        delegation(RACHEL, JOHN, NOW - timedelta(days=7), NOW + timedelta(hours=1)),
        delegation(RACHEL, JOHN, NOW + timedelta(days=1), NOW + timedelta(days=7)),
        _revoked(),
    ],
    ids=["expired", "not-yet-started", "revoked"],
)
def test_an_inactive_delegation_gives_no_right_to_approve(cover: Delegation) -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    with pytest.raises(NotPermitted):
        approve(signoff, "summary", JOHN, at(2), [cover])
    assert states(sec(signoff, "summary")) == [(RACHEL.id, "pending")]


def test_a_delegation_must_be_to_someone_else_and_end_after_it_starts() -> None:
    with pytest.raises(InvalidInput, match="themselves"):
        delegation(RACHEL, RACHEL, NOW, NOW + timedelta(days=1))
    with pytest.raises(InvalidInput, match="end after it starts"):
        delegation(RACHEL, JOHN, NOW, NOW)


# ----- administration: reassign -----


def test_an_admin_reassigns_a_pending_request() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    replacement = signoff.reassign("summary", RACHEL.id, JOHN, HANNAH.id, ROSTER, at(2))
    summary = sec(signoff, "summary")
    assert states(summary) == [(RACHEL.id, "reassigned"), (JOHN.id, "pending")]
    assert replacement.state is RequestState.PENDING
    assert summary.holder_ids() == [JOHN.id]
    with pytest.raises(NotPermitted, match="reassigned"):
        approve(signoff, "summary", RACHEL, at(3))
    approve(signoff, "summary", JOHN, at(3))
    assert summary.state is SectionState.APPROVED
    assert "request_reassigned" in actions(signoff)
    assert chain_ok(signoff)


@pytest.mark.parametrize(
    ("who", "told"),
    [(OWEN, "test-pcc"), (RACHEL, "test-pcc"), (FIONA, "its office")],
    ids=["drafter", "approver", "admin-of-another-pcc"],
)
def test_only_an_admin_of_the_pcc_office_may_reassign(who: Participant, told: str) -> None:
    # Another office's administrator is not told whose the sign-off is.
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    with pytest.raises(NotPermitted, match=f"not an administrator of {told}$"):
        signoff.reassign("summary", RACHEL.id, JOHN, who.id, ROSTER, at(2))
    assert states(sec(signoff, "summary")) == [(RACHEL.id, "pending")]


def test_reassign_refuses_the_author_and_someone_with_nothing_open() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    with pytest.raises(NotPermitted, match="wrote revision 1 of its text"):
        signoff.reassign("summary", RACHEL.id, OWEN, HANNAH.id, ROSTER, at(2))
    with pytest.raises(NotFound):
        signoff.reassign("summary", JOHN.id, VICTOR, HANNAH.id, ROSTER, at(2))
    assert states(sec(signoff, "summary")) == [(RACHEL.id, "pending")]


# ----- administration: extend -----


def test_extend_moves_the_stage_and_its_open_requests_later() -> None:
    signoff = start(pipeline([section("summary", OWEN, [RACHEL, JOHN], order="sequence")]))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    summary = sec(signoff, "summary")
    assert {r.due_at for r in summary.open_requests()} == {datetime(2023, 11, 24, 17, 0, tzinfo=UTC)}

    stage = signoff.extend("stage_1", date(2023, 12, 1), HANNAH.id, ROSTER, CALENDAR, at(2))
    assert stage.due_on == date(2023, 12, 1)
    assert stage.due_at == datetime(2023, 12, 1, 17, 0, tzinfo=UTC)
    assert stage.remind_at == datetime(2023, 11, 29, 9, 0, tzinfo=UTC)
    assert stage.escalate_at == datetime(2023, 12, 4, 9, 0, tzinfo=UTC)
    # Both the pending and the waiting request follow the stage.
    assert [(r.state.value, r.due_at) for r in summary.open_requests()] == [
        ("pending", stage.due_at),
        ("waiting", stage.due_at),
    ]
    assert signoff.statutory_last_day == date(2024, 1, 4)
    assert signoff.publish_by == date(2024, 1, 4)
    [extended] = [e for e in signoff.new_audit_events if e.action == "due_date_extended"]
    assert extended.details["previous"] == "2023-11-24"
    assert extended.details["new"] == "2023-12-01"
    assert extended.details["past_statutory"] is False


@pytest.mark.parametrize(
    ("new_due_on", "message"),
    [
        (date(2023, 11, 24), "not later"),
        (date(2023, 11, 23), "not later"),
        (date(2023, 12, 2), "Saturday 2 December 2023 is not a working day"),
        (date(2023, 12, 25), "not a working day"),
        (date(2024, 1, 5), "statutory last day, Thursday 4 January 2024"),
    ],
    ids=["same-day", "earlier", "saturday", "christmas-day", "past-statutory"],
)
def test_extend_refuses_a_date_that_is_not_a_later_working_day_within_the_statutory_period(
    new_due_on: date, message: str
) -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    events_before = signoff.audit_count
    with pytest.raises(InvalidInput, match=message):
        signoff.extend("stage_1", new_due_on, HANNAH.id, ROSTER, CALENDAR, at(2))
    assert signoff.stage("stage_1").due_on == date(2023, 11, 24)
    assert sec(signoff, "summary").open_requests()[0].due_at == datetime(2023, 11, 24, 17, 0, tzinfo=UTC)
    assert signoff.audit_count == events_before


def test_extend_past_the_statutory_day_only_when_confirmed_and_the_statutory_day_stays() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    stage = signoff.extend(
        "stage_1", date(2024, 1, 5), HANNAH.id, ROSTER, CALENDAR, at(1), allow_past_statutory=True
    )
    assert stage.due_on == date(2024, 1, 5)
    assert signoff.statutory_last_day == date(2024, 1, 4)
    assert signoff.publish_by == date(2024, 1, 4)
    assert signoff.new_audit_events[-1].details["past_statutory"] is True


def test_extend_is_for_admins_only() -> None:
    signoff = start(pipeline(SUMMARY_ONLY))
    with pytest.raises(NotPermitted):
        signoff.extend("stage_1", date(2023, 12, 1), RACHEL.id, ROSTER, CALENDAR, at(1))
    assert signoff.stage("stage_1").due_on == date(2023, 11, 24)


def test_a_completed_stage_cannot_be_extended() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    approve(signoff, "summary", RACHEL, at(2))
    with pytest.raises(InvalidTransition, match="complete"):
        signoff.extend("stage_1", date(2023, 12, 1), HANNAH.id, ROSTER, CALENDAR, at(3))


# ----- administration: withdraw -----


def test_withdraw_needs_a_reason_then_cancels_everything_open() -> None:
    signoff = start(
        pipeline(
            [section("summary", OWEN, [RACHEL, JOHN, CLAIRE], order="sequence")],
            [section("commissioner", OWEN, [JOHN])],
        )
    )
    signoff.submit_revision("summary", OWEN.id, "Text.", at(1))
    approve(signoff, "summary", RACHEL, at(2))
    summary = sec(signoff, "summary")
    requests = summary.current_requests()
    assert [r.state for r in requests] == [RequestState.APPROVED, RequestState.PENDING, RequestState.WAITING]

    with pytest.raises(InvalidInput, match="reason"):
        signoff.withdraw("   ", HANNAH.id, ROSTER, at(3))
    with pytest.raises(NotPermitted):
        signoff.withdraw("Not needed.", RACHEL.id, ROSTER, at(3))
    assert signoff.state is SignoffState.ACTIVE
    assert [r.state for r in requests] == [RequestState.APPROVED, RequestState.PENDING, RequestState.WAITING]

    signoff.withdraw("  HMICFRS withdrew the report. ", HANNAH.id, ROSTER, at(4))
    assert signoff.state is SignoffState.WITHDRAWN
    assert signoff.withdrawn_reason == "HMICFRS withdrew the report."
    # Open requests are cancelled; the approval already given stays on the record.
    assert [r.state for r in requests] == [
        RequestState.APPROVED,
        RequestState.CANCELLED,
        RequestState.CANCELLED,
    ]
    assert [r.closed_at for r in requests] == [at(2), at(4), at(4)]
    assert {s.state for s in signoff.stages} == {StageState.WITHDRAWN}
    assert {s.state for st in signoff.stages for s in st.sections} == {SectionState.WITHDRAWN}
    assert signoff.holdings() == []
    assert signoff.advance(at(5)) == []

    with pytest.raises(InvalidTransition, match="withdrawn"):
        signoff.submit_revision("summary", OWEN.id, "More text.", at(5))
    with pytest.raises(InvalidTransition, match="withdrawn"):
        approve(signoff, "summary", JOHN, at(5))
    with pytest.raises(InvalidTransition):
        signoff.withdraw("Again.", HANNAH.id, ROSTER, at(5))
    assert chain_ok(signoff)


# ----- advancing is idempotent -----


def test_advance_twice_does_nothing_the_second_time() -> None:
    signoff = start(pipeline(*TWO_STAGES))
    assert "stage_opened" in actions(signoff)
    count = signoff.audit_count
    assert signoff.advance(at(1)) == []
    assert signoff.advance(at(2)) == []
    assert signoff.audit_count == count

    signoff.submit_revision("summary", OWEN.id, "Text.", at(3))
    approve(signoff, "summary", RACHEL, at(4))
    count = signoff.audit_count
    assert signoff.advance(at(5)) == []
    assert signoff.audit_count == count
    assert [s.state for s in signoff.ordered_stages()] == [
        StageState.COMPLETE,
        StageState.OPEN,
        StageState.PENDING,
    ]


# ----- the audit chain -----


def _scenario() -> SignOff:
    signoff = start(pipeline(*TWO_STAGES))
    signoff.submit_revision("summary", OWEN.id, "First draft.", at(1))
    request_changes(signoff, "summary", RACHEL, "More detail.", at(2))
    signoff.submit_revision("summary", OWEN.id, "Second draft.", at(3))
    approve(signoff, "summary", RACHEL, at(4))
    signoff.extend("stage_2", date(2023, 12, 8), HANNAH.id, ROSTER, CALENDAR, at(5))
    signoff.submit_revision("commissioner", OWEN.id, "I welcome it.", at(6))
    return signoff


def test_the_audit_chain_of_a_scenario_verifies() -> None:
    signoff = _scenario()
    assert [e.seq for e in signoff.new_audit_events] == list(range(1, signoff.audit_count + 1))
    assert chain_ok(signoff)


def test_altering_any_event_breaks_the_chain() -> None:
    signoff = _scenario()
    events = signoff.new_audit_events
    assert len(events) > 10
    for event in events:
        original = event.details
        event.details = {**original, "comment": "nothing to see here"}
        problems = chain_problems(signoff.audit_identity, events, signoff.audit_head, signoff.audit_count)
        assert any(f"event {event.seq} " in p and "altered" in p for p in problems), event.action
        event.details = original
        assert chain_ok(signoff)


def test_altering_who_or_when_breaks_the_chain() -> None:
    signoff = _scenario()
    [decided] = [e for e in signoff.new_audit_events if e.action == "decision"][-1:]
    decided.actor_id = JOHN.id
    assert not chain_ok(signoff)
    decided.actor_id = RACHEL.id
    assert chain_ok(signoff)
    decided.at = decided.at - timedelta(days=1)
    assert not chain_ok(signoff)


def test_deleting_any_event_breaks_the_chain() -> None:
    signoff = _scenario()
    events = signoff.new_audit_events
    for index in range(len(events)):
        remaining = events[:index] + events[index + 1 :]
        problems = chain_problems(signoff.audit_identity, remaining, signoff.audit_head, signoff.audit_count)
        assert problems != [], index


def test_a_chain_does_not_verify_under_another_sign_off_identity() -> None:
    signoff = _scenario()
    problems = chain_problems(
        "other-pcc:" + signoff.inspection_key,
        signoff.new_audit_events,
        signoff.audit_head,
        signoff.audit_count,
    )
    assert problems != []
