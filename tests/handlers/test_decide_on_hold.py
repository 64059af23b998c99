"""Two approvers must both approve the report summary. When one asks for changes, the other, asked and not
yet decided, is told at once that their request is on hold, by whom and why; when the new text comes, they
are asked once more, told it is no longer on hold. Nobody else hears of a hold."""

from __future__ import annotations

import email
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from signoff.adapters.email_rendering import render_email, template_environment
from signoff.domain.notifications import NoticeEvent
from signoff.domain.pipeline import Pipeline
from signoff.settings import PROJECT_ROOT
from tests.people import JOHN, OWEN, RACHEL
from tests.support.app import InMemoryApp, in_memory_app, pipeline
from tests.support.story import approve, draft, request_changes, start_reference

ENVIRONMENT = template_environment(PROJECT_ROOT / "templates")


def summary_approved_by_both() -> Pipeline:
    """The shipped pipeline, with the report summary approved by the chief executive AND the commissioner."""
    spec = pipeline().model_dump(mode="json", exclude_unset=True, by_alias=True)
    spec["stages"][0]["sections"][0]["approval"] = {
        "approvers": [{"role": "chief_executive", "of": "pcc"}, {"role": "commissioner", "of": "pcc"}],
        "require": "all",
    }
    return Pipeline.model_validate(spec)


@pytest.fixture
def two_approvers() -> InMemoryApp:
    memory = in_memory_app()
    both = summary_approved_by_both()
    memory.deps = replace(memory.deps, load_pipeline=lambda: both)
    return memory


def outbox_of(memory: InMemoryApp, event: str, to: str) -> list[dict[str, Any]]:
    return [
        dict(e.context) for e in memory.store.state.outbox if e.event == event and e.recipient_email == to
    ]


def read(event: NoticeEvent, context: dict[str, Any], to: str) -> tuple[str, str]:
    """The subject and the plain-text body, words joined by single spaces, as the recipient reads them."""
    wire = render_email(
        ENVIRONMENT, event, context, mail_from="signoff <signoff@pcc.example.org>", to=to, key="k", now=NOW
    )
    message = email.message_from_bytes(wire, policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(message["Subject"]), " ".join(str(body.get_content()).split())


NOW = in_memory_app(with_directory=False).clock.now()


def test_the_other_approver_is_told_their_request_is_on_hold_then_asked_once_more(
    two_approvers: InMemoryApp,
) -> None:
    memory = two_approvers
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "NWROCU inspected.")
    assert len(outbox_of(memory, "approval_requested", JOHN)) == 1

    request_changes(memory, signoff_id, "report-summary", RACHEL, "Add the grade.")
    [on_hold] = outbox_of(memory, "approval_on_hold", JOHN)
    subject, body = read(NoticeEvent.APPROVAL_ON_HOLD, on_hold, JOHN)
    assert subject.startswith("On hold: Report summary (")
    assert (
        "Your approval request for Report summary is on hold: Rachel Ashworth asked for changes to it."
        in body
    )
    assert "Add the grade." in body
    assert "Once Report summary has been revised, we will ask you to approve the new text." in body
    # Rachel asked for the changes: nothing of hers is on hold. The drafter hears of the changes as before.
    assert outbox_of(memory, "approval_on_hold", RACHEL) == []
    assert len(outbox_of(memory, "changes_requested", OWEN)) == 1

    draft(memory, signoff_id, "report-summary", OWEN, "NWROCU inspected: outstanding.")
    johns = outbox_of(memory, "approval_requested", JOHN)
    assert len(johns) == 2
    subject, body = read(NoticeEvent.APPROVAL_REQUESTED, johns[-1], JOHN)
    assert subject.startswith("No longer on hold, approve by")
    assert "Your approval request for Report summary is no longer on hold." in body
    # Rachel was never on hold: her new request is an ordinary one.
    rachels = outbox_of(memory, "approval_requested", RACHEL)
    assert len(rachels) == 2
    assert read(NoticeEvent.APPROVAL_REQUESTED, rachels[-1], RACHEL)[0].startswith("Approval needed by")

    approve(memory, signoff_id, "report-summary", RACHEL)
    approve(memory, signoff_id, "report-summary", JOHN)
    # One hold, told once; no second on-hold when the new round began.
    assert [to for event, to in memory.emails() if event == "approval_on_hold"] == [JOHN]


def test_an_edit_while_the_approver_is_asked_is_a_new_request_not_the_end_of_a_hold(
    memory: InMemoryApp,
) -> None:
    """Rachel is asked, then the summary is edited: she is asked again at once, on the new text. Her
    request never waited, so the email must not say it is no longer on hold."""
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "NWROCU inspected.")
    draft(memory, signoff_id, "report-summary", OWEN, "NWROCU inspected: outstanding.")
    first, again = outbox_of(memory, "approval_requested", RACHEL)
    assert not first["resumed"]
    assert not again["resumed"]
    subject, body = read(NoticeEvent.APPROVAL_REQUESTED, again, RACHEL)
    assert subject.startswith("Approval needed by")
    assert "on hold" not in body
    assert outbox_of(memory, "approval_on_hold", RACHEL) == []
