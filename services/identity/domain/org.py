"""Organisation units: created, renamed or moved from a date, merged into a successor.

Every change is effective-dated, so the structure "as of" any day can be answered: 63
provinces' units for 2024, 34 for 2026. A merger closes the merged units the day before it
takes effect, names their successor, opens the successor (or extends an existing one), and
moves their children to it; the same function serves the API and the reference loader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.identity import OrgUnitCreated, OrgUnitsMerged, OrgUnitUpdated
from kit.db import utcnow
from kit.errors import Invalid, Text
from kit.text import matches
from services.identity import events
from services.identity.domain import audit
from services.identity.models import OrgUnit, OrgUnitVersion

KINDS = {
    "ministry": "Bộ",
    "department": "Vụ, đơn vị thuộc Bộ",
    "general-department": "Tổng cục / Cục quản lý",
    "so-tu-phap": "Sở Tư pháp",
    "cuc-thads": "Cơ quan thi hành án dân sự cấp tỉnh",
    "phong-tu-phap": "Phòng Tư pháp cấp huyện",
    "chi-cuc-thads": "Chi cục / phòng thi hành án dân sự khu vực",
}
SCORED_KINDS = ("so-tu-phap", "cuc-thads")


@dataclass(frozen=True)
class UnitView:
    """A unit as it stood on one day."""

    id: str
    code: str
    kind: str
    name: str
    parent_id: str | None
    province_code: str | None
    valid_from: date | None
    valid_to: date | None
    successor_id: str | None

    @classmethod
    def of(cls, unit: OrgUnit, day: date) -> UnitView:
        version = unit.version_on(day)
        return cls(
            unit.id,
            unit.code,
            unit.kind,
            version.name,
            version.parent_id,
            unit.province_code,
            unit.valid_from,
            unit.valid_to,
            unit.successor_id,
        )

    def _state(self) -> dict[str, Any]:
        """The unit as identity's organisation events carry it (contracts.identity)."""
        return {
            "unit_id": self.id,
            "code": self.code,
            "kind": self.kind,
            "name": self.name,
            "parent_id": self.parent_id,
            "province_code": self.province_code,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "successor_id": self.successor_id,
        }

    def created(self) -> OrgUnitCreated:
        return OrgUnitCreated(**self._state())

    def updated(self, effective: date) -> OrgUnitUpdated:
        return OrgUnitUpdated(**self._state(), effective_date=effective)


INVALID: Text = ("Dữ liệu không hợp lệ, xem errors.", "Invalid data, see errors.")


def get_unit(session: Session, unit_id: str) -> OrgUnit | None:
    return session.get(OrgUnit, unit_id)


def units_on(
    session: Session,
    day: date,
    *,
    kind: str | None = None,
    province_code: str | None = None,
    parent_id: str | None = None,
    q: str | None = None,
) -> list[UnitView]:
    """Every unit in force on ``day``, ordered by kind and code.

    ``q`` keeps the units where each of its words begins a word of the name in force that day
    or of the code, ignoring case and diacritics ("ha noi" finds "Hà Nội"; kit.text.matches).
    The name depends on the day, so the match is made here on the views rather than in SQL; a
    day's units are a few hundred.
    """
    query = select(OrgUnit).where(
        (OrgUnit.valid_from.is_(None)) | (OrgUnit.valid_from <= day),
        (OrgUnit.valid_to.is_(None)) | (OrgUnit.valid_to >= day),
    )
    if kind:
        query = query.where(OrgUnit.kind == kind)
    if province_code:
        query = query.where(OrgUnit.province_code == province_code)
    views = [UnitView.of(u, day) for u in session.execute(query).scalars()]
    if parent_id:
        views = [v for v in views if v.parent_id == parent_id]
    if q:
        views = [v for v in views if matches(q, f"{v.name} {v.code}")]
    return sorted(views, key=lambda v: (v.kind, v.code, v.id))


def tree_on(session: Session, day: date) -> list[dict[str, Any]]:
    """The units in force on ``day`` as nested ``children`` lists under their roots."""
    views = units_on(session, day)
    nodes = {v.id: {**v.__dict__, "children": []} for v in views}
    roots = []
    for view in views:
        parent = nodes.get(view.parent_id or "")
        (parent["children"] if parent else roots).append(nodes[view.id])
    return roots


def create_unit(
    session: Session,
    actor_id: str | None,
    *,
    id: str,
    code: str,
    kind: str,
    name: str,
    parent_id: str | None = None,
    province_code: str | None = None,
    valid_from: date | None = None,
) -> OrgUnit:
    errors: dict[str, list[Text]] = {}
    if session.get(OrgUnit, id) is not None:
        errors["id"] = [(f"Đơn vị {id} đã tồn tại.", f"Unit {id} already exists.")]
    if kind not in KINDS:
        errors["kind"] = [
            (
                f"Loại đơn vị không hợp lệ; dùng: {', '.join(KINDS)}.",
                f"Unknown kind of unit; use: {', '.join(KINDS)}.",
            )
        ]
    if parent_id is not None:
        parent = session.get(OrgUnit, parent_id)
        if parent is None or (valid_from and not parent.exists_on(valid_from)):
            errors["parent_id"] = [
                (
                    f"Đơn vị cấp trên {parent_id} không tồn tại vào ngày đó.",
                    f"Parent {parent_id} does not exist then.",
                )
            ]
    if errors:
        raise Invalid(errors, INVALID)
    unit = OrgUnit(
        id=id,
        code=code,
        kind=kind,
        province_code=province_code,
        valid_from=valid_from,
        created_at=utcnow(),
    )
    unit.versions = [OrgUnitVersion(valid_from=valid_from, name=name, parent_id=parent_id)]
    session.add(unit)
    session.flush()
    audit.record(
        session, "org.unit_created", actor_id=actor_id, target_type="org_unit", target_id=id
    )
    events.publish(session, UnitView.of(unit, valid_from or date.min).created())
    return unit


def change_unit(
    session: Session,
    actor_id: str | None,
    unit: OrgUnit,
    *,
    effective: date,
    name: str | None = None,
    parent_id: str | None = None,
    reason: str | None = None,
) -> OrgUnit:
    """Rename or move ``unit`` from ``effective`` on (a new version; history is kept)."""
    if not unit.exists_on(effective):
        raise Invalid(
            {
                "effective_date": [
                    (
                        "Đơn vị không tồn tại vào ngày hiệu lực.",
                        "The unit does not exist on that date.",
                    )
                ]
            },
            INVALID,
        )
    current = unit.version_on(effective)
    new_parent = parent_id if parent_id is not None else current.parent_id
    if new_parent == unit.id:
        raise Invalid(
            {
                "parent_id": [
                    (
                        "Một đơn vị không thể là cấp trên của chính nó.",
                        "A unit cannot be its own parent.",
                    )
                ]
            },
            INVALID,
        )
    same_day = next((v for v in unit.versions if v.valid_from == effective), None)
    version = same_day or OrgUnitVersion(
        valid_from=effective, name=current.name, parent_id=current.parent_id
    )
    version.name = name or current.name
    version.parent_id = new_parent
    if same_day is None:
        unit.versions.append(version)
        unit.versions.sort(key=lambda v: v.valid_from or date.min)
    session.flush()
    audit.record(
        session,
        "org.unit_changed",
        actor_id=actor_id,
        target_type="org_unit",
        target_id=unit.id,
        effective_date=effective.isoformat(),
        reason=reason,
    )
    events.publish(session, UnitView.of(unit, effective).updated(effective))
    return unit


@dataclass(frozen=True)
class NewSuccessor:
    id: str
    code: str
    name: str
    province_code: str | None = None
    parent_id: str | None = None


def merge(
    session: Session,
    actor_id: str | None,
    *,
    effective: date,
    merged_ids: Sequence[str],
    successor_id: str | None = None,
    new_successor: NewSuccessor | None = None,
    successor_name: str | None = None,
    decision: str | None = None,
) -> OrgUnit:
    """Merge ``merged_ids`` into a successor from ``effective`` on; return the successor.

    The successor is an existing unit (extended, and renamed when ``successor_name`` is given)
    or ``new_successor``, opened on ``effective``. Refused as a whole (422, nothing changed)
    when any unit is missing, already closed, of another kind, or the successor itself.
    """
    errors: dict[str, list[Text]] = {}
    eve = effective - timedelta(days=1)
    if (successor_id is None) == (new_successor is None):
        errors["successor"] = [
            (
                "Chỉ rõ đúng một: successor_id (đơn vị có sẵn) hoặc new_successor (đơn vị mới).",
                "Give exactly one of successor_id or new_successor.",
            )
        ]
    if not merged_ids:
        errors["merged_ids"] = [("Cần ít nhất một đơn vị bị hợp nhất.", "Name at least one unit.")]
    merged: list[OrgUnit] = []
    for unit_id in dict.fromkeys(merged_ids):
        unit = session.get(OrgUnit, unit_id)
        if unit is None or not unit.exists_on(eve):
            errors.setdefault("merged_ids", []).append(
                (
                    f"{unit_id}: không tồn tại vào ngày trước ngày hiệu lực.",
                    f"{unit_id}: does not exist on the day before the effective date.",
                )
            )
        elif unit.valid_to is not None:
            errors.setdefault("merged_ids", []).append(
                (
                    f"{unit_id}: đã kết thúc (hợp nhất) trước đó.",
                    f"{unit_id}: already closed or merged.",
                )
            )
        else:
            merged.append(unit)
    successor = session.get(OrgUnit, successor_id) if successor_id else None
    if successor_id and (successor is None or not successor.exists_on(effective)):
        errors["successor_id"] = [
            (
                f"{successor_id}: không tồn tại vào ngày hiệu lực.",
                f"{successor_id}: does not exist on the effective date.",
            )
        ]
    if successor_id and successor_id in merged_ids:
        errors["successor_id"] = [
            (
                "Đơn vị kế thừa không thể nằm trong danh sách bị hợp nhất.",
                "The successor cannot be one of the merged units.",
            )
        ]
    kinds = {u.kind for u in merged} | ({successor.kind} if successor else set())
    if len(kinds) > 1:
        errors["merged_ids"] = [
            (
                f"Các đơn vị phải cùng loại (đang có: {', '.join(sorted(kinds))}).",
                f"Units of one kind only (given: {', '.join(sorted(kinds))}).",
            )
        ]
    if new_successor and session.get(OrgUnit, new_successor.id) is not None:
        errors["new_successor"] = [
            (f"{new_successor.id} đã tồn tại.", f"{new_successor.id} already exists.")
        ]
    if errors:
        raise Invalid(errors, ("Không thể hợp nhất, xem errors.", "Cannot merge, see errors."))

    if new_successor is not None:
        model = merged[0]
        successor = create_unit(
            session,
            actor_id,
            id=new_successor.id,
            code=new_successor.code,
            kind=model.kind,
            name=new_successor.name,
            province_code=new_successor.province_code,
            parent_id=new_successor.parent_id or model.version_on(eve).parent_id,
            valid_from=effective,
        )
    elif successor_name:
        change_unit(
            session, actor_id, successor, effective=effective, name=successor_name, reason="merger"
        )
    assert successor is not None

    for unit in merged:
        unit.valid_to = eve
        unit.successor_id = successor.id
        # Units below a merged one now report to the successor.
        for child in _children_on(session, unit.id, effective):
            change_unit(
                session,
                actor_id,
                child,
                effective=effective,
                parent_id=successor.id,
                reason="parent merged",
            )
    session.flush()
    audit.record(
        session,
        "org.merged",
        actor_id=actor_id,
        target_type="org_unit",
        target_id=successor.id,
        merged_ids=[u.id for u in merged],
        effective_date=effective.isoformat(),
        decision=decision,
    )
    events.publish(
        session,
        OrgUnitsMerged(
            effective_date=effective,
            successor_id=successor.id,
            merged_ids=tuple(u.id for u in merged),
            decision=decision,
        ),
    )
    return successor


def _children_on(session: Session, parent_id: str, day: date) -> Iterable[OrgUnit]:
    ids = {v.id for v in units_on(session, day) if v.parent_id == parent_id}
    return [session.get(OrgUnit, i) for i in sorted(ids)]  # type: ignore[misc]
