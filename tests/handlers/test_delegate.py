"""A person lets another decide for them for a while."""

from __future__ import annotations

from datetime import timedelta

from signoff.domain.errors import InvalidInput, NotPermitted
from signoff.service.commands import DelegateApprovals
from signoff.service.handlers.delegate import delegate_approvals
from tests.people import ANDREW, DANIEL, OWEN, PRIYA, SARAH
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, start_reference


def leave(memory: InMemoryApp, *, to: str, by: str = ANDREW) -> DelegateApprovals:
    now = memory.clock.now()
    return DelegateApprovals(
        from_person=ANDREW,
        to_person=to,
        starts_at=now,
        ends_at=now + timedelta(days=14),
        reason="annual leave",
        by=by,
    )


def test_the_deputy_decides_on_the_chief_constables_behalf(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", "rachel.ashworth@cheshire-pcc.example.org")
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    draft(memory, signoff_id, "constabulary-response", PRIYA, "We act.")
    approve(memory, signoff_id, "finding-afi-1", DANIEL)

    assert delegate_approvals(leave(memory, to=SARAH), memory.deps) > 0
    assert {("delegation_started", ANDREW), ("delegation_started", SARAH)} <= set(memory.emails())
    recorded = approve(memory, signoff_id, "constabulary-response", SARAH)
    assert recorded.on_behalf_of == f"Andrew Kershaw <{ANDREW}>"


def test_approvals_are_delegated_only_within_the_organisation(memory: InMemoryApp) -> None:
    memory.refused(
        lambda: delegate_approvals(leave(memory, to=OWEN), memory.deps), NotPermitted, "only to someone of"
    )
    assert memory.emails() == []


def test_a_delegation_of_more_than_a_year_is_refused_naming_its_end(memory: InMemoryApp) -> None:
    now = memory.clock.now()
    command = leave(memory, to=SARAH).model_copy(update={"ends_at": now.replace(year=9999)})
    memory.refused(
        lambda: delegate_approvals(command, memory.deps), InvalidInput, "at most 366 days", "9999-"
    )
    assert delegate_approvals(
        leave(memory, to=SARAH).model_copy(update={"ends_at": now + timedelta(days=366)}), memory.deps
    )
