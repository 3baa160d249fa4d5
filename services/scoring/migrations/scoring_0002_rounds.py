"""Rounds, scoresheets, entries with their history, evidence, rankings, and read models.

Revision ID: scoring_0002
Revises: scoring_0001
Create Date: 2026-11-23 04:00:14.061036
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "scoring_0002"
down_revision: str | Sequence[str] | None = "scoring_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region_copies",
        sa.Column("region_id", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("lead_unit_id", sa.String(length=64), nullable=True),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("region_id"),
    )
    with op.batch_alter_table("region_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_copies_year"), ["year"], unique=False)

    op.create_table(
        "table_copies",
        sa.Column("table_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_table_id", sa.String(length=36), nullable=True),
        sa.Column("rules_version", sa.String(length=32), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("published_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("table_id"),
    )
    with op.batch_alter_table("table_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_table_copies_year"), ["year"], unique=False)

    op.create_table(
        "unit_copies",
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_since", sa.Date(), nullable=True),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("successor_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    with op.batch_alter_table("unit_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_copies_kind"), ["kind"], unique=False)

    op.create_table(
        "rounds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("table_id", sa.String(length=36), nullable=False),
        sa.Column("phase", sa.String(length=24), nullable=False),
        sa.Column("self_assessment_due", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("review_due", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("appraisal_due", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["table_copies.table_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "unit_kind", "name"),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rounds_phase"), ["phase"], unique=False)
        batch_op.create_index(batch_op.f("ix_rounds_year"), ["year"], unique=False)

    op.create_table(
        "rankings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.String(length=80), nullable=True),
        sa.Column("total", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("national_rank", sa.Integer(), nullable=False),
        sa.Column("region_rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "unit_id"),
    )
    with op.batch_alter_table("rankings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rankings_round_id"), ["round_id"], unique=False)

    op.create_table(
        "sheets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submitted_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("compute_status", sa.String(length=16), nullable=False),
        sa.Column("computed_revision", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("total", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("band", sa.String(length=8), nullable=True),
        sa.Column("bonus_counts", sa.JSON(), nullable=False),
        sa.Column("deduction_counts", sa.JSON(), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "unit_id"),
    )
    with op.batch_alter_table("sheets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sheets_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sheets_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sheets_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_sheets_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sheet_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["sheets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_sheet_id"), ["sheet_id"], unique=False)

    op.create_table(
        "entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sheet_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("self_points", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("review_points", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("final_points", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("final_reason", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["sheets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sheet_id", "code"),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entries_sheet_id"), ["sheet_id"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sheet_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["sheets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_sheet_id"), ["sheet_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sheet_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entries_sheet_id"))

    op.drop_table("entries")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_sheet_id"))

    op.drop_table("changes")
    with op.batch_alter_table("sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheets_unit_id"))
        batch_op.drop_index(batch_op.f("ix_sheets_status"))
        batch_op.drop_index(batch_op.f("ix_sheets_round_id"))
        batch_op.drop_index(batch_op.f("ix_sheets_region_id"))

    op.drop_table("sheets")
    with op.batch_alter_table("rankings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rankings_round_id"))

    op.drop_table("rankings")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounds_year"))
        batch_op.drop_index(batch_op.f("ix_rounds_phase"))

    op.drop_table("rounds")
    with op.batch_alter_table("unit_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_copies_kind"))

    op.drop_table("unit_copies")
    with op.batch_alter_table("table_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_table_copies_year"))

    op.drop_table("table_copies")
    with op.batch_alter_table("region_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_copies_year"))

    op.drop_table("region_copies")
