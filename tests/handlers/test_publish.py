"""Publishing: the dated folder, the record, the formal copies with the PDF; only the office publishes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from signoff.domain.directory import DirectoryConfig
from signoff.domain.document import build_document
from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.publish import publish_signoff
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import ANDREW, HANNAH, JOHN, PRIYA
from tests.support.app import InMemoryApp, directory_config, publication_config
from tests.support.story import drive_reference


def test_the_office_publishes_on_time_and_the_formal_copies_carry_the_pdf(memory: InMemoryApp) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    before = Counter(memory.emails())
    result = publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), memory.deps)
    assert result.version == 1
    assert result.on_time
    assert result.days_late == 0
    assert result.folder.name == f"2023-11-30-cheshire-pcc-signoff-{signoff_id}-v1"
    assert set(memory.publications.folders[result.folder]) >= {"response.html", "response.pdf"}
    assert signoff_detail(signoff_id, memory.deps).state == "published"
    queued = Counter(memory.emails()) - before
    assert sum(n for (event, _), n in queued.items() if event == "formal_copy") == 2
    copies = [r for r in memory.renderer.rendered if r.event.value == "formal_copy"]
    assert all(r.attachments == ("cheshire-pcc-response.pdf",) for r in copies)


def test_the_force_may_not_publish_and_no_folder_is_left_behind(memory: InMemoryApp) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    memory.refused(
        lambda: publish_signoff(PublishSignoff(signoff_id=signoff_id, by=PRIYA), memory.deps),
        NotPermitted,
        "may not publish",
    )
    assert memory.publications.folders == {}


def test_a_correction_after_the_statutory_last_day_keeps_the_responses_timeliness(
    memory: InMemoryApp,
) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), memory.deps)
    # Fifteen days after the statutory last day (Thursday 4 January 2024), a typo is corrected.
    memory.clock.set(datetime(2024, 1, 19, 10, tzinfo=UTC))
    corrected = publish_signoff(
        PublishSignoff(signoff_id=signoff_id, by=HANNAH, note="A typo in the summary."), memory.deps
    )
    assert (corrected.version, corrected.on_time, corrected.days_late) == (2, True, 0)
    notices = [
        e for e in memory.store.state.outbox if str(e.event) == "published" and e.context["version"] == 2
    ]
    assert notices
    assert all(e.context["on_time"] is True for e in notices)


def constabulary_attribution(memory: InMemoryApp, signoff_id: int) -> str:
    with memory.deps.new_unit_of_work() as uow:
        doc = build_document(uow.signoffs.get(signoff_id), uow.directory.roster(), publication_config())
    [part] = [p for p in doc.parts if p.heading == "Constabulary Response"]
    return part.attribution


def test_the_chief_constables_comments_stay_theirs_after_they_leave(memory: InMemoryApp) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    assert constabulary_attribution(memory, signoff_id).startswith("Andrew Kershaw, ")
    # Andrew retires before the response (or a correction of it) is published: the comments he approved
    # are still his, not the force's in general nor a successor's who never approved them.
    memory.move(ANDREW, None)
    assert constabulary_attribution(memory, signoff_id).startswith("Andrew Kershaw, ")
    assert constabulary_attribution(memory, signoff_id).endswith(", Cheshire Constabulary")


def test_a_signatory_now_of_another_office_is_refused_naming_them(memory: InMemoryApp) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    memory.move(JOHN, "cumbria-pcc", roles=["chief_executive"])
    memory.refused(
        lambda: publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), memory.deps),
        InvalidInput,
        f"the signatory {JOHN} of cheshire-pcc is now of",
    )


def test_the_chief_constables_comments_stay_theirs_after_they_move_to_another_force(
    memory: InMemoryApp,
) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    # Andrew becomes Cumbria's chief constable before publishing day: the comments are still his, not
    # the force's in general.
    memory.move(ANDREW, "cumbria-constabulary", roles=["chief_constable"])
    assert constabulary_attribution(memory, signoff_id).startswith("Andrew Kershaw, ")


def signatory_unconfigured(memory: InMemoryApp, signoff_id: int) -> str | None:
    """Who signs the Cheshire response where the office names no signatory (most offices do not)."""
    config = publication_config()
    offices = {
        **config.offices,
        "cheshire-pcc": config.offices["cheshire-pcc"].model_copy(update={"signatory": None}),
    }
    with memory.deps.new_unit_of_work() as uow:
        doc = build_document(
            uow.signoffs.get(signoff_id),
            uow.directory.roster(),
            config.model_copy(update={"offices": offices}),
        )
    return doc.signatory.name if doc.signatory else None


def test_the_commissioner_who_approved_the_response_signs_it_after_leaving_office(
    memory: InMemoryApp,
) -> None:
    """Replaced before publishing day, the commissioner who approved the comments still signs them: not
    their successor, who never approved them, and not nobody."""
    signoff_id = drive_reference(memory, memory.clock)
    assert signatory_unconfigured(memory, signoff_id) == "John Dwyer"
    # John leaves; Nora is the new commissioner, who never approved the comments.
    data = directory_config().model_dump(mode="json")
    data["people"] = [p for p in data["people"] if p["email"] != JOHN] + [
        {
            "email": "nora.newpcc@cheshire-pcc.example.org",
            "name": "Nora Newpcc",
            "title": "Police and Crime Commissioner for Cheshire",
            "organisation": "cheshire-pcc",
            "roles": ["commissioner"],
        }
    ]
    load_directory(DirectoryConfig.model_validate(data), memory.deps.load_pipeline(), memory.deps)
    assert signatory_unconfigured(memory, signoff_id) == "John Dwyer"
