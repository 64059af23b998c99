"""The email renderer as it was (an EmailMessage written with the SMTP policy), kept as the reference its
replacement must match: by tests/unit/test_email_rendering.py, and as the baseline of bench/email_rendering.py."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from jinja2 import Environment

from signoff.adapters.email_rendering import (
    _calendar_cancel,
    _calendar_entry,
    _render,
    gives_calendar_cancel,
    gives_calendar_entry,
)
from signoff.domain.notifications import Attachment, NoticeEvent


def reference_wire(
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
    subject = " ".join(_render(environment, f"emails/{event.value}.subject.txt", context).split())
    text = _render(environment, f"emails/{event.value}.txt", context)
    html = _render(environment, f"emails/{event.value}.html", context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail_from
    message["To"] = str(Address(display_name=str(context.get("recipient_name", "")), addr_spec=to))
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "signoff.invalid"
    message["Message-ID"] = f"<{digest}@{domain}>"
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Auto-Submitted"] = "auto-generated"
    message["X-Signoff-Event"] = event.value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if gives_calendar_entry(event, context):
        message.make_mixed()
        message.add_attachment(
            _calendar_entry(event, context, to, subject, now),
            maintype="text",
            subtype="calendar",
            filename="due-date.ics",
            params={"charset": "utf-8", "method": "PUBLISH"},
        )
    elif gives_calendar_cancel(context):
        message.make_mixed()
        message.add_attachment(
            _calendar_cancel(context, to, subject, now),
            maintype="text",
            subtype="calendar",
            filename="cancelled.ics",
            params={"charset": "utf-8", "method": "CANCEL"},
        )
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message.as_bytes(policy=policy.SMTP)


BOUNDARY = re.compile(rb"={15}\d{19}==(?:\.\d+)?")


# A non-ASCII subject, or one with a typed "=?", is encoded by email.header.Header, not as the message API
# did (which could drop a space, or decode what was typed): subjects are compared with what their template
# wrote, by subject_of(), not byte for byte.
SUBJECT_HEADER = re.compile(rb"^Subject:[^\r]*(?:\r\n[ \t][^\r]*)*\r\n", re.MULTILINE)


def comparable(wire: bytes) -> bytes:
    found: dict[bytes, bytes] = {}
    header = SUBJECT_HEADER.search(wire)
    if header:
        wire = wire[: header.start()] + b"Subject: (compared apart)\r\n" + wire[header.end() :]
    return BOUNDARY.sub(lambda m: found.setdefault(m.group(), b"BOUNDARY-%d" % len(found)), wire)
