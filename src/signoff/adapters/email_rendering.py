"""Rendering a notice into an email: pure, from one autoescaped, strict Jinja environment. No sending here."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import traceback
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from email import policy, quoprimime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)

from signoff.adapters.compiled_templates import EMAILS
from signoff.domain.errors import TemplateProblem
from signoff.domain.notifications import Attachment, NoticeEvent

# Notices about a due date carry it as a calendar entry.
DEADLINE_EVENTS = frozenset(
    {
        NoticeEvent.DRAFTING_ASSIGNED,
        NoticeEvent.APPROVAL_REQUESTED,
        NoticeEvent.APPROVAL_INVALIDATED,
        NoticeEvent.REMINDER,
        NoticeEvent.DUE_DATE_EXTENDED,
    }
)


def gives_calendar_entry(event: NoticeEvent, context: Mapping[str, Any]) -> bool:
    """Whether the email carries a calendar entry for its due date: a deadline email to the person who
    holds the work. Not to a delegate: they cover for a while, and the entry would outlive the delegation."""
    return (
        event in DEADLINE_EVENTS
        and bool(context.get("due_date"))
        and (event is not NoticeEvent.APPROVAL_INVALIDATED or bool(context.get("asked_again")))
        and context.get("audience") != "delegate"
    )


def gives_calendar_cancel(context: Mapping[str, Any]) -> bool:
    """Whether the email cancels calendar entries earlier emails gave (a request taken away, a sign-off
    withdrawn): not to a delegate, who was given none."""
    return bool(context.get("calendar_cancel")) and context.get("audience") != "delegate"


def salutation(name: str) -> str:
    """How an email greets its recipient: "Dear Home Secretary", not "Dear The Home Secretary"."""
    return name.removeprefix("The ")


def template_environment(templates_dir: Path, compiled: BytecodeCache = EMAILS) -> Environment:
    """The emails' Environment (and, with their own `compiled` cache, the documents')."""
    environment = Environment(
        loader=FileSystemLoader(templates_dir),
        bytecode_cache=compiled,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["salutation"] = salutation
    return environment


class JinjaEmailRenderer:
    def __init__(self, environment: Environment, mail_from: str) -> None:
        self._environment = environment
        self._mail_from = mail_from

    def render(
        self,
        event: NoticeEvent,
        context: dict[str, Any],
        *,
        to: str,
        key: str,
        now: datetime,
        attachments: Sequence[Attachment] = (),
    ) -> bytes:
        return render_email(
            self._environment,
            event,
            context,
            mail_from=self._mail_from,
            to=to,
            key=key,
            now=now,
            attachments=attachments,
        )


def render_email(
    environment: Environment,
    event: NoticeEvent,
    context: dict[str, Any],
    *,
    mail_from: str,
    to: str,
    key: str,
    now: datetime,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """The message as SMTP carries it (CRLF line ends): multipart/alternative (plain text and HTML), inside
    multipart/mixed with an .ics when the notice has a due date, and with any attachments after it.

    Written directly rather than through `email.message.EmailMessage`, whose header parsing and folding
    cost several times the rest of rendering. The bytes are those `EmailMessage` built and
    `as_bytes(policy=email.policy.SMTP)` wrote, boundaries apart (tests/unit/test_email_rendering.py keeps
    that builder and compares): the same transfer encodings, chosen by the same rule, and every header
    that is not short plain ASCII folded by the `email` package itself.
    """
    subject = " ".join(_render(environment, f"emails/{event.value}.subject.txt", context).split())
    text = _render(environment, f"emails/{event.value}.txt", context)
    html = _render(environment, f"emails/{event.value}.html", context)

    # Stable for the same notice: a message sent again after a crash is recognisably the same message.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "signoff.invalid"
    message_id = f"<{digest}@{domain}>"
    head = b"".join(
        (
            _subject(subject),
            _folded("From", mail_from),
            _to_header(str(context.get("recipient_name", "")), to),
            _header("Message-ID", message_id)
            if _PLAIN_MESSAGE_ID.fullmatch(message_id)
            else _folded("Message-ID", message_id),
            _header("Date", format_datetime(now.astimezone(UTC))),
            b"Auto-Submitted: auto-generated\r\n",
            _header("X-Signoff-Event", event.value),
            b"MIME-Version: 1.0\r\n",
        )
    )
    # The parts' headers are in the order, and with the MIME-Version, that EmailMessage gave them.
    plain_encoding, plain_body = _encode_text(text)
    html_encoding, html_body = _encode_text(html)
    alternative = _multipart(
        "alternative",
        [
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: '
            + plain_encoding
            + b"\r\n\r\n"
            + plain_body,
            b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: '
            + html_encoding
            + b"\r\nMIME-Version: 1.0\r\n\r\n"
            + html_body,
        ],
    )
    files: list[bytes] = []
    if gives_calendar_entry(event, context):
        entry = _calendar_entry(event, context, to, subject, now)
        files.append(_CALENDAR_HEADERS + _base64(entry))
    elif gives_calendar_cancel(context):
        files.append(_CANCEL_HEADERS + _base64(_calendar_cancel(context, to, subject, now)))
    files.extend(_attachment(a) for a in attachments)
    if files:
        return head + _multipart("mixed", [alternative, *files])
    return head + alternative


# What EmailMessage (policy email.policy.default) folds headers and wraps encoded bodies to.
_MAX_LINE = 78
# Printable ASCII words, one space apart: written as they are, the email package's folding gives the same.
_PLAIN_TEXT = re.compile(r"[!-~]+(?: [!-~]+)*")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_NAME = re.compile(rf"{_ATEXT}(?: {_ATEXT})*")
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_PLAIN_MESSAGE_ID = re.compile(r"<[0-9a-f]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>")
_PLAIN_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*")
_PLAIN_FILENAME = re.compile(r"[A-Za-z0-9_.-]+")
# The characters str.splitlines() breaks at; the email package refuses a header value with any of them.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_CALENDAR_HEADERS = (
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="due-date.ics"\r\n'
    b'Content-Type: text/calendar; charset="utf-8"; method="PUBLISH"\r\n'
    b"MIME-Version: 1.0\r\n\r\n"
)
_CANCEL_HEADERS = (
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="cancelled.ics"\r\n'
    b'Content-Type: text/calendar; charset="utf-8"; method="CANCEL"\r\n'
    b"MIME-Version: 1.0\r\n\r\n"
)
# SEQUENCE counts from here in seconds: a later email about the same item always carries a higher one,
# with no counter to keep (RFC 5545 asks only that a revision's SEQUENCE be greater than the last).
_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _header(name: str, value: str) -> bytes:
    """A header line. Short plain ASCII needs no folding or encoding; anything else (an "=?", which the
    email package would read as an encoded word, non-ASCII text, control characters, more than fits in
    one line) is folded by the email package, as EmailMessage did it."""
    if len(name) + 2 + len(value) <= _MAX_LINE and "=?" not in value and _PLAIN_TEXT.fullmatch(value):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


def _subject(subject: str) -> bytes:
    if subject.isascii() and "=?" not in subject:
        if len("Subject: ") + len(subject) > _MAX_LINE and _PLAIN_TEXT.fullmatch(subject):
            # The email package moves a subject that fits on one continuation line wholly onto it
            # ("Subject:\r\n Delegation ended: ..."), which mail programs show with a leading space:
            # fold it between words instead, its first words beside "Subject:".
            folded = Header(subject, "us-ascii", header_name="Subject").encode(
                linesep="\r\n", maxlinelen=_MAX_LINE
            )
            if not folded.startswith("\r\n"):
                return b"Subject: " + folded.encode("ascii") + b"\r\n"
        return _header("Subject", subject)
    # Not the email package's folding, which can drop the space between two encoded words where it folds
    # a long non-ASCII subject ("Siân Ó" read as "SiânÓ", about 1 in 20 such subjects over 69
    # characters, Python 3.11), and writes a typed "=?utf-8?q?x?=" as it is, to be read as "x": Header
    # encodes it all, keeping every space inside its encoded words.
    encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n", maxlinelen=_MAX_LINE)
    return b"Subject: " + encoded.encode("ascii") + b"\r\n"


@lru_cache(maxsize=1024)  # subjects, names and the sender repeat from one email to the next
def _folded(name: str, value: str) -> bytes:
    """The header as the email package writes it with the SMTP policy: RFC 2047 encoded words for
    non-ASCII text, lines folded at 78 characters. Raises ValueError for a value it refuses."""
    wire = policy.SMTP
    if len(value.splitlines()) > 1:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return wire.fold_binary(name, wire.header_factory(name, value))


def _to_header(name: str, to: str) -> bytes:
    # A line break in a display name would start a new header; it reads as a space.
    if not _LINE_BREAKS.isdisjoint(name):
        name = " ".join(name.split())
    if _PLAIN_ADDRESS.fullmatch(to) and (not name or _PLAIN_NAME.fullmatch(name)):
        return _header("To", f"{name} <{to}>" if name else to)
    # Quotes a display name with specials, and refuses an address that is not one.
    return _folded("To", str(Address(display_name=name, addr_spec=to)))


def _encode_text(content: str) -> tuple[bytes, bytes]:
    """The transfer encoding and body, as EmailMessage.set_content chooses and encodes them
    (email.contentmanager._encode_text with email.policy.default), with CRLF line ends: 7bit or 8bit when
    no line is longer than 78 octets; otherwise quoted-printable, or base64 when that is shorter."""
    lines = content.encode("utf-8").splitlines()
    if max(map(len, lines), default=0) <= _MAX_LINE:
        return b"7bit" if content.isascii() else b"8bit", b"\r\n".join(lines) + b"\r\n"
    sniff = b"\n".join(lines[:10]) + b"\n"
    sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), _MAX_LINE)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        return b"base64", _base64(b"\n".join(lines) + b"\n")
    if len(lines) > 10:
        sniff_qp = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"), _MAX_LINE)
    return b"quoted-printable", sniff_qp.encode("ascii").replace(b"\n", b"\r\n")


def _base64(data: bytes) -> bytes:
    # 76 characters a line, as email.contentmanager wraps base64 for 78-character lines.
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _attachment(attachment: Attachment) -> bytes:
    content_type, filename = attachment.content_type, attachment.filename
    if (
        _PLAIN_CONTENT_TYPE.fullmatch(content_type)
        and len(content_type) <= _MAX_LINE - len("Content-Type: ")
        and _PLAIN_FILENAME.fullmatch(filename)
        and len(filename) <= _MAX_LINE - len('Content-Disposition: attachment; filename=""')
    ):
        return (
            f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
            f'Content-Disposition: attachment; filename="{filename}"\r\nMIME-Version: 1.0\r\n\r\n'
        ).encode("ascii") + _base64(attachment.data)
    # Any other name or type (RFC 2231 for a non-ASCII filename, folding for a long one) as the email
    # package writes it.
    maintype, _, subtype = content_type.partition("/")
    part = EmailMessage()
    part.set_content(attachment.data, maintype=maintype, subtype=subtype, filename=filename)
    return part.as_bytes(policy=policy.SMTP)


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    """Its Content-Type header, a blank line and the parts between boundaries, laid out as
    email.generator writes them."""
    boundary = _boundary(b"\r\n".join(parts))
    delimiter = b"--" + boundary
    content_type = b'Content-Type: multipart/%s; boundary="%s"\r\n' % (subtype.encode("ascii"), boundary)
    if len(content_type) > _MAX_LINE + 2:
        content_type = b'Content-Type: multipart/%s;\r\n boundary="%s"\r\n' % (
            subtype.encode("ascii"),
            boundary,
        )
    return b"".join(
        (
            content_type,
            b"\r\n",
            delimiter,
            b"\r\n",
            (b"\r\n" + delimiter + b"\r\n").join(parts),
            b"\r\n",
            delimiter,
            b"--\r\n",
        )
    )


def _boundary(text: bytes) -> bytes:
    """In email.generator's form, but derived from the text it separates rather than random: the same
    notice gives the same bytes, and no text can be written to contain the boundary that will follow
    it. Should one contain it all the same, a counter is added, as email.generator does."""
    token = int.from_bytes(hashlib.sha256(text).digest()[:8], "big") % 10**19
    boundary = b"=" * 15 + b"%019d==" % token
    candidate, counter = boundary, 0
    while b"--" + candidate in text:
        candidate = boundary + b".%d" % counter
        counter += 1
    return candidate


def _render(environment: Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return environment.get_template(name).render(context)
    except TemplateSyntaxError as error:
        raise TemplateProblem(
            f"template {error.name or name}, line {error.lineno}: {error.message}"
        ) from None
    except TemplateError as error:
        raise TemplateProblem(f"template {_failing_place(error, name)}: {error.message or error}") from None


def _failing_place(error: BaseException, name: str) -> str:
    """Jinja puts template lines in the traceback; the deepest one is where it failed."""
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if f.filename.endswith(".txt") or f.filename.endswith(".html")
    ]
    if frames:
        last = frames[-1]
        return f"{Path(last.filename).name}, line {last.lineno}"
    return name


def calendar_item(event: NoticeEvent, context: dict[str, Any]) -> tuple[str, str]:
    """What a deadline email's calendar entry stands for: drafting a stage, or approving a section.

    One entry per (sign-off, item, person), however many emails speak of it: a reminder or a request
    asked again updates the entry in the person's calendar instead of adding a second one.
    """
    approving = event in (NoticeEvent.APPROVAL_REQUESTED, NoticeEvent.APPROVAL_INVALIDATED) or (
        event in (NoticeEvent.REMINDER, NoticeEvent.DUE_DATE_EXTENDED)
        and context.get("waiting_to") == "approve"
    )
    if approving:
        return "approve", str(context["section_key"])
    return "draft", str(context["stage_title"])


def _calendar_uid(signoff_id: object, kind: str, item: str, to: str) -> str:
    identity = f"{signoff_id}:{kind}:{item}:{to.strip().lower()}"
    return f"{hashlib.sha256(identity.encode()).hexdigest()[:32]}@signoff"


def _calendar_event(uid: str, due: date, summary: str, now: datetime) -> Any:
    from icalendar import Event

    entry = Event()
    entry.add("uid", uid)
    entry.add("sequence", int((now - _SEQUENCE_EPOCH).total_seconds()))
    entry.add("summary", re.sub(r"\s+", " ", summary)[:200])
    entry.add("dtstart", due)
    entry.add("dtend", due + timedelta(days=1))  # an all-day entry ends the next day (RFC 5545)
    entry.add("dtstamp", now.astimezone(UTC))
    return entry


def _calendar(method: str) -> Any:
    # Imported here: only deadline emails need it, and every flow-run process would pay for it at start.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//signoff//PCC response sign-off//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _calendar_entry(
    event: NoticeEvent, context: dict[str, Any], to: str, subject: str, now: datetime
) -> bytes:
    due = date.fromisoformat(str(context["due_date"]))
    kind, item = calendar_item(event, context)
    calendar = _calendar("PUBLISH")
    entry = _calendar_event(_calendar_uid(context.get("signoff_id"), kind, item, to), due, subject, now)
    link = context.get("section_url") or context.get("signoff_url")
    if link:
        entry.add("url", str(link))
        entry.add("description", f"Due: {context.get('due', due.isoformat())}\n{link}")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())


def _calendar_cancel(context: dict[str, Any], to: str, subject: str, now: datetime) -> bytes:
    """METHOD:CANCEL for every entry the person's deadline emails gave them for this sign-off."""
    calendar = _calendar("CANCEL")
    for item in context["calendar_cancel"]:
        uid = _calendar_uid(context.get("signoff_id"), str(item["kind"]), str(item["item"]), to)
        entry = _calendar_event(uid, date.fromisoformat(str(item["due_date"])), subject, now)
        entry.add("status", "CANCELLED")
        calendar.add_component(entry)
    return bytes(calendar.to_ical())
