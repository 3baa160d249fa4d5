"""Every service's migrations build exactly the schema its models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kit.db import Database
from kit.events import tables
from kit.service import Service
from services.awards.service import SERVICE as AWARDS
from services.criteria.service import SERVICE as CRITERIA
from services.identity.service import SERVICE as IDENTITY
from services.notify.service import SERVICE as NOTIFY
from services.scoring.service import SERVICE as SCORING
from tests.support.stack import Stack


@pytest.mark.parametrize(
    "service", [IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY], ids=lambda s: s.name
)
def test_migrations_match_the_models(stack: Stack, service: Service) -> None:
    db: Database = stack.prepare(service)
    stack.prepare(service)  # a second upgrade is a no-op, as on every deploy
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, [service.metadata, tables.metadata])
        names = set(inspect(connection).get_table_names())
    assert differences == [], f"models and migrations disagree: {differences}"
    assert {"event_outbox", "event_inbox", "alembic_version"} <= names
