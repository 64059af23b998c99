"""The administration page's reads in SQL: an office's stalled and at-risk holdings, paged, and the
stages' on-time figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
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
        holdings = _holdings(office, self._session.get_bind().dialect.name).subquery("holdings")
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
            # The place's organisation where the section records it (its holder may have moved since),
            # else the holder's own, as the domain reads it (Section.place_of).
            conditions.append(func.coalesce(h.place_of, people.c.organisation_key) == filters.organisation)
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
            select(h.kind, h.item_id, h.holder_id, h.place_of, func.count().over().label("total"))
            .select_from(source)
            .where(*conditions)
            .order_by(
                primary.desc() if filters.descending else primary.asc(),
                h.signoff_id,
                # A request's id and a section's may be equal: the kind settles the order between them.
                h.kind,
                h.item_id,
                h.holder_id,
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
        holders = self._holders({int(row.holder_id) for row in page})
        return [
            _row(details[(str(row.kind), int(row.item_id))], holders[int(row.holder_id)], row.place_of)
            for row in page
        ], total

    def _holders(self, ids: set[int]) -> dict[int, Any]:
        if not ids:
            return {}
        query = select(people.c.id, people.c.name, people.c.email, people.c.organisation_key)
        return {int(person.id): person for person in self._session.execute(query.where(people.c.id.in_(ids)))}

    def _details(self, page: Sequence[Any]) -> dict[tuple[str, int], Any]:
        """Titles and moments of the page's rows, by kind and request or section id (a section's drafters
        share its drafting row's)."""
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
                    sections.join(stages, sections.c.stage_id == stages.c.id).join(
                        signoffs, stages.c.signoff_id == signoffs.c.id
                    )
                )
                .where(sections.c.id.in_(drafting))
            )
        return {
            (str(row.kind), int(row.item_id)): row
            for query in queries
            for row in self._session.execute(query)
        }

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


def _row(detail: Any, holder: Any, place_of: str | None) -> AttentionRow:
    return AttentionRow(
        signoff_id=detail.signoff_id,
        signoff_title=detail.signoff_title,
        stage_key=detail.stage_key,
        stage_title=detail.stage_title,
        section_key=detail.section_key,
        section_title=detail.section_title,
        kind=str(detail.kind),
        holder_id=int(holder.id),
        holder_name=holder.name,
        holder_email=holder.email,
        holder_organisation=holder.organisation_key,
        place_organisation=place_of or holder.organisation_key,
        due_at=detail.due_at,
        since=detail.since,
        statutory_last_day=detail.statutory_last_day,
        publish_by=detail.publish_by,
    )


def _drafters(dialect: str) -> Any:
    """A section's drafters, one row each (`value`): its JSON list expanded, as the domain's holdings list
    every drafter (domain/holdings.py). Each database names the function its own way."""
    if dialect == "postgresql":
        return func.json_array_elements_text(sections.c.drafter_ids).table_valued("value").lateral("drafter")
    return func.json_each(sections.c.drafter_ids).table_valued("value").alias("drafter")


def _place_of(holder_id: Any, dialect: str) -> Any:
    """The organisation whose place the holder holds on the section, where it records one (its
    place_organisations, keyed by the person's id); NULL where it does not."""
    key = cast(holder_id, String)
    if dialect == "postgresql":
        return sections.c.place_organisations.op("->>", return_type=String)(key)
    return func.json_extract(
        sections.c.place_organisations, literal('$."') + key + literal('"'), type_=String
    )


def _holdings(office: str, dialect: str) -> Any:
    """Every pending approval and every drafter of an open drafting section of the office's active
    sign-offs, one narrow row each: what it is (kind and id), its holder, whose place it is where recorded,
    its due moment, the moment it last moved, the sign-off's publish-by day and the stage."""
    drafter = _drafters(dialect)
    drafter_id = cast(drafter.c.value, Integer)
    approvals = (
        select(
            literal("approve").label("kind"),
            approval_requests.c.id.label("item_id"),
            approval_requests.c.approver_id.label("holder_id"),
            _place_of(approval_requests.c.approver_id, dialect).label("place_of"),
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
            drafter_id.label("holder_id"),
            _place_of(drafter_id, dialect).label("place_of"),
            stages.c.due_at.label("due_at"),
            sections.c.last_activity_at.label("since"),
            signoffs.c.id.label("signoff_id"),
            signoffs.c.publish_by,
            stages.c.key.label("stage_key"),
        )
        .select_from(
            sections.join(stages, sections.c.stage_id == stages.c.id)
            .join(signoffs, stages.c.signoff_id == signoffs.c.id)
            .join(drafter, true())
        )
        .where(
            sections.c.state.in_(DRAFTING),
            stages.c.state == StageState.OPEN.value,
            signoffs.c.state == SignoffState.ACTIVE.value,
            signoffs.c.pcc_org == office,
        )
    )
    return union_all(approvals, drafting)
