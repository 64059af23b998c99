"""the publications watcher: proposals (one per report address and office), the reports already read, and
each listing's consecutive failures

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_url", sa.String(2000), nullable=False),
        sa.Column("office", sa.String(64), sa.ForeignKey("organisations.key"), nullable=False),
        sa.Column("concern", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("intake", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_because", sa.Text(), nullable=True),
        sa.Column(
            "signoff_id", sa.Integer(), sa.ForeignKey("signoffs.id", ondelete="SET NULL"), nullable=True
        ),
        sa.UniqueConstraint("report_url", "office", name="uq_proposals_report_url_office"),
    )
    op.create_index("ix_proposals_office_state", "proposals", ["office", "state"])
    op.create_table(
        "watched_reports",
        sa.Column("report_url", sa.String(2000), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "watch_listings",
        sa.Column("url", sa.String(2000), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("watch_listings")
    op.drop_table("watched_reports")
    op.drop_index("ix_proposals_office_state", table_name="proposals")
    op.drop_table("proposals")
