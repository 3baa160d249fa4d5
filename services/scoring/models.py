"""Scoring's tables: rounds, scoresheets and their entries with every change kept, evidence,
rankings, and the read models of criteria tables, units and regions filled from events.

A round scores every unit of one kind in one year against one pinned version of that year's
criteria table. Each participating unit has one sheet; each criterion of the table one entry
on it, holding the unit's inputs and the points at three stages: self-assessment, region
review (a proposed adjustment) and Ministry appraisal (final).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kit.db import BigId, UTCDateTime
from kit.orgcopy import RegionCopyColumns, UnitCopyColumns


class Base(DeclarativeBase):
    pass


class Announcement(Base):
    """Scoring's read-only copy of an identity announcement (filled from events)."""

    __tablename__ = "announcements"

    announcement_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- read models ---------------------------------------------------------------------------


class TableCopy(Base):
    """A published criteria table version (criteria.table.published)."""

    __tablename__ = "table_copies"

    table_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    supersedes_table_id: Mapped[str | None] = mapped_column(String(36))
    rules_version: Mapped[str] = mapped_column(String(32))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UnitCopy(UnitCopyColumns, Base):
    """An organisation unit as identity announced it (identity.org.*)."""

    __tablename__ = "unit_copies"


class RegionCopy(RegionCopyColumns, Base):
    """A region of a year (identity.region.membership_changed)."""

    __tablename__ = "region_copies"


# -- rounds and sheets ---------------------------------------------------------------------


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("year", "unit_kind", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    table_id: Mapped[str] = mapped_column(ForeignKey("table_copies.table_id"))
    # draft | self_assessment | region_review | appraisal | closed | published
    phase: Mapped[str] = mapped_column(String(24), index=True)
    self_assessment_due: Mapped[datetime] = mapped_column(UTCDateTime)
    review_due: Mapped[datetime] = mapped_column(UTCDateTime)
    appraisal_due: Mapped[datetime] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Sheet(Base):
    """One unit's scoresheet in a round."""

    __tablename__ = "sheets"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    region_id: Mapped[str | None] = mapped_column(String(80), index=True)
    # draft | submitted | returned | reviewed | final
    status: Mapped[str] = mapped_column(String(16), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Computation by the scoring workers: pending | done | failed, for the sheet's revision.
    compute_status: Mapped[str] = mapped_column(String(16), default="none")
    computed_revision: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # scoringrules Result.as_json
    total: Mapped[Any] = mapped_column(Numeric(10, 2), nullable=True)
    band: Mapped[str | None] = mapped_column(String(8))
    bonus_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    deduction_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship()
    entries: Mapped[list[Entry]] = relationship(
        back_populates="sheet", lazy="selectin", order_by="Entry.position"
    )


class Entry(Base):
    """One criterion on one sheet: the unit's inputs and the points at each stage."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("sheet_id", "code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sheet_id: Mapped[str] = mapped_column(ForeignKey("sheets.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    self_points: Mapped[Any] = mapped_column(Numeric(10, 2), nullable=True)
    review_points: Mapped[Any] = mapped_column(Numeric(10, 2), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text)
    final_points: Mapped[Any] = mapped_column(Numeric(10, 2), nullable=True)
    final_reason: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    sheet: Mapped[Sheet] = relationship(back_populates="entries")


class Change(Base):
    """Every change of every entry and sheet: who, when, what it was, what it became, why."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sheet_id: Mapped[str] = mapped_column(ForeignKey("sheets.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(32))  # None: the sheet itself
    stage: Mapped[str] = mapped_column(String(16))  # self | review | appraisal | status
    field: Mapped[str] = mapped_column(String(32))
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Evidence(Base):
    """A file (kept outside the database, by hash) or a link supporting an entry."""

    __tablename__ = "evidence"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sheet_id: Mapped[str] = mapped_column(ForeignKey("sheets.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))  # file | link
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str | None] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ranking(Base):
    """A unit's place in a round's published results."""

    __tablename__ = "rankings"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[str | None] = mapped_column(String(80))
    total: Mapped[Any] = mapped_column(Numeric(10, 2))
    band: Mapped[str] = mapped_column(String(8))
    national_rank: Mapped[int] = mapped_column(Integer)
    region_rank: Mapped[int | None] = mapped_column(Integer)
