"""a report is identified by its address, not an 80-character title prefix; the audit chain keeps the
origin it was started with; a regional unit lists the forces of its region (routing by addressee)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_signoffs = sa.table(
    "signoffs",
    sa.column("id", sa.Integer),
    sa.column("pcc_org", sa.String),
    sa.column("inspection_key", sa.String),
    sa.column("audit_identity", sa.String),
    sa.column("inspection_data", sa.JSON),
)


# Frozen copies of Inspection.identity() and identity_by_title() as of this revision: a migration
# must not change meaning when the application's code does.
def _address_key(url: str) -> str:
    parts = urlsplit(url.strip())
    address = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, "")
    )
    return "address:" + hashlib.sha256(address.encode()).hexdigest()


def _title_key(published: str, title: str) -> str:
    return "report:" + hashlib.sha256(f"{published}\n{title}".encode()).hexdigest()


def _data(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else {}


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    # Never a batch-mode table copy on SQLite: dropping the old signoffs table would cascade to every
    # stage and audit event. ALTER TABLE ADD COLUMN takes NOT NULL only with a default.
    with op.batch_alter_table("organisations", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("forces", sa.JSON(), nullable=True))
    with op.batch_alter_table("signoffs", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "audit_identity", sa.String(200), nullable=not sqlite, server_default="" if sqlite else None
            )
        )
    # The chain of every stored sign-off began from its old key: it keeps that origin.
    op.execute(
        sa.update(_signoffs).values(audit_identity=_signoffs.c.pcc_org + ":" + _signoffs.c.inspection_key)
    )
    rows = connection.execute(
        sa.select(_signoffs.c.id, _signoffs.c.pcc_org, _signoffs.c.inspection_data).order_by(_signoffs.c.id)
    ).all()
    taken: set[tuple[str, str]] = set()
    for row in rows:
        data = _data(row.inspection_data)
        key = _address_key(str(data.get("report_url", "")))
        if (row.pcc_org, key) in taken:
            # One office, two reports at one address: the later is told apart by its date and full title.
            key = _title_key(str(data.get("published", "")), str(data.get("title", "")))
        if (row.pcc_org, key) in taken:
            key = f"signoff:{row.id}"  # the same report started twice under the old key: kept apart
        taken.add((row.pcc_org, key))
        connection.execute(sa.update(_signoffs).where(_signoffs.c.id == row.id).values(inspection_key=key))
    if not sqlite:
        op.alter_column("signoffs", "audit_identity", existing_type=sa.String(200), nullable=False)


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_signoffs.c.id, _signoffs.c.pcc_org, _signoffs.c.audit_identity)
    ).all()
    for row in rows:
        # The origin is the old key behind the office's prefix.
        old_key = str(row.audit_identity).removeprefix(f"{row.pcc_org}:")
        connection.execute(
            sa.update(_signoffs).where(_signoffs.c.id == row.id).values(inspection_key=old_key)
        )
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later): recreating the tables, as batch mode would,
    # fails on the foreign keys that point at them.
    with op.batch_alter_table("signoffs", recreate="never") as batch_op:
        batch_op.drop_column("audit_identity")
    with op.batch_alter_table("organisations", recreate="never") as batch_op:
        batch_op.drop_column("forces")
