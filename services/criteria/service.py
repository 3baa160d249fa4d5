"""Criteria, as the kit sees it."""

from pathlib import Path

from kit.service import Service
from services.criteria import events
from services.criteria.actions import ACTIONS
from services.criteria.api import covenants, methods, movements, tables
from services.criteria.models import Base

SERVICE = Service(
    name="criteria",
    title="Thi đua — Criteria",
    description="Yearly criteria tables per unit kind, their versions, emulation movements.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[tables.blueprint, methods.blueprint, movements.blueprint, covenants.blueprint],
    subscriptions=events.SUBSCRIPTIONS,
    actions=ACTIONS,
)
