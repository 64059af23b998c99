"""Planning a sign-off's sections by whom each finding is addressed to: the force answers what is addressed
to it, to all forces or to its region's unit; a finding addressed to PCCs alone is the office's own to
answer, drafted and approved in the office, and its force takes no part (DOMAIN.md, "Who answers what")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.domain.inspection import FindingKind, Inspection, InspectionType
from signoff.domain.model import Section, SignOff, approvers_of
from signoff.domain.pipeline import Pipeline
from signoff.domain.routing import route_for
from signoff.domain.transitions import SectionState
from signoff.settings import PROJECT_ROOT
from tests.support.app import pipeline as shipped_default
from tests.unit.test_signoff_model import (
    ANDREW,
    CLAIRE,
    DANIEL,
    FORCE,
    JOHN,
    NINA,
    OFFICE_PER_FINDING,
    OWEN,
    PCC,
    PRIYA,
    ROSTER,
    SARAH,
    approve,
    at,
    pipeline,
    start,
)

OTHER_FORCE = "other-force"
FORCE_PEOPLE = {PRIYA.id, DANIEL.id, CLAIRE.id, ANDREW.id, SARAH.id}
ANSWERED_KINDS = [k for k in FindingKind if not k.is_practice]


def shipped_thematic() -> Pipeline:
    from signoff.adapters.pipeline_files import load_pipelines

    return load_pipelines(PROJECT_ROOT / "config" / "pipeline.yaml").for_type(InspectionType.JOINT_THEMATIC)


def report(findings: list[dict[str, Any]], kind: str = "peel") -> Inspection:
    return Inspection.model_validate(
        {
            "title": "An inspection of two forces",
            "published": date(2023, 11, 10),
            "type": kind,
            "report_url": "https://hmicfrs.example.org/report",
            "forces_covered": [FORCE, OTHER_FORCE],
            "force_specific": {"answer": "yes"},
            "force_quoted": "n/a",
            "recommendations": {"national": True, "local": True},
            "findings": findings,
            "respond_for": [PCC],
        }
    )


def finding(ref: str, *addressed_to: str, kind: str = "recommendation") -> dict[str, Any]:
    return {"ref": ref, "kind": kind, "text": f"Finding {ref}.", "addressed_to": list(addressed_to)}


def sections_of(signoff: SignOff) -> dict[str, tuple[str, Section]]:
    """Each finding's section, with its stage's key, by the finding's ref."""
    return {
        section.finding_ref: (stage.key, section)
        for stage in signoff.ordered_stages()
        for section in stage.ordered_sections()
        if section.finding_ref
    }


def people(section: Section) -> set[int]:
    return set(section.drafter_ids) | approvers_of(section)


MIXED = report(
    [
        finding("R-1", FORCE),
        finding("R-2", "pccs"),
        finding("R-3", FORCE, "pccs"),
        finding("R-4", "all-forces", "pccs"),
        finding("R-5", "pccs", "home-office"),
        finding("AFI-1", "pccs", kind="area_for_improvement"),
        finding("R-6", OTHER_FORCE, "pccs"),  # the other force's commissioner's: not this office's
    ]
)


def test_routing_tells_the_offices_findings_from_the_forces() -> None:
    routing = route_for(MIXED, FORCE, ROSTER)
    assert [f.ref for f in routing.answered] == ["R-1", "R-2", "R-3", "R-4", "R-5", "AFI-1"]
    assert [f.ref for f in routing.by_office] == ["R-2", "R-5", "AFI-1"]
    assert [f.ref for f in routing.by_force] == ["R-1", "R-3", "R-4"]
    assert [f.ref for f in routing.unseen] == ["R-6"]


def test_with_the_shipped_pipeline_the_policy_officer_drafts_a_recommendation_to_pccs_in_the_commissioners_stage() -> (
    None
):
    signoff = start(shipped_default(), MIXED)
    by_ref = sections_of(signoff)
    for ref in ("R-2", "R-5", "AFI-1"):
        stage, section = by_ref[ref]
        assert stage == "commissioner_response", ref
        assert section.drafter_ids == [OWEN.id, NINA.id], ref
        assert approvers_of(section) == {JOHN.id}, ref
        assert not people(section) & FORCE_PEOPLE, ref
    # Addressed to the force (or all forces) as well, it stays the force's: its liaison drafts it and a
    # strategic lead approves it; the commissioner comments on it in their own response.
    for ref in ("R-1", "R-3", "R-4"):
        stage, section = by_ref[ref]
        assert stage == "constabulary_response", ref
        assert section.drafter_ids == [PRIYA.id], ref
        assert approvers_of(section) == {DANIEL.id, CLAIRE.id}, ref
    commissioner = signoff.stage("commissioner_response").ordered_sections()
    assert [s.key for s in commissioner] == [
        "finding-r-2",
        "finding-r-5",
        "finding-afi-1",
        "commissioner-response",
    ]


def test_the_thematic_pipeline_keeps_its_combined_section_for_the_force_and_gives_pccs_findings_to_the_office() -> (
    None
):
    noted = finding("R-7", "home-office")
    thematic = report([*(f.model_dump() for f in MIXED.findings), noted], kind="joint_thematic")
    signoff = start(shipped_thematic(), thematic)
    force_stage = [s.key for s in signoff.stage("force_response").ordered_sections()]
    assert force_stage == ["national-recommendations", "finding-r-1", "finding-r-3"]
    commissioner = [s.key for s in signoff.stage("commissioner_response").ordered_sections()]
    assert commissioner == [
        "finding-r-2",
        "finding-r-5",
        "finding-afi-1",
        "for-noting",
        "commissioner-response",
    ]
    for ref in ("R-2", "R-5", "AFI-1"):
        assert not people(sections_of(signoff)[ref][1]) & FORCE_PEOPLE


def test_the_force_liaison_may_neither_draft_nor_approve_the_offices_answer() -> None:
    # The office's section in the first stage, so that it is open from the start.
    signoff = start(pipeline([OFFICE_PER_FINDING]), report([finding("R-1", "pccs")]))
    key = "finding-r-1"
    with pytest.raises(NotPermitted, match="only the section's drafters"):
        signoff.submit_revision(key, PRIYA.id, "The force will do it.", at(1))
    signoff.submit_revision(key, OWEN.id, "The commissioner will commission the advisers.", at(1))
    with pytest.raises(NotPermitted, match="is not an approver"):
        approve(signoff, key, PRIYA, at(2))
    with pytest.raises(NotPermitted, match="is not an approver"):
        approve(signoff, key, DANIEL, at(2))
    approve(signoff, key, JOHN, at(2))
    assert signoff.section(key)[1].state is SectionState.APPROVED


def test_a_person_of_the_force_named_on_the_offices_section_is_refused_at_the_start() -> None:
    office_section = {**OFFICE_PER_FINDING, "approval": {"approvers": [{"person": PRIYA.email}]}}
    plan = pipeline([office_section])
    with pytest.raises(InvalidInput) as refused:
        start(plan, report([finding("R-1", "pccs")]))
    message = refused.value.message
    assert "section 'finding-r-1'" in message
    assert f"{PRIYA.email} is of" in message
    assert "addressed to PCCs" in message


def test_a_pipeline_answering_per_finding_for_the_force_alone_is_refused() -> None:
    force_only = {
        "per_finding": ["recommendation"],
        "drafter": {"role": "force_liaison", "of": "force"},
        "approval": {"approvers": [{"finding_lead": True}]},
    }
    with pytest.raises(ValueError, match="no section takes those addressed to PCCs"):
        pipeline([force_only])


ADDRESSEES = [FORCE, OTHER_FORCE, "all-forces", "pccs", "home-office", "college-of-policing"]


@st.composite
def reports(draw: st.DrawFn) -> Inspection:
    count = draw(st.integers(min_value=1, max_value=10))
    return report(
        [
            {
                **finding(
                    f"F-{n}",
                    *draw(st.lists(st.sampled_from(ADDRESSEES), min_size=1, max_size=3, unique=True)),
                ),
                "kind": draw(st.sampled_from(list(FindingKind))).value,
            }
            for n in range(1, count + 1)
        ]
    )


@given(reports(), st.sampled_from(["default", "thematic"]))
def test_every_answered_finding_has_one_section_and_the_force_holds_none_of_the_offices(
    inspection: Inspection, which: str
) -> None:
    plan = shipped_default() if which == "default" else shipped_thematic()
    signoff = start(plan, inspection)
    routing = route_for(inspection, FORCE, ROSTER)
    by_ref = sections_of(signoff)
    refs = [s.finding_ref for st_ in signoff.stages for s in st_.sections if s.finding_ref]
    assert len(refs) == len(set(refs))  # no finding has two sections
    combined = (
        signoff.section("national-recommendations")[1] if which == "thematic" and routing.national else None
    )
    answered_together = {f.ref for f in routing.national} if combined else set()
    for answered in routing.answered:
        # A section of its own, or (the thematic's national recommendations) the combined one.
        assert (answered.ref in by_ref) != (answered.ref in answered_together), answered.ref
    for office_only in routing.by_office:
        stage, section = by_ref[office_only.ref]
        assert stage == "commissioner_response"
        assert not people(section) & FORCE_PEOPLE, office_only.ref
        assert people(section) == {OWEN.id, NINA.id, JOHN.id}
    for force_finding in routing.by_force:
        if force_finding.ref in by_ref:
            assert by_ref[force_finding.ref][1].drafter_ids == [PRIYA.id]
    # Nothing unanswered, noted, practice or another force's alone has a section.
    assert set(by_ref) == {f.ref for f in routing.answered} - answered_together
