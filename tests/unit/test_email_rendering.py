"""Every notice renders to a proper email: both parts, escaped HTML, a calendar entry for a due date.

The renderer writes the wire bytes directly; `reference_wire` below is the EmailMessage-based builder it
replaced, kept here so that every template is checked to give the same message as it did.
"""

from __future__ import annotations

import email
from collections.abc import Sequence
from datetime import UTC, date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar
from jinja2 import Environment

from signoff.adapters.email_rendering import (
    DEADLINE_EVENTS,
    _folded,
    _header,
    _render,
    _subject,
    _to_header,
    render_email,
    template_environment,
)
from signoff.domain.errors import TemplateProblem
from signoff.domain.notifications import ALLOWED_AUDIENCES, Attachment, NoticeEvent
from signoff.service.notification_examples import example_context
from signoff.settings import PROJECT_ROOT
from tests.email_reference import comparable, reference_wire

ENVIRONMENT = template_environment(PROJECT_ROOT / "templates")
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=UTC)
TO = "daniel.holt@cheshire.police.example.org"
MAIL_FROM = "PCC sign-off <signoff@pcc.example.org>"


def parse(wire: bytes) -> EmailMessage:
    message = email.message_from_bytes(wire, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def render(event: NoticeEvent, **overrides: object) -> EmailMessage:
    """The message as its recipient's mail program reads it."""
    context = {**example_context(event), **overrides}
    return parse(
        render_email(ENVIRONMENT, event, context, mail_from=MAIL_FROM, to=TO, key=f"k:{event}", now=NOW)
    )


@pytest.mark.parametrize(
    "event", [e for e in NoticeEvent if "signoff_short_title" in example_context(e)], ids=str
)
def test_every_email_about_a_sign_off_names_its_report_in_the_subject(event: NoticeEvent) -> None:
    # Two sign-offs at once (a PEEL and a regional report) would otherwise send "Approved: AFI 1" twice,
    # and mail programs would thread them together.
    # Its start at least: a long subject is cut to fit, at its end.
    short_title = str(example_context(event)["signoff_short_title"])
    assert short_title[:20] in str(render(event)["Subject"])


@pytest.mark.parametrize("event", list(NoticeEvent))
def test_every_event_renders_a_subject_and_both_parts(event: NoticeEvent) -> None:
    message = render(event)
    subject = str(message["Subject"])
    assert subject.strip()
    assert "\n" not in subject
    if event is not NoticeEvent.FORMAL_COPY:  # the formal copy names the office and the report in full
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


def test_a_calendar_entry_says_it_is_utf8_so_a_title_with_curly_quotes_reads_as_typed() -> None:
    message = render(NoticeEvent.APPROVAL_REQUESTED, section_title="Chief Constable’s response – “actions”")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_charset() == "utf-8"
    [entry] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert "Chief Constable’s response – “actions”" in str(entry["SUMMARY"])


def test_a_new_due_date_moves_the_approvers_calendar_entry_rather_than_adding_one() -> None:
    def entry(message: EmailMessage) -> Any:
        [attachment] = list(message.iter_attachments())
        [found] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
        return found

    asked = entry(render(NoticeEvent.APPROVAL_REQUESTED))
    moved_message = render(
        NoticeEvent.DUE_DATE_EXTENDED, audience="holder", due="Friday 15 December 2023", due_date="2023-12-15"
    )
    moved = entry(moved_message)
    assert str(moved["uid"]) == str(asked["uid"])
    assert moved.decoded("dtstart") == date(2023, 12, 15)
    assert "New due date" in str(moved_message["Subject"])
    text = moved_message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "has moved from Friday 1 December 2023 to Friday 15 December 2023" in text.get_content()


# The formal copy will carry the published PDF, attached by the publication step.
# The reassigned approver's and drafter's emails, and the approver's whose approval is no longer needed,
# cancel their calendar entries (tested below).
CANCELLING = {
    NoticeEvent.APPROVAL_REASSIGNED,
    NoticeEvent.DRAFTING_REASSIGNED,
    NoticeEvent.APPROVAL_NOT_NEEDED,
}


@pytest.mark.parametrize(
    "event", sorted(set(NoticeEvent) - DEADLINE_EVENTS - {NoticeEvent.FORMAL_COPY} - CANCELLING)
)
def test_other_emails_have_no_attachment(event: NoticeEvent) -> None:
    assert list(render(event).iter_attachments()) == []


def test_the_email_to_an_approver_reassigned_away_cancels_their_calendar_entry() -> None:
    message = render(NoticeEvent.APPROVAL_REASSIGNED)
    [attachment] = list(message.iter_attachments())
    calendar = Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == "CANCEL"
    [entry] = calendar.walk("VEVENT")
    assert str(entry["STATUS"]) == "CANCELLED"
    assert entry.decoded("dtstart") == date(2023, 12, 8)


def test_an_approval_no_longer_needed_cancels_the_entry_its_request_gave_and_says_who_approved() -> None:
    [asked] = list(render(NoticeEvent.APPROVAL_REQUESTED).iter_attachments())
    [request_entry] = Calendar.from_ical(asked.get_content()).walk("VEVENT")
    message = render(NoticeEvent.APPROVAL_NOT_NEEDED)
    [attachment] = list(message.iter_attachments())
    calendar = Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == "CANCEL"
    [entry] = calendar.walk("VEVENT")
    assert str(entry["STATUS"]) == "CANCELLED"
    assert str(entry["UID"]) == str(request_entry["UID"])
    assert "No longer needed: your approval of Area for improvement AFI-1" in str(message["Subject"])
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    words = " ".join(text.get_content().split())
    assert "Claire Bannister has approved Area for improvement AFI-1" in words
    assert "The calendar entry we sent you for it is cancelled with this email." in words
    for_delegate = render(NoticeEvent.APPROVAL_NOT_NEEDED, audience="delegate")
    assert list(for_delegate.iter_attachments()) == []  # a delegate was given no calendar entry
    assert "No longer needed: Daniel Holt's approval" in str(for_delegate["Subject"])


def test_the_email_to_a_drafter_reassigned_away_cancels_the_stages_entry_or_says_it_stays() -> None:
    message = render(NoticeEvent.DRAFTING_REASSIGNED)
    [attachment] = list(message.iter_attachments())
    calendar = Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == "CANCEL"
    [entry] = calendar.walk("VEVENT")
    assert str(entry["STATUS"]) == "CANCELLED"
    assert "No longer yours to draft: Area for improvement AFI-1" in str(message["Subject"])
    still = render(NoticeEvent.DRAFTING_REASSIGNED, calendar_cancel=[])
    assert list(still.iter_attachments()) == []
    text = still.get_body(preferencelist=("plain",))
    assert text is not None
    assert (
        "You still draft other sections of Constabulary response, so its calendar entry stays."
        in " ".join(text.get_content().split())
    )


def test_the_delegate_of_an_approver_reassigned_away_is_told_for_whom_without_a_calendar_cancellation() -> (
    None
):
    message = render(NoticeEvent.APPROVAL_REASSIGNED, audience="delegate")
    assert list(message.iter_attachments()) == []  # a delegate was given no calendar entry
    assert "No longer Daniel Holt's to approve" in str(message["Subject"])
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "instead of Daniel Holt, whose approvals are delegated to you" in " ".join(
        text.get_content().split()
    )


def test_the_same_notice_keeps_its_message_id() -> None:
    first, again = render(NoticeEvent.REMINDER), render(NoticeEvent.REMINDER)
    other = parse(
        render_email(
            ENVIRONMENT,
            NoticeEvent.REMINDER,
            example_context(NoticeEvent.REMINDER),
            mail_from="signoff@pcc.example.org",
            to=TO,
            key="another",
            now=NOW,
        )
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


@pytest.mark.parametrize(
    "event", [NoticeEvent.APPROVAL_REQUESTED, NoticeEvent.REMINDER, NoticeEvent.OVERDUE], ids=str
)
def test_a_delegate_is_asked_to_approve_for_the_person_away_and_gets_no_calendar_entry(
    event: NoticeEvent,
) -> None:
    to_delegate = render(event, audience="delegate")
    to_holder = render(event, audience="approver" if event is NoticeEvent.APPROVAL_REQUESTED else "holder")
    assert "for Daniel Holt" in str(to_delegate["Subject"])
    assert "for Daniel Holt" not in str(to_holder["Subject"])
    for kind in ("plain", "html"):
        body = to_delegate.get_body(preferencelist=(kind,))
        assert body is not None
        assert "Daniel Holt has delegated their approvals to you" in body.get_content(), kind
    assert list(to_delegate.iter_attachments()) == []
    if event is not NoticeEvent.OVERDUE:  # the holder's deadline emails do carry one
        assert [a.get_content_type() for a in to_holder.iter_attachments()] == ["text/calendar"]


def visible(wire: bytes) -> dict[str, object]:
    """What a recipient's mail program shows of a message."""
    message = parse(wire)
    [to] = message["To"].addresses
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    return {
        "headers": {
            name: [str(value) for value in message.get_all(name, [])]
            # Not the Subject: the message API's folding garbled some non-ASCII ones (see subject_of).
            for name in ("From", "Message-ID", "Date", "Auto-Submitted", "X-Signoff-Event")
        },
        "to": (to.display_name, to.addr_spec, len(message.get_all("To", []))),
        "parts": [part.get_content_type() for part in message.walk()],
        "plain": plain.get_content(),
        "html": html.get_content(),
        "attachments": [
            (
                part.get_filename(),
                part.get_content_type(),
                dict(part["Content-Type"].params),
                part.get_payload(decode=True),
            )
            for part in message.iter_attachments()
        ],
    }


ACCENTED = "Siân Ó Briain – €5 café"
LONG_LINE = "Ümlaut and a very long line – " + "word " * 250  # over 1,000 octets with no break


def with_accents(context: dict[str, Any]) -> dict[str, Any]:
    """Names and titles with non-ASCII characters, and free text with a line over 1,000 octets."""
    changed: dict[str, Any] = {**context, "recipient_name": "Siân Ó Briain"}
    for name in ("signoff_title", "stage_title", "section_title", "next_stage_title", "office"):
        if isinstance(context.get(name), str):
            changed[name] = f"{context[name]} – {ACCENTED}"
    for name in ("author_name", "holder_name", "delegator_name", "delegate_name", "decided_by"):
        if name in context:
            changed[name] = "Zoë Ní Bhriain"
    for name in ("comment", "reason", "finding_text", "correction"):
        if name in context:
            changed[name] = f"{LONG_LINE}\r\nA second line, typed in a browser (CRLF).\n"
    if "sections" in context:
        changed["sections"] = [{**s, "title": f"{s['title']} – €"} for s in context["sections"]]
    return changed


PDF = Attachment("response-2023-12-21.pdf", "application/pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40)
CASES = [
    pytest.param(event, audience, variant, id=f"{event.value}-{audience.value}-{variant}")
    for event in NoticeEvent
    for audience in sorted(ALLOWED_AUDIENCES[event])
    for variant in ("plain", "accented")
]


def subject_of(wire: bytes) -> str:
    [subject] = parse(wire).get_all("Subject", [])
    # A long one folded just after "Subject:" reads back with a leading space, which mail programs drop.
    return str(subject).lstrip(" ")


def written_subject(environment: Environment, event: NoticeEvent, context: dict[str, Any]) -> str:
    """The subject as its template wrote it, on one line: what the recipient must read."""
    return " ".join(_render(environment, f"emails/{event.value}.subject.txt", context).split())


def both(
    event: NoticeEvent,
    context: dict[str, Any],
    *,
    environment: Environment = ENVIRONMENT,
    to: str = TO,
    attachments: Sequence[Attachment] = (),
) -> tuple[bytes, bytes]:
    kwargs: dict[str, Any] = {
        "mail_from": MAIL_FROM,
        "to": to,
        "key": f"k:{event}",
        "now": NOW,
        "attachments": attachments,
    }
    return (
        reference_wire(environment, event, context, **kwargs),
        render_email(environment, event, context, **kwargs),
    )


def assert_sound_wire(wire: bytes) -> None:
    """CRLF line ends only, and no line longer than SMTP allows (998 octets before the CRLF)."""
    assert wire.endswith(b"\r\n")
    lines = wire.split(b"\r\n")
    assert not any(b"\r" in line or b"\n" in line for line in lines)
    assert max(len(line) for line in lines) <= 998


@pytest.mark.parametrize(("event", "audience", "variant"), CASES)
def test_every_email_is_the_one_the_message_api_built(
    event: NoticeEvent, audience: str, variant: str
) -> None:
    context = example_context(event, audience)
    if variant == "accented":
        context = with_accents(context)
    attachments = (PDF,) if event is NoticeEvent.FORMAL_COPY else ()
    reference, wire = both(event, context, attachments=attachments)
    assert visible(wire) == visible(reference)
    assert subject_of(wire) == written_subject(ENVIRONMENT, event, context)
    # Stronger still: the same bytes, but for the boundaries (random then, derived from the parts now)
    # and the subject (checked above).
    assert comparable(wire) == comparable(reference)
    assert_sound_wire(wire)


def test_long_subjects_long_lines_and_odd_attachments_match_the_message_api_too(tmp_path: Path) -> None:
    # The shipped subjects are cut at 90 characters; these templates do not cut them.
    emails = tmp_path / "emails"
    emails.mkdir()
    (emails / "reminder.subject.txt").write_text("{{ section_title }}\n")
    (emails / "reminder.txt").write_text("Dear {{ recipient_name }},\n\n{{ comment }}\n")
    (emails / "reminder.html").write_text("<p>Dear {{ recipient_name }},</p>\n<p>{{ comment }}</p>\n")
    environment = template_environment(tmp_path)
    base = {**example_context(NoticeEvent.REMINDER), "comment": LONG_LINE}
    subjects = [
        f"Reminder: {ACCENTED} " * 12,  # non-ASCII, over 200 characters
        "Reminder: please approve " + "the plan " * 30,  # ASCII, over 200 characters
        "x" * 1200,  # one word longer than a line may be
        "Approve =?utf-8?q?this?= now",  # looks like an encoded word
    ]
    names = ["Siân Ó Briain", 'Smith, J. "Jo"', "", "A " * 60]
    attachments = [
        (),
        (PDF,),
        (Attachment("Antwort – Prüfung der Maßnahmen " * 4 + ".pdf", "Application/PDF", b"%PDF-1.7\n"),),
        (Attachment("notes.txt", "text/plain", "Ärger\r\n".encode()), PDF),
    ]
    for subject, name, files in zip(subjects, names, attachments, strict=True):
        context = {**base, "section_title": subject, "recipient_name": name}
        reference, wire = both(NoticeEvent.REMINDER, context, environment=environment, attachments=files)
        assert visible(wire) == visible(reference), subject
        assert subject_of(wire) == written_subject(environment, NoticeEvent.REMINDER, context)
        assert comparable(wire) == comparable(reference), subject
        assert_sound_wire(wire)


@pytest.mark.parametrize(
    "subject",
    [
        # The email package's own folding read this one back as "... Siân ApprovalBhriain ...".
        "Siân Zoë Ó Fri … … Area café café Ní needed Siân Approval Bhriain Bhriain needed Area Ní D",
        f"Reminder: {ACCENTED} " * 12,
    ],
)
def test_a_folded_non_ascii_subject_keeps_its_spaces(subject: str) -> None:
    wire = _subject(subject)
    assert str(parse(wire + b"\r\n")["Subject"]) == subject
    assert max(len(line) for line in wire.split(b"\r\n")) <= 78


@given(st.text(alphabet="aeiouéàüŵŷ âîô–€ ", min_size=1, max_size=160))
def test_any_non_ascii_subject_reads_back_as_written(words: str) -> None:
    subject = " ".join(words.split())
    if subject:
        assert str(parse(_subject(subject) + b"\r\n")["Subject"]) == subject


@pytest.mark.parametrize("field", ["section_title", "recipient_name"])
@pytest.mark.parametrize("event", [NoticeEvent.APPROVAL_REQUESTED, NoticeEvent.SECTION_APPROVED])
def test_a_title_or_a_name_cannot_add_a_header(event: NoticeEvent, field: str) -> None:
    for hostile in ("AFI\r\nBcc: x@evil.example", "AFI\nBcc: x@evil.example", "AFI\u2028Bcc: x@evil.example"):
        wire = render_email(
            ENVIRONMENT,
            event,
            {**example_context(event), field: hostile},
            mail_from=MAIL_FROM,
            to=TO,
            key="k",
            now=NOW,
        )
        headers = wire.split(b"\r\n\r\n", 1)[0]
        assert b"\r\nBcc:" not in headers
        message = parse(wire)
        assert message["Bcc"] is None
        assert len(message.get_all("To", [])) == 1
        assert len(message.get_all("Subject", [])) == 1
        [to] = message["To"].addresses
        assert to.addr_spec == TO
        if field == "recipient_name":
            assert to.display_name == "AFI Bcc: x@evil.example"  # the line break reads as a space
        else:
            assert "AFI Bcc: x@evil.example" in str(message["Subject"])
        assert_sound_wire(wire)


def test_an_address_that_is_not_one_is_refused() -> None:
    context = example_context(NoticeEvent.REMINDER)
    with pytest.raises(ValueError, match="CR or LF"):
        render_email(
            ENVIRONMENT,
            NoticeEvent.REMINDER,
            context,
            mail_from=MAIL_FROM,
            to="x@example.org\r\nBcc: y@evil.example",
            key="k",
            now=NOW,
        )


@pytest.mark.parametrize("event", list(NoticeEvent))
def test_the_same_notice_at_the_same_moment_gives_the_same_bytes(event: NoticeEvent) -> None:
    def wire() -> bytes:
        return render_email(
            ENVIRONMENT,
            event,
            with_accents(example_context(event)),
            mail_from=MAIL_FROM,
            to=TO,
            key="k",
            now=NOW,
            attachments=(PDF,),
        )

    first = wire()
    assert first == wire()
    assert_sound_wire(first)


# The headers written without the email package must be exactly what it writes for them.
_VALUE = st.text(
    alphabet=st.sampled_from([*"abcXYZ019 .,:;<>@()[]\\\"'=?!#~-_\t", "é", "–", "€", "\x00"]), max_size=90
)


@given(_VALUE)
def test_a_header_written_plain_is_what_the_email_package_writes(value: str) -> None:
    value = " ".join(value.split())
    assert _header("Subject", value) == _folded("Subject", value)


@given(_VALUE, st.sampled_from([TO, "a@b.c", "o'brien+tag@example.org", "x@localhost"]))
def test_a_to_header_written_plain_is_what_the_email_package_writes(name: str, to: str) -> None:
    name = " ".join(name.split())
    assert _to_header(name, to) == _folded("To", str(Address(display_name=name, addr_spec=to)))


def test_the_formal_copys_subject_names_the_office_and_the_report_in_full() -> None:
    context = example_context(NoticeEvent.FORMAL_COPY)
    subject = str(render(NoticeEvent.FORMAL_COPY)["Subject"])
    assert subject == f"{context['office']}: response to {context['signoff_title']}"
    correction = str(render(NoticeEvent.FORMAL_COPY, version=2)["Subject"])
    assert correction == f"Correction: {context['office']}: response to {context['signoff_title']}"
