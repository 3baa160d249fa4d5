"""Criteria's tables: the yearly criteria tables and their versions, emulation movements and
region covenants, and the read models of identity's organisations and regions.

A criteria table is stored as one JSON document (the Ministry's annex as data; format in
docs/scoring-rules.md), validated by ``scoringrules`` on every save. Drafts change; a
published version never does: an amendment is a new version, and the one it replaces
becomes ``superseded``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kit.db import UTCDateTime
from kit.orgcopy import RegionCopyColumns, UnitCopyColumns


class Base(DeclarativeBase):
    pass


class CriteriaTable(Base):
    __tablename__ = "criteria_tables"
    __table_args__ = (UniqueConstraint("year", "unit_kind", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft|published|superseded
    version: Mapped[int | None] = mapped_column(Integer)  # assigned when published
    title: Mapped[str] = mapped_column(String(500))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumps on each save (ETag)
    amends_id: Mapped[str | None] = mapped_column(ForeignKey("criteria_tables.id"))
    change_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rules_version: Mapped[str | None] = mapped_column(String(32))


class Movement(Base):
    """An emulation movement (phong trào thi đua): a campaign with a theme and a period."""

    __tablename__ = "movements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    theme: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # regular | thematic
    launching_level: Mapped[str] = mapped_column(String(16))  # ministry | region | unit
    launching_unit_id: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    participant_unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    table_id: Mapped[str | None] = mapped_column(ForeignKey("criteria_tables.id"))
    status: Mapped[str] = mapped_column(String(16))  # draft | launched
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Covenant(Base):
    """A region's emulation covenant (giao ước thi đua) for a year."""

    __tablename__ = "covenants"
    __table_args__ = (UniqueConstraint("region_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_id: Mapped[str] = mapped_column(String(80))  # identity's "<year>-<code>"
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(500))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    signatures: Mapped[list[CovenantSignature]] = relationship(
        back_populates="covenant", lazy="selectin", order_by="CovenantSignature.signed_at"
    )


class CovenantSignature(Base):
    __tablename__ = "covenant_signatures"
    __table_args__ = (UniqueConstraint("covenant_id", "unit_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    covenant_id: Mapped[str] = mapped_column(ForeignKey("covenants.id"), index=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_title: Mapped[str] = mapped_column(String(200))
    signed_by_user: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    covenant: Mapped[Covenant] = relationship(back_populates="signatures")


# -- read models, filled from identity's events ------------------------------------------


class UnitCopy(UnitCopyColumns, Base):
    """Criteria's copy of an organisation unit (identity.org.*), for validation and names."""

    __tablename__ = "unit_copies"


class RegionCopy(RegionCopyColumns, Base):
    """Criteria's copy of a region of a year (identity.region.membership_changed)."""

    __tablename__ = "region_copies"
