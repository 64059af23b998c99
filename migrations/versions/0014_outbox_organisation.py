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
    sa.column("id", sa.Integer),
    sa.column("idempotency_key", sa.String),
    sa.column("signoff_id", sa.Integer),
    sa.column("recipient_email", sa.String),
    sa.column("organisation", sa.String),
)
_people = sa.table("people", sa.column("email", sa.String), sa.column("organisation_key", sa.String))
_delegations = sa.table("delegations", sa.column("id", sa.Integer), sa.column("organisation", sa.String))
_proposals = sa.table("proposals", sa.column("id", sa.Integer), sa.column("office", sa.String))


def upgrade() -> None:
    op.add_column("outbox", sa.Column("organisation", sa.String(64), nullable=True))
    connection = op.get_bind()
    delegation_of = dict(connection.execute(sa.select(_delegations.c.id, _delegations.c.organisation)).all())
    proposal_of = dict(connection.execute(sa.select(_proposals.c.id, _proposals.c.office)).all())
    person_of = dict(connection.execute(sa.select(_people.c.email, _people.c.organisation_key)).all())
    rows = connection.execute(
        sa.select(_outbox.c.id, _outbox.c.idempotency_key, _outbox.c.recipient_email).where(
            _outbox.c.signoff_id.is_(None)
        )
    ).all()
    for email_id, key, recipient in rows:
        # Queued before this revision: a delegation's notice is the delegation's organisation's (0012), a
        # proposal's its office's; a sign-in link's or a watch alert's, its recipient's now, the best record.
        kind, _, rest = str(key).partition(":")
        number = rest.split(":", 1)[0]
        found = None
        if kind == "delegation" and number.isdigit():
            found = delegation_of.get(int(number))
        elif kind == "proposal" and number.isdigit():
            found = proposal_of.get(int(number))
        organisation = found or person_of.get(recipient)
        if organisation is not None:
            connection.execute(
                sa.update(_outbox).where(_outbox.c.id == email_id).values(organisation=organisation)
            )


def downgrade() -> None:
    # As 0012's: SQLite (3.35 and later) drops a column without batch mode's copy of the table.
    op.execute("ALTER TABLE outbox DROP COLUMN organisation")
