"""stalled marks: when a section's drafting or an approval request has waited idle too long

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sections") as batch_op:
        batch_op.add_column(sa.Column("stalled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("approval_requests") as batch_op:
        batch_op.add_column(sa.Column("stalled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("approval_requests") as batch_op:
        batch_op.drop_column("stalled_at")
    with op.batch_alter_table("sections") as batch_op:
        batch_op.drop_column("stalled_at")
