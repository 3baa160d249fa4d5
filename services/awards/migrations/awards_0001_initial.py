"""Start of the awards branch: no tables of its own yet.

Revision ID: awards_0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "awards_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("awards",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
