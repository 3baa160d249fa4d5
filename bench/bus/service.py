"""Two bench-only services: ``benchsource`` emits probes, ``benchsink`` records their effect.

They are real ``kit.service.Service`` objects, so the relay and the consumer they run are the
platform's own (``kit.cli.make_cli``), in their own processes, exactly as a service deploys
them. Their tables are created with ``create_all``: a benchmark needs no migration history.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, insert
from sqlalchemy.orm import Session

from kit.db import Database, UTCDateTime, utcnow
from kit.events import CloudEvent
from kit.events import tables as messaging
from kit.service import Service

PROBE = "bench.probe.emitted"

metadata = MetaData()

effects = Table(
    "bench_effects",
    metadata,
    Column("event_id", String(36), primary_key=True),
    # When the source called emit (inside its transaction, so just before the commit).
    Column("emitted_at", UTCDateTime, nullable=False),
    # When the sink's handler ran: the effect, committed with the inbox row right after.
    Column("handled_at", UTCDateTime, nullable=False),
)


# Built once, as a handler on a hot path would: building it per event (``.values(...)``) cost
# about a third of the consumer's CPU per event, all of it SQLAlchemy making the same statement.
RECORD = insert(effects)


def record_probe(session: Session, event: CloudEvent) -> None:
    """The effect whose delay we measure: one row, one INSERT, in the inbox transaction."""
    session.execute(
        RECORD,
        {
            "event_id": event.id,
            "emitted_at": datetime.fromisoformat(event.data["emitted_at"]),
            "handled_at": utcnow(),
        },
    )


SOURCE = Service(
    name="benchsource",
    title="Bench source",
    description="Emits probe events for the event bus benchmark.",
    metadata=MetaData(),
    migrations=Path(__file__).parent,  # never migrated: see create_tables
    blueprints=[],
)

SINK = Service(
    name="benchsink",
    title="Bench sink",
    description="Records when each probe event took effect.",
    metadata=metadata,
    migrations=Path(__file__).parent,
    blueprints=[],
    subscriptions={PROBE: record_probe},
)

SERVICES = {service.name: service for service in (SOURCE, SINK)}


def create_tables(db: Database, service: Service) -> None:
    """The kit's outbox and inbox, and the service's own tables."""
    messaging.metadata.create_all(db.engine)
    service.metadata.create_all(db.engine)
