"""Notify, as the kit sees it."""

from pathlib import Path

from kit.service import Service
from services.notify import api, events
from services.notify.actions import ACTIONS
from services.notify.models import Base

SERVICE = Service(
    name="notify",
    title="Thi đua — Notify",
    description="In-app inbox, e-mail and webhook deliveries of the platform's public events.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[api.blueprint],
    subscriptions=events.SUBSCRIPTIONS,
    actions=ACTIONS,
)
