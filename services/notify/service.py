"""Notify, as the kit sees it."""

from pathlib import Path

from kit.service import Service
from services.notify import events
from services.notify.actions import ACTIONS
from services.notify.api import feed, inbox, preferences, webhooks
from services.notify.models import Base
from services.notify.settings import NotifySettings

SERVICE = Service(
    name="notify",
    title="Thi đua — Notify",
    description="In-app inbox, e-mail and webhook deliveries of the platform's public events.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[inbox.blueprint, preferences.blueprint, webhooks.blueprint, feed.blueprint],
    subscriptions=events.SUBSCRIPTIONS,
    actions=ACTIONS,
    settings=NotifySettings,
)
