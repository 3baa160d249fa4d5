"""Awards, as the kit sees it."""

from pathlib import Path

from kit.service import Service
from services.awards import events
from services.awards.actions import ACTIONS
from services.awards.api import (
    acclamations,
    councils,
    decisions,
    eligibility,
    holidays,
    imports,
    nominations,
    public_comment,
    registrations,
    registry,
    reports,
    rules,
    verify,
)
from services.awards.models import Base
from services.awards.settings import AwardsSettings

SERVICE = Service(
    name="awards",
    title="Thi đua — Awards",
    description="Award types, nominations, council votes, decisions and the award registry.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[
        registrations.blueprint,
        nominations.blueprint,
        acclamations.blueprint,
        registry.blueprint,
        rules.blueprint,
        eligibility.blueprint,
        imports.blueprint,
        holidays.blueprint,
        councils.blueprint,
        councils.receipts,
        public_comment.blueprint,
        decisions.blueprint,
        verify.blueprint,
        reports.blueprint,
    ],
    subscriptions=events.SUBSCRIPTIONS,
    actions=ACTIONS,
    settings=AwardsSettings,
)
