"""Every notice renders to a proper email: both parts, escaped HTML, a calendar entry for a due date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from signoff.adapters.email_rendering import DEADLINE_EVENTS, render_email, template_environment
from signoff.domain.errors import TemplateProblem
from signoff.domain.notifications import NoticeEvent
from signoff.service.notification_examples import example_context
from signoff.settings import PROJECT_ROOT

ENVIRONMENT = template_environment(PROJECT_ROOT / "templates")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=UTC)
TO = "daniel.holt@cheshire.police.example.org"


def render(event: NoticeEvent, **overrides: object):  # type: ignore[no-untyped-def]
    context = {**example_context(event), **overrides}
    return render_email(
        ENVIRONMENT,
        event,
        context,
        mail_from="PCC sign-off <signoff@pcc.example.org>",
        to=TO,
        key=f"k:{event}",
        now=NOW,
    )


@pytest.mark.parametrize("event", list(NoticeEvent))
def test_every_event_renders_a_subject_and_both_parts(event: NoticeEvent) -> None:
    message = render(event)
    subject = str(message["Subject"])
    assert subject.strip()
    assert "\n" not in subject
    assert len(subject) < 120
    assert TO in str(message["To"])
    assert message["Message-ID"].endswith("@pcc.example.org>")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Daniel Holt" in text
    assert '<html lang="en-GB">' in html
    assert "<title>" in html
    assert "<h1" in html
    assert "you are an approver of this section" in text


@pytest.mark.parametrize("event", [NoticeEvent.APPROVAL_REQUESTED, NoticeEvent.REMINDER, NoticeEvent.OVERDUE])
def test_a_notice_about_a_section_links_to_it_in_both_parts(event: NoticeEvent) -> None:
    message = render(event)
    url = example_context(event)["section_url"]
    assert url in message.get_body(preferencelist=("plain",)).get_content()
    assert f'href="{url}"' in message.get_body(preferencelist=("html",)).get_content()


def test_markup_in_data_is_escaped_in_html_and_kept_as_typed_in_text() -> None:
    comment = '<script>alert("x")</script> & more'
    message = render(NoticeEvent.CHANGES_REQUESTED, comment=comment)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert comment in text


def test_a_subject_cannot_carry_a_header_injection() -> None:
    message = render(NoticeEvent.APPROVAL_REQUESTED, section_title="AFI\r\nBcc: victim@example.org")
    assert "\n" not in str(message["Subject"])
    assert message["Bcc"] is None


def test_a_deadline_email_carries_a_calendar_entry_for_its_due_date() -> None:
    message = render(NoticeEvent.APPROVAL_REQUESTED)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "due-date.ics"
    calendar = Calendar.from_ical(attachment.get_content())
    [entry] = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == date(2023, 12, 8)
    assert str(entry.get("url")) == example_context(NoticeEvent.APPROVAL_REQUESTED)["section_url"]


# The formal copy will carry the published PDF, attached by the publication step.
@pytest.mark.parametrize("event", sorted(set(NoticeEvent) - DEADLINE_EVENTS - {NoticeEvent.FORMAL_COPY}))
def test_other_emails_have_no_attachment(event: NoticeEvent) -> None:
    assert list(render(event).iter_attachments()) == []


def test_the_same_notice_keeps_its_message_id() -> None:
    first, again = render(NoticeEvent.REMINDER), render(NoticeEvent.REMINDER)
    other = render_email(
        ENVIRONMENT,
        NoticeEvent.REMINDER,
        example_context(NoticeEvent.REMINDER),
        mail_from="signoff@pcc.example.org",
        to=TO,
        key="another",
        now=NOW,
    )
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]


def broken_templates(tmp_path: Path, body: str) -> Path:
    emails = tmp_path / "emails"
    emails.mkdir()
    (emails / "reminder.subject.txt").write_text("Reminder\n")
    (emails / "reminder.txt").write_text(body)
    (emails / "reminder.html").write_text("<p>ok</p>\n")
    return tmp_path


def test_a_missing_variable_names_the_template_and_line(tmp_path: Path) -> None:
    environment = template_environment(broken_templates(tmp_path, "Hello\n\n{{ no_such_thing }}\n"))
    with pytest.raises(TemplateProblem) as caught:
        render_email(
            environment,
            NoticeEvent.REMINDER,
            example_context(NoticeEvent.REMINDER),
            mail_from="s@x.example.org",
            to=TO,
            key="k",
            now=NOW,
        )
    assert "reminder.txt" in caught.value.message
    assert "line 3" in caught.value.message
    assert "no_such_thing" in caught.value.message


def test_a_syntax_error_names_the_template_and_line(tmp_path: Path) -> None:
    environment = template_environment(broken_templates(tmp_path, "Hello\n{% if %}\n"))
    with pytest.raises(TemplateProblem) as caught:
        render_email(
            environment,
            NoticeEvent.REMINDER,
            example_context(NoticeEvent.REMINDER),
            mail_from="s@x.example.org",
            to=TO,
            key="k",
            now=NOW,
        )
    assert "reminder.txt" in caught.value.message
    assert "line 2" in caught.value.message


def test_the_wording_follows_the_capacity_the_recipient_hears_in() -> None:
    to_holder = render(NoticeEvent.OVERDUE, audience="holder")
    to_admin = render(NoticeEvent.OVERDUE, audience="pcc_admins")
    assert str(to_holder["Subject"]) != str(to_admin["Subject"])
    delegate = render(NoticeEvent.DELEGATION_STARTED, audience="delegate")
    delegator = render(NoticeEvent.DELEGATION_STARTED, audience="delegator")
    assert "you may decide" in str(delegate["Subject"])
    assert "may decide your approval requests" in str(delegator["Subject"])
