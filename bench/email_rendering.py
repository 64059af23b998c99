"""Rendering one notice into the bytes SMTP carries (`render_for_wire`), against the EmailMessage-based
builder it replaced (copied below as the baseline), in the same run.

Both render the project's templates, CPU time per email over --count renders each, in alternating rounds
so that other load on the machine falls on both alike; the figure for each is the median round. Cases:
an approval request with its due date (so with the .ics), a section approval (no due date), and a worst
case: a non-ASCII recipient name and title, different in every email, so no header folding is reused.
Before timing, each case is checked to give the same message both ways (boundaries and the subject's
encoding apart).

Usage: python bench/email_rendering.py [--count 2000]
Prints a Markdown table, and writes it to bench/results/email_rendering.md (and email_rendering.json).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from figures import Figure, record  # bench/figures.py: scripts run as `python bench/NAME.py`
from jinja2 import Environment

from signoff.adapters.email_rendering import (
    DEADLINE_EVENTS,
    JinjaEmailRenderer,
    _calendar_entry,
    _render,
    template_environment,
)
from signoff.domain.notifications import Attachment, Notice, NoticeEvent, Recipient
from signoff.service.notification_examples import example_context
from signoff.service.notify import render_for_wire
from signoff.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=UTC)
MAIL_FROM = "PCC sign-off <signoff@pcc.example.org>"
ROUNDS = 5
TARGET_SPEEDUP = 2.0


def baseline_wire(
    environment: Environment,
    mail_from: str,
    event: NoticeEvent,
    context: dict[str, Any],
    *,
    to: str,
    key: str,
    now: datetime,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """The renderer as it was: an EmailMessage, written with `as_bytes(policy=email.policy.SMTP)`."""
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
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message.as_bytes(policy=policy.SMTP)


def notices(event: NoticeEvent, count: int, *, accented: bool = False) -> list[Notice]:
    """`count` notices of one event to different people, as the handlers would queue them."""
    base = example_context(event)
    made = []
    for n in range(count):
        context = {**base, "recipient_name": f"Person {n}"}
        if accented:
            context["recipient_name"] = f"Siân Ó Briain {n}"
            context["section_title"] = f"Área de mejora {n} – calidad de los planes (€)"
        made.append(
            Notice(
                event,
                Recipient(f"person{n}@example.org", context["recipient_name"]),
                1,
                f"bench:{n}",
                context,
            )
        )
    return made


def ms_per_email(render: Callable[[Notice], bytes], items: list[Notice]) -> float:
    started = time.process_time()
    for notice in items:
        render(notice)
    return (time.process_time() - started) * 1000 / len(items)


BOUNDARY = re.compile(rb"={15}\d{19}==(?:\.\d+)?")


SUBJECT_HEADER = re.compile(rb"^Subject: [^\r]*(?:\r\n[ \t][^\r]*)*\r\n", re.MULTILINE)


def without_boundaries(wire: bytes) -> bytes:
    """The message but for its boundaries, and its subject's header: a non-ASCII subject is encoded by
    email.header.Header now, where the baseline's folding could drop a space (the tests compare what
    each reads as)."""
    found: dict[bytes, bytes] = {}
    header = SUBJECT_HEADER.search(wire)
    if header:
        wire = wire[: header.start()] + wire[header.end() :]
    return BOUNDARY.sub(lambda m: found.setdefault(m.group(), b"BOUNDARY-%d" % len(found)), wire)


def compare(count: int) -> list[tuple[str, float, float]]:
    """(case, baseline ms per email, new ms per email) for each case."""
    environment = template_environment(PROJECT_ROOT / "templates")
    renderer = JinjaEmailRenderer(environment, MAIL_FROM)

    def new(notice: Notice) -> bytes:
        return render_for_wire(renderer, notice, NOW)

    def old(notice: Notice) -> bytes:
        return baseline_wire(
            environment,
            MAIL_FROM,
            notice.event,
            notice.context,
            to=notice.recipient.email,
            key=notice.key,
            now=NOW,
            attachments=notice.attachments,
        )

    cases = {
        "approval_requested, with its due date (.ics attached)": notices(
            NoticeEvent.APPROVAL_REQUESTED, count
        ),
        "section_approved, no due date": notices(NoticeEvent.SECTION_APPROVED, count),
        "approval_requested, non-ASCII name and title, new in every email": notices(
            NoticeEvent.APPROVAL_REQUESTED, count, accented=True
        ),
    }
    results = []
    per_round = max(1, count // ROUNDS)
    for case, items in cases.items():
        for notice in (items[0], replace(items[0], key="another")):
            if without_boundaries(new(notice)) != without_boundaries(old(notice)):
                raise SystemExit(f"{case}: the new renderer's message differs from the baseline's")
        ms_per_email(old, items[:50])  # warm up: templates compiled, modules imported
        ms_per_email(new, items[:50])
        timings: dict[str, list[float]] = {"old": [], "new": []}
        for start in range(0, per_round * ROUNDS, per_round):
            batch = items[start : start + per_round]
            timings["old"].append(ms_per_email(old, batch))
            timings["new"].append(ms_per_email(new, batch))
        results.append((case, statistics.median(timings["old"]), statistics.median(timings["new"])))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="renders of each case, each way")
    args = parser.parse_args()
    results = compare(args.count)
    rows = "".join(
        f"| {case} | {old:.3f} | {new:.3f} | **{old / new:.1f}x** |\n" for case, old, new in results
    )
    # The headline: the two ordinary cases, one email of each.
    old_ms = statistics.mean(old for _, old, _ in results[:2])
    new_ms = statistics.mean(new for _, _, new in results[:2])
    worst_case, worst_old, worst_new = results[2]
    met = all(old / new >= TARGET_SPEEDUP for _, old, new in results)
    table = (
        f"### Rendering one email to wire bytes: {args.count:,} renders of each case, CPU time\n\n"
        "| email | EmailMessage API (ms) | written directly (ms) | faster by |\n"
        "| --- | ---: | ---: | ---: |\n"
        f"{rows}\n"
        f"Target: at least {TARGET_SPEEDUP:g}x faster than the EmailMessage API in every case: "
        f"{'met' if met else 'MISSED'}. Both include rendering the three templates and, for a due date, "
        "the .ics (icalendar), which the change left as they were.\n"
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "email_rendering.md").write_text(table, encoding="utf-8")
    record(
        "email_rendering",
        "Rendering emails",
        [
            Figure(
                what="rendering one email to wire bytes",
                value=new_ms,
                unit="ms",
                baseline_what="the EmailMessage API",
                baseline=old_ms,
                target="at least 2x faster than the EmailMessage API",
                met=old_ms / new_ms >= TARGET_SPEEDUP,
                note="CPU time, the mean of an approval request with its .ics and a section approval; "
                + "; ".join(f"{case}: {old:.2f} ms before, {new:.2f} ms now" for case, old, new in results),
            ),
            Figure(
                what="the worst case: non-ASCII name and title, new in every email",
                value=worst_new,
                unit="ms",
                baseline_what="the EmailMessage API",
                baseline=worst_old,
                target="at least 2x faster than the EmailMessage API",
                met=worst_old / worst_new >= TARGET_SPEEDUP,
                note=f"{worst_case}: every header not plain ASCII is folded by the email package, uncached",
            ),
        ],
        "email_rendering.md",
    )


if __name__ == "__main__":
    main()
