"""What waits for people across every active sign-off, in SQL: indexed row reads, not whole sign-offs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import literal, or_, select
from sqlalchemy.orm import Session

from signoff.adapters.orm import approval_requests, delegations, revisions, sections, signoffs, stages
from signoff.domain.transitions import RequestState, SectionState, SignoffState, StageState
from signoff.service.ports import TaskRow

# A section its drafters still hold.
DRAFTING = [SectionState.DRAFTING.value, SectionState.CHANGES_REQUESTED.value]


class SqlTaskRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def pending_approvals(self, approver_ids: Sequence[int]) -> list[TaskRow]:
        # Who wrote the text each request is for (a delegate who wrote it may not decide it).
        author = (
            select(revisions.c.author_id)
            .where(
                revisions.c.section_id == approval_requests.c.section_id,
                revisions.c.content_hash == approval_requests.c.revision_hash,
            )
            .order_by(revisions.c.number.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            _task_columns(literal("approve"), approval_requests.c.approver_id, approval_requests.c.due_at)
            .add_columns(author.label("author_id"))
            .select_from(
                approval_requests.join(sections, approval_requests.c.section_id == sections.c.id)
                .join(stages, sections.c.stage_id == stages.c.id)
                .join(signoffs, stages.c.signoff_id == signoffs.c.id)
            )
            .where(
                approval_requests.c.approver_id.in_(list(approver_ids)),
                approval_requests.c.state == RequestState.PENDING.value,
                signoffs.c.state == SignoffState.ACTIVE.value,
            )
        )
        return [_task_row(row) for row in self._session.execute(query)]

    def open_drafting(self, organisation: str) -> list[TaskRow]:
        query = (
            _task_columns(literal("draft"), literal(0), stages.c.due_at)
            .select_from(
                sections.join(stages, sections.c.stage_id == stages.c.id).join(
                    signoffs, stages.c.signoff_id == signoffs.c.id
                )
            )
            .where(
                sections.c.state.in_(DRAFTING),
                stages.c.state == StageState.OPEN.value,
                signoffs.c.state == SignoffState.ACTIVE.value,
                or_(signoffs.c.pcc_org == organisation, signoffs.c.force_org == organisation),
            )
        )
        return [_task_row(row) for row in self._session.execute(query)]

    def active_delegators(self, delegate_id: int, now: datetime) -> list[int]:
        query = select(delegations.c.from_person_id).where(
            delegations.c.to_person_id == delegate_id,
            delegations.c.starts_at <= now,
            delegations.c.ends_at > now,
            delegations.c.revoked_at.is_(None),
        )
        return sorted(set(self._session.scalars(query)))


def _task_columns(kind: Any, holder: Any, due_at: Any) -> Any:
    return select(
        signoffs.c.id.label("signoff_id"),
        signoffs.c.title.label("signoff_title"),
        signoffs.c.pcc_org,
        signoffs.c.force_org,
        signoffs.c.statutory_last_day,
        signoffs.c.publish_by,
        stages.c.title.label("stage_title"),
        sections.c.key.label("section_key"),
        sections.c.title.label("section_title"),
        sections.c.state.label("section_state"),
        kind.label("kind"),
        holder.label("holder_id"),
        sections.c.drafter_ids,
        sections.c.place_organisations,
        due_at.label("due_at"),
    )


def _task_row(row: Any) -> TaskRow:
    return TaskRow(
        signoff_id=row.signoff_id,
        signoff_title=row.signoff_title,
        pcc_org=row.pcc_org,
        force_org=row.force_org,
        statutory_last_day=row.statutory_last_day,
        publish_by=row.publish_by,
        stage_title=row.stage_title,
        section_key=row.section_key,
        section_title=row.section_title,
        section_state=str(row.section_state),
        kind=str(row.kind),
        holder_id=int(row.holder_id),
        drafter_ids=list(row.drafter_ids),
        place_organisations=row.place_organisations,
        author_id=getattr(row, "author_id", None),
        due_at=row.due_at,
    )
