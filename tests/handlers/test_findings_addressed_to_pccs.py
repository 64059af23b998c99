"""A recommendation addressed to police and crime commissioners is the office's own to answer: with the
shipped pipeline its section is in the commissioner's response stage, drafted by the office's policy
officer and approved by the commissioner; the force's liaison is never asked to draft it, and nobody of the
force may draft or approve it. A finding addressed to the force and to PCCs stays with the force."""

from __future__ import annotations

from datetime import timedelta

from signoff.domain.errors import NotPermitted
from signoff.domain.inspection import Finding, FindingKind
from signoff.service.commands import DelegateApprovals, Reassign, StartSignoff
from signoff.service.handlers.administer import reassign_request
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.my_tasks import my_tasks
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import ANDREW, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, reference_inspection

OFFICES_OWN = "finding-r-7"  # addressed to PCCs alone
SHARED = "finding-r-8"  # addressed to Cheshire's force and to PCCs: the force answers it


def start_with_findings_to_pccs(memory: InMemoryApp) -> int:
    reference = reference_inspection()
    findings = [
        *reference.findings,
        Finding(
            ref="R-7",
            kind=FindingKind.RECOMMENDATION,
            label="Recommendation 7",
            text="Police and crime commissioners should make sure the victim services they commission "
            "support victims of organised exploitation.",
            addressee="Police and crime commissioners",
            addressed_to=["pccs"],
        ),
        Finding(
            ref="R-8",
            kind=FindingKind.RECOMMENDATION,
            label="Recommendation 8",
            text="Cheshire Constabulary and its commissioner should agree how the ROCU's results are reported.",
            addressed_to=["cheshire-constabulary", "pccs"],
        ),
    ]
    inspection = reference.model_copy(update={"findings": findings})
    [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), memory.deps)
    return signoff_id


def tasks(memory: InMemoryApp, person: str) -> set[tuple[str, str]]:
    return {(task.section_key, task.kind) for task in my_tasks(person, memory.deps)}


def test_the_policy_officer_drafts_the_offices_answer_and_the_force_liaison_never_does(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_with_findings_to_pccs(memory)
    plan = signoff_detail(signoff_id, memory.deps)
    stage_of = {section.key: stage.key for stage in plan.stages for section in stage.sections}
    assert stage_of[OFFICES_OWN] == "commissioner_response"
    assert stage_of[SHARED] == "constabulary_response"

    draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    # The force's stage: its liaison drafts its own findings, R-8 among them, and never R-7.
    assert tasks(memory, PRIYA) == {
        ("finding-afi-1", "draft"),
        (SHARED, "draft"),
        ("constabulary-response", "draft"),
    }
    for key in ("finding-afi-1", SHARED, "constabulary-response"):
        draft(memory, signoff_id, key, PRIYA, f"The force's action on {key}.")
    approve(memory, signoff_id, "finding-afi-1", DANIEL)
    approve(memory, signoff_id, SHARED, DANIEL)
    approve(memory, signoff_id, "constabulary-response", ANDREW)
    assert signoff_detail(signoff_id, memory.deps).current_stage == "commissioner_response"

    # The commissioner's stage: the policy officer is asked to draft the office's answer to R-7.
    assert tasks(memory, OWEN) == {(OFFICES_OWN, "draft"), ("commissioner-response", "draft")}
    assert tasks(memory, PRIYA) == set()
    memory.refused(
        lambda: draft(memory, signoff_id, OFFICES_OWN, PRIYA, "The force will see to it."),
        NotPermitted,
        "only the section's drafters",
    )
    draft(memory, signoff_id, OFFICES_OWN, OWEN, "The commissioner will recommission the service.")
    assert tasks(memory, JOHN) == {(OFFICES_OWN, "approve")}
    for someone_of_the_force in (PRIYA, DANIEL, ANDREW):

        def approve_as_them(who: str = someone_of_the_force) -> object:
            return approve(memory, signoff_id, OFFICES_OWN, who)

        memory.refused(approve_as_them, NotPermitted, "not an approver")
        assert tasks(memory, someone_of_the_force) == set()
    assert approve(memory, signoff_id, OFFICES_OWN, JOHN).section_state == "approved"


def test_while_the_commissioner_is_away_his_office_answers_for_him_and_the_force_never_does(
    memory: InMemoryApp,
) -> None:
    """Delegation and reassignment on the office's own answer: the commissioner's chief executive decides
    on it for him while he is away (the decision says on whose behalf); a delegation to the force's chief
    constable, or the administrator's reassigning his place to him, is refused and changes nothing."""
    signoff_id = start_with_findings_to_pccs(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    for key in ("finding-afi-1", SHARED, "constabulary-response"):
        draft(memory, signoff_id, key, PRIYA, f"The force's action on {key}.")
    for key, lead in (("finding-afi-1", DANIEL), (SHARED, DANIEL), ("constabulary-response", ANDREW)):
        approve(memory, signoff_id, key, lead)
    draft(memory, signoff_id, OFFICES_OWN, OWEN, "The commissioner will recommission the service.")

    now = memory.clock.now()
    away = DelegateApprovals(
        from_person=JOHN,
        to_person=RACHEL,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        reason="Annual leave",
        by=HANNAH,
    )
    to_the_force = away.model_copy(update={"to_person": ANDREW})
    memory.refused(lambda: delegate_approvals(to_the_force, memory.deps), NotPermitted, ANDREW)
    his_place_to_the_force = Reassign(
        signoff_id=signoff_id, section=OFFICES_OWN, from_person=JOHN, to_person=ANDREW, admin=HANNAH
    )
    memory.refused(
        lambda: reassign_request(his_place_to_the_force, memory.deps), NotPermitted, "Cheshire Constabulary"
    )
    memory.refused(lambda: approve(memory, signoff_id, OFFICES_OWN, ANDREW), NotPermitted)

    delegate_approvals(away, memory.deps)
    decided = approve(memory, signoff_id, OFFICES_OWN, RACHEL)
    assert decided.section_state == "approved"
    assert decided.on_behalf_of is not None
    assert JOHN in decided.on_behalf_of
