"""Webhooks for external systems: the feed of public events, endpoints and their secrets, the
delivery outbox and its attempts.

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "notify_0002"
down_revision: str | Sequence[str] | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id") -> sa.Column:
    return sa.Column(name, kit.db.BigId, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "feed_events",
        _id(),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", kit.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feed_events_event_type", "feed_events", ["event_type"])
    op.create_table(
        "webhook_endpoints",
        _id(),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(500), nullable=True),
        sa.Column("disabled_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("failing_since", kit.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_webhook_endpoints_owner", "webhook_endpoints", ["owner"])
    op.create_table(
        "webhook_secrets",
        _id(),
        sa.Column(
            "endpoint_id",
            kit.db.BigId,
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", kit.db.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_webhook_secrets_endpoint_id", "webhook_secrets", ["endpoint_id"])
    op.create_table(
        "webhook_deliveries",
        _id(),
        sa.Column(
            "endpoint_id",
            kit.db.BigId,
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("feed_event_id", kit.db.BigId, sa.ForeignKey("feed_events.id"), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("last_attempt_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", kit.db.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("endpoint_id", "feed_event_id"),
        sa.UniqueConstraint("endpoint_id", "subject", "sequence"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_table(
        "webhook_attempts",
        _id(),
        sa.Column(
            "delivery_id",
            kit.db.BigId,
            sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempted_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response_excerpt", sa.Text(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    for table in (
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_secrets",
        "webhook_endpoints",
        "feed_events",
    ):
        op.drop_table(table)
