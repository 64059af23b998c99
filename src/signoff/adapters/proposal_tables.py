"""The publications watcher's tables (issue #18), on the schema's one MetaData (adapters/orm.py)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from signoff.adapters.column_types import EnumText, UTCDateTime
from signoff.adapters.orm import metadata
from signoff.domain.transitions import ProposalState

# A report proposed to an office: one per report address and office, whatever the runs that saw it.
proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_url", String(2000), nullable=False),
    Column("office", String(64), ForeignKey("organisations.key"), nullable=False),
    Column("concern", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("published_on", Date, nullable=False),
    Column("intake", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("state", EnumText(ProposalState), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_by", String(320)),
    Column("decided_at", UTCDateTime),
    Column("dismissed_because", Text),
    Column("signoff_id", Integer, ForeignKey("signoffs.id", ondelete="SET NULL")),
    UniqueConstraint("report_url", "office", name="uq_proposals_report_url_office"),
    Index("ix_proposals_office_state", "office", "state"),
)

# Every report the watcher read to the end (proposed or not), so the next run does not read it again.
watched_reports = Table(
    "watched_reports",
    metadata,
    Column("report_url", String(2000), primary_key=True),
    Column("title", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)

# Each listing's consecutive failures: after enough, the administrators are told, once per run of failures.
watch_listings = Table(
    "watch_listings",
    metadata,
    Column("url", String(2000), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_error", Text),
    Column("last_failure_at", UTCDateTime),
    Column("last_read_at", UTCDateTime),
    Column("reported_at", UTCDateTime),
)
