"""Pipelines by inspection type (config/pipelines/*.yaml): what they inherit, and errors that name the
file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.adapters.config_files import load_model
from signoff.adapters.pipeline_files import load_pipelines
from signoff.domain.directory import DirectoryConfig
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import FindingKind, InspectionType
from signoff.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"

DEFAULT = """\
working_hours:
  due_time: "16:00"
monitoring:
  idle_after_working_days: 7
stages:
  - key: summary
    title: Summary
    due: {after_start_working_days: 10}
    sections:
      - key: summary
        title: Summary
        drafter: {role: policy_officer, of: pcc}
        approval:
          approvers: [{role: chief_executive, of: pcc}]
  - key: publication
    title: Publication
    kind: publication
    due: {before_statutory_working_days: 0}
"""

THEMATIC = """\
for_types: [national_thematic, joint_thematic]
stages:
  - key: force
    title: The force's action
    due: {after_start_working_days: 10}
    sections:
      - per_finding: [recommendation]
        national: combined
        key: national-recommendations
        title: National recommendations
        drafter: {role: force_liaison, of: force}
        approval:
          approvers: [{finding_lead: true}]
      - key: for-noting
        title: For noting
        for_noting: true
        drafter: {role: policy_officer, of: pcc}
        approval:
          approvers: [{role: commissioner, of: pcc}]
      - per_finding: [recommendation]
        addressed_to: pccs
        drafter: {role: policy_officer, of: pcc}
        approval:
          approvers: [{role: commissioner, of: pcc}]
  - key: publication
    title: Publication
    kind: publication
    due: {before_statutory_working_days: 0}
"""
# The section THEMATIC makes for each recommendation addressed to PCCs alone.
PCCS_SECTION = """\
      - per_finding: [recommendation]
        addressed_to: pccs
        drafter: {role: policy_officer, of: pcc}
        approval:
          approvers: [{role: commissioner, of: pcc}]
"""


def config(tmp_path: Path, **pipelines: str) -> Path:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipeline.yaml").write_text(DEFAULT, encoding="utf-8")
    for name, text in pipelines.items():
        (tmp_path / "pipelines" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "pipeline.yaml"


def test_a_type_follows_its_own_pipeline_with_the_defaults_working_hours_and_monitoring(
    tmp_path: Path,
) -> None:
    choice = load_pipelines(config(tmp_path, thematic=THEMATIC))
    thematic = choice.for_type(InspectionType.NATIONAL_THEMATIC)
    assert [stage.key for stage in thematic.stages] == ["force", "publication"]
    assert choice.for_type(InspectionType.JOINT_THEMATIC) is thematic
    assert thematic.working_hours.due_time == "16:00"
    assert thematic.monitoring.idle_after_working_days == 7
    # Every other type follows the default.
    assert [stage.key for stage in choice.for_type(InspectionType.PEEL).stages] == ["summary", "publication"]


def test_no_pipelines_folder_means_the_default_for_every_type(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").write_text(DEFAULT, encoding="utf-8")
    choice = load_pipelines(tmp_path / "pipeline.yaml")
    assert all(choice.for_type(t) is choice.default for t in InspectionType)


def test_a_type_claimed_by_two_files_is_refused_naming_both_and_the_line(tmp_path: Path) -> None:
    other = THEMATIC.replace(
        "for_types: [national_thematic, joint_thematic]", "for_types:\n  - peel\n  - joint_thematic"
    )
    with pytest.raises(InvalidInput) as refused:
        load_pipelines(config(tmp_path, a_thematic=THEMATIC, b_other=other))
    message = refused.value.message
    assert "b_other.yaml:3: for_types[1]: joint_thematic is already claimed by" in message
    assert "a_thematic.yaml" in message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("for_types: [national_thematic, joint_thematic]", "for_types: [thematic]"), ["for_types[0]"]),
        (("for_types: [national_thematic, joint_thematic]\n", ""), ["for_types", "Field required"]),
        (("stages:\n", "working_hours: {due_time: '12:00'}\nstages:\n"), ["working_hours", "Extra inputs"]),
        (
            ("        key: national-recommendations\n", ""),
            [":7:", "national: combined needs a key and a title"],
        ),
        (
            ("        national: combined\n", "        national: several\n"),
            [":8:", "national", "'each' or 'combined'"],
        ),
        (
            ("      - per_finding: [recommendation]", "      - per_finding: [promising_practice]"),
            ["practice findings are printed, never answered"],
        ),
        (
            (
                "        title: For noting\n",
                "        title: For noting\n        per_finding: [recommendation]\n",
            ),
            ["for_noting section is one section"],
        ),
        # A finding addressed to PCCs alone is the office's: nobody of the force drafts or approves it.
        (
            (
                PCCS_SECTION,
                PCCS_SECTION.replace("{role: policy_officer, of: pcc}", "{role: force_liaison, of: force}"),
            ),
            [":20:", "stages[0].sections[2]", "drafter force_liaison (force) is of the force", "of: pcc"],
        ),
        (
            (PCCS_SECTION, PCCS_SECTION.replace("[{role: commissioner, of: pcc}]", "[{finding_lead: true}]")),
            [":20:", "approver the finding's strategic lead is of the force"],
        ),
        (
            (
                PCCS_SECTION,
                PCCS_SECTION.replace(
                    "        addressed_to: pccs\n",
                    "        addressed_to: pccs\n        national: combined\n        key: pccs\n        title: PCCs\n",
                ),
            ),
            ["stages[0].sections[2]", "a section addressed_to: pccs takes none of them"],
        ),
        (
            (
                PCCS_SECTION,
                PCCS_SECTION.replace("        addressed_to: pccs\n", "        addressed_to: commissioners\n"),
            ),
            [":21:", "addressed_to", "'force' or 'pccs'"],
        ),
        (
            ("        for_noting: true\n", "        for_noting: true\n        addressed_to: pccs\n"),
            ["stages[0].sections[1]", "addressed_to only goes with per_finding"],
        ),
        # Left out, the recommendations addressed to PCCs would have no section.
        (
            (PCCS_SECTION, ""),
            [
                "stages[force].sections[0] answers the recommendation findings per finding for the force",
                "no section takes those addressed to PCCs",
                "addressed_to: pccs",
            ],
        ),
        # Taken twice, each would have two sections.
        (
            (PCCS_SECTION, PCCS_SECTION + PCCS_SECTION),
            [
                "stages[force].sections[3] and stages[force].sections[2] both take the recommendation findings "
                "addressed to pccs"
            ],
        ),
    ],
)
def test_a_bad_type_pipeline_names_its_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], words: list[str]
) -> None:
    text = THEMATIC.replace(*change)
    assert text != THEMATIC
    with pytest.raises(InvalidInput) as refused:
        load_pipelines(config(tmp_path, thematic=text))
    assert "thematic.yaml" in refused.value.message
    for word in words:
        assert word in refused.value.message


def test_two_for_noting_sections_are_refused(tmp_path: Path) -> None:
    text = THEMATIC.replace("        key: for-noting\n", "        key: for-noting\n").replace(
        "  - key: publication\n",
        """\
      - key: for-noting-again
        title: For noting again
        for_noting: true
        drafter: {role: policy_officer, of: pcc}
        approval:
          approvers: [{role: commissioner, of: pcc}]
  - key: publication
""",
    )
    with pytest.raises(InvalidInput, match="only one section may be for_noting"):
        load_pipelines(config(tmp_path, thematic=text))


def test_the_shipped_pipelines_load_and_find_their_roles_in_the_directory() -> None:
    choice = load_pipelines(CONFIG / "pipeline.yaml")
    directory = load_model(CONFIG / "directory.yaml", DirectoryConfig)
    assert set(choice.by_type) == {InspectionType.NATIONAL_THEMATIC, InspectionType.JOINT_THEMATIC}
    for pipeline in choice.all():
        assert pipeline.problems_with(directory) == []
    thematic = choice.for_type(InspectionType.NATIONAL_THEMATIC)
    keys = [section.key for stage in thematic.stages for section in stage.sections]
    assert "constabulary-response" not in keys
    assert "constabulary-response" in [s.key for st in choice.default.stages for s in st.sections]


def test_the_shipped_pipelines_answer_findings_addressed_to_pccs_in_the_commissioners_stage() -> None:
    choice = load_pipelines(CONFIG / "pipeline.yaml")
    for pipeline in choice.all():
        [(stage, spec)] = [
            (stage, spec)
            for stage in pipeline.stages
            for spec in stage.sections
            if spec.addressed_to == "pccs"
        ]
        assert stage.key == "commissioner_response"
        assert spec.per_finding is not None
        assert set(spec.per_finding) == {
            FindingKind.CAUSE_OF_CONCERN,
            FindingKind.RECOMMENDATION,
            FindingKind.AREA_FOR_IMPROVEMENT,
        }
        people = [spec.drafter, *spec.approval.approvers]
        assert [(p.role, p.of) for p in people] == [("policy_officer", "pcc"), ("commissioner", "pcc")]
