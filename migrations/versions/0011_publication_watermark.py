"""a sign-off ready to publish is swept too (its publication stage's reminder, overdue notice and
escalation): give those a watermark that earlier sweeps cleared

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
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
    sa.column("kind", sa.String),
    sa.column("state", sa.String),
    sa.column("remind_at", sa.DateTime(timezone=True)),
    sa.column("due_at", sa.DateTime(timezone=True)),
    sa.column("escalate_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    # Before this revision a sweep cleared the watermark of every sign-off that was not active, so one
    # ready to publish would never be read again. Each starts from its open publication stage's earliest
    # moment: the first sweep after the upgrade sends what is due (once: the outbox's keys) and moves it on.
    # Frozen here (not domain/deadline_notices.py) so the revision keeps its meaning.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_stages.c.signoff_id, _stages.c.remind_at, _stages.c.due_at, _stages.c.escalate_at)
        .join(_signoffs, _signoffs.c.id == _stages.c.signoff_id)
        .where(
            _signoffs.c.state == "ready_to_publish",
            _signoffs.c.notices_due_from.is_(None),
            _stages.c.kind == "publication",
            _stages.c.state == "open",
        )
    )
    earliest: dict[int, datetime] = {signoff_id: min(moments) for signoff_id, *moments in rows}
    if earliest:
        connection.execute(
            sa.update(_signoffs)
            .where(_signoffs.c.id == sa.bindparam("signoff_id"))
            .values(notices_due_from=sa.bindparam("moment")),
            [{"signoff_id": key, "moment": moment} for key, moment in earliest.items()],
        )


def downgrade() -> None:
    # Nothing to undo in the schema; a watermark the older code does not expect is harmless to it (it reads
    # the sign-off once and clears it).
    pass
