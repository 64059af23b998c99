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
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from figures import Figure, record  # bench/figures.py: scripts run as `python bench/NAME.py`

from signoff.adapters.email_rendering import (
    JinjaEmailRenderer,
    template_environment,
)
from signoff.domain.notifications import Notice, NoticeEvent, Recipient
from signoff.service.notification_examples import example_context
from signoff.service.notify import render_for_wire
from signoff.settings import PROJECT_ROOT

# The renderer as it was lives with the tests that hold the new one to it: the baseline here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.email_reference import comparable, reference_wire

RESULTS = PROJECT_ROOT / "bench" / "results"
NOW = datetime(2023, 11, 20, 9, 0, tzinfo=UTC)
MAIL_FROM = "PCC sign-off <signoff@pcc.example.org>"
ROUNDS = 5
TARGET_SPEEDUP = 2.0


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


def compare(count: int) -> list[tuple[str, float, float]]:
    """(case, baseline ms per email, new ms per email) for each case."""
    environment = template_environment(PROJECT_ROOT / "templates")
    renderer = JinjaEmailRenderer(environment, MAIL_FROM)

    def new(notice: Notice) -> bytes:
        return render_for_wire(renderer, notice, NOW)

    def old(notice: Notice) -> bytes:
        return reference_wire(
            environment,
            notice.event,
            notice.context,
            mail_from=MAIL_FROM,
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
            if comparable(new(notice)) != comparable(old(notice)):
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
