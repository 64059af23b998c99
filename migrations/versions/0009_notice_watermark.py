"""a sign-off records how far its deadline notices have been sent (notices_due_from, indexed), so that a
sweep with nothing due reads no sign-off

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_signoffs = sa.table(
    "signoffs",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("notices_due_from", sa.DateTime(timezone=True)),
)
_stages = sa.table(
    "stages",
    sa.column("signoff_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("remind_at", sa.DateTime(timezone=True)),
    sa.column("due_at", sa.DateTime(timezone=True)),
    sa.column("escalate_at", sa.DateTime(timezone=True)),
)


# Never batch mode on `signoffs`: on SQLite it copies the table, drops the old one, and with foreign keys
# on that DROP deletes every stage, section and request through their ON DELETE CASCADE. Adding a column
# and an index, and dropping them (SQLite 3.35 and later), need no copy.


def upgrade() -> None:
    op.add_column("signoffs", sa.Column("notices_due_from", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_signoffs_notices_due_from", "signoffs", ["notices_due_from"])
    # Which notices went out before this revision is not recorded anywhere but the outbox's keys, so
    # every active sign-off starts from its unfinished stages' earliest moment: the first sweep looks
    # at each one whose moment has passed once (the keys stop a second copy of anything), then moves
    # its watermark on. Frozen here (not domain/deadline_notices.py) so the revision keeps its meaning.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_stages.c.signoff_id, _stages.c.remind_at, _stages.c.due_at, _stages.c.escalate_at)
        .join(_signoffs, _signoffs.c.id == _stages.c.signoff_id)
        .where(_signoffs.c.state == "active", _stages.c.state.in_(["pending", "open"]))
    )
    earliest: dict[int, datetime] = {}
    for signoff_id, *moments in rows:
        first = min(moments)
        if signoff_id not in earliest or first < earliest[signoff_id]:
            earliest[signoff_id] = first
    if earliest:
        connection.execute(
            sa.update(_signoffs)
            .where(_signoffs.c.id == sa.bindparam("signoff_id"))
            .values(notices_due_from=sa.bindparam("moment")),
            [{"signoff_id": key, "moment": moment} for key, moment in earliest.items()],
        )


def downgrade() -> None:
    op.drop_index("ix_signoffs_notices_due_from", table_name="signoffs")
    # Alembic's drop_column on SQLite insists on batch mode; SQLite itself needs none.
    op.execute("ALTER TABLE signoffs DROP COLUMN notices_due_from")
