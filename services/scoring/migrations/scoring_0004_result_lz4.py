"""A sheet's stored result is compressed with lz4 (PostgreSQL 14+), not pglz.

A result (200 criteria's points and the subtotals, about 3.7 kB of JSON) is past the size at
which PostgreSQL compresses a value in its row, and every computation writes one: with pglz
the compression was about a third of the database's time for the workers' batch write, lz4
costs a fraction of that (and reads of results decompress faster). Results already stored
stay as they are (both are read alike); new ones are written with lz4. A server built
without lz4 keeps pglz (a notice, no error). SQLite has no such setting: nothing to do there.

Revision ID: scoring_0004
Revises: scoring_0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "scoring_0004"
down_revision: str | Sequence[str] | None = "scoring_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgresql_14() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.server_version_info >= (14,)


def upgrade() -> None:
    if _postgresql_14():
        op.execute(
            """
            DO $$
            BEGIN
                ALTER TABLE sheets ALTER COLUMN result SET COMPRESSION lz4;
            EXCEPTION WHEN feature_not_supported THEN
                RAISE NOTICE 'this server has no lz4: sheets.result stays pglz';
            END
            $$
            """
        )


def downgrade() -> None:
    if _postgresql_14():
        op.execute("ALTER TABLE sheets ALTER COLUMN result SET COMPRESSION DEFAULT")
