"""Entries keep a third of each page free (PostgreSQL fillfactor 70).

A unit's autosave rewrites one entry. On a full page (fillfactor 100) the new row version
goes wherever there is room, with a new entry in each of the table's three indexes; after a
self-assessment of 200 autosaves a sheet's entries lie on 200 pages, and every read of a
sheet (its submission's check, each computation) visits them all. With room on the page the
update stays there (a HOT update: no index entries, and the page's dead versions are pruned
when it is next read), so a sheet's entries stay on the few pages ``rounds.create`` wrote
them to. SQLite has no such setting: nothing to do there.

Revision ID: scoring_0003
Revises: scoring_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "scoring_0003"
down_revision: str | Sequence[str] | None = "scoring_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE entries SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE entries RESET (fillfactor)")
