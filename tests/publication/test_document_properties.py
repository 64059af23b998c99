"""Whatever a regional report's findings and addressees, each office's document prints every finding its
sign-off holds exactly once (answered, practice or for noting), never another force's, and a
recommendation under the cause of concern it answers. In memory: many reports in a few seconds."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signoff.domain.document import FindingEntry, build_document
from signoff.domain.inspection import FindingKind, Inspection
from signoff.domain.model import approvers_of
from signoff.domain.routing import signoff_findings
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoff
from tests.support.app import in_memory_app, publication_config

FORCES = [
    "cheshire-constabulary",
    "cumbria-constabulary",
    "greater-manchester-police",
    "lancashire-constabulary",
    "merseyside-police",
]
ADDRESSEES = [*FORCES, "nw-rocu", "all-forces", "pccs", "college-of-policing", "home-office", "npcc"]
OFFICES = ["cheshire-pcc", "cumbria-pcc", "greater-manchester-mayor", "lancashire-pcc", "merseyside-pcc"]
STARTER = "owen.prescott@cheshire-pcc.example.org"


@st.composite
def regional_reports(draw: st.DrawFn) -> Inspection:
    findings: list[dict[str, object]] = []
    causes: list[str] = []
    for number in range(1, draw(st.integers(1, 10)) + 1):
        kind = draw(st.sampled_from(list(FindingKind)))
        finding: dict[str, object] = {
            "ref": f"F-{number}",
            "kind": kind.value,
            "text": f"Finding number {number} of the report, a {kind.label.lower()}.",
            "addressed_to": draw(st.lists(st.sampled_from(ADDRESSEES), min_size=1, max_size=3, unique=True)),
        }
        if kind is FindingKind.RECOMMENDATION and causes and draw(st.booleans()):
            finding["answers"] = draw(st.sampled_from(causes))
        if kind is FindingKind.CAUSE_OF_CONCERN:
            causes.append(f"F-{number}")
        findings.append(finding)
    return Inspection.model_validate(
        {
            "title": "A fictional regional report",
            "published": date(2023, 11, 10),
            "type": "regional_soc",
            "report_url": f"https://example.org/report-{draw(st.integers(0, 10**9))}",
            "forces_covered": FORCES,
            "force_specific": {"answer": "yes"},
            "force_quoted": "n/a",
            "recommendations": {"national": False, "local": True, "regional": True},
            "findings": findings,
            "respond_for": OFFICES,
        }
    )


def _printed(entries: tuple[FindingEntry, ...]) -> list[FindingEntry]:
    found = []
    for entry in entries:
        found += [entry, *_printed(entry.recommendations)]
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=regional_reports())
def test_each_office_prints_exactly_the_findings_its_sign_off_holds(report: Inspection) -> None:
    app = in_memory_app()
    ids = start_signoff(StartSignoff(inspection=report, started_by=STARTER), app.deps)
    assert len(ids) == len(OFFICES)
    with app.deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        for signoff_id in ids:
            signoff = uow.signoffs.get(signoff_id)
            routing = signoff_findings(signoff, roster)
            doc = build_document(signoff, roster, publication_config(), preview=True)
            answered = [
                entry for part in doc.parts for group in part.groups for entry in _printed(group.findings)
            ]
            noted = [entry for part in doc.parts for entry in part.noted]
            held = {f.ref for f in routing.answered + routing.practice}
            with_section = {
                section.finding_ref
                for stage in signoff.ordered_stages()
                for section in stage.ordered_sections()
            }
            assert sorted(e.ref for e in answered) == sorted(held), signoff.pcc_org
            assert [e.ref for e in noted] == [f.ref for f in routing.noted]
            for entry in answered:
                finding = report.finding(entry.ref)
                # A section of its own, or none: practice is printed, never answered.
                assert entry.answered == (entry.ref in with_section), entry.ref
                assert not (finding.kind.is_practice and entry.answered)
                if finding.kind is FindingKind.CAUSE_OF_CONCERN:
                    under = [r.ref for r in report.recommendations_answering(finding.ref) if r.ref in held]
                    assert [r.ref for r in entry.recommendations] == under
            # A finding addressed to PCCs alone is printed with the office's own answer to it.
            for finding in routing.by_office:
                [section] = [s for st in signoff.stages for s in st.sections if s.finding_ref == finding.ref]
                people = {*section.drafter_ids, *approvers_of(section)}
                assert {roster.by_id(p).organisation for p in people} == {signoff.pcc_org}, finding.ref
                [entry] = [e for e in answered if e.ref == finding.ref]
                assert entry.answered
