"""An office's own words for a stage or section (pipeline.yaml `office_titles`): a Mayor who holds the PCC's
functions has no Commissioner, and the Mayor's office reads "Mayor's response" wherever its sign-off names
the stage or the section; another office of the same regional report keeps the pipeline's words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from signoff.adapters.config_files import load_model
from signoff.adapters.pipeline_files import load_pipelines
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Inspection, InspectionType
from signoff.service.commands import StartSignoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.attention import AttentionFilter, attention
from signoff.service.queries.signoff_read import signoff_detail
from signoff.settings import PROJECT_ROOT
from tests.support.app import InMemoryApp, directory_config

LANCASHIRE_OFFICER = "james.cowell@lancashire-pcc.example.org"
LANCASHIRE_ADMIN = "laura.sumner@lancashire-pcc.example.org"
MANCHESTER_OFFICER = "thomas.whitworth@gmca.example.org"
MANCHESTER_ADMIN = "aisha.rahman@gmca.example.org"
SHIPPED_PIPELINE = PROJECT_ROOT / "config" / "pipeline.yaml"


def _regional() -> Inspection:
    return load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)


def _titles(memory: InMemoryApp, signoff_id: int) -> list[tuple[str, list[str]]]:
    detail = signoff_detail(signoff_id, memory.deps)
    return [(stage.title, [section.title for section in stage.sections]) for stage in detail.stages]


def test_the_mayors_sign_off_of_a_regional_report_says_mayor_and_lancashires_commissioner(
    memory: InMemoryApp,
) -> None:
    """Lancashire's officer starts the regional report for Lancashire and Greater Manchester: each sign-off
    carries its own office's words, the Mayor's nowhere calling its response the Commissioner's."""
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = _regional().model_copy(update={"respond_for": ["lancashire-pcc", "greater-manchester-mayor"]})
    ids = start_signoff(StartSignoff(inspection=regional, started_by=LANCASHIRE_OFFICER), memory.deps)
    with memory.deps.new_unit_of_work() as uow:
        by_office = {uow.signoffs.get(i).pcc_org: i for i in ids}
    lancashire = _titles(memory, by_office["lancashire-pcc"])
    manchester = _titles(memory, by_office["greater-manchester-mayor"])

    assert ("Commissioner's response", ["Commissioner's response"]) in [
        (stage, [s for s in sections if "response" in s.lower()]) for stage, sections in lancashire
    ]
    assert [stage for stage, _ in manchester] == [
        "Report summary",
        "Constabulary response",
        "Mayor's response",
        "Publication",
    ]
    mayors = dict(manchester)["Mayor's response"]
    assert "Mayor's response" in mayors
    assert not [t for _stage, sections in manchester for t in [_stage, *sections] if "Commissioner" in t]


def test_each_administrator_filters_by_stage_in_their_own_offices_words(memory: InMemoryApp) -> None:
    manchester = attention(MANCHESTER_ADMIN, AttentionFilter(), memory.deps).stages
    lancashire = attention(LANCASHIRE_ADMIN, AttentionFilter(), memory.deps).stages
    assert ("commissioner_response", "Mayor's response") in manchester
    assert ("commissioner_response", "Commissioner's response") in lancashire
    # The same stages to filter by, keyed alike: only the words differ.
    assert [key for key, _title in manchester] == [key for key, _title in lancashire]


def test_a_thematic_started_by_the_mayors_office_takes_its_titles_too() -> None:
    """config/pipelines/thematic.yaml inherits the default's office titles, as it does its working hours."""
    choice = load_pipelines(SHIPPED_PIPELINE)
    thematic = choice.for_type(InspectionType.NATIONAL_THEMATIC).for_office("greater-manchester-mayor")
    stage = next(s for s in thematic.stages if s.key == "commissioner_response")
    assert stage.title == "Mayor's response"
    assert [s.title for s in stage.sections if s.key == "commissioner-response"] == ["Mayor's response"]
    # The office that set nothing keeps the pipeline's own, and so does the pipeline itself.
    assert choice.default.for_office("cheshire-pcc") == choice.default
    assert next(s for s in choice.default.stages if s.key == "commissioner_response").title == (
        "Commissioner's response"
    )


def _pipeline_file(tmp_path: Path, office_titles: str) -> Path:
    shipped = SHIPPED_PIPELINE.read_text(encoding="utf-8")
    start = shipped.index("office_titles:")
    end = shipped.index("\nstages:")
    path = tmp_path / "pipeline.yaml"
    path.write_text(shipped[:start] + office_titles + shipped[end:], encoding="utf-8")
    (tmp_path / "pipelines").mkdir()
    for each in (SHIPPED_PIPELINE.parent / "pipelines").glob("*.yaml"):
        (tmp_path / "pipelines" / each.name).write_text(each.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("office_titles", "named"),
    [
        (
            "office_titles:\n  greater-manchester-mayor:\n    stages:\n      comissioner_response: Mine\n",
            "office_titles.greater-manchester-mayor.stages: no pipeline has a stage 'comissioner_response'",
        ),
        (
            "office_titles:\n  greater-manchester-mayor:\n    sections:\n      finding-afi-1: Mine\n",
            "no pipeline has a section 'finding-afi-1'",
        ),
    ],
)
def test_a_title_for_what_no_pipeline_has_is_refused_naming_its_line(
    tmp_path: Path, office_titles: str, named: str
) -> None:
    path = _pipeline_file(tmp_path, office_titles)
    with pytest.raises(InvalidInput) as refused:
        load_pipelines(path)
    assert named in str(refused.value)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "Mine" in text)
    assert f"{path}:{line}:" in str(refused.value)


def test_a_title_for_an_office_the_directory_lacks_is_named_as_a_problem(tmp_path: Path) -> None:
    path = _pipeline_file(
        tmp_path, "office_titles:\n  greater-manchester-mayour:\n    stages:\n      publication: Ours\n"
    )
    problems = load_pipelines(path).default.problems_with(directory_config())
    assert problems == ["office_titles: 'greater-manchester-mayour' is not a PCC office of the directory"]


def test_a_blank_or_multi_line_title_is_refused(tmp_path: Path) -> None:
    for case, bad in enumerate(('""', '"Mayor\\u2028response"')):
        (tmp_path / str(case)).mkdir()
        path = _pipeline_file(
            tmp_path / str(case),
            f"office_titles:\n  greater-manchester-mayor:\n    stages:\n      publication: {bad}\n",
        )
        with pytest.raises(InvalidInput, match="office_titles"):
            load_pipelines(path)
