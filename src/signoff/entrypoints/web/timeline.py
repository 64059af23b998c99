"""The geometry of a sign-off's timeline: each stage as a bar against its due date and the statutory last
day. Pure arithmetic; the SVG itself is a template (web/_timeline.html)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from signoff.entrypoints.web.formatting import LONDON
from signoff.service.queries.signoff_page import SignoffPage

WIDTH = 800
LEFT = 190
RIGHT = 20
ROW = 44
TOP = 40


@dataclass(frozen=True)
class Bar:
    y: int
    title: str
    state: str
    x: float
    width: float
    due_x: float
    late: bool


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    bars: list[Bar]
    ticks: list[Tick]
    statutory_x: float
    today_x: float | None
    # Where a bar's title and the bar sit in its row: beside it (wide), or above it (narrow screens).
    label_x: int = 8
    label_dy: int = 18
    bar_dy: int = 4
    font_size: int = 14


def _day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def timeline(page: SignoffPage, now: datetime, *, narrow: bool = False) -> Timeline:
    """The wide drawing has each stage's title beside its bar; the narrow one (for a phone), a drawing
    half as wide with the title above the bar, so that its words stay readable when it is scaled down."""
    width, left, row = (400, 8, 58) if narrow else (WIDTH, LEFT, ROW)
    start = page.published
    end = max([page.statutory_last_day, *(s.due_on for s in page.stages)]) + timedelta(days=2)
    span = max(1, (end - start).days)

    def x(day: date) -> float:
        return round(left + (width - left - RIGHT) * (day - start).days / span, 1)

    today = _day(now)
    bars: list[Bar] = []
    previous_due = max(start, _day(page.started_at))
    for number, stage in enumerate(page.stages):
        begin = _day(stage.opened_at) if stage.opened_at else previous_due
        if stage.completed_at:
            finish = _day(stage.completed_at)
        elif stage.state == "open":
            finish = max(today, begin)
        else:
            finish = stage.due_on
        finish = max(finish, begin)
        bars.append(
            Bar(
                y=TOP + number * row,
                title=stage.title,
                state=stage.state,
                x=x(begin),
                width=max(3.0, x(finish + timedelta(days=1)) - x(begin)),
                due_x=x(stage.due_on),
                late=(stage.completed_at or now) > stage.due_at and stage.state in ("open", "complete"),
            )
        )
        previous_due = stage.due_on
    ticks: list[Tick] = []
    first_of_month = date(start.year, start.month, 1)
    while first_of_month <= end:
        if first_of_month >= start:
            ticks.append(Tick(x(first_of_month), f"{first_of_month:%-d %b}"))
        first_of_month = (first_of_month + timedelta(days=32)).replace(day=1)
    return Timeline(
        width=width,
        height=TOP + len(page.stages) * row + 30,
        left=left,
        bars=bars,
        ticks=ticks,
        statutory_x=x(page.statutory_last_day),
        today_x=x(today) if start <= today <= end else None,
        label_dy=16 if narrow else 18,
        bar_dy=24 if narrow else 4,
        font_size=16 if narrow else 14,
    )
