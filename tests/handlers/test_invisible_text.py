"""What must say something (a request for changes' comment, a section's text, a withdrawal's or a
delegation's reason) is refused when it shows nothing: zero-width spaces, word joiners and byte-order
marks, which `str.strip` keeps, passed for text and stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from signoff.domain.errors import InvalidInput
from signoff.domain.model import Outcome
from signoff.service.commands import Decide, DelegateApprovals, SubmitRevision, WithdrawSignoff
from signoff.service.handlers.administer import withdraw_signoff
from signoff.service.handlers.decide import decide
from signoff.service.handlers.submit_revision import submit_revision
from tests.people import ANDREW, HANNAH, OWEN, RACHEL, SARAH
from tests.support.app import InMemoryApp
from tests.support.story import draft, start_reference

INVISIBLE = ["\u200b", "\u2060", "\ufeff", " \u200b\u00a0\u2060 ", "\u200b\n\u200b"]


@pytest.mark.parametrize("nothing", INVISIBLE)
def test_a_comment_a_text_or_a_reason_that_shows_nothing_is_refused(
    memory: InMemoryApp, nothing: str
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    ask = Decide(
        signoff_id=signoff_id,
        section="report-summary",
        actor=RACHEL,
        outcome=Outcome.REQUEST_CHANGES,
        comment=nothing,
    )
    memory.refused(lambda: decide(ask, memory.deps), InvalidInput, "needs a comment")
    write = SubmitRevision(signoff_id=signoff_id, section="report-summary", author=OWEN, body=nothing)
    memory.refused(lambda: submit_revision(write, memory.deps), InvalidInput, "the text is empty")
    if "\n" not in nothing:  # a reason is one line
        for command in (
            lambda: WithdrawSignoff(signoff_id=signoff_id, reason=nothing, admin=HANNAH),
            lambda: DelegateApprovals(
                from_person=ANDREW,
                to_person=SARAH,
                starts_at=memory.clock.now(),
                ends_at=memory.clock.now() + timedelta(days=2),
                reason=nothing,
                by=ANDREW,
            ),
        ):
            with pytest.raises(ValidationError, match="it has no visible character"):
                command()


def test_text_with_invisible_characters_among_visible_ones_is_kept_as_written(memory: InMemoryApp) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    decide(
        Decide(
            signoff_id=signoff_id,
            section="report-summary",
            actor=RACHEL,
            outcome=Outcome.REQUEST_CHANGES,
            comment="Fix\u200bthis",
        ),
        memory.deps,
    )
    withdraw_signoff(
        WithdrawSignoff(signoff_id=signoff_id, reason="Wrong\u2060report", admin=HANNAH), memory.deps
    )
