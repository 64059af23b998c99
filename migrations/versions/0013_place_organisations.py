"""a section records whose each of its places is (the office's or the force's), so that someone the
directory moves between an office and its force does not take their places across

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, and left empty for sections planned before: their places were never recorded, and a
    # person's organisation now may not be the one they held the place for (the domain then falls back on
    # it, as before this revision).
    op.add_column("sections", sa.Column("place_organisations", sa.JSON(), nullable=True))


def downgrade() -> None:
    # As 0012's: SQLite (3.35 and later) drops a column without batch mode's copy of the table.
    op.execute("ALTER TABLE sections DROP COLUMN place_organisations")
