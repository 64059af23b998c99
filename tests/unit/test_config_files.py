"""Reading the pipeline, the directory and inspection files: errors name the file, the line and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signoff.adapters.config_files import load_model
from signoff.domain.directory import DirectoryConfig
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import TYPE_NAMES, Inspection, InspectionType
from signoff.domain.notifications import Audience, NoticeEvent, NotificationRules
from signoff.domain.pipeline import Pipeline
from signoff.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
EXAMPLES = PROJECT_ROOT / "examples"
REFERENCE = EXAMPLES / "nw-soc-2023-reference.yaml"

PIPELINE = """\
stages:
  - key: summary
    title: Summary
    due: {after_start_working_days: 10}
    sections:
      - key: summary
        title: Summary
        drafter: {role: policy_officer, of: pcc}
        approval:
          approvers:
            - {role: chief_executive, of: pcc}
          require: any
  - key: publication
    title: Publication
    kind: publication
    due: {before_statutory_working_days: 0}
"""

DIRECTORY = """\
roles:
  pcc_admin: PCC administrator
  policy_officer: Policy officer
organisations:
  - key: test-pcc
    name: Test PCC
    kind: pcc
    force: test-force
  - key: test-force
    name: Test force
    kind: force
people:
  - name: Owen Prescott
    email: owen@test-pcc.example.org
    organisation: test-pcc
    roles: [policy_officer]
  - name: Hannah Whitfield
    email: hannah@test-pcc.example.org
    organisation: test-pcc
    roles: [pcc_admin]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    [number] = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return number


def refusal(path: Path, model: type[Pipeline | DirectoryConfig | Inspection]) -> str:
    with pytest.raises(InvalidInput) as raised:
        load_model(path, model)
    return str(raised.value)


# ----- the pipeline -----


def test_the_sample_pipeline_itself_loads() -> None:
    assert load_model(CONFIG / "pipeline.yaml", Pipeline).stages[0].key == "report_summary"


def test_a_bad_quorum_names_the_file_line_and_key(tmp_path: Path) -> None:
    text = PIPELINE.replace("require: any", "require: most")
    path = write(tmp_path, "pipeline.yaml", text)
    line = line_of(text, "require: most")
    assert line == 12
    message = refusal(path, Pipeline)
    assert f"{path}:{line}" in message
    assert "stages[0].sections[0].approval.require" in message
    assert "'all' or 'any'" in message


def test_an_unknown_key_names_its_own_line(tmp_path: Path) -> None:
    text = PIPELINE.replace(
        "    due: {after_start", "    remind_befor_working_days: 2\n    due: {after_start"
    )
    path = write(tmp_path, "pipeline.yaml", text)
    message = refusal(path, Pipeline)
    assert f"{path}:4: stages[0].remind_befor_working_days" in message


def test_a_nested_error_deep_in_a_list_names_its_line(tmp_path: Path) -> None:
    text = PIPELINE.replace("{role: chief_executive, of: pcc}", "{role: chief_executive}")
    path = write(tmp_path, "pipeline.yaml", text)
    message = refusal(path, Pipeline)
    assert f"{path}:11:" in message
    assert "approvers[0]" in message
    assert "of: pcc" in message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = PIPELINE.replace("    title: Summary\n    due", "    title: Summary: the report\n    due")
    path = write(tmp_path, "pipeline.yaml", text)
    assert line_of(text, "Summary: the report") == 3
    message = refusal(path, Pipeline)
    assert message.startswith(f"{path}:3: not valid YAML")


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pipeline.yaml", "- one\n- two\n")
    assert "expected a mapping" in refusal(path, Pipeline)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    assert refusal(path, Pipeline) == f"{path}: no such file"


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_bytes(b"stages: \xff\xfe\n")
    assert refusal(path, Pipeline) == f"{path}: not UTF-8 text"


def test_a_pipeline_naming_a_role_the_directory_lacks_is_reported(tmp_path: Path) -> None:
    text = PIPELINE.replace("chief_executive", "deputy_commissioner").replace(
        "drafter: {role: policy_officer, of: pcc}", "drafter: {person: nobody@test-pcc.example.org}"
    )
    pipeline = load_model(write(tmp_path, "pipeline.yaml", text), Pipeline)
    directory = load_model(write(tmp_path, "directory.yaml", DIRECTORY), DirectoryConfig)
    assert pipeline.problems_with(directory) == [
        "stages[summary].sections[summary]: unknown person nobody@test-pcc.example.org",
        "stages[summary].sections[summary]: unknown role 'deputy_commissioner'",
    ]


def test_a_pipeline_whose_roles_and_people_exist_has_no_problems(tmp_path: Path) -> None:
    text = PIPELINE.replace("chief_executive", "pcc_admin").replace(
        "drafter: {role: policy_officer, of: pcc}", "drafter: {person: Owen@Test-PCC.example.org}"
    )
    pipeline = load_model(write(tmp_path, "pipeline.yaml", text), Pipeline)
    directory = load_model(write(tmp_path, "directory.yaml", DIRECTORY), DirectoryConfig)
    assert pipeline.problems_with(directory) == []


# ----- the directory -----


def test_an_unknown_role_for_a_person_names_the_person(tmp_path: Path) -> None:
    text = DIRECTORY.replace("roles: [pcc_admin]", "roles: [pcc_admin, wizard]")
    message = refusal(write(tmp_path, "directory.yaml", text), DirectoryConfig)
    assert "hannah@test-pcc.example.org" in message
    assert "unknown role 'wizard'" in message
    assert str(tmp_path / "directory.yaml") in message


def test_a_person_listed_twice_is_refused_whatever_the_case(tmp_path: Path) -> None:
    text = DIRECTORY + (
        "  - name: Owen Again\n"
        "    email: OWEN@test-pcc.example.org\n"
        "    organisation: test-pcc\n"
        "    roles: [policy_officer]\n"
    )
    message = refusal(write(tmp_path, "directory.yaml", text), DirectoryConfig)
    assert "listed twice" in message
    assert "owen@test-pcc.example.org" in message


def test_a_person_in_an_unknown_organisation_is_named(tmp_path: Path) -> None:
    text = DIRECTORY.replace(
        "    organisation: test-pcc\n    roles: [pcc_admin]",
        "    organisation: nowhere\n    roles: [pcc_admin]",
    )
    message = refusal(write(tmp_path, "directory.yaml", text), DirectoryConfig)
    assert "hannah@test-pcc.example.org: unknown organisation 'nowhere'" in message


def test_a_bad_email_names_its_line(tmp_path: Path) -> None:
    text = DIRECTORY.replace("email: owen@test-pcc.example.org", "email: owen-at-test-pcc")
    path = write(tmp_path, "directory.yaml", text)
    message = refusal(path, DirectoryConfig)
    assert f"{path}:{line_of(text, 'owen-at-test-pcc')}: people[0].email" in message


# ----- inspections -----


def test_an_impossible_publication_date_in_yaml_is_refused_naming_published(tmp_path: Path) -> None:
    text = REFERENCE.read_text(encoding="utf-8").replace("published: 2023-11-10", "published: 2023-02-30")
    path = write(tmp_path, "inspection.yaml", text)
    message = refusal(path, Inspection)
    assert "published" in message
    assert str(path) in message


def test_an_impossible_publication_date_in_json_is_refused_naming_published(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "child-protection-2024-example.json").read_text(encoding="utf-8"))
    data["published"] = "2023-02-30"
    path = write(tmp_path, "inspection.json", json.dumps(data, indent=2))
    message = refusal(path, Inspection)
    assert f"{path}: published:" in message


def test_a_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = '{\n  "title": "An inspection"\n  "published": "2023-11-10"\n}\n'
    path = write(tmp_path, "inspection.json", text)
    message = refusal(path, Inspection)
    assert message.startswith(f"{path}:3: not valid JSON")


def test_an_unknown_finding_kind_names_the_finding_and_line(tmp_path: Path) -> None:
    text = REFERENCE.read_text(encoding="utf-8").replace("kind: area_for_improvement", "kind: observation")
    path = write(tmp_path, "inspection.yaml", text)
    message = refusal(path, Inspection)
    assert f"{path}:{line_of(text, 'kind: observation')}: findings[0].kind" in message


def test_bare_yes_and_no_in_yaml_read_as_the_words(tmp_path: Path) -> None:
    text = (
        REFERENCE.read_text(encoding="utf-8")
        .replace('answer: "yes"', "answer: yes")
        .replace('force_quoted: "n/a"', "force_quoted: no")
    )
    inspection = load_model(write(tmp_path, "inspection.yaml", text), Inspection)
    assert inspection.force_specific.answer == "yes"
    assert inspection.force_quoted == "no"


# ----- what ships -----

SHIPPED_INSPECTIONS = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])


def test_every_kind_of_shipped_example_is_there() -> None:
    assert {p.name for p in SHIPPED_INSPECTIONS} >= {
        "nw-soc-2023-reference.yaml",
        "peel-2025-example.yaml",
        "child-protection-2024-example.json",
    }


@pytest.mark.parametrize("path", SHIPPED_INSPECTIONS, ids=[p.name for p in SHIPPED_INSPECTIONS])
def test_shipped_inspections_load_and_name_only_known_offices_and_people(path: Path) -> None:
    inspection = load_model(path, Inspection)
    directory = load_model(CONFIG / "directory.yaml", DirectoryConfig)
    organisations = {org.key: org for org in directory.organisations}
    emails = {person.email for person in directory.people}
    for office in inspection.respond_for:
        assert organisations[office].kind == "pcc"
        assert organisations[office].force in inspection.forces_covered
    for force in inspection.forces_covered:
        assert organisations[force].kind == "force"
    for finding in inspection.findings:
        assert finding.lead is None or finding.lead in emails, finding.ref


def test_the_reference_example_is_the_cheshire_response() -> None:
    inspection = load_model(REFERENCE, Inspection)
    assert inspection.published.isoformat() == "2023-11-10"
    assert inspection.respond_for == ["cheshire-pcc"]
    assert [f.ref for f in inspection.findings] == ["AFI-1"]


def test_the_shipped_directory_and_pipeline_load_and_agree() -> None:
    directory = load_model(CONFIG / "directory.yaml", DirectoryConfig)
    pipeline = load_model(CONFIG / "pipeline.yaml", Pipeline)
    assert pipeline.problems_with(directory) == []
    assert [stage.key for stage in pipeline.stages] == [
        "report_summary",
        "constabulary_response",
        "commissioner_response",
        "publication",
    ]
    assert "pcc_admin" in directory.roles
    pccs = [org for org in directory.organisations if org.kind == "pcc"]
    # Every PCC office has an administrator, and every role the pipeline names has a holder there.
    for office in pccs:
        holders = {role for p in directory.people if p.organisation == office.key for role in p.roles}
        assert {"pcc_admin", "policy_officer", "chief_executive", "commissioner"} <= holders, office.key


def test_an_invalid_email_address_in_the_directory_names_the_person(tmp_path: Path) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text(
        "roles: {viewer: Viewer}\n"
        "organisations:\n"
        "  - {key: x-force, name: X Police, kind: force}\n"
        "people:\n"
        "  - name: Ada Lovelace\n"
        "    email: ada.example.org\n"
        "    organisation: x-force\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        load_model(path, DirectoryConfig)
    assert f"{path}:6" in caught.value.message
    assert "Ada Lovelace" in caught.value.message
    assert "email" in caught.value.message


def test_the_shipped_notification_rules_load() -> None:
    rules = load_model(CONFIG / "notifications.yaml", NotificationRules)
    assert rules.events[NoticeEvent.APPROVAL_REQUESTED] == [Audience.APPROVER, Audience.DELEGATE]
    assert rules.events[NoticeEvent.REMINDER] == [Audience.HOLDER, Audience.DELEGATE]
    assert rules.delivery.max_attempts >= 1


def test_an_invalid_formal_copy_address_is_refused_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "notifications.yaml"
    text = (CONFIG / "notifications.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("pcc-responses@hmicfrs.example.org", "not-an-address"), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_model(path, NotificationRules)
    assert "formal_copies.hmicfrs.email" in caught.value.message


@pytest.mark.parametrize(
    ("example", "kind", "named"),
    [
        ("peel-2025-example.yaml", "peel", "PEEL"),
        ("regional-soc-2025-example.yaml", "regional_soc", "Regional serious and organised crime (SOC)"),
        ("nw-soc-2023-reference.yaml", "pcc_commissioned", "PCC-commissioned"),
    ],
)
def test_without_a_type_label_the_document_names_the_type_as_the_inspectorate_does(
    example: str, kind: str, named: str
) -> None:
    inspection = load_model(EXAMPLES / example, Inspection)
    unlabelled = inspection.model_copy(update={"type_label": None, "type": kind})
    assert unlabelled.display_type == named
    assert inspection.display_type == inspection.type_label  # a label given is the one printed


def test_every_inspection_type_has_a_name_for_documents() -> None:
    assert set(TYPE_NAMES) == set(InspectionType)


def test_a_json_file_saved_with_a_byte_order_mark_reads_as_its_yaml_twin_does(tmp_path: Path) -> None:
    """Saved as "UTF-8 with BOM" by a Windows editor: the mark is no part of the report."""
    reference = load_model(REFERENCE, Inspection)
    marked = tmp_path / "report.json"
    marked.write_bytes(b"\xef\xbb\xbf" + reference.model_dump_json().encode())
    assert load_model(marked, Inspection) == reference
