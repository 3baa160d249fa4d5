"""This service's tables (none yet beyond the kit's outbox and inbox)."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
