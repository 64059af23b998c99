"""an approval request no longer copies its stage's reminder and escalation moments, which nothing read
(the sweep reads them on the stage)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("approval_requests") as batch_op:
        batch_op.drop_column("escalate_at")
        batch_op.drop_column("remind_at")


def downgrade() -> None:
    with op.batch_alter_table("approval_requests") as batch_op:
        batch_op.add_column(sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True))
    # The copies were the stage's moments (an extension moved the open requests' with it); closed
    # requests get the stage's latest, which nothing ever read.
    for column in ("remind_at", "escalate_at"):
        op.execute(
            f"UPDATE approval_requests SET {column} = (SELECT stages.{column} FROM stages "  # noqa: S608 - fixed names
            "JOIN sections ON sections.stage_id = stages.id WHERE sections.id = approval_requests.section_id)"
        )
    with op.batch_alter_table("approval_requests") as batch_op:
        batch_op.alter_column("remind_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("escalate_at", existing_type=sa.DateTime(timezone=True), nullable=False)
