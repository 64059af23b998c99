"""The router's step: closes what is finished, opens what is next, and does nothing twice."""

from __future__ import annotations

from signoff.domain.errors import NotFound
from signoff.domain.transitions import SectionState
from signoff.service.handlers.advance_signoff import advance_signoff
from signoff.service.queries.signoff_read import signoff_detail
from tests.support.app import InMemoryApp
from tests.support.story import start_reference


def test_a_stage_left_open_after_a_lost_trigger_is_closed_once(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    # As if the process died between approving the summary and closing its stage.
    with memory.unit_of_work() as uow:
        [summary] = uow.signoffs.get(signoff_id).stages[0].sections
        summary.state = SectionState.APPROVED
        uow.commit()

    done = advance_signoff(signoff_id, memory.deps)
    assert done == ["completed stage report_summary", "opened stage constabulary_response"]
    assert signoff_detail(signoff_id, memory.deps).current_stage == "constabulary_response"
    assert advance_signoff(signoff_id, memory.deps) == []


def test_with_nothing_to_do_it_changes_nothing(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    before = memory.fingerprint()
    assert advance_signoff(signoff_id, memory.deps) == []
    assert memory.fingerprint() == before


def test_an_unknown_signoff_is_not_found(memory: InMemoryApp) -> None:
    memory.refused(lambda: advance_signoff(99, memory.deps), NotFound, "#99")
