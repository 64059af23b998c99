"""a withdrawn sign-off leaves its report free: one live sign-off per office and report, not one ever

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("state != 'withdrawn'")


def upgrade() -> None:
    # SQLite keeps a table's constraints in its definition: batch mode copies the table without it.
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_signoffs_pcc_org_inspection", type_="unique")
    op.create_index(
        "uq_signoffs_live_report",
        "signoffs",
        ["pcc_org", "inspection_key"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )


def downgrade() -> None:
    # Fails, naming the constraint, where an office started a report again after withdrawing it: which of
    # the two to give up is not this migration's to choose.
    op.drop_index("uq_signoffs_live_report", table_name="signoffs")
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_signoffs_pcc_org_inspection", ["pcc_org", "inspection_key"])
