"""an email of no sign-off records the organisation whose business it is, so that it stays that office's to
see and retry after the directory moves its recipient

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_outbox = sa.table(
    "outbox",
    sa.column("signoff_id", sa.Integer),
    sa.column("recipient_email", sa.String),
    sa.column("organisation", sa.String),
)
_people = sa.table("people", sa.column("email", sa.String), sa.column("organisation_key", sa.String))


def upgrade() -> None:
    op.add_column("outbox", sa.Column("organisation", sa.String(64), nullable=True))
    # Queued before this revision: the recipient's organisation now is the best record there is.
    op.execute(
        sa.update(_outbox)
        .where(_outbox.c.signoff_id.is_(None))
        .values(
            organisation=sa.select(_people.c.organisation_key)
            .where(_people.c.email == _outbox.c.recipient_email)
            .scalar_subquery()
        )
    )


def downgrade() -> None:
    # As 0012's: SQLite (3.35 and later) drops a column without batch mode's copy of the table.
    op.execute("ALTER TABLE outbox DROP COLUMN organisation")
