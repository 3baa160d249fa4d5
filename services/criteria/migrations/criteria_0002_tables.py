"""Criteria tables, movements, covenants, and the read models of organisations and regions.

Revision ID: criteria_0002
Revises: criteria_0001
Create Date: 2026-11-23 03:41:10.710049
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "criteria_0002"
down_revision: str | Sequence[str] | None = "criteria_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "covenants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("region_id", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_id"),
    )
    with op.batch_alter_table("covenants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_covenants_year"), ["year"], unique=False)

    op.create_table(
        "criteria_tables",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("amends_id", sa.String(length=36), nullable=True),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rules_version", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["criteria_tables.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "unit_kind", "version"),
    )
    with op.batch_alter_table("criteria_tables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_criteria_tables_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_criteria_tables_unit_kind"), ["unit_kind"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_criteria_tables_year"), ["year"], unique=False)

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
    op.create_table(
        "covenant_signatures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("covenant_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("signed_by_user", sa.String(length=64), nullable=False),
        sa.Column("signed_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["covenant_id"],
            ["covenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("covenant_id", "unit_id"),
    )
    with op.batch_alter_table("covenant_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_covenant_signatures_covenant_id"), ["covenant_id"], unique=False
        )

    op.create_table(
        "movements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("launching_level", sa.String(length=16), nullable=False),
        sa.Column("launching_unit_id", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("phases", sa.JSON(), nullable=False),
        sa.Column("participant_unit_ids", sa.JSON(), nullable=False),
        sa.Column("table_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("launched_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["criteria_tables.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("movements")
    with op.batch_alter_table("covenant_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_covenant_signatures_covenant_id"))

    op.drop_table("covenant_signatures")
    op.drop_table("unit_copies")
    with op.batch_alter_table("region_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_copies_year"))

    op.drop_table("region_copies")
    with op.batch_alter_table("criteria_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criteria_tables_year"))
        batch_op.drop_index(batch_op.f("ix_criteria_tables_unit_kind"))
        batch_op.drop_index(batch_op.f("ix_criteria_tables_status"))

    op.drop_table("criteria_tables")
    with op.batch_alter_table("covenants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_covenants_year"))

    op.drop_table("covenants")
