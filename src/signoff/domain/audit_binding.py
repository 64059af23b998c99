"""Binding the rows the audit trail speaks of into its hash chain, so that a hand edit to one is caught.

The chain proves the events; the rows it describes (revisions, approval requests, decisions,
publications) live in their own tables. So each event carries, in its details under `bound`, a digest
of the canonical content of every such row created or changed since the event before it, keyed by the
row's domain identity (ids are not known when the event is written). Verification recomputes each
stored row's digest and compares it with the latest event that bound it; it also recomputes each
revision's SHA-256 from its text.

Rows are marked as changed where the domain changes them (`mark_changed`); `SignOff.record` collects
the marked rows into the event it writes. Pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from signoff.domain.textdiff import content_hash

if TYPE_CHECKING:
    from signoff.domain.audit import AuditEvent
    from signoff.domain.entities import ApprovalRequest, Decision, Revision, Section
    from signoff.domain.publication import Publication
    from signoff.domain.signoff import SignOff

BINDINGS = "bound"
BINDING_VERSION = "signoff-row-v1"
# Kept in the object's own __dict__, like SignOff.new_audit_events: loaded rows skip __init__ and start
# unmarked, which is right, since what was loaded is what an earlier event bound.
_PENDING = "_audit_binding_pending"


def mark_changed(row: object) -> None:
    """This row was created or changed: the next audit event must bind its new content."""
    vars(row)[_PENDING] = True


def _take_mark(row: object) -> bool:
    return bool(vars(row).pop(_PENDING, False))


@dataclass(frozen=True)
class BoundRow:
    """One stored row as the audit trail knows it: its table, identity, content digest and label."""

    table: str
    row_id: int | None
    key: str
    digest: str
    label: str
    created_at: datetime
    # False when a revision's text no longer has the SHA-256 stored beside it.
    text_matches_hash: bool = True


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def _day(value: date) -> str:
    return value.isoformat()


def _digest(kind: str, content: dict[str, Any]) -> str:
    payload = json.dumps({"kind": kind, **content}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{BINDING_VERSION}:{payload}".encode()).hexdigest()


def revision_row(section_key: str, revision: Revision) -> BoundRow:
    digest = _digest(
        "revision",
        {
            "section": section_key,
            "number": revision.number,
            "body": revision.body,
            "content_hash": revision.content_hash,
            "author": revision.author_id,
            "created_at": _moment(revision.created_at),
            "note": revision.note,
        },
    )
    return BoundRow(
        table="revisions",
        row_id=revision.id,
        key=f"revision:{section_key}:{revision.number}",
        digest=digest,
        label=f"section {section_key!r} revision {revision.number}",
        created_at=revision.created_at,
        text_matches_hash=content_hash(revision.body) == revision.content_hash,
    )


def _request_identity(section_key: str, request: ApprovalRequest, occurrence: int) -> str:
    # The same person can hold the same place twice (reassigned away and back): `occurrence` tells
    # those apart, counted in creation order, which is the order the rows are stored and loaded in.
    return f"{section_key}:{request.round}:{request.step}:{request.approver_id}:{occurrence}"


def _request_label(section_key: str, request: ApprovalRequest) -> str:
    return (
        f"section {section_key!r} round {request.round} step {request.step + 1}, "
        f"approver #{request.approver_id}"
    )


def request_row(section_key: str, request: ApprovalRequest, occurrence: int) -> BoundRow:
    digest = _digest(
        "approval_request",
        {
            "section": section_key,
            "round": request.round,
            "step": request.step,
            "approver": request.approver_id,
            "state": request.state.value,
            "revision_hash": request.revision_hash,
            "previously_approved_hash": request.previously_approved_hash,
            "due_at": _moment(request.due_at),
            "created_at": _moment(request.created_at),
            "activated_at": _moment(request.activated_at),
            "closed_at": _moment(request.closed_at),
            "stalled_at": _moment(request.stalled_at),
        },
    )
    return BoundRow(
        table="approval_requests",
        row_id=request.id,
        key="request:" + _request_identity(section_key, request, occurrence),
        digest=digest,
        label=_request_label(section_key, request),
        created_at=request.created_at,
    )


def decision_row(section_key: str, request: ApprovalRequest, occurrence: int, decision: Decision) -> BoundRow:
    digest = _digest(
        "decision",
        {
            "request": _request_identity(section_key, request, occurrence),
            "outcome": decision.outcome.value,
            "comment": decision.comment,
            "decided_by": decision.decided_by_id,
            "on_behalf_of": decision.on_behalf_of_id,
            "revision_hash": decision.revision_hash,
            "decided_at": _moment(decision.decided_at),
        },
    )
    return BoundRow(
        table="decisions",
        row_id=decision.id,
        key="decision:" + _request_identity(section_key, request, occurrence),
        digest=digest,
        label="decision on " + _request_label(section_key, request),
        created_at=decision.decided_at,
    )


def publication_row(publication: Publication) -> BoundRow:
    digest = _digest(
        "publication",
        {
            "version": publication.version,
            "published_at": _moment(publication.published_at),
            "published_on": _day(publication.published_on),
            "published_by": publication.published_by_id,
            "folder": publication.folder,
            "manifest_sha256": publication.manifest_sha256,
            "on_time": publication.on_time,
            "days_late": publication.days_late,
            "note": publication.note,
        },
    )
    return BoundRow(
        table="publications",
        row_id=publication.id,
        key=f"publication:{publication.version}",
        digest=digest,
        label=f"publication version {publication.version}",
        created_at=publication.published_at,
    )


def _section_rows(section: Section, *, only_marked: bool) -> list[BoundRow]:
    rows: list[BoundRow] = []
    for revision in section.revisions:
        if _take_mark(revision) or not only_marked:
            rows.append(revision_row(section.key, revision))
    seen: dict[tuple[int, int, int], int] = {}
    for request in section.requests:
        place = (request.round, request.step, request.approver_id)
        occurrence = seen.get(place, 0)
        seen[place] = occurrence + 1
        if _take_mark(request) or not only_marked:
            rows.append(request_row(section.key, request, occurrence))
        decision = request.decision
        if decision is not None and (_take_mark(decision) or not only_marked):
            rows.append(decision_row(section.key, request, occurrence, decision))
    return rows


def pending_bindings(signoff: SignOff) -> dict[str, str]:
    """The digest of every row marked as changed since the last event, which it unmarks."""
    rows: list[BoundRow] = []
    for stage in signoff.stages:
        for section in stage.sections:
            rows.extend(_section_rows(section, only_marked=True))
    # Publications load lazily and no decision needs them: only a list already loaded (publishing
    # appends to it) can hold a changed one.
    loaded: Iterable[Publication] = vars(signoff).get("publications", ())
    rows.extend(publication_row(p) for p in loaded if _take_mark(p))
    return {row.key: row.digest for row in rows}


def stored_rows(signoff: SignOff) -> list[BoundRow]:
    """Every row the audit trail should bind, as stored now."""
    rows: list[BoundRow] = []
    for stage in signoff.ordered_stages():
        for section in stage.ordered_sections():
            rows.extend(_section_rows(section, only_marked=False))
    rows.extend(publication_row(p) for p in signoff.publications)
    return rows


@dataclass(frozen=True)
class BindingCheck:
    problems: list[str]
    # Rows no event bound, in a sign-off begun before events bound rows: not proved, not disproved.
    unproved: list[str]


def binding_problems(signoff: SignOff, events: Sequence[AuditEvent]) -> BindingCheck:
    """Every stored row that differs from, or is missing from, what the audit trail bound."""
    whose = f"of sign-off #{signoff.id}"
    latest: dict[str, tuple[str, AuditEvent]] = {}
    first: AuditEvent | None = None
    for event in sorted(events, key=lambda e: e.seq):
        bound = event.details.get(BINDINGS) if isinstance(event.details, dict) else None
        if not isinstance(bound, dict):
            continue
        first = first or event
        for key, digest in bound.items():
            latest[str(key)] = (str(digest), event)

    problems: list[str] = []
    unproved: list[str] = []
    rows = stored_rows(signoff)
    for row in rows:
        where = f"{row.table} row {row.row_id} ({row.label}) {whose}"
        if not row.text_matches_hash:
            problems.append(
                f"{where}: its text does not have the SHA-256 stored with it; "
                "the text or its hash was changed outside signoff"
            )
        recorded = latest.get(row.key)
        if recorded is not None:
            digest, event = recorded
            if digest != row.digest:
                problems.append(
                    f"{where} is not what audit event {event.seq} ({event.action}) recorded: "
                    "it was changed outside signoff"
                )
        elif first is not None and row.created_at >= first.at:
            problems.append(
                f"{where} is recorded by no audit event: it was added outside signoff, or changed "
                "in who or what it belongs to"
            )
        else:
            unproved.append(f"{where} predates the audit trail's record of rows; its content is not proved")
    present = {row.key for row in rows}
    for key, (_digest_value, event) in sorted(latest.items(), key=lambda item: item[1][1].seq):
        if key not in present:
            problems.append(
                f"{_table_of(key)}: the {_describe(key)} {whose} that audit event {event.seq} "
                f"({event.action}) recorded is not stored: it was deleted outside signoff, or changed in "
                "who or what it belongs to"
            )
    return BindingCheck(problems=problems, unproved=unproved)


_TABLES = {
    "revision": "revisions",
    "request": "approval_requests",
    "decision": "decisions",
    "publication": "publications",
}


def _table_of(key: str) -> str:
    return _TABLES.get(key.split(":", 1)[0], "unknown table")


def _describe(key: str) -> str:
    kind, _, rest = key.partition(":")
    parts = rest.split(":")
    if kind == "revision" and len(parts) == 2:
        return f"revision {parts[1]} of section {parts[0]!r}"
    if kind in ("request", "decision") and len(parts) == 5:
        what = "approval request" if kind == "request" else "decision"
        return (
            f"{what} of section {parts[0]!r} round {parts[1]} step {int(parts[2]) + 1}, approver #{parts[3]}"
        )
    if kind == "publication":
        return f"publication version {rest}"
    return f"row {key!r}"
