"""The administration page's reads in SQL: an office's stalled and at-risk holdings, paged, and the
stages' on-time figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from signoff.adapters.orm import approval_requests, people, sections, signoffs, stages
from signoff.adapters.tasks import DRAFTING
from signoff.domain.attention_rule import AttentionFlag
from signoff.domain.transitions import RequestState, SignoffState, StageState
from signoff.service.ports import AttentionRow, OnTimeRow, ReadyRow
from signoff.service.queries.attention import AttentionFilter, Thresholds


class SqlAttentionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def page(
        self, office: str, thresholds: Thresholds, filters: AttentionFilter
    ) -> tuple[list[AttentionRow], int]:
        """One page of holdings and the total. Two steps: filter, count, sort and page narrow rows (ids,
        moments, the holder), then read the titles and names of the page's rows only."""
        holdings = _holdings(office).subquery("holdings")
        h = holdings.c
        flag_tests: dict[str, ColumnElement[bool]] = {
            # The attention rule's flags (domain/attention_rule.py), as SQL over the same limits.
            AttentionFlag.OVERDUE: h.due_at <= thresholds.now,
            AttentionFlag.DUE_SOON: and_(h.due_at > thresholds.now, h.due_at < thresholds.due_soon_before),
            AttentionFlag.IDLE: h.since < thresholds.idle_before,
            AttentionFlag.AT_RISK: h.publish_by <= thresholds.at_risk_on_or_before,
        }
        conditions: list[ColumnElement[bool]] = [
            flag_tests[filters.flag] if filters.flag else or_(*flag_tests.values())
        ]
        if filters.stage:
            conditions.append(h.stage_key == filters.stage)
        needs_people = filters.organisation is not None or filters.sort == "holder"
        source: Any = holdings.join(people, people.c.id == h.holder_id) if needs_people else holdings
        if filters.organisation:
            conditions.append(people.c.organisation_key == filters.organisation)
        order: dict[str, Any] = {
            "due": h.due_at,
            "statutory": h.publish_by,
            "idle": h.since,
            "signoff": h.signoff_id,
            "holder": people.c.name,
        }
        primary = order[filters.sort]
        query = (
            # The total rides along with the page (a window count): one pass over the rows, not two.
            select(h.kind, h.item_id, h.holder_id, func.count().over().label("total"))
            .select_from(source)
            .where(*conditions)
            .order_by(
                primary.desc() if filters.descending else primary.asc(), h.signoff_id, h.item_id, h.holder_id
            )
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        )
        page = self._session.execute(query).all()
        if page:
            total = int(page[0].total)
        else:  # past the last page: count on its own
            total = int(
                self._session.execute(
                    select(func.count()).select_from(source).where(*conditions)
                ).scalar_one()
            )
        details = self._details(page)
        return [details[(str(row.kind), int(row.item_id))] for row in page], total

    def _details(self, page: Sequence[Any]) -> dict[tuple[str, int], AttentionRow]:
        """Titles, names and moments of the page's rows, by kind and request or section id."""
        requests = [int(r.item_id) for r in page if r.kind == "approve"]
        drafting = [int(r.item_id) for r in page if r.kind == "draft"]
        shown = (
            signoffs.c.id.label("signoff_id"),
            signoffs.c.title.label("signoff_title"),
            signoffs.c.statutory_last_day,
            signoffs.c.publish_by,
            stages.c.key.label("stage_key"),
            stages.c.title.label("stage_title"),
            sections.c.key.label("section_key"),
            sections.c.title.label("section_title"),
            people.c.id.label("holder_id"),
            people.c.name,
            people.c.email,
            people.c.organisation_key,
        )
        queries = []
        if requests:
            queries.append(
                select(
                    *shown,
                    literal("approve").label("kind"),
                    approval_requests.c.id.label("item_id"),
                    approval_requests.c.due_at,
                    approval_requests.c.activated_at.label("since"),
                )
                .select_from(
                    approval_requests.join(sections, approval_requests.c.section_id == sections.c.id)
                    .join(stages, sections.c.stage_id == stages.c.id)
                    .join(signoffs, stages.c.signoff_id == signoffs.c.id)
                    .join(people, people.c.id == approval_requests.c.approver_id)
                )
                .where(approval_requests.c.id.in_(requests))
            )
        if drafting:
            queries.append(
                select(
                    *shown,
                    literal("draft").label("kind"),
                    sections.c.id.label("item_id"),
                    stages.c.due_at,
                    sections.c.last_activity_at.label("since"),
                )
                .select_from(
                    sections.join(stages, sections.c.stage_id == stages.c.id)
                    .join(signoffs, stages.c.signoff_id == signoffs.c.id)
                    .join(people, people.c.id == sections.c.drafter_ids[0].as_integer())
                )
                .where(sections.c.id.in_(drafting))
            )
        found: dict[tuple[str, int], AttentionRow] = {}
        for query in queries:
            for row in self._session.execute(query):
                found[(str(row.kind), int(row.item_id))] = AttentionRow(
                    signoff_id=row.signoff_id,
                    signoff_title=row.signoff_title,
                    stage_key=row.stage_key,
                    stage_title=row.stage_title,
                    section_key=row.section_key,
                    section_title=row.section_title,
                    kind=str(row.kind),
                    holder_id=row.holder_id,
                    holder_name=row.name,
                    holder_email=row.email,
                    holder_organisation=row.organisation_key,
                    due_at=row.due_at,
                    since=row.since,
                    statutory_last_day=row.statutory_last_day,
                    publish_by=row.publish_by,
                )
        return found

    def on_time(self, now: datetime) -> list[OnTimeRow]:
        done = stages.c.state == StageState.COMPLETE.value
        query = (
            select(
                signoffs.c.pcc_org,
                stages.c.key,
                func.min(stages.c.title),
                func.sum(case((and_(done, stages.c.completed_at <= stages.c.due_at), 1), else_=0)),
                func.sum(case((and_(done, stages.c.completed_at > stages.c.due_at), 1), else_=0)),
                func.sum(
                    case((and_(stages.c.state == StageState.OPEN.value, stages.c.due_at <= now), 1), else_=0)
                ),
            )
            .join(signoffs, stages.c.signoff_id == signoffs.c.id)
            .where(stages.c.kind == "approval")
            .group_by(signoffs.c.pcc_org, stages.c.key)
            .order_by(signoffs.c.pcc_org, func.min(stages.c.position))
        )
        return [
            OnTimeRow(str(org), str(key), str(title), int(on or 0), int(late or 0), int(overdue or 0))
            for org, key, title, on, late, overdue in self._session.execute(query)
        ]

    def ready_to_publish(self, office: str) -> list[ReadyRow]:
        query = (
            select(
                signoffs.c.id,
                signoffs.c.title,
                stages.c.due_at,
                stages.c.opened_at,
                signoffs.c.statutory_last_day,
                signoffs.c.publish_by,
            )
            .join(stages, stages.c.signoff_id == signoffs.c.id)
            .where(
                signoffs.c.pcc_org == office,
                signoffs.c.state == SignoffState.READY_TO_PUBLISH.value,
                stages.c.kind == "publication",
            )
            .order_by(stages.c.due_at, signoffs.c.id)
        )
        return [ReadyRow(*row) for row in self._session.execute(query)]


def _holdings(office: str) -> Any:
    """Every pending approval and every open drafting section of the office's active sign-offs, one narrow
    row each: what it is (kind and id), its holder (for drafting, the first drafter), its due moment, the
    moment it last moved, the sign-off's publish-by day and the stage."""
    approvals = (
        select(
            literal("approve").label("kind"),
            approval_requests.c.id.label("item_id"),
            approval_requests.c.approver_id.label("holder_id"),
            approval_requests.c.due_at.label("due_at"),
            approval_requests.c.activated_at.label("since"),
            signoffs.c.id.label("signoff_id"),
            signoffs.c.publish_by,
            stages.c.key.label("stage_key"),
        )
        .select_from(
            approval_requests.join(sections, approval_requests.c.section_id == sections.c.id)
            .join(stages, sections.c.stage_id == stages.c.id)
            .join(signoffs, stages.c.signoff_id == signoffs.c.id)
        )
        .where(
            approval_requests.c.state == RequestState.PENDING.value,
            signoffs.c.state == SignoffState.ACTIVE.value,
            signoffs.c.pcc_org == office,
        )
    )
    drafting = (
        select(
            literal("draft").label("kind"),
            sections.c.id.label("item_id"),
            sections.c.drafter_ids[0].as_integer().label("holder_id"),
            stages.c.due_at.label("due_at"),
            sections.c.last_activity_at.label("since"),
            signoffs.c.id.label("signoff_id"),
            signoffs.c.publish_by,
            stages.c.key.label("stage_key"),
        )
        .select_from(
            sections.join(stages, sections.c.stage_id == stages.c.id).join(
                signoffs, stages.c.signoff_id == signoffs.c.id
            )
        )
        .where(
            sections.c.state.in_(DRAFTING),
            stages.c.state == StageState.OPEN.value,
            signoffs.c.state == SignoffState.ACTIVE.value,
            signoffs.c.pcc_org == office,
        )
    )
    return union_all(approvals, drafting)
