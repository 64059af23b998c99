"""Each kind of report, started for every office that responds: each office's sign-off holds exactly
the findings its force answers, and lists for noting those addressed to other bodies (issue #15).

The expectations are written out by hand, finding by finding, from who each example addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Inspection
from signoff.domain.model import approvers_of
from signoff.domain.routing import signoff_findings
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.settings import PROJECT_ROOT

pytestmark = pytest.mark.both_databases

EXAMPLES = PROJECT_ROOT / "examples"
# A policy officer of each office (config/directory.yaml); any one of the responding offices may start
# them all.
POLICY_OFFICER = {
    "cheshire-pcc": "owen.prescott@cheshire-pcc.example.org",
    "cumbria-pcc": "matthew.armstrong@cumbria-pcc.example.org",
    "greater-manchester-mayor": "thomas.whitworth@gmca.example.org",
    "lancashire-pcc": "james.cowell@lancashire-pcc.example.org",
    "merseyside-pcc": "liam.doyle@merseyside-pcc.example.org",
}
DEFAULT_FIXED = ("report-summary", "constabulary-response", "commissioner-response")


@dataclass(frozen=True)
class Held:
    """What one office's stored sign-off holds."""

    sections: list[tuple[str, str, str | None]]  # key, title, finding ref, in order
    answered: list[str]  # whether in a section of their own or the combined one
    noted: list[str]
    practice: list[str]
    unseen: list[str]
    by_office: list[str]  # of the answered, those the office answers itself (addressed to PCCs alone)
    stage_of: dict[str, str]  # each section's stage
    organisations: dict[str, set[str]]  # each section's drafters' and approvers' organisations

    @property
    def keys(self) -> list[str]:
        return [key for key, _title, _ref in self.sections]

    @property
    def finding_refs(self) -> list[str]:
        return [ref for _key, _title, ref in self.sections if ref is not None]


def start_example(app: Application, clock: FixedClock, name: str) -> dict[str, Held]:
    """The example started for every office it names, on the morning it was published."""
    inspection = load_model(EXAMPLES / name, Inspection)
    published = inspection.published
    clock.set(datetime(published.year, published.month, published.day, 9, tzinfo=UTC))
    starter = POLICY_OFFICER[inspection.respond_for[0]]
    ids = start_signoff(StartSignoff(inspection=inspection, started_by=starter), app.deps)
    held: dict[str, Held] = {}
    with app.deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        for signoff_id in ids:
            signoff = uow.signoffs.get(signoff_id)
            routing = signoff_findings(signoff, roster)
            held[signoff.pcc_org] = Held(
                sections=[
                    (section.key, section.title, section.finding_ref)
                    for stage in signoff.ordered_stages()
                    for section in stage.ordered_sections()
                ],
                answered=[f.ref for f in routing.answered],
                noted=[f.ref for f in routing.noted],
                practice=[f.ref for f in routing.practice],
                unseen=[f.ref for f in routing.unseen],
                by_office=[f.ref for f in routing.by_office],
                stage_of={s.key: stage.key for stage in signoff.stages for s in stage.sections},
                organisations={
                    s.key: {roster.by_id(p).organisation for p in {*s.drafter_ids, *approvers_of(s)}}
                    for stage in signoff.stages
                    for s in stage.sections
                },
            )
    assert sorted(held) == sorted(inspection.respond_for)
    return held


def test_a_peel_report_gives_its_force_every_finding_under_its_printed_ref(
    app: Application, clock: FixedClock
) -> None:
    [lancashire] = start_example(app, clock, "peel-2025-graded-example.yaml").values()
    answered = ["CoC-1", "R-1", "R-2", "CoC-2", "R-3", "R-4", "AFI-1", "AFI-2", "AFI-3", "AFI-4"]
    assert lancashire.finding_refs == answered
    titles = {ref: title for _key, title, ref in lancashire.sections if ref}
    assert titles["CoC-1"] == "Cause of concern 1"
    assert titles["R-4"] == "Recommendation 4"
    assert titles["AFI-3"] == "AFI 3"
    assert "finding-coc-2" in lancashire.keys
    # Promising practice is printed, never a section; nothing is for other bodies.
    assert "PP-1" not in lancashire.finding_refs
    assert lancashire.practice == ["PP-1"]
    assert lancashire.noted == []
    assert lancashire.by_office == []  # nothing is addressed to PCCs: the force answers every finding
    assert [key for key in lancashire.keys if not key.startswith("finding-")] == list(DEFAULT_FIXED)


def test_a_national_thematic_answers_all_forces_recommendations_in_one_section_and_notes_the_rest(
    app: Application, clock: FixedClock
) -> None:
    held = start_example(app, clock, "national-thematic-2025-example.yaml")
    to_all_forces = [f"R-{n}" for n in range(1, 23)]
    to_other_bodies = [f"R-{n}" for n in range(23, 44)]
    for office, sign_off in held.items():
        # The thematic pipeline (config/pipelines/thematic.yaml): no chief constable's comments, the
        # national recommendations in one section, one comment on those for noting.
        assert sign_off.sections == [
            ("report-summary", "Report summary", None),
            ("national-recommendations", "National recommendations", None),
            ("for-noting", "Recommendations for other bodies", None),
            ("commissioner-response", "Commissioner's response", None),
        ], office
        assert sign_off.answered == to_all_forces, office
        assert sign_off.noted == to_other_bodies, office
        assert sign_off.unseen == [], office
        assert sign_off.practice == [], office
        assert sign_off.by_office == [], office


def test_a_joint_inspection_routes_each_forces_findings_to_its_own_office(
    app: Application, clock: FixedClock
) -> None:
    held = start_example(app, clock, "joint-inspection-2025-example.yaml")
    manchester, lancashire = held["greater-manchester-mayor"], held["lancashire-pcc"]
    # R-1 (all forces and the CPS) and R-2 (all forces) in the force's combined section, then its AFI;
    # R-3, addressed to PCCs alone, is the office's own to answer, in the commissioner's stage.
    assert manchester.keys == [
        "report-summary",
        "national-recommendations",
        "finding-afi-1",
        "finding-r-3",
        "for-noting",
        "commissioner-response",
    ]
    assert lancashire.keys == [
        "report-summary",
        "national-recommendations",
        "finding-afi-2",
        "finding-r-3",
        "for-noting",
        "commissioner-response",
    ]
    forces = {
        "greater-manchester-mayor": "greater-manchester-police",
        "lancashire-pcc": "lancashire-constabulary",
    }
    for office, sign_off in held.items():
        assert sign_off.by_office == ["R-3"], office
        assert sign_off.stage_of["finding-r-3"] == "commissioner_response", office
        # Drafted by the office's policy officer, approved by its commissioner: the force takes no part.
        assert sign_off.organisations["finding-r-3"] == {office}, office
        assert sign_off.organisations["national-recommendations"] == {forces[office]}, office
    for sign_off in (manchester, lancashire):
        assert sign_off.noted == ["R-4", "R-5"]  # the CPS's; the NPCC's and CPS's
    assert manchester.answered == ["R-1", "R-2", "R-3", "AFI-1"]
    assert lancashire.answered == ["R-1", "R-2", "R-3", "AFI-2"]
    assert manchester.practice == ["IP-1"]
    assert lancashire.practice == []
    assert manchester.unseen == ["AFI-2"]
    assert lancashire.unseen == ["AFI-1", "IP-1"]


def test_a_regional_report_gives_each_office_its_own_force_and_the_regional_unit_and_never_anothers(
    app: Application, clock: FixedClock
) -> None:
    held = start_example(app, clock, "regional-soc-2025-example.yaml")
    answered = {
        "cumbria-pcc": ["R-1", "AFI-1", "AFI-2", "AFI-5"],
        "greater-manchester-mayor": ["R-1", "AFI-1", "AFI-3"],
        "lancashire-pcc": ["R-1", "AFI-1", "CoC-1", "R-2", "AFI-5"],
        "merseyside-pcc": ["R-1", "AFI-1", "AFI-4"],
    }
    every = ["R-1", "AFI-1", "AFI-2", "AFI-3", "CoC-1", "R-2", "AFI-4", "AFI-5", "R-3", "PP-1"]
    assert "cheshire-pcc" not in held
    for office, sign_off in held.items():
        assert sign_off.finding_refs == answered[office], office
        # The Home Office's recommendation is listed for noting; the default pipeline asks no comment.
        assert sign_off.noted == ["R-3"], office
        assert "for-noting" not in sign_off.keys
        assert sign_off.by_office == [], office
        seen = set(answered[office]) | {"R-3"} | set(sign_off.practice)
        assert sign_off.unseen == [ref for ref in every if ref not in seen], office
    assert held["merseyside-pcc"].practice == ["PP-1"]
    assert all(held[o].practice == [] for o in held if o != "merseyside-pcc")


def test_the_reference_report_started_for_two_offices_gives_cheshires_finding_to_cheshire_alone(
    app: Application, clock: FixedClock
) -> None:
    inspection = load_model(EXAMPLES / "nw-soc-2023-reference.yaml", Inspection)
    both = inspection.model_copy(update={"respond_for": ["cheshire-pcc", "merseyside-pcc"]})
    cheshire, merseyside = start_signoff(
        StartSignoff(inspection=both, started_by=POLICY_OFFICER["cheshire-pcc"]), app.deps
    )
    with app.deps.new_unit_of_work() as uow:
        keys = {
            signoff_id: [s.key for st in uow.signoffs.get(signoff_id).ordered_stages() for s in st.sections]
            for signoff_id in (cheshire, merseyside)
        }
    assert "finding-afi-1" in keys[cheshire]
    assert "finding-afi-1" not in keys[merseyside]
    assert keys[merseyside] == list(DEFAULT_FIXED)


def _regional(**finding: object) -> Inspection:
    inspection = load_model(EXAMPLES / "regional-soc-2025-example.yaml", Inspection)
    first = inspection.findings[0].model_copy(update=finding)
    return inspection.model_copy(update={"findings": [first, *inspection.findings[1:]]})


@pytest.mark.parametrize(
    ("addressed_to", "words"),
    [
        ([], ["finding R-1", "addressed_to is missing", "4 forces"]),
        (["atlantis-constabulary"], ["finding R-1", "'atlantis-constabulary'", "not in the directory"]),
        (["cumbria-pcc"], ["finding R-1", "'cumbria-pcc'", "a PCC office"]),
        (["hmicfrs"], ["finding R-1", "'hmicfrs'", "an inspectorate"]),
    ],
)
def test_a_finding_whose_addressees_cannot_be_routed_is_refused_naming_it(
    app: Application, clock: FixedClock, addressed_to: list[str], words: list[str]
) -> None:
    inspection = _regional(addressed_to=addressed_to)
    clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    with pytest.raises(InvalidInput) as refused:
        start_signoff(StartSignoff(inspection=inspection, started_by=POLICY_OFFICER["cumbria-pcc"]), app.deps)
    for word in words:
        assert word in refused.value.message
    with app.deps.new_unit_of_work() as uow:
        assert uow.signoffs.page() == []  # nothing started, for any office


def test_a_single_force_report_may_leave_addressees_out(app: Application, clock: FixedClock) -> None:
    path: Path = EXAMPLES / "peel-2025-graded-example.yaml"
    inspection = load_model(path, Inspection)
    assert all(not finding.addressed_to for finding in inspection.findings)
    held = start_example(app, clock, path.name)
    assert len(held["lancashire-pcc"].finding_refs) == 10


def test_the_for_noting_section_is_made_only_when_the_office_has_something_to_note(
    app: Application, clock: FixedClock
) -> None:
    inspection = load_model(EXAMPLES / "joint-inspection-2025-example.yaml", Inspection)
    answered_only = [f for f in inspection.findings if f.ref not in ("R-4", "R-5")]
    inspection = inspection.model_copy(update={"findings": answered_only, "respond_for": ["lancashire-pcc"]})
    clock.set(datetime(2025, 11, 6, 9, tzinfo=UTC))
    [signoff_id] = start_signoff(
        StartSignoff(inspection=inspection, started_by=POLICY_OFFICER["lancashire-pcc"]), app.deps
    )
    with app.deps.new_unit_of_work() as uow:
        keys = [s.key for st in uow.signoffs.get(signoff_id).ordered_stages() for s in st.ordered_sections()]
    assert keys == [
        "report-summary",
        "national-recommendations",
        "finding-afi-2",
        "finding-r-3",
        "commissioner-response",
    ]


def test_a_grade_given_to_an_organisation_the_directory_does_not_have_is_refused_naming_it(
    app: Application, clock: FixedClock
) -> None:
    inspection = load_model(EXAMPLES / "regional-soc-2025-example.yaml", Inspection)
    grades = [*inspection.grades[:-1], inspection.grades[-1].model_copy(update={"organisation": "ne-rocu"})]
    clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    with pytest.raises(InvalidInput) as refused:
        start_signoff(
            StartSignoff(
                inspection=inspection.model_copy(update={"grades": grades}),
                started_by=POLICY_OFFICER["cumbria-pcc"],
            ),
            app.deps,
        )
    assert "grade 5 (Tackling serious and organised crime): organisation 'ne-rocu'" in refused.value.message
