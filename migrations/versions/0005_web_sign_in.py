"""the web app: sign-in links (hashed, single use), sign-in requests (rate limits), an index for the
administration page's drafting query

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("next_path", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_sign_in_links_token_hash"),
    )
    op.create_table(
        "sign_in_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_sign_in_requests_address_requested_at", "sign_in_requests", ["address", "requested_at"]
    )
    op.create_index("ix_sign_in_requests_client_requested_at", "sign_in_requests", ["client", "requested_at"])
    op.create_index("ix_sections_state_last_activity_at", "sections", ["state", "last_activity_at"])


def downgrade() -> None:
    op.drop_index("ix_sections_state_last_activity_at", table_name="sections")
    op.drop_table("sign_in_requests")
    op.drop_table("sign_in_links")
