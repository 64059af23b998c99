"""A person lets another decide for them for a while."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from signoff.domain.errors import InvalidInput, InvalidPeriod, NotFound, NotPermitted
from signoff.domain.model import Outcome
from signoff.service.commands import Decide, DelegateApprovals, EndDelegation
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals, end_delegation
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.queries.directory_view import directory_view
from tests.handlers.test_send_due_notices import person, reload_with
from tests.people import ANDREW, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL, SARAH
from tests.support.app import InMemoryApp
from tests.support.story import approve, delegate, draft, start_reference

FIONA = "fiona.dixon@cumbria-pcc.example.org"  # Cumbria's office administrator


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


def waiting_for_the_chief_constable(memory: InMemoryApp) -> int:
    """The reference sign-off with the constabulary response drafted, waiting for Andrew's approval."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", "rachel.ashworth@cheshire-pcc.example.org")
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    draft(memory, signoff_id, "constabulary-response", PRIYA, "We act.")
    approve(memory, signoff_id, "finding-afi-1", DANIEL)
    return signoff_id


def test_the_deputy_decides_on_the_chief_constables_behalf(memory: InMemoryApp) -> None:
    signoff_id = waiting_for_the_chief_constable(memory)

    assert delegate_approvals(leave(memory, to=SARAH), memory.deps) > 0
    assert {("delegation_started", ANDREW), ("delegation_started", SARAH)} <= set(memory.emails())
    recorded = approve(memory, signoff_id, "constabulary-response", SARAH)
    assert recorded.on_behalf_of == f"Andrew Kershaw <{ANDREW}>"


def test_approvals_are_delegated_only_within_the_organisation(memory: InMemoryApp) -> None:
    memory.refused(
        lambda: delegate_approvals(leave(memory, to=OWEN), memory.deps),
        NotPermitted,
        "only to an active person of",
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


def test_a_delegation_ended_early_stops_at_once_and_both_people_hear(memory: InMemoryApp) -> None:
    signoff_id = waiting_for_the_chief_constable(memory)
    delegation_id = delegate_approvals(leave(memory, to=SARAH), memory.deps)
    memory.clock.advance(timedelta(days=2))

    end_delegation(EndDelegation(delegation_id=delegation_id, by=ANDREW), memory.deps)
    assert {("delegation_ended", ANDREW), ("delegation_ended", SARAH)} <= set(memory.emails())
    decision = Decide(
        signoff_id=signoff_id, section="constabulary-response", actor=SARAH, outcome=Outcome.APPROVE
    )
    memory.refused(lambda: decide(decision, memory.deps), NotPermitted, SARAH)
    # Ending it again changes nothing and says why; the sweep does not tell them a second time.
    again = EndDelegation(delegation_id=delegation_id, by=ANDREW)
    memory.refused(lambda: end_delegation(again, memory.deps), InvalidInput, "already ended")
    told = len(memory.emails())
    memory.clock.advance(timedelta(hours=1))
    send_due_notices(memory.deps)
    assert [e for e in memory.emails()[told:] if e[0] == "delegation_ended"] == []


@pytest.mark.parametrize(
    ("by", "may"),
    [
        (ANDREW, True),  # who gave it
        (SARAH, True),  # who was to cover: they may say they cannot
        (HANNAH, True),  # the office's administrator (Andrew is of its force)
        (FIONA, False),  # another office's administrator
        (DANIEL, False),  # a colleague of theirs with no part in it
    ],
)
def test_who_may_end_a_delegation(memory: InMemoryApp, by: str, may: bool) -> None:
    delegation_id = delegate_approvals(leave(memory, to=SARAH), memory.deps)
    command = EndDelegation(delegation_id=delegation_id, by=by)
    if may:
        end_delegation(command, memory.deps)
        assert ("delegation_ended", ANDREW) in memory.emails()
    else:
        memory.refused(lambda: end_delegation(command, memory.deps), NotPermitted, by)


def test_ending_a_delegation_that_does_not_exist_is_refused_naming_it(memory: InMemoryApp) -> None:
    command = EndDelegation(delegation_id=99, by=ANDREW)
    memory.refused(lambda: end_delegation(command, memory.deps), NotFound, "no delegation #99")


def test_the_same_delegation_asked_for_twice_is_made_and_told_once(memory: InMemoryApp) -> None:
    first = delegate_approvals(leave(memory, to=SARAH), memory.deps)
    told = memory.emails()
    again = leave(memory, to=SARAH)
    memory.refused(
        lambda: delegate_approvals(again, memory.deps), InvalidInput, SARAH, "already decides", f"#{first}"
    )
    assert memory.emails() == told
    # Once it has ended, a new one may be made.
    end_delegation(EndDelegation(delegation_id=first, by=ANDREW), memory.deps)
    assert delegate_approvals(leave(memory, to=SARAH), memory.deps) != first


@pytest.mark.parametrize("year", [1, 9999])
def test_a_delegation_starting_centuries_away_is_refused_naming_the_day(
    memory: InMemoryApp, year: int
) -> None:
    starts = memory.clock.now().replace(year=year)
    command = leave(memory, to=SARAH).model_copy(
        update={"starts_at": starts, "ends_at": starts + timedelta(hours=1)}
    )
    memory.refused(
        lambda: delegate_approvals(command, memory.deps), InvalidInput, "starts within", f"{year:04d}-"
    )


def test_a_delegation_over_before_it_is_made_is_refused_and_nobody_is_told(memory: InMemoryApp) -> None:
    now = memory.clock.now()
    command = leave(memory, to=SARAH).model_copy(
        update={"starts_at": now - timedelta(days=10), "ends_at": now - timedelta(days=5)}
    )
    memory.refused(
        lambda: delegate_approvals(command, memory.deps), InvalidPeriod, "must end after it is made"
    )
    assert memory.emails() == []


def test_someone_moved_to_another_organisation_leaves_their_delegations_behind(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    delegate(memory, RACHEL, JOHN, days=30)

    memory.move(JOHN, "cumbria-pcc")
    # Ended now: John, of Cumbria's office, no longer decides Cheshire's approvals for Rachel...
    [delegation] = memory.store.state.delegations
    assert delegation.revoked_at == memory.clock.now()
    memory.refused(lambda: approve(memory, signoff_id, "report-summary", JOHN), NotPermitted)
    # ...and both are told, as when a delegation runs out.
    memory.clock.advance(timedelta(minutes=15))
    send_due_notices(memory.deps)
    told = [email for event, email in memory.emails() if event == "delegation_ended"]
    assert sorted(told) == sorted([RACHEL, JOHN])


def test_a_delegation_is_not_read_by_the_organisation_its_people_moved_to(memory: InMemoryApp) -> None:
    delegate(memory, RACHEL, OWEN, days=10, reason="Cheshire's business: medical leave")

    def both_move(data: dict[str, Any]) -> None:
        for email in (RACHEL, OWEN):
            person(data, email)["organisation"] = "cumbria-pcc"
        for someone in data["people"]:
            if someone.get("escalation_contact") in (RACHEL, OWEN):
                someone["escalation_contact"] = None

    reload_with(memory, both_move)
    seen_by_cumbria = directory_view(FIONA, memory.deps)
    assert {RACHEL, OWEN} <= {p.email for p in seen_by_cumbria.people}
    assert seen_by_cumbria.delegations == []  # made in Cheshire: not Cumbria's to read


def test_the_office_still_sees_the_cover_it_arranged_after_a_move_ends_it(memory: InMemoryApp) -> None:
    delegate(memory, RACHEL, JOHN, days=30, reason="medical leave")

    memory.move(JOHN, "cumbria-pcc")
    [line] = directory_view(HANNAH, memory.deps).delegations
    assert (line.reason, line.active, line.ended) == ("medical leave", False, True)
    assert directory_view(FIONA, memory.deps).delegations == []  # John's new office does not read it


def test_a_delegation_not_yet_begun_is_called_off_by_a_move_never_ending_before_it_begins(
    memory: InMemoryApp,
) -> None:
    now = memory.clock.now()
    delegate_approvals(
        DelegateApprovals(
            from_person=RACHEL,
            to_person=JOHN,
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=10),
            reason="leave next week",
            by=RACHEL,
        ),
        memory.deps,
    )

    memory.move(JOHN, "cumbria-pcc")
    [delegation] = memory.store.state.delegations
    assert delegation.starts_at == delegation.ends_at == now
    memory.clock.advance(timedelta(minutes=15))
    send_due_notices(memory.deps)
    assert sorted(e for ev, e in memory.emails() if ev == "delegation_ended") == sorted([RACHEL, JOHN])


def test_someone_removed_and_put_back_does_not_get_their_old_delegations_back(memory: InMemoryApp) -> None:
    delegate(memory, RACHEL, JOHN, days=30)

    memory.move(JOHN, None)
    memory.clock.advance(timedelta(days=1))
    reload_with(memory, lambda _data: None)  # John is back, in the same office
    [delegation] = memory.store.state.delegations
    assert not delegation.active_at(memory.clock.now())


def test_approvals_are_not_delegated_to_someone_away_themselves(memory: InMemoryApp) -> None:
    # Sarah, the deputy, is away for a week from tomorrow, and Daniel covers for her: Andrew's leave cannot
    # go to her (his work would wait for two people away), but may go to Daniel, or to her after she is back.
    now = memory.clock.now()
    sarah_away = DelegateApprovals(
        from_person=SARAH,
        to_person=DANIEL,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=8),
        reason="annual leave",
        by=SARAH,
    )
    delegate_approvals(sarah_away, memory.deps)
    memory.refused(
        lambda: delegate_approvals(leave(memory, to=SARAH), memory.deps),
        InvalidInput,
        f"{SARAH} is away themselves from",
        "choose someone who is here",
    )
    assert delegate_approvals(leave(memory, to=DANIEL), memory.deps) > 0
    after_she_is_back = DelegateApprovals(
        from_person=ANDREW,
        to_person=SARAH,
        starts_at=now + timedelta(days=9),
        ends_at=now + timedelta(days=20),
        reason="a conference",
        by=ANDREW,
    )
    assert delegate_approvals(after_she_is_back, memory.deps) > 0


def test_an_administrator_does_not_delegate_someones_approvals_to_themselves(memory: InMemoryApp) -> None:
    # Hannah administers the office: she may set up Rachel's cover, not make herself the one approving as
    # Rachel. Rachel may choose her.
    now = memory.clock.now()

    def rachel_to_hannah(by: str) -> DelegateApprovals:
        return DelegateApprovals(
            from_person=RACHEL,
            to_person=HANNAH,
            starts_at=now,
            ends_at=now + timedelta(days=7),
            reason="annual leave",
            by=by,
        )

    memory.refused(
        lambda: delegate_approvals(rachel_to_hannah(HANNAH), memory.deps),
        NotPermitted,
        f"{HANNAH} cannot delegate {RACHEL}'s approvals to themselves",
    )
    assert delegate_approvals(rachel_to_hannah(RACHEL), memory.deps) > 0


def test_someone_covering_for_another_may_not_go_away_without_handing_that_on(memory: InMemoryApp) -> None:
    # Andrew's approvals go to Sarah for a fortnight; Sarah then asks Daniel to cover her own for a week of
    # it: Andrew's would wait for two people away. Refused until Sarah's cover of Andrew ends.
    cover_id = delegate_approvals(leave(memory, to=SARAH), memory.deps)
    now = memory.clock.now()
    sarah_away = DelegateApprovals(
        from_person=SARAH,
        to_person=DANIEL,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=10),
        reason="annual leave",
        by=SARAH,
    )
    memory.refused(
        lambda: delegate_approvals(sarah_away, memory.deps),
        InvalidInput,
        f"{SARAH} decides for {ANDREW} from",
        f"(delegation #{cover_id})",
    )
    end_delegation(EndDelegation(delegation_id=cover_id, by=ANDREW), memory.deps)
    assert delegate_approvals(sarah_away, memory.deps) > 0
