"""Emulation movements (phong trào thi đua): a campaign with a theme, a period and peak phases.

A movement is launched by the Ministry, a region or a unit (``launching_level`` and the
``launching_unit_id``), is ``regular`` (the yearly movement) or ``thematic``, runs from
``starts_on`` to ``ends_on``, may be split into peak phases (đợt thi đua cao điểm, e.g. Đợt 1:
1 Jan–30 Jun, Đợt 2: 1 Jul–31 Dec) that lie inside the period in order without overlapping,
names its participant units and may be scored with a published criteria table.

Lifecycle: ``draft`` (ministry officers edit it; only they know it exists) → ``launched``
(everyone signed in reads it; it never changes again). Launching emits
``criteria.movement.launched`` with the whole movement, so consumers never call back.
Units are checked against criteria's read model of identity's organisation (``UnitCopy``):
each must be in force on the day the movement starts.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Invalid, NotFound, StateConflict, Text
from kit.events import emit
from services.criteria import events
from services.criteria.models import CriteriaTable, Movement, UnitCopy

TRANSITIONS: dict[str, list[str]] = {"draft": ["edit", "launch"], "launched": []}

FIELDS = (
    "title",
    "theme",
    "kind",
    "launching_level",
    "launching_unit_id",
    "starts_on",
    "ends_on",
    "phases",
    "participant_unit_ids",
    "table_id",
)


Errors = dict[str, list[Text]]


def invalid(errors: Errors) -> Invalid:
    return Invalid(
        errors,
        ("Phong trào thi đua không hợp lệ, xem errors.", "The movement is invalid, see errors."),
    )


def conflict(movement: Movement, action: str) -> StateConflict:
    return StateConflict(
        ("Phong trào", "movement"), movement.status, action, TRANSITIONS[movement.status]
    )


# -- validation ---------------------------------------------------------------------------


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _check_phases(phases: list[dict[str, Any]], first: date, last: date) -> list[Text]:
    """Each phase inside [first, last], with its own dates in order; phases in order, apart."""
    problems: list[Text] = []
    previous: dict[str, Any] | None = None
    for number, phase in enumerate(phases, start=1):
        vi, en = f"Đợt thứ {number} ({phase['name']})", f"Phase {number} ({phase['name']})"
        start, end = phase["starts_on"], phase["ends_on"]
        if start > end:
            problems.append(
                (f"{vi}: ngày bắt đầu sau ngày kết thúc.", f"{en}: starts after it ends.")
            )
        if start < first or end > last:
            problems.append(
                (
                    f"{vi} ({_day(start)}–{_day(end)}) nằm ngoài thời gian phong trào "
                    f"({_day(first)}–{_day(last)}).",
                    f"{en} lies outside the movement's "
                    f"period ({first.isoformat()} to {last.isoformat()}).",
                )
            )
        if previous is not None and start <= previous["ends_on"]:
            problems.append(
                (
                    f"{vi} bắt đầu trước khi đợt trước ({previous['name']}) kết thúc: các đợt "
                    f"phải theo thứ tự và không chồng lấn.",
                    f"{en} starts before the previous one ({previous['name']}) ends: "
                    f"phases must be in order and must not overlap.",
                )
            )
        previous = phase
    names = [phase["name"] for phase in phases]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems.append(
            (f"Tên đợt bị trùng: {', '.join(twice)}.", f"Phase names repeat: {', '.join(twice)}.")
        )
    return problems


def _unit_problem(session: Session, unit_id: str, day: date) -> Text | None:
    unit = session.get(UnitCopy, unit_id)
    if unit is None:
        return (f"{unit_id}: không có đơn vị này.", f"{unit_id}: no such unit.")
    if not unit.exists_on(day):
        return (
            f"{unit_id}: đơn vị không còn/chưa hoạt động ngày {_day(day)}.",
            f"{unit_id}: the unit is not in force on {day.isoformat()}.",
        )
    return None


def check(session: Session, data: dict[str, Any]) -> Errors:
    """Every problem of a movement's fields against each other and the read models."""
    errors: Errors = {}
    first, last = data["starts_on"], data["ends_on"]
    if first > last:
        errors["ends_on"] = [
            ("Ngày kết thúc phải không trước ngày bắt đầu.", "ends_on must not precede starts_on.")
        ]
    elif problems := _check_phases(data["phases"], first, last):
        errors["phases"] = problems
    if problem := _unit_problem(session, data["launching_unit_id"], first):
        errors["launching_unit_id"] = [problem]
    participants: list[str] = data["participant_unit_ids"]
    problems = [
        p for p in (_unit_problem(session, u, first) for u in dict.fromkeys(participants)) if p
    ]
    repeated = sorted({u for u in participants if participants.count(u) > 1})
    if repeated:
        problems.append(
            (f"Đơn vị bị lặp: {', '.join(repeated)}.", f"Repeated units: {', '.join(repeated)}.")
        )
    if problems:
        errors["participant_unit_ids"] = problems
    table_id = data.get("table_id")
    if table_id is not None:
        table = session.get(CriteriaTable, table_id)
        if table is None:
            errors["table_id"] = [
                (f"Không có bảng tiêu chí {table_id}.", f"No criteria table {table_id}.")
            ]
        elif table.status != "published":
            errors["table_id"] = [
                (
                    f"Bảng tiêu chí {table_id} đang ở trạng thái '{table.status}', chưa/không còn "
                    f"ban hành.",
                    f"Criteria table {table_id} is {table.status}, not published.",
                )
            ]
    return errors


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """The fields as the model keeps them (phase dates as ISO strings in JSON)."""
    values = {name: data.get(name) for name in FIELDS}
    values["phases"] = [
        {
            "name": p["name"],
            "starts_on": p["starts_on"].isoformat(),
            "ends_on": p["ends_on"].isoformat(),
        }
        for p in data["phases"]
    ]
    values["participant_unit_ids"] = list(data["participant_unit_ids"])
    return values


def _as_input(movement: Movement) -> dict[str, Any]:
    """A stored movement in the shape ``check`` takes (to check it again at launch)."""
    data = {name: getattr(movement, name) for name in FIELDS}
    data["phases"] = [
        {
            "name": p["name"],
            "starts_on": date.fromisoformat(p["starts_on"]),
            "ends_on": date.fromisoformat(p["ends_on"]),
        }
        for p in movement.phases
    ]
    return data


# -- reading ------------------------------------------------------------------------------


def query(*, year: int | None, kind: str | None, status: str | None, drafts: bool) -> Select[Any]:
    """Movements whose period meets ``year``, newest first; drafts only when ``drafts``."""
    statement = select(Movement).order_by(
        Movement.starts_on.desc(), Movement.created_at.desc(), Movement.id
    )
    if year is not None:
        statement = statement.where(
            Movement.starts_on <= date(year, 12, 31), Movement.ends_on >= date(year, 1, 1)
        )
    if kind is not None:
        statement = statement.where(Movement.kind == kind)
    if status is not None:
        statement = statement.where(Movement.status == status)
    if not drafts:
        statement = statement.where(Movement.status == "launched")
    return statement


def get(session: Session, movement_id: str, *, drafts: bool) -> Movement:
    """The movement, if the caller may know it exists (drafts: only movement managers)."""
    movement = session.get(Movement, movement_id)
    if movement is None or (movement.status == "draft" and not drafts):
        raise NotFound(("phong trào thi đua", "movement"), movement_id)
    return movement


# -- changing -----------------------------------------------------------------------------


def create(session: Session, actor: str, data: dict[str, Any]) -> Movement:
    errors = check(session, data)
    if errors:
        raise invalid(errors)
    movement = Movement(
        id=str(uuid.uuid4()),
        status="draft",
        created_by=actor,
        created_at=utcnow(),
        launched_at=None,
        **_stored(data),
    )
    session.add(movement)
    session.flush()
    return movement


def update(session: Session, movement: Movement, data: dict[str, Any]) -> Movement:
    """Replace a draft's fields; a launched movement never changes (409)."""
    if movement.status != "draft":
        raise conflict(movement, "edit")
    errors = check(session, data)
    if errors:
        raise invalid(errors)
    for name, value in _stored(data).items():
        setattr(movement, name, value)
    session.flush()
    return movement


def event_data(movement: Movement) -> dict[str, Any]:
    return {
        "movement_id": movement.id,
        "title": movement.title,
        "theme": movement.theme,
        "kind": movement.kind,
        "launching_level": movement.launching_level,
        "launching_unit_id": movement.launching_unit_id,
        "starts_on": movement.starts_on.isoformat(),
        "ends_on": movement.ends_on.isoformat(),
        "phases": [dict(p) for p in movement.phases],
        "participant_unit_ids": list(movement.participant_unit_ids),
        "table_id": movement.table_id,
        "launched_at": movement.launched_at.isoformat() if movement.launched_at else None,
    }


def launch(session: Session, movement: Movement) -> Movement:
    """Launch a draft: checked again (a unit may have merged away, a table been superseded),
    frozen, and announced with ``criteria.movement.launched``."""
    if movement.status != "draft":
        raise conflict(movement, "launch")
    errors = check(session, _as_input(movement))
    if errors:
        raise invalid(errors)
    movement.status = "launched"
    movement.launched_at = utcnow()
    session.flush()
    emit(
        session,
        events.MOVEMENT_LAUNCHED,
        subject=f"movement/{movement.id}",
        data=event_data(movement),
    )
    return movement
