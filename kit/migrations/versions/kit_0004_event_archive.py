"""Retention: the archive of published outbox events, and the indexes the retention job reads.

The job (``python -m services.<name> prune``, kit.events.outbox.archive and
kit.idempotency.expire) moves published outbox rows past the retention into
``event_archive`` and deletes expired Idempotency-Keys; without the two indexes each run would
read every recent row to find the old ones.

Revision ID: kit_0004
Revises: kit_0003
Create Date: 2027-01-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "kit_0004"
down_revision: str | Sequence[str] | None = "kit_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_archive",
        sa.Column("id", kit.db.BigId, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("published_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("archived_at", kit.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_event_outbox_published_at", "event_outbox", ["published_at"])
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_index("ix_event_outbox_published_at", table_name="event_outbox")
    op.drop_table("event_archive")
