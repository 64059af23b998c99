"""Issue #16's email rough edges, as the recipient reads them: a subject that starts with its words, not a
space; deadline subjects that say which report; the 'ready to publish' email's link to the publish page;
an approver told when their request is put on hold, and told again when it is their turn."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any

from signoff.adapters.email_rendering import render_email, template_environment
from signoff.domain.notice_contexts import short_title
from signoff.domain.notifications import NoticeEvent
from signoff.service.notification_examples import example_context
from signoff.settings import PROJECT_ROOT
from tests.people import ANDREW, DANIEL, HANNAH, PRIYA
from tests.support.app import in_memory_app
from tests.support.story import approve, draft, drive_reference, start_reference

ENVIRONMENT = template_environment(PROJECT_ROOT / "templates")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=UTC)


def rendered(event: NoticeEvent, context: dict[str, Any]) -> email.message.EmailMessage:
    wire = render_email(
        ENVIRONMENT,
        event,
        context,
        mail_from="signoff <signoff@pcc.example.org>",
        to=DANIEL,
        key="k",
        now=NOW,
    )
    message = email.message_from_bytes(wire, policy=policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def plain(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_delegation_ended_subject_starts_with_its_words_not_a_space() -> None:
    for audience in ("delegate", "delegator"):
        subject = str(
            rendered(NoticeEvent.DELEGATION_ENDED, example_context(NoticeEvent.DELEGATION_ENDED, audience))[
                "Subject"
            ]
        )
        assert subject.startswith("Delegation ended"), repr(subject)


def test_a_report_title_is_cut_at_a_word_with_an_ellipsis() -> None:
    long = "HMICFRS inspection of the north-west regional response to serious and organised crime"
    assert short_title(long) == "HMICFRS inspection of the north-west regional…"
    assert len(short_title(long)) <= 60
    assert short_title("PEEL 2023: Cheshire") == "PEEL 2023: Cheshire"


def test_two_reports_approval_requests_have_different_subjects() -> None:
    subjects = set()
    for title in ("PEEL 2023: Cheshire", "Joint inspection of custody in Merseyside"):
        context = {
            **example_context(NoticeEvent.APPROVAL_REQUESTED),
            "section_title": "Report summary",
            "signoff_title": title,
            "signoff_short_title": short_title(title),
        }
        subject = str(rendered(NoticeEvent.APPROVAL_REQUESTED, context)["Subject"])
        assert subject == f"Approval needed by Fri 8 Dec: Report summary ({title})"
        subjects.add(subject)
    assert len(subjects) == 2


def test_the_ready_to_publish_email_links_to_the_publish_page() -> None:
    memory = in_memory_app()
    signoff_id = drive_reference(memory, memory.clock)
    [ready] = [
        e for e in memory.store.state.outbox if e.event == "ready_to_publish" and e.recipient_email == HANNAH
    ]
    assert str(ready.context["publish_url"]).endswith(f"/signoffs/{signoff_id}/publish")
    message = rendered(NoticeEvent.READY_TO_PUBLISH, ready.context)
    assert f"/signoffs/{signoff_id}/publish" in plain(message)
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert f'href="{ready.context["publish_url"]}"' in str(html.get_content())


def test_an_approver_whose_request_is_put_on_hold_is_told_why_and_then_told_it_is_their_turn() -> None:
    memory = in_memory_app()
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", "owen.prescott@cheshire-pcc.example.org", "Summary.")
    approve(memory, signoff_id, "report-summary", "rachel.ashworth@cheshire-pcc.example.org")
    memory.clock.advance(timedelta(days=1))
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training rolled out.")
    draft(memory, signoff_id, "constabulary-response", PRIYA, '"We act."')
    approve(memory, signoff_id, "finding-afi-1", DANIEL)
    assert memory.emails().count(("approval_requested", ANDREW)) == 1

    # AFI-1 is edited: the chief constable's request waits again for Daniel.
    memory.clock.advance(timedelta(hours=1))
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training rolled out.\nNew 4P platform.")
    [on_hold] = [
        e for e in memory.store.state.outbox if e.event == "approval_on_hold" and e.recipient_email == ANDREW
    ]
    message = rendered(NoticeEvent.APPROVAL_ON_HOLD, on_hold.context)
    assert str(message["Subject"]).startswith("On hold: Constabulary response (")
    body = " ".join(plain(message).split())
    assert (
        "Your approval request for Constabulary response is on hold: Area for improvement AFI-1 was edited"
        in body
    )
    assert "You do not need to do anything now" in body
    assert memory.emails().count(("approval_requested", ANDREW)) == 1

    # Daniel approves the new text: Andrew's turn again, in words that are not the first request's.
    approve(memory, signoff_id, "finding-afi-1", DANIEL)
    requests = [
        e
        for e in memory.store.state.outbox
        if e.event == "approval_requested" and e.recipient_email == ANDREW
    ]
    assert len(requests) == 2
    first, again = (rendered(NoticeEvent.APPROVAL_REQUESTED, e.context) for e in requests)
    assert str(first["Subject"]).startswith("Approval needed by")
    assert str(again["Subject"]).startswith("No longer on hold, approve by")
    assert "is no longer on hold" in plain(again)
    # Nobody else was told anything was on hold.
    assert [r for e, r in memory.emails() if e == "approval_on_hold"] == [ANDREW]


def test_a_correction_of_a_late_response_is_not_announced_as_published_late() -> None:
    base = example_context(NoticeEvent.PUBLISHED, "participants")
    late_first = {**base, "on_time": False, "days_late": 3}
    first = rendered(NoticeEvent.PUBLISHED, {**late_first, "version": 1})
    assert str(first["Subject"]).startswith("Published late:")
    correction = rendered(NoticeEvent.PUBLISHED, {**late_first, "version": 2, "correction": "A typo."})
    assert str(correction["Subject"]).startswith("Correction published:")
    text = plain(correction)
    assert "The response itself was first published 3 days after the statutory last day" in text
    assert "LATE" not in text


def test_the_formal_copy_greets_the_home_secretary_as_a_letter_does() -> None:
    context = example_context(NoticeEvent.FORMAL_COPY, "home_secretary")
    message = rendered(NoticeEvent.FORMAL_COPY, {**context, "recipient_name": "The Home Secretary"})
    assert "Dear Home Secretary," in plain(message)
    assert "Dear The" not in plain(message)


def test_a_stage_whose_title_begins_with_the_is_not_the_the_stage() -> None:
    """The thematic pipeline's "The force's action" stage, and the default pipeline's "Report summary"."""
    for event in (NoticeEvent.STAGE_COMPLETED, NoticeEvent.DRAFTING_ASSIGNED):
        context = example_context(event, "participant" if event is NoticeEvent.STAGE_COMPLETED else "drafter")
        thematic = rendered(event, {**context, "stage_title": "The force's action"})
        for body in (plain(thematic), str(thematic.get_body(preferencelist=("html",)))):
            assert "The The" not in body
            assert "The force&#39;s action stage" in body or "The force's action stage" in body
        assert "The Report summary stage" in plain(
            rendered(event, {**context, "stage_title": "Report summary"})
        )


def test_an_email_of_no_office_names_no_commissioner_where_a_mayor_holds_the_office() -> None:
    """A sign-in link reaches a Mayor's office's people too: its footer does not call their office a
    Police and Crime Commissioner's."""
    message = rendered(NoticeEvent.SIGN_IN_LINK, example_context(NoticeEvent.SIGN_IN_LINK, "requester"))
    assert "the Police and Crime Commissioner's office" not in plain(message)
    assert "and the mayors' who hold their functions" in plain(message)
