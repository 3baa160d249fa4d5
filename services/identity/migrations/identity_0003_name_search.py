"""Users' full names NFC, with a search key beside them (no case, no diacritics).

Existing rows are filled here with the function the model uses (kit.text.search_key), so a
search finds users created before this revision as well as after.

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.text import nfc, search_key

revision: str = "identity_0003"
down_revision: str | Sequence[str] | None = "identity_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("full_name_search", sa.Text(), server_default="", nullable=False)
    )
    users = sa.table(
        "users",
        sa.column("id", sa.String),
        sa.column("full_name", sa.String),
        sa.column("full_name_search", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.full_name)).all()
    for user_id, full_name in rows:
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(full_name=nfc(full_name), full_name_search=search_key(nfc(full_name)))
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("full_name_search")
