"""Starting a sign-off for a newly published report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pydantic import HttpUrl, ValidationError

from signoff.adapters.config_files import load_model
from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.domain.inspection import Inspection
from signoff.service.commands import StartSignoff, WithdrawSignoff
from signoff.service.handlers.administer import withdraw_signoff
from signoff.service.handlers.start_signoff import start_signoff, start_signoffs
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.signoff_read import signoff_detail
from signoff.settings import PROJECT_ROOT
from tests.people import DANIEL, HANNAH, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, reference_inspection, start_reference

LANCASHIRE_OFFICER = "james.cowell@lancashire-pcc.example.org"
LANCASHIRE_ADMIN = "laura.sumner@lancashire-pcc.example.org"
CUMBRIA_OFFICER = "matthew.armstrong@cumbria-pcc.example.org"
MERSEYSIDE_OFFICER = "liam.doyle@merseyside-pcc.example.org"


def test_the_policy_officer_starts_the_reference_signoff_and_the_summary_drafter_hears(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    plan = signoff_detail(signoff_id, memory.deps)
    assert plan.state == "active"
    assert plan.statutory_last_day.isoformat() == "2024-01-04"
    assert plan.current_stage == "report_summary"
    assert memory.emails() == [("drafting_assigned", OWEN)]


def test_someone_of_the_force_may_not_start_one(memory: InMemoryApp) -> None:
    command = StartSignoff(inspection=reference_inspection(), started_by=PRIYA)
    memory.refused(lambda: start_signoff(command, memory.deps), NotPermitted, PRIYA, "may not start")
    assert memory.emails() == []


def test_the_same_report_is_not_started_twice(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    memory.refused(lambda: start_reference(memory), InvalidInput, f"already has sign-off #{signoff_id}")


def test_a_withdrawn_signoff_leaves_its_report_free_to_start_again_with_a_trail_of_its_own(
    memory: InMemoryApp,
) -> None:
    """Withdrawn by mistake (or started with the wrong findings), the report still has to be answered: the
    office starts it again, and the withdrawn one keeps its record apart."""
    withdrawn = start_reference(memory)
    draft(memory, withdrawn, "report-summary", OWEN, "Written before the mistake was seen.")
    withdraw_signoff(
        WithdrawSignoff(signoff_id=withdrawn, reason="Started with the wrong findings", admin=HANNAH),
        memory.deps,
    )
    again = start_reference(memory)
    assert again != withdrawn
    restarted = signoff_detail(again, memory.deps)
    assert (restarted.state, restarted.current_stage) == ("active", "report_summary")
    assert all(section.revision is None for stage in restarted.stages for section in stage.sections)
    assert signoff_detail(withdrawn, memory.deps).state == "withdrawn"
    for signoff_id in (withdrawn, again):
        assert verify_audit(signoff_id, memory.deps).intact
    with memory.deps.new_unit_of_work() as uow:
        identities = {uow.signoffs.get(i).audit_identity for i in (withdrawn, again)}
    assert len(identities) == 2, identities
    # Started again, it is the live one: a third start is refused naming it, not the withdrawn one.
    memory.refused(lambda: start_reference(memory), InvalidInput, f"already has sign-off #{again}")


def test_two_findings_whose_keys_clash_in_different_stages_are_refused_naming_both(
    memory: InMemoryApp,
) -> None:
    # "R-1" to the force (its constabulary response) and "R.1" to PCCs (the commissioner's): both would be
    # section `finding-r-1`, and every page, link and command finds a section by its key.
    inspection = Inspection.model_validate(
        {
            "title": "PEEL: Cheshire",
            "published": "2023-11-10",
            "type": "peel",
            "report_url": "https://hmicfrs.justiceinspectorates.gov.uk/clashing-refs",
            "forces_covered": ["cheshire-constabulary"],
            "respond_for": ["cheshire-pcc"],
            "force_specific": {"answer": "yes"},
            "force_quoted": "no",
            "recommendations": {"national": False, "local": True},
            "findings": [
                {"ref": "R-1", "kind": "recommendation", "text": "The force should do A."},
                {
                    "ref": "R.1",
                    "kind": "recommendation",
                    "text": "PCCs should do B.",
                    "addressed_to": ["pccs"],
                },
            ],
        }
    )
    command = StartSignoff(inspection=inspection, started_by=OWEN)
    memory.refused(
        lambda: start_signoff(command, memory.deps),
        InvalidInput,
        "finding-r-1",
        "Recommendation R-1",
        "Recommendation R.1",
        "distinct",
    )
    assert memory.emails() == []


def test_one_office_starts_its_own_response_to_a_regional_report_naming_other_forces_leads(
    memory: InMemoryApp,
) -> None:
    """The regional report names Cumbria's lead for a finding to Cumbria and Lancashire, and Greater
    Manchester's for one to the regional unit. Lancashire starts its own response alone: the leads are
    of forces the report covers, so it starts. A lead of
    a force the report does not cover is refused, naming the forces that answer it."""
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)
    leads = {
        "AFI-5": "jonathan.nicholson@cumbria.police.example.org",
        "R-1": "gareth.pendlebury@gmp.police.example.org",
    }
    named = regional.model_copy(
        update={"findings": [f.model_copy(update={"lead": leads.get(f.ref)}) for f in regional.findings]}
    )
    lancashire_alone = StartSignoff(
        inspection=named, started_by=LANCASHIRE_OFFICER, respond_for=["lancashire-pcc"]
    )

    [signoff_id] = start_signoff(lancashire_alone, memory.deps)
    assert signoff_detail(signoff_id, memory.deps).state == "active"

    outside = named.model_copy(
        update={
            "report_url": HttpUrl("https://hmicfrs.justiceinspectorates.gov.uk/another-regional-report/"),
            "findings": [
                f.model_copy(update={"lead": DANIEL if f.ref == "AFI-5" else None}) for f in named.findings
            ],
        }
    )
    memory.refused(
        lambda: start_signoff(lancashire_alone.model_copy(update={"inspection": outside}), memory.deps),
        InvalidInput,
        DANIEL,
        "is not a strategic lead (role 'strategic_lead') of a force answering the report",
    )


def test_a_finding_no_responding_office_answers_is_started_with_a_warning_naming_it(
    memory: InMemoryApp,
) -> None:
    """The regional report's finding for Merseyside alone, started for the other offices without
    Merseyside's: it is in nobody's response, and whoever starts it is told so, naming the finding."""
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)
    merseyside_only = regional.findings[0].model_copy(
        update={"ref": "AFI-9", "label": "AFI 9", "addressed_to": ["merseyside-police"], "lead": None}
    )
    without_merseyside = regional.model_copy(
        update={
            "findings": [*regional.findings, merseyside_only],
            "respond_for": [o for o in regional.respond_for if o != "merseyside-pcc"],
        }
    )
    started = start_signoffs(
        StartSignoff(inspection=without_merseyside, started_by=LANCASHIRE_OFFICER), memory.deps
    )
    assert len(started.ids) == len(without_merseyside.respond_for)
    assert [w for w in started.warnings if "AFI-9" in w] == [
        "finding AFI-9 is addressed to Merseyside Police, whose office is not among those that respond to "
        "this report: it is in no response (name that office in respond_for)"
    ]
    assert not any("AFI-1" in w for w in started.warnings)


def test_a_report_stored_before_a_newer_intake_rule_is_read_as_it_was_accepted(
    memory: InMemoryApp,
) -> None:
    """A sign-off started before two findings with one numbered label were refused still moves on: the
    rules apply to a report coming in, not to one read back."""
    signoff_id = start_reference(memory)
    [signoff] = memory.store.state.signoffs
    stored = dict(signoff.inspection_data)
    findings = [dict(f) for f in stored["findings"]]
    findings[0]["label"] = "AFI 1"
    findings.append({**findings[0], "ref": "AFI-2"})  # labelled "AFI 1" too
    signoff.inspection_data = {**stored, "findings": findings}

    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)  # opens the next stage, which reads the report
    assert signoff_detail(signoff_id, memory.deps).current_stage == "constabulary_response"
    with pytest.raises(ValidationError):
        Inspection.model_validate(signoff.inspection_data)  # as it would be refused coming in


def regional_with(**changes: object) -> StartSignoff:
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)
    return StartSignoff(inspection=regional.model_copy(update=changes), started_by=LANCASHIRE_OFFICER)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda r: {
                "grades": [
                    *r.grades,
                    r.grades[0].model_copy(update={"organisation": "cheshire-constabulary"}),
                ]
            },
            ["grade 6", "cheshire-constabulary is not among the forces the report covers"],
        ),
        (
            lambda r: {"grades": [*r.grades, r.grades[1].model_copy(update={"grade": "good"})]},
            ["grade 6 (Tackling serious and organised crime) grades what grade 2 grades already"],
        ),
        (
            lambda r: {
                "findings": [
                    f.model_copy(update={"lead": "no.such.person@lancashire.police.example.org"})
                    if f.ref == "R-3"
                    else f
                    for f in r.findings
                ]
            },
            ["finding R-3", "no.such.person@lancashire.police.example.org is not a strategic lead"],
        ),
    ],
    ids=["grade-of-a-force-not-covered", "an-area-graded-twice", "a-made-up-lead-on-a-noted-finding"],
)
def test_a_report_whose_grades_or_leads_cannot_be_right_is_refused_naming_them(
    memory: InMemoryApp, change: Callable[[Inspection], dict[str, object]], words: list[str]
) -> None:
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)
    command = regional_with(**change(regional))
    memory.refused(lambda: start_signoff(command, memory.deps), InvalidInput, *words)


def test_a_report_covering_only_the_regional_unit_still_warns_of_a_finding_in_no_response(
    memory: InMemoryApp,
) -> None:
    # The reference report as covering the North West's unit alone, with a finding for Lancashire's force:
    # started by Cheshire alone, that finding is in nobody's response.
    lancashire_only = (
        reference_inspection()
        .findings[0]
        .model_copy(
            update={
                "ref": "AFI-9",
                "label": "AFI 9",
                "addressed_to": ["lancashire-constabulary"],
                "lead": None,
            }
        )
    )
    unit_only = reference_inspection().model_copy(
        update={
            "forces_covered": ["nw-rocu"],
            "findings": [*reference_inspection().findings, lancashire_only],
        }
    )
    started = start_signoffs(StartSignoff(inspection=unit_only, started_by=OWEN), memory.deps)
    assert any(
        w.startswith("finding AFI-9 is addressed to Lancashire Constabulary") for w in started.warnings
    )


def test_a_finding_of_an_office_that_already_started_its_own_is_no_warning_nor_is_good_practice(
    memory: InMemoryApp,
) -> None:
    """Merseyside started its own response first: Lancashire, starting its own, is not told Merseyside's
    finding is in no response; and practice, printed but never answered, is never "in no response"."""
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)
    merseyside_only = regional.findings[0].model_copy(
        update={"ref": "AFI-9", "label": "AFI 9", "addressed_to": ["merseyside-police"], "lead": None}
    )
    with_finding = regional.model_copy(update={"findings": [*regional.findings, merseyside_only]})
    # Each from its own start form: the report names only the office starting it.
    merseyside = start_signoffs(
        StartSignoff(
            inspection=with_finding.model_copy(update={"respond_for": ["merseyside-pcc"]}),
            started_by=MERSEYSIDE_OFFICER,
        ),
        memory.deps,
    )
    assert [w for w in merseyside.warnings if "AFI-9" in w] == []
    lancashire = start_signoffs(
        StartSignoff(
            inspection=with_finding.model_copy(update={"respond_for": ["lancashire-pcc"]}),
            started_by=LANCASHIRE_OFFICER,
        ),
        memory.deps,
    )
    assert [w for w in lancashire.warnings if "AFI-9" in w] == []
    assert not [w for w in lancashire.warnings if "practice" in w.lower()]


def test_a_report_started_for_several_offices_gives_each_its_own_table_of_facts(memory: InMemoryApp) -> None:
    """Lancashire's officer starts the regional report for every office of the region: their answers (the
    note "as part of a NW collaboration", force quoted "n/a") stand for Lancashire; each other office's are
    read from the report for its own force, as the watcher reads them."""
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)
    ids = start_signoff(StartSignoff(inspection=regional, started_by=LANCASHIRE_OFFICER), memory.deps)
    with memory.deps.new_unit_of_work() as uow:
        seen = {s.pcc_org: s.inspection for s in (uow.signoffs.get(i) for i in ids)}
    lancashire, manchester = seen["lancashire-pcc"], seen["greater-manchester-mayor"]
    assert (lancashire.force_specific.note, lancashire.force_quoted) == (
        "Yes, as part of a NW collaboration",
        "n/a",
    )
    assert manchester.force_specific.answer == "yes"
    assert manchester.force_specific.note == "Yes, as part of a regional inspection"
    assert manchester.force_quoted == "yes"
    assert manchester.recommendations.local  # AFI-3 is Greater Manchester Police's


def test_one_office_withdrawing_a_regional_report_frees_it_for_that_office_alone(memory: InMemoryApp) -> None:
    """Lancashire withdraws its sign-off of the regional report and starts it again; Cumbria's, started
    beside it, is untouched and still its one live sign-off, which Cumbria cannot start twice."""
    memory.clock.set(datetime(2025, 6, 12, 9, tzinfo=UTC))
    regional = load_model(PROJECT_ROOT / "examples" / "regional-soc-2025-example.yaml", Inspection)

    def start_for(office: str, officer: str) -> list[int]:
        inspection = regional.model_copy(update={"respond_for": [office]})
        return start_signoff(StartSignoff(inspection=inspection, started_by=officer), memory.deps)

    [lancashire] = start_for("lancashire-pcc", LANCASHIRE_OFFICER)
    [cumbria] = start_for("cumbria-pcc", CUMBRIA_OFFICER)
    withdraw_signoff(
        WithdrawSignoff(signoff_id=lancashire, reason="Wrong findings", admin=LANCASHIRE_ADMIN), memory.deps
    )
    [again] = start_for("lancashire-pcc", LANCASHIRE_OFFICER)
    assert again not in (lancashire, cumbria)
    assert signoff_detail(cumbria, memory.deps).state == "active"
    memory.refused(
        lambda: start_for("cumbria-pcc", CUMBRIA_OFFICER), InvalidInput, f"already has sign-off #{cumbria}"
    )


def test_a_start_refused_for_another_offices_sign_off_does_not_give_its_number(memory: InMemoryApp) -> None:
    """Cheshire's officer cannot open Lancashire's sign-off: told its number, they could probe any report's."""
    lancashire = reference_inspection().model_copy(update={"respond_for": ["lancashire-pcc"]})
    [theirs] = start_signoff(StartSignoff(inspection=lancashire, started_by=LANCASHIRE_OFFICER), memory.deps)
    both = reference_inspection().model_copy(update={"respond_for": ["cheshire-pcc", "lancashire-pcc"]})
    said = memory.refused(
        lambda: start_signoff(StartSignoff(inspection=both, started_by=OWEN), memory.deps),
        InvalidInput,
        "lancashire-pcc has its own sign-off of this report already",
        "start it for your office alone",
    )
    assert f"#{theirs}" not in said.message
    # Its own officer is told the number, to open it.
    memory.refused(
        lambda: start_signoff(
            StartSignoff(inspection=lancashire, started_by=LANCASHIRE_OFFICER), memory.deps
        ),
        InvalidInput,
        f"lancashire-pcc already has sign-off #{theirs} for this report",
    )
