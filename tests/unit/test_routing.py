"""Routing a report's findings to the offices that answer them: properties over any mix of addressees."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from signoff.domain.directory import Roster
from signoff.domain.inspection import Body, Finding, FindingKind, Inspection
from signoff.domain.routing import route_for

FORCES = ["north-force", "south-force", "east-force", "far-force"]
# The unit's region: three of the forces; far-force is in no region.
UNIT_REGION = frozenset(FORCES[:3])
ROSTER = Roster(
    (),
    organisation_kinds={**dict.fromkeys(FORCES, "force"), "region-unit": "regional_unit"},
    unit_forces={"region-unit": UNIT_REGION},
)
OTHER_BODIES = [b.value for b in Body if not b.answered_by_office]
ADDRESSEES = [*FORCES, "region-unit", *[b.value for b in Body]]
KINDS = list(FindingKind)


@st.composite
def reports(draw: st.DrawFn) -> Inspection:
    count = draw(st.integers(min_value=1, max_value=12))
    findings = [
        Finding(
            ref=f"F-{n}",
            kind=draw(st.sampled_from(KINDS)),
            text=f"Finding {n}.",
            addressed_to=draw(st.lists(st.sampled_from(ADDRESSEES), min_size=1, max_size=3, unique=True)),
        )
        for n in range(1, count + 1)
    ]
    return Inspection.model_validate(
        {
            "title": "A report",
            "published": date(2025, 1, 10),
            "type": "regional_soc",
            "report_url": "https://example.org/report",
            "forces_covered": FORCES,
            "force_specific": {"answer": "yes"},
            "force_quoted": "n/a",
            "recommendations": {"national": False, "local": True},
            "findings": findings,
            "respond_for": ["north-pcc"],
        }
    )


@given(reports())
def test_every_finding_is_in_exactly_one_place_for_each_office_in_the_reports_order(
    report: Inspection,
) -> None:
    for force in FORCES:
        routing = route_for(report, force, ROSTER)
        places = [routing.answered, routing.noted, routing.practice, routing.unseen]
        refs = [f.ref for place in places for f in place]
        assert sorted(refs) == sorted(f.ref for f in report.findings)
        order = [f.ref for f in report.findings]
        for place in places:
            assert [f.ref for f in place] == [ref for ref in order if ref in {f.ref for f in place}]


@given(reports())
def test_no_office_answers_a_finding_addressed_only_to_other_forces(report: Inspection) -> None:
    for force in FORCES:
        for finding in route_for(report, force, ROSTER).answered:
            mine = {force, "all-forces", "pccs"} | ({"region-unit"} if force in UNIT_REGION else set())
            assert mine & set(finding.addressed_to), (force, finding.addressed_to)


@given(reports())
def test_a_finding_for_one_force_is_answered_by_its_office_alone(report: Inspection) -> None:
    for finding in report.findings:
        if (
            len(finding.addressed_to) != 1
            or finding.addressed_to[0] not in FORCES
            or finding.kind.is_practice
        ):
            continue
        answering = [f for f in FORCES if finding in route_for(report, f, ROSTER).answered]
        assert answering == finding.addressed_to


@given(reports())
def test_what_is_for_other_bodies_alone_is_noted_by_every_office_and_answered_by_none(
    report: Inspection,
) -> None:
    for finding in report.findings:
        if finding.kind.is_practice or not set(finding.addressed_to) <= set(OTHER_BODIES):
            continue
        for force in FORCES:
            routing = route_for(report, force, ROSTER)
            assert finding in routing.noted
            assert finding not in routing.answered


@given(reports())
def test_the_regional_units_findings_go_to_every_force_of_its_region_and_no_other(report: Inspection) -> None:
    for finding in report.findings:
        if finding.addressed_to != ["region-unit"] or finding.kind.is_practice:
            continue
        answering = {f for f in FORCES if finding in route_for(report, f, ROSTER).answered}
        assert answering == UNIT_REGION


@given(reports())
def test_practice_is_never_answered(report: Inspection) -> None:
    for force in FORCES:
        assert not any(f.kind.is_practice for f in route_for(report, force, ROSTER).answered)


@given(reports())
def test_pccs_named_beside_particular_forces_are_those_forces_pccs(report: Inspection) -> None:
    """'The chief constable and the commissioner for Cumbria should ...' ([cumbria, pccs]) is Cumbria's
    office's to answer, not every office's: only PCCs beside all forces, or beside other bodies alone, are
    every commissioner."""
    bodies = {b.value for b in Body}
    for finding in report.findings:
        targets = set(finding.addressed_to)
        named = targets - bodies
        if "pccs" not in targets or "all-forces" in targets or not named:
            continue
        concerned = {f for f in FORCES if f in named or ("region-unit" in named and f in UNIT_REGION)}
        for force in FORCES:
            routing = route_for(report, force, ROSTER)
            in_response = finding in (*routing.answered, *routing.practice, *routing.noted)
            assert in_response == (force in concerned), (force, finding.addressed_to)
