"""The benchmark report: every figure from bench/results/*.json beside its baseline from the same run,
whether its target is met and, if not, by how much; with a chart. Writes bench/results/REPORT.md."""

from __future__ import annotations

import json
from typing import Any

from figures import RESULTS

ORDER = [
    "decision_latency",
    "mail_delivery",
    "email_rendering",
    "approval_latency",
    "sweep",
    "stalled_page",
    "certificate_check",
]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _ratio(figure: dict[str, Any]) -> str:
    baseline, value = figure["baseline"], figure["value"]
    if not baseline or not value:
        return ""
    if figure["lower_is_better"]:
        timed = figure["unit"] in ("s", "ms")
        better, worse = ("faster", "slower") if timed else ("smaller", "larger")
        return (
            f"{baseline / value:,.1f}x {better}" if value < baseline else f"{value / baseline:,.1f}x {worse}"
        )
    return f"{value / baseline:,.1f}x more" if value > baseline else f"{baseline / value:,.1f}x less"


def _chart(title: str, figures: list[dict[str, Any]]) -> str:
    """A Mermaid bar chart (GitHub draws it): each figure beside its baseline, in the figure's unit."""
    unit = figures[0]["unit"]
    bars: list[tuple[str, float]] = []
    for figure in figures:
        if figure["unit"] != unit:
            continue
        bars.append((figure["what"], figure["value"]))
        if figure["baseline"] is not None:
            bars.append((f"baseline: {figure['baseline_what']}", figure["baseline"]))
    labels = ", ".join(json.dumps(label[:40]) for label, _ in bars)
    values = ", ".join(f"{value:.3g}" for _, value in bars)
    top = max(value for _, value in bars) * 1.1 or 1
    return (
        "```mermaid\nxychart-beta\n"
        f'    title "{title} ({unit})"\n'
        f"    x-axis [{labels}]\n"
        f'    y-axis "{unit}" 0 --> {top:.3g}\n'
        f"    bar [{values}]\n```\n"
    )


def main() -> None:
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in RESULTS.glob("*.json")}
    names = [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)
    lines = [
        "# Benchmark report",
        "",
        "Written by `make bench` (`bench/report.py`) from the figures each benchmark in `bench/` recorded.",
        "Every figure stands beside its baseline, measured in the same run on the same machine.",
        "",
        "| benchmark | figure | value | baseline (same run) | compared | target | met |",
        "| --- | --- | ---: | ---: | --- | --- | --- |",
    ]
    missing = [n for n in ORDER if n not in found]
    for name in names:
        result = found[name]
        for f in result["figures"]:
            baseline = (
                f"{_number(f['baseline'])} {f['unit']} ({f['baseline_what']})"
                if f["baseline"] is not None
                else "-"
            )
            lines.append(
                f"| [{result['title']}]({result['details']}) | {f['what']} | {_number(f['value'])} {f['unit']} "
                f"| {baseline} | {_ratio(f)} | {f['target']} | {'yes' if f['met'] else '**no**'} |"
            )
    lines.append("")
    for name in names:
        result = found[name]
        lines += [f"## {result['title']}", "", f"Run {result['run_at']} on {result['machine']}.", ""]
        lines.append(_chart(result["title"], result["figures"]))
        for f in result["figures"]:
            if f["note"]:
                lines.append(f"- {f['what']}: {f['note']}")
        lines += ["", f"The full table: [{result['details']}]({result['details']}).", ""]
    if missing:
        lines += ["## Not run", "", *[f"- {n}: no results in bench/results/" for n in missing], ""]
    report = "\n".join(lines)
    (RESULTS / "REPORT.md").write_text(report, encoding="utf-8")
    print(report)
    print(f"\nwritten: {RESULTS / 'REPORT.md'}")


if __name__ == "__main__":
    main()
