"""Identity's word on users' access, in every service: deactivations and roles (kit.principals).

Revision ID: kit_0003
Revises: kit_0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "kit_0003"
down_revision: str | Sequence[str] | None = "kit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "principal_states",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("active_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("not_before", kit.db.UTCDateTime(), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("roles_at", kit.db.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("principal_states")
