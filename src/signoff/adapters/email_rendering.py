"""Rendering a notice into an email: pure, from one autoescaped, strict Jinja environment. No sending here."""

from __future__ import annotations

import hashlib
import re
import traceback
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)

from signoff.domain.errors import TemplateProblem
from signoff.domain.notifications import Attachment, NoticeEvent

# Notices about a due date carry it as a calendar entry.
DEADLINE_EVENTS = frozenset(
    {
        NoticeEvent.DRAFTING_ASSIGNED,
        NoticeEvent.APPROVAL_REQUESTED,
        NoticeEvent.APPROVAL_INVALIDATED,
        NoticeEvent.REMINDER,
    }
)


def template_environment(templates_dir: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


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
    ) -> EmailMessage:
        message = render_email(
            self._environment, event, context, mail_from=self._mail_from, to=to, key=key, now=now
        )
        for attachment in attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return message


def render_email(
    environment: Environment,
    event: NoticeEvent,
    context: dict[str, Any],
    *,
    mail_from: str,
    to: str,
    key: str,
    now: datetime,
) -> EmailMessage:
    """A multipart/alternative message (plain text and HTML), with an .ics when the notice has a due date."""
    subject = " ".join(_render(environment, f"emails/{event.value}.subject.txt", context).split())
    text = _render(environment, f"emails/{event.value}.txt", context)
    html = _render(environment, f"emails/{event.value}.html", context)

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail_from
    message["To"] = str(Address(display_name=str(context.get("recipient_name", "")), addr_spec=to))
    # Stable for the same notice: a message sent again after a crash is recognisably the same message.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "signoff.invalid"
    message["Message-ID"] = f"<{digest}@{domain}>"
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Auto-Submitted"] = "auto-generated"
    message["X-Signoff-Event"] = event.value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if (
        event in DEADLINE_EVENTS
        and context.get("due_date")
        and (event is not NoticeEvent.APPROVAL_INVALIDATED or context.get("asked_again"))
    ):
        message.make_mixed()
        message.add_attachment(
            _calendar_entry(context, key, subject, now),
            maintype="text",
            subtype="calendar",
            filename="due-date.ics",
            params={"method": "PUBLISH"},
        )
    return message


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


def _calendar_entry(context: dict[str, Any], key: str, subject: str, now: datetime) -> bytes:
    # Imported here: only deadline emails need it, and every flow-run process would pay for it at start.
    from icalendar import Calendar, Event

    due = date.fromisoformat(str(context["due_date"]))
    calendar = Calendar()
    calendar.add("prodid", "-//signoff//PCC response sign-off//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = Event()
    entry.add("uid", f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@signoff")
    entry.add("summary", re.sub(r"\s+", " ", subject)[:200])
    entry.add("dtstart", due)
    entry.add("dtend", due + timedelta(days=1))  # an all-day entry ends the next day (RFC 5545)
    entry.add("dtstamp", now.astimezone(UTC))
    link = context.get("section_url") or context.get("signoff_url")
    if link:
        entry.add("url", str(link))
        entry.add("description", f"Due: {context.get('due', due.isoformat())}\n{link}")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())
