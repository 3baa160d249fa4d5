"""Index the kind of copied units, as every service's copy now does (kit.orgcopy).

Revision ID: criteria_0003
Revises: criteria_0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "criteria_0003"
down_revision: str | Sequence[str] | None = "criteria_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_unit_copies_kind", "unit_copies", ["kind"])


def downgrade() -> None:
    op.drop_index("ix_unit_copies_kind", table_name="unit_copies")
