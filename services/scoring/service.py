"""Scoring, as the kit sees it."""

from pathlib import Path

from kit.service import Service
from services.scoring import api, events
from services.scoring.models import Base

SERVICE = Service(
    name="scoring",
    title="Thi đua — Scoring",
    description="Scoring rounds, scoresheets, reviews, appraisal, totals and rankings.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[api.blueprint],
    subscriptions=events.SUBSCRIPTIONS,
)
