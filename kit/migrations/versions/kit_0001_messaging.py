"""The kit's messaging tables: the transactional outbox and the idempotent inbox.

Revision ID: kit_0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "kit_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("kit",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", kit.db.BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("published_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    unpublished = sa.text("published_at IS NULL")
    op.create_index(
        "ix_event_outbox_unpublished",
        "event_outbox",
        ["id"],
        postgresql_where=unpublished,
        sqlite_where=unpublished,
    )
    op.create_index(
        "ix_event_outbox_subject_unpublished",
        "event_outbox",
        ["subject", "id"],
        postgresql_where=unpublished,
        sqlite_where=unpublished,
    )
    op.create_table(
        "event_inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("handled_at", kit.db.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("event_inbox")
    op.drop_table("event_outbox")
