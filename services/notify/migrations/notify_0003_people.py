"""People's notifications: read models of users, units, regions and rounds; the per-user
inbox, its read marks, preferences, deadline reminders and the e-mail outbox.

Revision ID: notify_0003
Revises: notify_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "notify_0003"
down_revision: str | Sequence[str] | None = "notify_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_copies",
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_since", sa.Date(), nullable=True),
        sa.Column("province_code", sa.String(8), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("successor_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_unit_copies_kind", "unit_copies", ["kind"])
    op.create_table(
        "region_copies",
        sa.Column("region_id", sa.String(80), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("lead_unit_id", sa.String(64), nullable=True),
        sa.Column("member_ids", sa.JSON(), nullable=False),
    )
    op.create_index("ix_region_copies_year", "region_copies", ["year"])
    op.create_table(
        "people",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("as_of", kit.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_people_unit_id", "people", ["unit_id"])
    op.create_table(
        "round_copies",
        sa.Column("round_id", sa.String(36), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(32), nullable=False),
        sa.Column("phase", sa.String(24), nullable=False),
        sa.Column("deadlines", sa.JSON(), nullable=False),
        sa.Column("as_of", kit.db.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", kit.db.BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(300), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("read_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("email_mode", sa.String(8), nullable=False),
        sa.Column("digest_id", kit.db.BigId, nullable=True),
        sa.UniqueConstraint("user_id", "key"),
    )
    op.create_index("ix_notifications_user_id", "notifications", ["user_id"])
    op.create_index("ix_notifications_kind", "notifications", ["kind"])
    op.create_index("ix_notifications_created_at", "notifications", ["created_at"])
    op.create_index("ix_notifications_digest_id", "notifications", ["digest_id"])
    op.create_table(
        "announcement_reads",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column(
            "item_id",
            kit.db.BigId,
            sa.ForeignKey("inbox_items.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("read_at", kit.db.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("email", sa.String(8), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("round_id", sa.String(36), primary_key=True),
        sa.Column("phase", sa.String(24), primary_key=True),
        sa.Column("days_before", sa.Integer(), primary_key=True),
        sa.Column("due", kit.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
    )
    op.create_table(
        "mail_messages",
        sa.Column("id", kit.db.BigId, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("template", sa.String(40), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_mail_messages_user_id", "mail_messages", ["user_id"])
    op.create_index("ix_mail_messages_status", "mail_messages", ["status"])
    op.create_index("ix_mail_messages_next_attempt_at", "mail_messages", ["next_attempt_at"])
    op.create_table(
        "mail_attempts",
        sa.Column("id", kit.db.BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "mail_id",
            kit.db.BigId,
            sa.ForeignKey("mail_messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", kit.db.UTCDateTime(), nullable=False),
        sa.Column("finished_at", kit.db.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_mail_attempts_mail_id", "mail_attempts", ["mail_id"])
    op.create_table(
        "digest_days",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("items", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "digest_days",
        "mail_attempts",
        "mail_messages",
        "reminders_sent",
        "preferences",
        "announcement_reads",
        "notifications",
        "round_copies",
        "people",
        "region_copies",
        "unit_copies",
    ):
        op.drop_table(table)
