"""Scoring, as the kit sees it."""

from pathlib import Path

from kit.service import Service
from services.scoring import events
from services.scoring.actions import ACTIONS
from services.scoring.api import announcements, evidence, results, rounds, sheets
from services.scoring.models import Base
from services.scoring.settings import ScoringSettings

SERVICE = Service(
    name="scoring",
    title="Thi đua — Scoring",
    description="Scoring rounds, scoresheets, reviews, appraisal, totals and rankings.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[
        announcements.blueprint,
        rounds.blueprint,
        sheets.blueprint,
        evidence.blueprint,
        results.blueprint,
    ],
    subscriptions=events.SUBSCRIPTIONS,
    # Two releases ago the workers took every submission as a job (docs/operations.md,
    # "Upgrades"); the binding is removed by `bus setup`.
    retired_subscriptions=("scoring.sheet.submitted",),
    settings=ScoringSettings,
    actions=ACTIONS,
)
