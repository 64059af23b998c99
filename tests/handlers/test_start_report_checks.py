"""What a report file must say before a sign-off starts, beyond its own schema: the forces it covers are
forces (or regional units) of the directory, and a report of several forces says which one each grade is
for. Refused with the problem named, nothing started; and a grade that names nobody is the report's own
force's, whichever office answers it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from signoff.adapters.config_files import load_model
from signoff.domain.document import build_document
from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.domain.inspection import Inspection
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import Started, start_signoff, start_signoffs
from signoff.settings import PROJECT_ROOT
from tests.handlers.test_send_due_notices import reload_with
from tests.people import OWEN
from tests.support.app import InMemoryApp, publication_config
from tests.support.story import reference_inspection

EXAMPLES = PROJECT_ROOT / "examples"
CUMBRIA = "matthew.armstrong@cumbria-pcc.example.org"  # policy officer of Cumbria's office
LANCASHIRE = "james.cowell@lancashire-pcc.example.org"  # policy officer of Lancashire's office


def example(name: str, **changes: Any) -> Inspection:
    inspection = load_model(EXAMPLES / name, Inspection)
    return Inspection.model_validate({**inspection.model_dump(mode="json"), **changes})


def start(memory: InMemoryApp, inspection: Inspection, by: str = OWEN) -> list[int]:
    day = inspection.published
    memory.clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
    return start_signoff(StartSignoff(inspection=inspection, started_by=by), memory.deps)


@pytest.mark.parametrize(
    ("covered", "named"),
    [
        ("cheshire-pcc", "a PCC office (address its force instead)"),
        ("atlantis-police", "not in the directory"),
    ],
)
def test_a_covered_force_that_is_not_a_force_of_the_directory_is_refused(
    memory: InMemoryApp, covered: str, named: str
) -> None:
    # Left as they were, the PEEL's six findings (which name nobody) would all go unanswered.
    inspection = example("peel-2025-example.yaml", forces_covered=[covered])
    memory.refused(lambda: start(memory, inspection), InvalidInput, "forces_covered", repr(covered), named)


def test_a_grade_of_a_report_of_several_forces_must_say_whose_it_is(memory: InMemoryApp) -> None:
    regional = example("regional-soc-2025-example.yaml")
    grades = [g.model_dump(mode="json") for g in regional.grades]
    grades[1].pop("organisation")
    inspection = example("regional-soc-2025-example.yaml", grades=grades)
    memory.refused(
        lambda: start(memory, inspection, "matthew.armstrong@cumbria-pcc.example.org"),
        InvalidInput,
        "grade 2",
        "organisation is missing",
        "4 forces",
    )


def test_a_grade_that_names_nobody_is_the_report_forces_in_another_offices_response(
    memory: InMemoryApp,
) -> None:
    # Lancashire's PEEL, answered by Cheshire's office too (each office starts its own, a single force's
    # report being no region's): its grades are Lancashire's, labelled so.
    inspection = example("peel-2025-graded-example.yaml", respond_for=["cheshire-pcc", "lancashire-pcc"])
    ids = start(memory, inspection.model_copy(update={"respond_for": ["cheshire-pcc"]}))
    ids += start(memory, inspection.model_copy(update={"respond_for": ["lancashire-pcc"]}), LANCASHIRE)
    documents = {}
    for signoff_id in ids:
        with memory.deps.new_unit_of_work() as uow:
            signoff = uow.signoffs.get(signoff_id)
            document = build_document(signoff, uow.directory.roster(), publication_config(), preview=True)
        documents[signoff.pcc_org] = next(part for part in document.parts if part.kind == "grades")
    cheshire, lancashire = documents["cheshire-pcc"], documents["lancashire-pcc"]
    assert cheshire.grades_by_organisation
    assert {row.organisation for row in cheshire.grades} == {"Lancashire Constabulary"}
    # In Lancashire's own response they are its own: no organisation column.
    assert not lancashire.grades_by_organisation
    assert [row.grade for row in cheshire.grades] == [row.grade for row in lancashire.grades]


def test_an_office_to_respond_that_the_directory_does_not_know_is_refused_naming_it(
    memory: InMemoryApp,
) -> None:
    inspection = example("regional-soc-2025-example.yaml", respond_for=["cumbria-pcc", "atlantis-pcc"])
    memory.refused(
        lambda: start(memory, inspection, "matthew.armstrong@cumbria-pcc.example.org"),
        InvalidInput,
        "respond_for",
        "'atlantis-pcc'",
        "not an organisation of the directory",
    )


def test_an_empty_list_of_offices_to_respond_is_refused_not_taken_as_the_reports(memory: InMemoryApp) -> None:
    inspection = example("peel-2025-example.yaml")
    command = StartSignoff(inspection=inspection, started_by=OWEN, respond_for=[])
    memory.clock.set(datetime(2025, 3, 14, 9, tzinfo=UTC))
    memory.refused(lambda: start_signoff(command, memory.deps), InvalidInput, "respond_for is empty")


def test_an_office_whose_force_the_report_is_clearly_not_about_is_started_with_a_warning_naming_it(
    memory: InMemoryApp,
) -> None:
    def started_on_its_day(inspection: Inspection, by: str) -> Started:
        day = inspection.published
        memory.clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        return start_signoffs(StartSignoff(inspection=inspection, started_by=by), memory.deps)

    # Lancashire's PEEL, started by Cumbria's office for itself: Cumbria's force is not its subject, and
    # Cumbria's sign-off would answer none of its findings.
    peel = example("peel-2025-graded-example.yaml", respond_for=["cumbria-pcc"])
    started = started_on_its_day(peel, CUMBRIA)
    [warning] = started.warnings
    cumbria = "Office of the Police, Fire and Crime Commissioner for Cumbria"
    assert warning.startswith(f"{cumbria}, sign-off #{started.ids[0]}: the report does not cover Cumbria")

    # A national thematic's recommendations to all chief constables are every office's to answer, whether
    # or not its force was visited: no such warning.
    thematic = example(
        "national-thematic-2025-example.yaml",
        forces_covered=["cheshire-constabulary"],
        respond_for=["cumbria-pcc"],
    )
    assert started_on_its_day(thematic, CUMBRIA).warnings == []


def test_an_office_may_not_start_another_offices_sign_off_of_a_single_forces_report(
    memory: InMemoryApp,
) -> None:
    # Lancashire's PEEL is Lancashire's office's to start: a single force's report is no region's.
    peel = example("peel-2025-graded-example.yaml", respond_for=["cheshire-pcc", "lancashire-pcc"])
    memory.refused(
        lambda: start(memory, peel),
        NotPermitted,
        f"{OWEN} may not start the sign-off of Office of the Police and Crime Commissioner for Lancashire",
        "the report is not one of your region's",
    )
    assert memory.store.state.signoffs == []  # all or nothing: not even Cheshire's own


def test_an_office_may_not_start_the_sign_off_of_an_office_outside_its_region(memory: InMemoryApp) -> None:
    def merseyside_out_of_the_region(data: dict[str, Any]) -> None:
        unit = next(o for o in data["organisations"] if o["key"] == "nw-rocu")
        unit["forces"].remove("merseyside-police")

    reload_with(memory, merseyside_out_of_the_region)
    regional = example("regional-soc-2025-example.yaml", respond_for=["cumbria-pcc", "merseyside-pcc"])
    memory.refused(
        lambda: start(memory, regional, CUMBRIA), NotPermitted, "its force is not of your office's region"
    )
    assert memory.store.state.signoffs == []


def test_an_office_starts_its_regions_offices_beside_its_own_for_a_report_of_the_region(
    memory: InMemoryApp,
) -> None:
    # The reference report covers the North West's five forces: Cheshire's office starts the region's.
    regional = reference_inspection().model_copy(update={"respond_for": ["cheshire-pcc", "lancashire-pcc"]})
    assert len(start(memory, regional)) == 2
    # A joint inspection of two of the region's forces is the region's too.
    joint = example("joint-inspection-2025-example.yaml")
    assert len(start(memory, joint, LANCASHIRE)) == len(joint.respond_for)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        # A year typed wrong: the recommendation due before the report was out.
        ({"due": "2020-01-01"}, "finding R-1: due 2020-01-01, before the report was published (2025-"),
        # Good practice is printed, never acted on.
        ({"due": "2026-06-30", "kind": "promising_practice"}, "a promising practice is not acted on"),
    ],
)
def test_a_findings_due_date_that_cannot_be_is_refused_naming_it(
    memory: InMemoryApp, change: dict[str, str], said: str
) -> None:
    peel = example("peel-2025-graded-example.yaml")
    findings = peel.model_dump(mode="json")["findings"]
    [first] = [f for f in findings if f["ref"] == "R-1"]
    first.update(change)
    if change.get("kind"):
        first.pop("answers", None)
    with pytest.raises(ValidationError, match=re.escape(said)):
        example("peel-2025-graded-example.yaml", findings=findings)
    assert memory.store.state.signoffs == []
