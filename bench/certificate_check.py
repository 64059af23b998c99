"""Reading an uploaded certificate (`parse_certificate`), as the public "check a certificate" page does,
for hostile pages as large as the page accepts (CERTIFICATE_BYTES), against an ordinary page of that size.

Anyone may upload, without signing in, so no page may cost time growing with the square of its size: the
cases are many closing tags that close nothing, deep nesting, and the embedded data's opening tag repeated
with no end. Each is CPU time per read, the median of --rounds. The ordinary page is balanced markup of
the same size: paragraphs, each a fact.

Usage: python bench/certificate_check.py [--rounds 5]
Prints a Markdown table, and writes it to bench/results/certificate_check.md (and certificate_check.json).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import suppress

from figures import Figure, record  # bench/figures.py: scripts run as `python bench/NAME.py`

from signoff.adapters.documents.certificate_file import parse_certificate
from signoff.domain.errors import InvalidInput
from signoff.entrypoints.web.public import CERTIFICATE_BYTES
from signoff.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
# Time linear in the page, as the ordinary page's: a page that cost time growing with its square would
# take a thousand times as long.
TARGET_TIMES_ORDINARY = 5.0
OPENING = '<script type="application/json" id="signoff-certificate">'


def _filled(head: str, unit: str, tail: str = "") -> str:
    """`head`, then `unit` repeated, then `tail`: as large as the page accepts."""
    room = CERTIFICATE_BYTES - len(head) - len(tail) - 1
    return head + unit * (room // len(unit)) + tail


# Data enough to be read as a certificate's (what it says is checked afterwards, against the record).
DATA = (
    OPENING
    + '{"signoff_id": 1, "version": 1, "issued_at": "2024-01-04T10:00:00+00:00",'
    + ' "audit": {"events": 1, "head": "0"}, "sections": []}</script>'
)


def ordinary_page() -> str:
    return _filled(DATA, '<p><span data-fact="approver">A name</span> approved it.</p>\n')


def hostile_pages() -> dict[str, str]:
    data = DATA
    half = (CERTIFICATE_BYTES - len(data)) // 14
    return {
        "closing tags that close nothing, after opening ones": data + "<b>" * half + "</i>" * half,
        "deep nesting": _filled(data, "<div>"),
        "the data's opening tag repeated, never ended": _filled("", OPENING),
    }


def seconds_to_read(page: str) -> float:
    started = time.process_time()
    with suppress(InvalidInput):  # refused with a reason: what a hostile page should get
        parse_certificate(page, html=True, source="certificate.html")
    return time.process_time() - started


def median(rounds: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    real = ordinary_page()
    real_seconds = median(args.rounds, lambda: seconds_to_read(real))
    results = [
        (case, len(page), median(args.rounds, lambda page=page: seconds_to_read(page)))  # type: ignore[misc]
        for case, page in hostile_pages().items()
    ]
    worst_case, _, worst = max(results, key=lambda result: result[2])
    met = worst <= TARGET_TIMES_ORDINARY * real_seconds
    rows = "".join(f"| {case} | {size:,} | {seconds:.3f} |\n" for case, size, seconds in results)
    table = (
        f"### Reading an uploaded certificate: CPU time, median of {args.rounds}\n\n"
        "| page | bytes | seconds |\n| --- | ---: | ---: |\n"
        f"| an ordinary page of balanced markup | {len(real):,} | {real_seconds:.4f} |\n"
        f"{rows}\n"
        f"Target: every hostile page as large as the check accepts read in at most {TARGET_TIMES_ORDINARY:g} "
        "times the ordinary page's time: "
        f"{'met' if met else 'MISSED'}.\n"
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "certificate_check.md").write_text(table, encoding="utf-8")
    record(
        "certificate_check",
        "Checking an uploaded certificate",
        [
            Figure(
                what="the worst hostile page as large as the check accepts",
                value=worst,
                unit="s",
                baseline_what="an ordinary page of the same size",
                baseline=real_seconds,
                target=f"at most {TARGET_TIMES_ORDINARY:g}x the ordinary page's time",
                met=met,
                note=f"{worst_case}; CPU time to read it, the median of {args.rounds}",
            )
        ],
        "certificate_check.md",
    )


if __name__ == "__main__":
    main()
