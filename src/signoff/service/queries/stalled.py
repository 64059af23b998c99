"""What is late, due soon or idle, across every active sign-off, and who holds it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from signoff.domain.deadlines import local_day
from signoff.domain.transitions import SignoffState
from signoff.service.dependencies import Dependencies

PAGE = 500


class StalledItem(BaseModel):
    signoff_id: int
    title: str
    pcc: str
    stage: str
    section: str
    holder: str
    holder_organisation: str
    waiting_to: str
    due_at: datetime
    statutory_last_day: date
    flags: list[str]


def stalled(deps: Dependencies, *, include_on_track: bool = False) -> list[StalledItem]:
    now = deps.clock.now()
    pipeline = deps.load_pipeline()
    monitoring = pipeline.monitoring
    today = local_day(now, pipeline.working_hours)
    items: list[StalledItem] = []
    with deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        offset = 0
        while True:
            page = uow.signoffs.page(states=[SignoffState.ACTIVE.value], limit=PAGE, offset=offset)
            for signoff in page:
                assert signoff.id is not None  # noqa: S101 - read from the database
                for holding in signoff.holdings():
                    flags: list[str] = []
                    due_day = local_day(holding.due_at, pipeline.working_hours)
                    if holding.due_at <= now:
                        flags.append("overdue")
                    elif (
                        deps.calendar.working_days_between(today, due_day) <= monitoring.due_soon_working_days
                    ):
                        flags.append("due soon")
                    if (
                        holding.since is not None
                        and deps.calendar.working_days_between(
                            local_day(holding.since, pipeline.working_hours), today
                        )
                        >= monitoring.idle_after_working_days
                    ):
                        flags.append("idle")
                    if (
                        deps.calendar.working_days_between(today, signoff.publish_by)
                        <= monitoring.due_soon_working_days
                    ):
                        flags.append("statutory deadline at risk")
                    if not flags and not include_on_track:
                        continue
                    person = roster.by_id(holding.person_id)
                    items.append(
                        StalledItem(
                            signoff_id=signoff.id,
                            title=signoff.title,
                            pcc=signoff.pcc_org,
                            stage=holding.stage.key,
                            section=holding.section.key,
                            holder=roster.describe(holding.person_id),
                            holder_organisation=person.organisation,
                            waiting_to=holding.kind,
                            due_at=holding.due_at,
                            statutory_last_day=signoff.statutory_last_day,
                            flags=flags,
                        )
                    )
            if len(page) < PAGE:
                break
            offset += PAGE
    return sorted(items, key=lambda item: (item.due_at, item.signoff_id, item.section))
