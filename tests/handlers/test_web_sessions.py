"""Sessions on the server: they lapse, they are signed out, an administrator of the office ends them."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from signoff.domain.errors import NotPermitted
from signoff.service.handlers.web_sessions import (
    EndSessions,
    SessionPolicy,
    end_sessions,
    open_session,
    people_sessions,
    resume_session,
    sign_out,
)
from tests.people import HANNAH, OWEN, PRIYA
from tests.support.app import InMemoryApp

POLICY = SessionPolicy(idle=timedelta(hours=1), lifetime=timedelta(hours=12))


def signed_in(memory: InMemoryApp, email: str) -> str:
    with memory.unit_of_work() as uow:
        session_id = open_session(uow, uow.directory.person(email).id, memory.clock.now(), POLICY)
        uow.commit()
    return session_id


def test_a_session_lasts_while_used_and_ends_when_idle_or_signed_out(memory: InMemoryApp) -> None:
    first = signed_in(memory, OWEN)
    memory.clock.advance(timedelta(minutes=50))
    assert resume_session(first, memory.deps, POLICY) is not None
    memory.clock.advance(timedelta(minutes=61))
    assert resume_session(first, memory.deps, POLICY) is None

    second = signed_in(memory, OWEN)
    sign_out(second, memory.deps)
    assert resume_session(second, memory.deps, POLICY) is None


def test_the_offices_administrator_ends_a_persons_sessions(memory: InMemoryApp) -> None:
    session_id = signed_in(memory, OWEN)
    assert people_sessions(HANNAH, memory.deps, POLICY).open_by_email == {OWEN: 1}
    assert end_sessions(EndSessions(person=OWEN, admin=HANNAH), memory.deps) == 1
    assert resume_session(session_id, memory.deps, POLICY) is None


def test_someone_who_administers_no_office_may_not_end_them(memory: InMemoryApp) -> None:
    session_id = signed_in(memory, OWEN)
    memory.refused(lambda: end_sessions(EndSessions(person=OWEN, admin=PRIYA), memory.deps), NotPermitted)
    assert resume_session(session_id, memory.deps, POLICY) is not None


def test_another_offices_administrator_learns_nobody_from_ending_sessions(memory: InMemoryApp) -> None:
    # Grace administers Merseyside's office: Owen (Cheshire's) and an address of nobody are refused alike.
    grace = "grace.mccarthy@merseyside-pcc.example.org"
    refusals = []
    for someone in (OWEN, "nobody.here@cheshire-pcc.example.org"):
        command = EndSessions(person=someone, admin=grace)
        refused = memory.refused(partial(end_sessions, command, memory.deps), NotPermitted)
        refusals.append(refused.message.replace(someone, "SOMEONE"))
    assert refusals[0] == refusals[1]
    assert "cheshire" not in refusals[0]
