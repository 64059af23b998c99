"""a delegation records the organisation it was made in, so that another organisation's administrators do
not read it after the directory moves its people

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_delegations = sa.table(
    "delegations",
    sa.column("from_person_id", sa.Integer),
    sa.column("organisation", sa.String),
)
_people = sa.table("people", sa.column("id", sa.Integer), sa.column("organisation_key", sa.String))


def upgrade() -> None:
    # No batch mode: adding a nullable column needs no copy of the table on SQLite.
    op.add_column("delegations", sa.Column("organisation", sa.String(64), nullable=True))
    # Made before this revision: the delegator's organisation now is the best record there is.
    op.execute(
        sa.update(_delegations).values(
            organisation=sa.select(_people.c.organisation_key)
            .where(_people.c.id == _delegations.c.from_person_id)
            .scalar_subquery()
        )
    )


def downgrade() -> None:
    # Alembic's drop_column on SQLite insists on batch mode; SQLite itself (3.35 and later) needs none.
    op.execute("ALTER TABLE delegations DROP COLUMN organisation")
