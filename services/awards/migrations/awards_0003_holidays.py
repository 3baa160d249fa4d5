"""The calendar of public holidays: every version of each year's days off and make-up days.

Revision ID: awards_0003
Revises: awards_0002
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "awards_0003"
down_revision: str | Sequence[str] | None = "awards_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_calendars",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "version"),
    )
    with op.batch_alter_table("holiday_calendars", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_calendars_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("holiday_calendars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_calendars_year"))

    op.drop_table("holiday_calendars")
