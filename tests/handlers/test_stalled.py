"""`signoff stalled` (the stalled query): what is late, due soon or idle, and the responses approved and
waiting to be published, flagged as /admin flags them."""

from __future__ import annotations

from datetime import UTC, datetime

from signoff.service.queries.signoff_read import signoff_detail
from signoff.service.queries.stalled import stalled
from tests.support.app import InMemoryApp
from tests.support.story import drive_reference


def test_a_response_approved_and_not_published_after_its_statutory_last_day_is_listed(
    memory: InMemoryApp,
) -> None:
    signoff_id = drive_reference(memory, memory.clock)
    statutory_last_day = signoff_detail(signoff_id, memory.deps).statutory_last_day
    assert statutory_last_day.isoformat() == "2024-01-04"
    memory.clock.set(datetime(2024, 1, 8, 10, tzinfo=UTC))  # four days after it, still not published
    [item] = [i for i in stalled(memory.deps) if i.signoff_id == signoff_id]
    assert (item.stage, item.section, item.waiting_to) == ("publication", "", "publish")
    assert {"overdue", "statutory deadline at risk"} <= set(item.flags)
    assert "administrators of Office of the Police and Crime Commissioner for Cheshire" in item.holder
    # As /admin flags it: waiting to be published, it is due or late, never idle (the CLI said idle).
    assert "idle" not in item.flags
