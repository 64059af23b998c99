"""Reports that are not the reference one, as their published response reads: a national cause of concern
answered together while a recommendation under it is answered on its own, recommendations to other bodies
whose addressee the reader or the start form left unworded. In memory, each sign-off driven to ready and
its document built and rendered as publishing does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import yaml

from signoff.adapters.documents.rendering import DocumentRenderer
from signoff.domain.document import ResponseDocument, build_document
from signoff.domain.inspection import Finding, FindingKind, Inspection
from signoff.service.commands import PublishSignoff, StartSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.settings import PROJECT_ROOT
from tests.people import OWEN
from tests.publication.drive import drive_to_ready
from tests.publication.reference import visible_text
from tests.support.app import InMemoryApp, in_memory_app, publication_config
from tests.support.story import reference_inspection


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "examples" / name).read_text(encoding="utf-8"))
    return data


def started(data: dict[str, Any]) -> tuple[InMemoryApp, int]:
    inspection = Inspection.model_validate(data)
    day = inspection.published
    app = in_memory_app(now=datetime(day.year, day.month, day.day, 9, tzinfo=UTC), by_inspection_type=True)
    [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
    return app, signoff_id


def document(app: InMemoryApp, signoff_id: int) -> tuple[ResponseDocument, str]:
    with app.deps.new_unit_of_work() as uow:
        doc = build_document(uow.signoffs.get(signoff_id), uow.directory.roster(), publication_config())
    renderer = DocumentRenderer(PROJECT_ROOT / "templates", PROJECT_ROOT / "config")
    html = renderer.response_html(doc, made_on=date(2025, 10, 1), published_on=date(2025, 10, 1), version=1)
    return doc, visible_text(html)


def test_a_recommendation_answered_on_its_own_under_a_national_cause_is_published() -> None:
    """The thematic pipeline answers the findings to all forces in one section, a cause of concern among
    them; a recommendation answering that cause, addressed to the commissioners, is answered on its own.
    It is printed, with its answer, and the response publishes."""
    data = example("national-thematic-2025-example.yaml")
    data["respond_for"] = ["cheshire-pcc"]
    data["findings"] = [
        {
            "ref": "CoC-1",
            "kind": "cause_of_concern",
            "label": "Cause of concern 1",
            "text": "Forces do not identify stalking when it is first reported.",
            "addressed_to": ["all-forces"],
        },
        {
            "ref": "R-50",
            "kind": "recommendation",
            "label": "Recommendation 50",
            "answers": "CoC-1",
            "text": "Commissioners should fund advocates for victims of stalking.",
            "addressee": "Police and crime commissioners",
            "addressed_to": ["pccs"],
        },
        *data["findings"][:2],
    ]
    app, signoff_id = started(data)
    drive_to_ready(app, signoff_id)

    _, text = document(app, signoff_id)
    assert "Commissioners should fund advocates for victims of stalking." in text
    assert "Forces do not identify stalking when it is first reported." in text
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=OWEN), app.deps)


def noted(doc: ResponseDocument) -> dict[str, str]:
    """Each finding listed for noting (for other bodies), by ref: its 'Addressed to' words."""
    return {finding.ref: finding.addressee for part in doc.parts for finding in part.noted}


def test_a_recommendation_to_another_body_says_whom_it_is_addressed_to_when_its_words_are_missing() -> None:
    """A PEEL report's recommendations to other bodies: one whose words the watcher's reader could not
    place (blank), one entered on the start form, which has no field for the words (the model's default,
    'chief constable'). Neither is printed as addressed to nobody, nor to the chief constable."""
    data = example("peel-2025-example.yaml")
    data["findings"] += [
        {
            "ref": "R-8",
            "kind": "recommendation",
            "label": "Recommendation 8",
            "text": "The Home Office must publish guidance on call handling standards.",
            "addressee": "",
            "addressed_to": ["home-office"],
        },
        {
            "ref": "R-9",
            "kind": "recommendation",
            "label": "Recommendation 9",
            "text": "The Ministry of Justice should fund victims' advocates.",
            "addressed_to": ["other-body"],
        },
        {
            "ref": "R-10",
            "kind": "recommendation",
            "label": "Recommendation 10",
            "text": "The College of Policing should update its guidance.",
            "addressee": "The College of Policing",
            "addressed_to": ["college-of-policing"],
        },
    ]
    app, signoff_id = started(data)
    drive_to_ready(app, signoff_id)

    doc, text = document(app, signoff_id)
    assert noted(doc) == {
        "R-8": "Home Office",
        "R-9": "Another body",
        "R-10": "The College of Policing",  # the report's own words, where it has them
    }
    assert "Addressed to: Home Office" in text
    assert "Addressed to: chief constable" not in text


def test_a_joint_inspections_response_does_not_say_its_report_is_on_the_hmicfrs_website() -> None:
    """A joint inspection led by another inspectorate is published on that inspectorate's site: the
    footer links the report without naming a website it may not be on."""
    data = example("joint-inspection-2025-example.yaml")
    data["respond_for"] = ["cheshire-pcc"]
    app, signoff_id = started(data)
    drive_to_ready(app, signoff_id)

    _, text = document(app, signoff_id)
    assert "HMICFRS website" not in text
    assert f"The inspection report: {data['title']}" in text


def test_a_signoff_planned_before_pccs_beside_a_force_were_that_forces_is_published_as_planned() -> None:
    """Stored before the rule: Cheshire's sign-off has its own section for a finding to Cumbria's force
    and PCCs, planned when PCCs there meant every commissioner. Its approved answer is published, not
    refused for want of a place in the layout."""
    app = in_memory_app()
    inspection = reference_inspection()
    to_pccs = Finding(
        ref="R-9",
        kind=FindingKind.RECOMMENDATION,
        text="Commissioners should review the funding of regional units.",
        addressee="Police and crime commissioners",
        addressed_to=["pccs"],
    )
    [signoff_id] = start_signoff(
        StartSignoff(
            inspection=inspection.model_copy(update={"findings": [*inspection.findings, to_pccs]}),
            started_by=OWEN,
        ),
        app.deps,
    )
    [signoff] = app.store.state.signoffs
    stored = dict(signoff.inspection_data)
    findings = [dict(f) for f in stored["findings"]]
    findings[-1]["addressed_to"] = ["cumbria-constabulary", "pccs"]  # as the report said it then
    signoff.inspection_data = {**stored, "findings": findings}
    drive_to_ready(app, signoff_id)

    _, text = document(app, signoff_id)
    assert "Commissioners should review the funding of regional units." in text
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=OWEN), app.deps)


def test_a_national_cause_of_concern_is_headed_as_one_with_its_national_recommendations_under_it() -> None:
    data = example("national-thematic-2025-example.yaml")
    data["respond_for"] = ["cheshire-pcc"]
    data["findings"] = [
        {
            "ref": "CoC-1",
            "kind": "cause_of_concern",
            "label": "Cause of concern 1",
            "text": "Forces do not identify stalking when it is first reported.",
            "addressed_to": ["all-forces"],
        },
        {
            "ref": "R-1",
            "kind": "recommendation",
            "label": "Recommendation 1",
            "answers": "CoC-1",
            "text": "Chief constables should train call handlers to recognise stalking.",
            "addressed_to": ["all-forces"],
        },
        {
            "ref": "R-2",
            "kind": "recommendation",
            "label": "Recommendation 2",
            "text": "Chief constables should record every breach of a stalking order.",
            "addressed_to": ["all-forces"],
        },
    ]
    app, signoff_id = started(data)
    drive_to_ready(app, signoff_id)
    doc, _ = document(app, signoff_id)
    [together] = [g for part in doc.parts for g in part.groups if g.answered_together]
    assert together.heading == "National causes of concern and recommendations"
    # The cause, with the recommendation answering it under it; the other recommendation on its own.
    assert [(e.ref, [r.ref for r in e.recommendations]) for e in together.findings] == [
        ("CoC-1", ["R-1"]),
        ("R-2", []),
    ]


def test_a_national_area_for_improvement_answered_together_is_headed_as_one() -> None:
    """It was printed under "National recommendations", as if a recommendation."""
    data = example("national-thematic-2025-example.yaml")
    data["respond_for"] = ["cheshire-pcc"]
    data["findings"] = [
        {
            "ref": "R-1",
            "kind": "recommendation",
            "label": "Recommendation 1",
            "text": "Chief constables should record every breach of a stalking order.",
            "addressed_to": ["all-forces"],
        },
        {
            "ref": "AFI-1",
            "kind": "area_for_improvement",
            "label": "AFI 1",
            "text": "Forces should improve how they tell victims of the outcome.",
            "addressed_to": ["all-forces"],
        },
    ]
    app, signoff_id = started(data)
    drive_to_ready(app, signoff_id)
    doc, _ = document(app, signoff_id)
    [together] = [g for part in doc.parts for g in part.groups if g.answered_together]
    assert together.heading == "National recommendations and areas for improvement"
    assert [e.ref for e in together.findings] == ["R-1", "AFI-1"]
