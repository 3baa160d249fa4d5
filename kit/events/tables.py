"""The tables the kit keeps in every service database: the outbox and its archive, the inbox,
the Idempotency-Keys of POSTs (kit.idempotency), and identity's word on users' access
(kit.principals).

They live in the kit's own metadata and the kit's own Alembic branch (kit/migrations), which
every service applies alongside its own, so a change to them is one migration for all.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text

from kit.db import BigId, UTCDateTime

metadata = MetaData()

outbox = Table(
    "event_outbox",
    metadata,
    # The id orders events: the relay publishes a subject's events in id order.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
)
# The relay's hot query scans unpublished rows in id order; keep that index small and partial.
Index(
    "ix_event_outbox_unpublished",
    outbox.c.id,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)
Index(
    "ix_event_outbox_subject_unpublished",
    outbox.c.subject,
    outbox.c.id,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)
# The retention job (kit.events.outbox.archive) finds old published rows without reading the
# recent ones.
Index("ix_event_outbox_published_at", outbox.c.published_at)

archive = Table(
    "event_archive",
    metadata,
    # Published outbox rows past the retention, moved here whole and kept: the service's
    # record of everything it ever said, which `events replay` reads with the outbox. The id
    # is the row's id in the outbox (never reused there), so one order runs through both.
    Column("id", BigId, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("archived_at", UTCDateTime, nullable=False),
)

inbox = Table(
    "event_inbox",
    metadata,
    # One row per (consumer, event): its presence means the effect is already committed.
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("type", String(200), nullable=False),
    Column("handled_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # A POST's Idempotency-Key, per caller, with the answer to replay (kit.idempotency).
    Column("caller", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=True),  # None while the first request runs
    Column("mimetype", String(100), nullable=True),
    Column("headers", Text, nullable=True),
    Column("body", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)
# Expiry (kit.idempotency.expire) deletes the oldest keys first.
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)

principal_states = Table(
    "principal_states",
    metadata,
    # One row per user identity told us about (kit.principals): whether its tokens still work.
    Column("user_id", String(64), primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("active_at", UTCDateTime, nullable=True),  # time of the event that set `active`
    Column("not_before", UTCDateTime, nullable=True),  # tokens issued before are refused
    Column("roles", JSON, nullable=False),  # the grants held, as in tokens' `roles` claim
    Column("roles_at", UTCDateTime, nullable=False),  # time of the event that set `roles`
)
