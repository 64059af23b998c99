"""The statutory dates for a publication date, and the default plan of stage due dates."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from signoff.domain.deadlines import WorkingCalendar, plan_stage_dates, statutory_deadline
from signoff.domain.pipeline import Pipeline


class StageDue(BaseModel):
    key: str
    title: str
    due_on: date


class DeadlinePreview(BaseModel):
    published: date
    statutory_last_day: date
    publish_by: date
    warning: str | None
    stages: list[StageDue]


def deadline_preview(published: date, pipeline: Pipeline, calendar: WorkingCalendar) -> DeadlinePreview:
    """Stage dates as if the sign-off started on the day of publication."""
    deadline = statutory_deadline(published, calendar)
    stages = plan_stage_dates(pipeline, published, deadline, calendar)
    return DeadlinePreview(
        published=published,
        statutory_last_day=deadline.last_day,
        publish_by=deadline.publish_by,
        warning=deadline.warning,
        stages=[StageDue(key=s.key, title=s.title, due_on=s.due_on) for s in stages],
    )
