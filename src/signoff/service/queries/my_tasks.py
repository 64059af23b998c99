"""What waits for one person across every active sign-off: sections to draft, approvals to give (their own,
and those delegated to them now), with due dates and the statutory deadline. Read by indexed SQL, not by
loading whole sign-offs, but for the sign-offs of the approvals it finds, whose decisions are offered by the
rule the section page follows."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from signoff.domain.access import honoured_delegators
from signoff.domain.approval import open_decision
from signoff.domain.deadlines import local_day
from signoff.service.dependencies import Dependencies


class TaskItem(BaseModel):
    signoff_id: int
    signoff_title: str
    office: str
    stage_title: str
    section_key: str
    section_title: str
    kind: str
    changes_requested: bool
    on_behalf_of: str | None
    due_at: datetime
    due_on: date
    overdue: bool
    statutory_last_day: date
    publish_by: date


def my_tasks(email: str, deps: Dependencies) -> list[TaskItem]:
    now = deps.clock.now()
    hours = deps.load_pipeline().working_hours
    with deps.new_unit_of_work() as uow:
        me = uow.directory.person(email)
        roster = uow.directory.roster()
        # As a decision honours them: delegations from active people of my organisation, on sign-offs of
        # my office or force (the directory may have moved me, or them, since).
        delegators = honoured_delegators(me, uow.tasks.active_delegators(me.id, now), roster)
        rows = [
            row
            for row in uow.tasks.pending_approvals([me.id, *sorted(delegators)])
            # Not an approval of my own text, which a delegation does not let me give either; nor a place
            # of the office's when I am of the force now (or the force's when of the office).
            if me.organisation in (row.pcc_org, row.force_org)
            and row.author_id != me.id
            and row.place_of(row.holder_id) in (None, me.organisation)
        ]
        # Only what a decision would take from me now (approval.open_decision, as the section page offers):
        # not a text I wrote since it was last approved, nor a place a delegation of mine cannot fill.
        delegations = uow.delegations.for_delegate(me.id)
        signoffs = {sid: uow.signoffs.get(sid) for sid in sorted({row.signoff_id for row in rows})}
        rows = [
            row
            for row in rows
            if open_decision(
                signoffs[row.signoff_id].section(row.section_key)[1], me.id, delegations, roster, now
            )
            is not None
        ]
        rows += [
            row
            for row in uow.tasks.open_drafting(me.organisation)
            if me.id in row.drafter_ids and row.place_of(me.id) in (None, me.organisation)
        ]
    items = [
        TaskItem(
            signoff_id=row.signoff_id,
            signoff_title=row.signoff_title,
            office=roster.organisation_name(row.pcc_org),
            stage_title=row.stage_title,
            section_key=row.section_key,
            section_title=row.section_title,
            kind=row.kind,
            changes_requested=row.section_state == "changes_requested",
            on_behalf_of=roster.by_id(row.holder_id).name
            if row.kind == "approve" and row.holder_id != me.id
            else None,
            due_at=row.due_at,
            due_on=local_day(row.due_at, hours),
            overdue=row.due_at <= now,
            statutory_last_day=row.statutory_last_day,
            publish_by=row.publish_by,
        )
        for row in rows
    ]
    return sorted(items, key=lambda i: (i.due_at, i.signoff_id, i.section_key))
