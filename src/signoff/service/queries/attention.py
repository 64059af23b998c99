"""The administration page: stalled and at-risk work across an office's sign-offs, as one indexed,
paginated SQL query (the older `stalled` query loads every active sign-off; this one reads rows).

The flags mean what `stalled` means: overdue; due within N working days; idle for N working days;
the statutory deadline within N working days. Working days become moments here, once per request, so
the database compares plain timestamps and dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from signoff.domain.access import Action, Target, require
from signoff.domain.attention_rule import AttentionLimits, attention_flags
from signoff.domain.directory import Participant
from signoff.domain.inspection import Key
from signoff.domain.pipeline import StageKey
from signoff.service.dependencies import Dependencies
from signoff.service.pipelines import stage_choices
from signoff.service.ports import AttentionRow, ReadyRow

Flag = Literal["overdue", "due_soon", "idle", "at_risk"]
Sort = Literal["due", "statutory", "idle", "signoff", "holder"]
FLAG_LABELS: dict[str, str] = {
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "idle": "Idle",
    "at_risk": "Statutory deadline at risk",
}
# The attention rule's limits, under the name the page's SQL reader knows them by.
Thresholds = AttentionLimits


class AttentionFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # Keys, as the configuration spells them: anything else (a NUL byte, say) is refused here, not by the
    # database.
    organisation: Key | None = Field(
        default=None,
        description="Whose place it is: the organisation the section records for the place, else the "
        "holder's (a holder who has moved since stays listed under the place's organisation).",
    )
    stage: StageKey | None = None
    flag: Flag | None = None
    sort: Sort = "due"
    descending: bool = False
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=200)


class AttentionItem(BaseModel):
    signoff_id: int
    signoff_title: str
    stage_key: str
    stage_title: str
    section_key: str
    section_title: str
    waiting_to: str
    holder_id: int
    holder: str
    holder_email: str
    holder_organisation: str
    place_organisation: str = Field(
        description="The organisation whose place it is; differs from the holder's when they have moved."
    )
    due_at: datetime
    since: datetime | None
    statutory_last_day: date
    publish_by: date
    flags: list[str]


class ReadyItem(BaseModel):
    """A sign-off with every approval in, waiting for its office to publish it by its publication stage's
    due day: flagged due soon, overdue, or with the statutory deadline at risk, by the one rule."""

    signoff_id: int
    signoff_title: str
    due_at: datetime
    ready_since: datetime | None
    statutory_last_day: date
    publish_by: date
    flags: list[str]


class AttentionPage(BaseModel):
    office: str
    items: list[AttentionItem]
    # Not filtered or paged with the items: an office has few, and each needs someone to publish it.
    ready: list[ReadyItem] = []
    total: int
    page: int
    per_page: int
    organisations: list[tuple[str, str]]
    stages: list[tuple[str, str]]


class OnTimeFigure(BaseModel):
    office: str
    # The office's short name for a chart's label: the area it serves ("Cheshire"), or its name.
    area: str = ""
    stage_title: str
    on_time: int
    late: int
    open_overdue: int


def admin_of(email: str, deps: Dependencies) -> Participant:
    """The person, if they administer a PCC office (its queue of what needs attention); NotPermitted
    otherwise. Each action they then take is checked against the sign-off or person it is on."""
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        roster = uow.directory.roster()
    require(person, Action.SEE_ATTENTION, Target.office_of(person, roster), roster)
    return person


def flags_of(row: AttentionRow, limits: Thresholds) -> list[str]:
    return [flag.value for flag in attention_flags(row.due_at, row.since, row.publish_by, limits)]


def attention(
    admin_email: str,
    filters: AttentionFilter,
    deps: Dependencies,
) -> AttentionPage:
    limits = deps.attention_limits()
    with deps.new_unit_of_work() as uow:
        admin = uow.directory.person(admin_email)
        roster = uow.directory.roster()
        require(admin, Action.SEE_ATTENTION, Target.office_of(admin, roster), roster)
        rows, total = uow.attention.page(admin.organisation, limits, filters)
        ready = uow.attention.ready_to_publish(admin.organisation)
        # The filters' choices: the office and its force; the stages of every pipeline.
        organisations = [admin.organisation, uow.directory.organisation_force(admin.organisation)]
    stages = stage_choices(deps, admin.organisation)  # as the office calls them
    return AttentionPage(
        office=roster.organisation_name(admin.organisation),
        items=[
            AttentionItem(
                signoff_id=row.signoff_id,
                signoff_title=row.signoff_title,
                stage_key=row.stage_key,
                stage_title=row.stage_title,
                section_key=row.section_key,
                section_title=row.section_title,
                waiting_to=row.kind,
                holder_id=row.holder_id,
                holder=row.holder_name,
                holder_email=row.holder_email,
                holder_organisation=roster.organisation_name(row.holder_organisation),
                place_organisation=roster.organisation_name(row.place_organisation),
                due_at=row.due_at,
                since=row.since,
                statutory_last_day=row.statutory_last_day,
                publish_by=row.publish_by,
                flags=flags_of(row, limits),
            )
            for row in rows
        ],
        ready=[
            ReadyItem(
                **{name: getattr(row, name) for name in ReadyRow.__dataclass_fields__},
                flags=[f.value for f in attention_flags(row.due_at, None, row.publish_by, limits)],
            )
            for row in ready
        ],
        total=total,
        page=filters.page,
        per_page=filters.per_page,
        organisations=[(key, roster.organisation_name(key)) for key in organisations],
        stages=stages,
    )


def on_time_figures(admin_email: str, deps: Dependencies) -> list[OnTimeFigure]:
    """Stages finished by their due moment, late, and still open past it: the administrator's own
    office's, per stage (another office's figures would describe sign-offs it may not open)."""
    with deps.new_unit_of_work() as uow:
        admin = uow.directory.person(admin_email)
        roster = uow.directory.roster()
        require(admin, Action.SEE_FIGURES, Target.office_of(admin, roster), roster)
        rows = [row for row in uow.attention.on_time(deps.clock.now()) if row.pcc_org == admin.organisation]
    return [
        OnTimeFigure(
            office=roster.organisation_name(row.pcc_org),
            area=roster.organisation_area(row.pcc_org) or roster.organisation_name(row.pcc_org),
            stage_title=row.stage_title,
            on_time=row.on_time,
            late=row.late,
            open_overdue=row.open_overdue,
        )
        for row in rows
    ]
