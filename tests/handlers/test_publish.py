"""Publishing: the dated folder, the record, the formal copies with the PDF; only the office publishes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from signoff.domain.errors import NotPermitted
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import HANNAH, PRIYA
from tests.support.app import InMemoryApp
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
