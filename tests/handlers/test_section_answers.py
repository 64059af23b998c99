"""A section that answers several findings together shows them: the force's one answer to a thematic's
recommendations to all chief constables, and the commissioner's one comment on those for other bodies, are
drafted and approved against the findings they answer, as the published response prints them."""

from __future__ import annotations

from datetime import UTC, datetime

from signoff.adapters.config_files import load_model
from signoff.domain.inspection import Inspection
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.section_page import section_page
from signoff.settings import PROJECT_ROOT
from tests.people import OWEN, PRIYA
from tests.support.app import in_memory_app

THEMATIC = PROJECT_ROOT / "examples" / "national-thematic-2025-example.yaml"


def test_the_sections_answering_findings_together_list_them_and_a_finding_section_its_own() -> None:
    thematic = load_model(THEMATIC, Inspection).model_copy(update={"respond_for": ["cheshire-pcc"]})
    day = thematic.published
    memory = in_memory_app(now=datetime(day.year, day.month, day.day, 9, tzinfo=UTC), by_inspection_type=True)
    [signoff_id] = start_signoff(StartSignoff(inspection=thematic, started_by=OWEN), memory.deps)

    national = section_page(signoff_id, "national-recommendations", PRIYA, memory.deps)
    to_all_forces = [f for f in thematic.findings if "all-forces" in f.addressed_to]
    assert [f.ref for f in national.answers_together] == [f.ref for f in to_all_forces]
    assert national.answers_together[0].text == to_all_forces[0].text

    noting = section_page(signoff_id, "for-noting", OWEN, memory.deps)
    for_others = [
        f for f in thematic.findings if f.addressed_to and not set(f.addressed_to) & {"all-forces", "pccs"}
    ]
    assert [f.ref for f in noting.answers_together] == [f.ref for f in for_others]
    assert {f.addressee for f in noting.answers_together} >= {"College of Policing"}

    summary = section_page(signoff_id, "report-summary", OWEN, memory.deps)
    assert summary.answers_together == []
