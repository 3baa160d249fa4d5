"""Scoring rounds: who takes part, which table version, and the phases with their deadlines.

Phases advance in one order: draft → self_assessment → region_review → appraisal → closed →
published. Ministry officers move them; a self-assessment deadline that passes closes that
phase by itself (domain.scheduler). Opening a round creates one sheet per unit of its kind in
force on its reference day (31 December of the year: 63 units for 2024, 34 for 2026), each
with one entry per criterion of the pinned table version.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Conflict, Invalid
from kit.events import emit
from services.scoring import events
from services.scoring.domain import lifecycle
from services.scoring.models import RegionCopy, Round, Sheet, TableCopy, UnitCopy

PHASES = ["draft", "self_assessment", "region_review", "appraisal", "closed", "published"]


def reference_day(year: int) -> date:
    return date(year, 12, 31)


def latest_table(session: Session, year: int, unit_kind: str) -> TableCopy | None:
    return (
        session.execute(
            select(TableCopy)
            .where(TableCopy.year == year, TableCopy.unit_kind == unit_kind)
            .order_by(TableCopy.version.desc())
        )
        .scalars()
        .first()
    )


def participants(session: Session, year: int, unit_kind: str) -> list[UnitCopy]:
    day = reference_day(year)
    units = session.execute(select(UnitCopy).where(UnitCopy.kind == unit_kind)).scalars()
    return sorted((u for u in units if u.exists_on(day)), key=lambda u: u.unit_id)


def regions_of(session: Session, year: int) -> dict[str, str]:
    """Each member unit's region in ``year`` (unit id -> region id), read once for a round."""
    members: dict[str, str] = {}
    query = select(RegionCopy).where(RegionCopy.year == year).order_by(RegionCopy.region_id)
    for region in session.execute(query).scalars():
        for unit_id in region.member_ids:
            members.setdefault(unit_id, region.region_id)
    return members


def create(
    session: Session,
    actor: str,
    *,
    year: int,
    unit_kind: str,
    name: str,
    self_assessment_due: datetime,
    review_due: datetime,
    appraisal_due: datetime,
    table_id: str | None = None,
) -> Round:
    errors: dict[str, list[str]] = {}
    table = session.get(TableCopy, table_id) if table_id else latest_table(session, year, unit_kind)
    if table is None or table.year != year or table.unit_kind != unit_kind:
        errors["table_id"] = [
            f"Chưa có bảng tiêu chí đã ban hành cho {unit_kind} năm {year}. "
            f"/ No published criteria table for {unit_kind} {year}."
        ]
    if not self_assessment_due < review_due < appraisal_due:
        errors["deadlines"] = [
            "Hạn tự chấm < hạn khu vực kiểm tra < hạn thẩm định. / "
            "Self-assessment < review < appraisal deadlines."
        ]
    units = participants(session, year, unit_kind)
    if not units:
        errors["unit_kind"] = [f"Không có đơn vị {unit_kind} nào vào {reference_day(year)}."]
    if errors:
        raise Invalid(
            errors,
            ("Không thể tạo đợt chấm điểm, xem errors.", "Cannot create the round, see errors."),
        )
    assert table is not None
    now = utcnow()
    round_ = Round(
        id=str(uuid.uuid4()),
        year=year,
        unit_kind=unit_kind,
        name=name,
        table_id=table.table_id,
        phase="draft",
        self_assessment_due=self_assessment_due,
        review_due=review_due,
        appraisal_due=appraisal_due,
        created_by=actor,
        created_at=now,
    )
    session.add(round_)
    criteria = lifecycle.positions(table.document)
    regions = regions_of(session, year)
    for unit in units:
        lifecycle.new_sheet(session, round_, unit.unit_id, regions.get(unit.unit_id), criteria, now)
    session.flush()
    return round_


def illegal(round_: Round, target: str) -> Conflict:
    index = PHASES.index(round_.phase)
    allowed = PHASES[index + 1 : index + 2]
    return Conflict(
        (
            f"Đợt đang ở giai đoạn '{round_.phase}', không thể chuyển sang '{target}'. "
            f"Được phép: {', '.join(allowed) or 'không'}.",
            f"The round is in '{round_.phase}'; it cannot move to '{target}'. "
            f"Allowed: {', '.join(allowed) or 'none'}.",
        ),
        phase=round_.phase,
        allowed=allowed,
    )


def advance(
    session: Session, actor: str, round_: Round, target: str, reason: str | None = None
) -> Round:
    """Move to the next phase; any other move is 409 naming the one allowed."""
    if target not in PHASES or PHASES.index(target) != PHASES.index(round_.phase) + 1:
        raise illegal(round_, target)
    if target == "published":
        raise illegal(round_, target)  # results are published through rankings.publish
    previous, round_.phase = round_.phase, target
    round_.revision += 1
    emit(
        session,
        events.ROUND_PHASE_CHANGED,
        subject=f"round/{round_.id}",
        data={
            "round_id": round_.id,
            "year": round_.year,
            "unit_kind": round_.unit_kind,
            "from": previous,
            "to": target,
            "actor": actor,
            "reason": reason,
            # Optional within schema_version 1: notify reminds everyone before each deadline.
            "deadlines": {
                "self_assessment": round_.self_assessment_due.isoformat(),
                "region_review": round_.review_due.isoformat(),
                "appraisal": round_.appraisal_due.isoformat(),
            },
        },
    )
    return round_


def move_to_table(session: Session, actor: str, round_: Round, table_id: str, reason: str) -> Round:
    """Pin an amended table version: every sheet follows it (``lifecycle.follow_table``:
    entries of criteria the amendment removed are dropped, their history stays; new criteria
    get empty entries; the move is recorded against each sheet, and each sheet past its
    draft is recomputed)."""
    table = session.get(TableCopy, table_id)
    if table is None or (table.year, table.unit_kind) != (round_.year, round_.unit_kind):
        raise Invalid(
            {"table_id": [table_id]},
            (
                "Phiên bản bảng không thuộc năm và loại đơn vị của đợt.",
                "Not a version of this round's table.",
            ),
        )
    if round_.phase in ("closed", "published"):
        raise illegal(round_, "move_to_table")
    old_id, round_.table_id = round_.table_id, table.table_id
    now = utcnow()
    sheets = session.execute(select(Sheet).where(Sheet.round_id == round_.id)).scalars().all()
    for sheet in sheets:
        lifecycle.follow_table(session, actor, sheet, table, old_id, reason, now)
    session.flush()
    round_.revision += 1
    return round_
