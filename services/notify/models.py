"""Notify's tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.db import BigId, UTCDateTime
from kit.orgcopy import RegionCopyColumns, UnitCopyColumns


class Base(DeclarativeBase):
    pass


class InboxItem(Base):
    """One entry of the in-app inbox, made from a platform event."""

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- webhooks


class FeedEvent(Base):
    """A public platform event as notify received it: the feed's rows, and what webhooks send.

    ``id`` is the feed's order (the order notify consumed them); ``body`` the CloudEvent's JSON
    exactly as published, so every receiver gets the same bytes.
    """

    __tablename__ = "feed_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    time: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEndpoint(Base):
    """Where an external system wants the public events of some types POSTed.

    ``owner`` is ``client:<client_id>`` for an API client, ``ministry`` for the Ministry's own
    (managed by its officers): each sees only its own. ``failing_since`` is the first failed
    attempt since the last success (5 days of it disables the endpoint).
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(120), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[str] = mapped_column(Text)  # space-separated
    enabled: Mapped[bool] = mapped_column(Boolean)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookSecret(Base):
    """A signing secret of an endpoint; after a rotation the old one signs on until expires_at."""

    __tablename__ = "webhook_secrets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookDelivery(Base):
    """One event for one endpoint: the outbox the deliverer works through.

    ``sequence`` numbers the endpoint's deliveries of one subject (1, 2, ...): the deliverer
    sends a delivery only when no earlier one of its subject is still pending, and the receiver
    gets the number in ``webhook-sequence``. ``status``: pending, delivered, failed.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "feed_event_id"),
        UniqueConstraint("endpoint_id", "subject", "sequence"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    feed_event_id: Mapped[int] = mapped_column(BigId, ForeignKey("feed_events.id"))
    subject: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookAttempt(Base):
    """One POST of a delivery and what came of it, readable by the endpoint's owner."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(40))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    response_excerpt: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)


# -- people ------------------------------------------------------------------------------------
# Who hears of what (domain/rules.py), their inbox (domain/inbox.py) and their e-mail
# (domain/mail.py): notify's read models of identity's users, units and regions and of
# scoring's rounds, the notifications, their read marks, preferences and the mail outbox.


class UnitCopy(UnitCopyColumns, Base):
    """An organisation unit as identity announced it (identity.org.*)."""

    __tablename__ = "unit_copies"


class RegionCopy(RegionCopyColumns, Base):
    """A region of a year (identity.region.membership_changed)."""

    __tablename__ = "region_copies"


class Person(Base):
    """A user as identity last told us (identity.user.*): unit, roles, e-mail, active."""

    __tablename__ = "people"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Every grant held, as in tokens' roles claim: [{role, scope, scope_id?, valid_from, ...}].
    roles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The time of the event the row was last replaced from: older news changes nothing.
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)


class RoundCopy(Base):
    """A scoring round as its phase changes announced it (scoring.round.phase_changed)."""

    __tablename__ = "round_copies"

    round_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_kind: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(24))
    # Deadlines by phase ({"self_assessment": iso, ...}), when the event carries them.
    deadlines: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """One thing one person must hear of, in their inbox; ``key`` makes it once per cause."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    key: Mapped[str] = mapped_column(String(200))  # the event id, or the reminder's key
    kind: Mapped[str] = mapped_column(String(40), index=True)
    event_type: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))  # a path of the web application
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What e-mail it gets: instant | digest | off | none (no address); digested: in a digest.
    email_mode: Mapped[str] = mapped_column(String(8))
    digest_id: Mapped[int | None] = mapped_column(BigId, index=True)


class AnnouncementRead(Base):
    """A person has read one of the announcements everyone sees (``inbox_items``)."""

    __tablename__ = "announcement_reads"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("inbox_items.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Preference(Base):
    """How one person wants e-mail of one kind: instant, digest or off (absent: the default)."""

    __tablename__ = "preferences"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReminderSent(Base):
    """A deadline reminder done: (round, phase, days before) once, however many schedulers."""

    __tablename__ = "reminders_sent"

    round_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phase: Mapped[str] = mapped_column(String(24), primary_key=True)
    days_before: Mapped[int] = mapped_column(Integer, primary_key=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer)


class MailMessage(Base):
    """One e-mail in notify's outbox: ``key`` is its cause (a notification, a digest day), so
    one cause never makes two messages; the ``message_id`` is fixed before the first attempt."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # What to say: a template of services/notify/templates/mail/ and its facts; the sender
    # renders them with its settings (the web application's address for the links).
    template: Mapped[str] = mapped_column(String(40))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # pending | sending | sent | failed | uncertain (sending when a sender died: not resent)
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class MailAttempt(Base):
    """One try at sending a message: started, then sent, failed, or unknown (the sender died)."""

    __tablename__ = "mail_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    mail_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("mail_messages.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # sending | sent | failed | unknown
    detail: Mapped[str | None] = mapped_column(Text)


class DigestDay(Base):
    """A person's daily digest of a day was made (or had nothing in it): once per day."""

    __tablename__ = "digest_days"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    items: Mapped[int] = mapped_column(Integer)
