"""Reading an uploaded certificate (`parse_certificate`), as the public "check a certificate" page does,
for hostile pages with as much markup as the check accepts (MOST_TAGS), against an ordinary page of as
many tags.

Anyone may upload, without signing in, so no page may cost time growing with the square of its size: the
cases are closing tags that close nothing (the parser's adoption agency), deep nesting, tags left unclosed
(`</x`, `<?x`, `<a x` with no end, which Python's html.parser took minutes over), and the embedded data's
opening tag repeated with no end. A page with more markup is refused before it is parsed. Each figure is
CPU time per read, the median of --rounds.

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

from signoff.adapters.documents.certificate_file import MOST_TAGS, parse_certificate
from signoff.domain.errors import InvalidInput
from signoff.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
TARGET_SECONDS = 1.0
OPENING = '<script type="application/json" id="signoff-certificate">'


# Data enough to be read as a certificate's (what it says is checked afterwards, against the record).
DATA = (
    OPENING
    + '{"signoff_id": 1, "version": 1, "issued_at": "2024-01-04T10:00:00+00:00",'
    + ' "audit": {"events": 1, "head": "0"}, "sections": []}</script>'
)


def ordinary_page() -> str:
    """Balanced markup, as a certificate's: a paragraph per fact, as many tags as the check accepts."""
    line = '<p><span data-fact="approver">A name</span> approved it.</p>\n'
    return DATA + line * ((MOST_TAGS - 4) // 4)


def hostile_pages() -> dict[str, str]:
    room = MOST_TAGS - 4  # the data's own tags
    return {
        "closing tags that close nothing, after opening ones": DATA
        + "<b>" * (room // 2)
        + "</i>" * (room // 2),
        "deep nesting": DATA + "<div>" * room,
        "closing tags never ended (</x)": DATA + "</x" * room,
        "processing instructions never ended (<?x)": DATA + "<?x" * room,
        "one tag never ended (<a x), then 1 MB": DATA + "<a x" + "y " * 500_000,
        "the data's opening tag repeated, never ended": OPENING * room,
        "more tags than any certificate holds (refused)": DATA + "<b>" * MOST_TAGS,
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
    met = worst <= TARGET_SECONDS
    rows = "".join(f"| {case} | {size:,} | {seconds:.3f} |\n" for case, size, seconds in results)
    table = (
        f"### Reading an uploaded certificate: CPU time, median of {args.rounds}\n\n"
        "| page | bytes | seconds |\n| --- | ---: | ---: |\n"
        f"| an ordinary page of as many tags | {len(real):,} | {real_seconds:.4f} |\n"
        f"{rows}\n"
        f"Target: every hostile page the check accepts read (or refused) in at most {TARGET_SECONDS:g} s: "
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
                what="the worst hostile page the check accepts",
                value=worst,
                unit="s",
                baseline_what="an ordinary page of as many tags",
                baseline=real_seconds,
                target=f"at most {TARGET_SECONDS:g} s",
                met=met,
                note=f"{worst_case}; CPU time to read it, the median of {args.rounds}",
            )
        ],
        "certificate_check.md",
    )


if __name__ == "__main__":
    main()
