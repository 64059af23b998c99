"""Refusals tell no one who is in another office's directory: an address of nobody and one of someone
elsewhere get one answer, whatever the form (a delegation, a reassignment, a reminder)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from signoff.domain.errors import SignoffError
from signoff.service.commands import DelegateApprovals, Reassign
from signoff.service.handlers.administer import reassign_request
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.remind_now import remind_now
from tests.people import HANNAH, OWEN, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import draft, start_reference

SOMEONE_ELSEWHERE = "liam.doyle@merseyside-pcc.example.org"  # Merseyside's policy officer
NOBODY = "no.one@merseyside-pcc.example.org"


def answer(action: Callable[[str], object], address: str) -> tuple[str, str]:
    """The refusal's kind and words, the address itself taken out."""
    try:
        action(address)
    except SignoffError as error:
        return type(error).__name__, error.message.replace(address, "ADDRESS")
    raise AssertionError(f"{address} was not refused")


def test_nobody_and_someone_of_another_office_get_one_answer_everywhere(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    now = memory.clock.now()

    def delegate_for(address: str) -> object:
        command = DelegateApprovals(
            from_person=address,
            to_person=RACHEL,
            starts_at=now,
            ends_at=now + timedelta(days=3),
            reason="Leave",
            by=HANNAH,
        )
        return delegate_approvals(command, memory.deps)

    def give_to(address: str) -> object:
        command = Reassign(
            signoff_id=signoff_id,
            section="report-summary",
            from_person=RACHEL,
            to_person=address,
            admin=HANNAH,
        )
        reassign_request(command, memory.deps)
        return None

    def remind(address: str) -> object:
        return remind_now(signoff_id, "report-summary", address, HANNAH, memory.deps)

    def take_from(address: str) -> object:
        command = Reassign(
            signoff_id=signoff_id,
            section="report-summary",
            from_person=address,
            to_person=HANNAH,
            admin=HANNAH,
        )
        reassign_request(command, memory.deps)
        return None

    for action in (delegate_for, give_to, remind, take_from):
        assert answer(action, NOBODY) == answer(action, SOMEONE_ELSEWHERE), action.__name__
        assert "Liam Doyle" not in answer(action, SOMEONE_ELSEWHERE)[1], action.__name__
