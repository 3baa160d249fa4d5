"""Councils, their members and sessions, the agenda, secret ballots kept apart from who has
voted, the council's outcome on each nominee, and public comment.

Revision ID: awards_0004
Revises: awards_0003
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "awards_0004"
down_revision: str | Sequence[str] | None = "awards_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "councils",
        sa.Column("council_id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("council_id"),
    )
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_councils_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "council_members",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("council_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("function", sa.String(length=16), nullable=False),
        sa.Column("term_from", sa.Date(), nullable=False),
        sa.Column("term_to", sa.Date(), nullable=True),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["council_id"], ["councils.council_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "user_id"),
    )
    with op.batch_alter_table("council_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_members_council_id"), ["council_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_council_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "council_sessions",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("council_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("starts_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("electorate", sa.JSON(), nullable=False),
        sa.Column("present", sa.JSON(), nullable=False),
        sa.Column("quorum", sa.JSON(), nullable=True),
        sa.Column("tally", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=True),
        sa.Column("opened_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["council_id"], ["councils.council_id"]),
        sa.PrimaryKeyConstraint("session_id"),
    )
    with op.batch_alter_table("council_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_sessions_council_id"), ["council_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_council_sessions_state"), ["state"], unique=False)

    op.create_table(
        "council_agenda",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("nomination_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["nomination_id"], ["nominations.nomination_id"]),
        sa.ForeignKeyConstraint(["session_id"], ["council_sessions.session_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "nomination_id"),
    )
    with op.batch_alter_table("council_agenda", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_agenda_nomination_id"), ["nomination_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_agenda_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "council_ballots",
        sa.Column("receipt", sa.String(length=16), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("nominee_id", sa.BigInteger(), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("receipt"),
    )
    with op.batch_alter_table("council_ballots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_ballots_nominee_id"), ["nominee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_ballots_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "council_ballots_cast",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("nominee_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "nominee_id", "user_id"),
    )

    with op.batch_alter_table("nominees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("council_outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("council_tally", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("council_session_id", sa.String(length=36), nullable=True))

    op.create_table(
        "comment_postings",
        sa.Column("posting_id", sa.String(length=36), nullable=False),
        sa.Column("award_code", sa.String(length=32), nullable=False),
        sa.Column("award_name", sa.String(length=300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        sa.Column("posted_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("posting_id"),
    )
    with op.batch_alter_table("comment_postings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_postings_award_code"), ["award_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comment_postings_ends_on"), ["ends_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_postings_year"), ["year"], unique=False)

    op.create_table(
        "comment_entries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("posting_id", sa.String(length=36), nullable=False),
        sa.Column("nominee_id", BIG_ID, nullable=False),
        sa.Column("nomination_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit_name", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["nominee_id"], ["nominees.id"]),
        sa.ForeignKeyConstraint(["posting_id"], ["comment_postings.posting_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("posting_id", "nominee_id"),
    )
    with op.batch_alter_table("comment_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_entries_nomination_id"), ["nomination_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comment_entries_nominee_id"), ["nominee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comment_entries_posting_id"), ["posting_id"], unique=False
        )

    op.create_table(
        "public_comments",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("received_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["comment_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("public_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_comments_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "comment_hits",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comment_hits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_hits_address_hash"), ["address_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comment_hits_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("comment_hits")
    op.drop_table("public_comments")
    op.drop_table("comment_entries")
    op.drop_table("comment_postings")
    with op.batch_alter_table("nominees", schema=None) as batch_op:
        batch_op.drop_column("council_session_id")
        batch_op.drop_column("council_tally")
        batch_op.drop_column("council_outcome")
    op.drop_table("council_ballots_cast")
    op.drop_table("council_ballots")
    op.drop_table("council_agenda")
    op.drop_table("council_sessions")
    op.drop_table("council_members")
    op.drop_table("councils")
