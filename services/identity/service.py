"""Identity, as the kit sees it."""

from pathlib import Path

from kit.service import Service
from services.identity.api import announcements
from services.identity.models import Base

SERVICE = Service(
    name="identity",
    title="Thi đua — Identity",
    description="Organisations, regions, users, roles and tokens; platform announcements.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[announcements.blueprint],
)
