"""Webhooks for external systems: endpoints, secrets, the delivery outbox, the feed.

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

revision: str = "notify_0002"
down_revision: str | Sequence[str] | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
