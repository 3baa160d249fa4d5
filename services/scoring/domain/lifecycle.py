"""A sheet's lifecycle: its states, and every change of its state, revision and history.

A sheet moves draft → submitted (the unit, during self-assessment) → returned → submitted …
(the region lead sends it back for revision) → reviewed (the region lead) → final (the
Ministry's appraisal). ``ALLOWED`` says which step each status allows in each round phase;
any other is 409 naming what is allowed.

Every write to a sheet goes through this module, and each does what is due, in one place
(revision; history; what it emits):

- ``new_sheet``: a draft, with its round (revision 1; nothing; nothing);
- ``change_entry`` by the unit (stage ``self``), ``change_counts``: +1, the entry's too; one
  row per field that changed; nothing;
- ``change_entry`` by the region lead or the Ministry (``review``, ``appraisal``): +1, the
  entry's too; the points with the reason; ``compute_requested``;
- ``move`` to submitted (by its unit): +1; status; ``compute_requested`` and ``submitted``;
- ``move`` to returned: +1; status with the reason; ``returned``;
- ``move`` to reviewed: +1; status; ``compute_requested``;
- ``move`` to final: +1; status; ``compute_requested`` and ``finalised``;
- ``follow_table``, the round moved to another table version: +1; table_id with the reason;
  ``compute_requested`` unless the sheet is a draft;
- ``change_evidence``: none (the ETag stays: evidence changes no points); evidence; nothing;
- ``computed``, ``not_computable``, a worker's result: none; nothing; nothing (one
  conditional UPDATE, written only while the revision is current and not yet computed).

``scoring.sheet.compute_requested`` is scoring's own command to its workers ("compute this
revision"), emitted whenever the points of a sheet under review may have changed; external
systems must not rely on it. ``scoring.sheet.submitted``, ``.returned`` and ``.finalised``
are public facts: a unit submitted, the region returned, the Ministry finalised
(docs/events.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

import scoringrules
from kit.db import utcnow
from kit.errors import Conflict
from kit.events import emit
from scoringrules import table as rules
from services.scoring import events
from services.scoring.models import Change, Entry, Round, Sheet, TableCopy

# (sheet status, round phase) -> what may happen
ALLOWED: dict[tuple[str, str], list[str]] = {
    ("draft", "self_assessment"): ["edit", "submit"],
    ("returned", "self_assessment"): ["edit", "submit"],
    ("returned", "region_review"): ["edit", "submit"],
    ("submitted", "region_review"): ["review", "return", "mark_reviewed"],
    ("submitted", "appraisal"): ["appraise", "finalise"],
    ("reviewed", "appraisal"): ["appraise", "finalise"],
}

# The statuses whose totals the workers compute when a sheet is moved there.
COMPUTED_ON_MOVE = frozenset({"submitted", "reviewed", "final"})

# Entry attributes as the history names them (the reasons go with the points they explain).
ENTRY_FIELDS: dict[str, str | None] = {
    "inputs": "inputs",
    "comment": "comment",
    "self_points": "points",
    "review_points": "points",
    "review_reason": None,
    "final_points": "points",
    "final_reason": None,
}


def allowed(sheet: Sheet, round_: Round) -> list[str]:
    return ALLOWED.get((sheet.status, round_.phase), [])


def require_step(sheet: Sheet, round_: Round, step: str) -> None:
    permitted = allowed(sheet, round_)
    if step not in permitted:
        raise Conflict(
            (
                f"Phiếu '{sheet.status}' trong giai đoạn '{round_.phase}': không thể {step}. "
                f"Được phép: {', '.join(permitted) or 'không'}.",
                f"The sheet is {sheet.status} in phase {round_.phase}: cannot {step}. "
                f"Allowed: {', '.join(permitted) or 'nothing'}.",
            ),
            sheet_status=sheet.status,
            phase=round_.phase,
            allowed=permitted,
        )


def lock(session: Session, sheet_id: str) -> None:
    """Serialise this transaction with every other writer of the sheet (PostgreSQL: the
    sheet's row, FOR UPDATE; SQLite has one writer at a time already)."""
    session.get(Sheet, sheet_id, with_for_update=True, populate_existing=True)


# -- history and revision -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _record(
    session: Session,
    actor: str,
    sheet_id: str,
    stage: str,
    field: str,
    old: Any,
    new: Any,
    *,
    code: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    """One row of the sheet's history, when the value really changed."""
    if _plain(old) != _plain(new):
        session.add(
            Change(
                sheet_id=sheet_id,
                code=code,
                stage=stage,
                field=field,
                old=_plain(old),
                new=_plain(new),
                reason=reason,
                actor_id=actor,
                at=at or utcnow(),
            )
        )


def _touch(sheet: Sheet) -> None:
    sheet.revision += 1
    sheet.updated_at = utcnow()


# -- the changes ------------------------------------------------------------------------------


def positions(document: dict[str, Any]) -> dict[str, int]:
    """Each criterion of a table and its position on a sheet."""
    return {code: position for position, code in enumerate(rules.leaves(document))}


def new_sheet(
    session: Session,
    round_: Round,
    unit_id: str,
    region_id: str | None,
    criteria: Mapping[str, int],
    at: datetime,
) -> Sheet:
    """A new draft sheet of ``unit_id``, with one empty entry per criterion."""
    sheet = Sheet(
        id=str(uuid.uuid4()),
        round_id=round_.id,
        unit_id=unit_id,
        region_id=region_id,
        status="draft",
        revision=1,
        compute_status="none",
        bonus_counts={},
        deduction_counts={},
        updated_at=at,
    )
    session.add(sheet)
    session.add_all(
        Entry(id=str(uuid.uuid4()), sheet_id=sheet.id, code=code, position=position, revision=1)
        for code, position in criteria.items()
    )
    return sheet


def change_entry(
    session: Session,
    actor: str,
    sheet: Sheet,
    entry: Entry,
    stage: str,
    values: Mapping[str, Any],
    reason: str | None = None,
) -> None:
    """Set ``values`` (entry attribute -> new value) of one criterion, as ``stage`` (self,
    review, appraisal). Points set after self-assessment are recomputed by the workers."""
    for attribute, new in values.items():
        field = ENTRY_FIELDS[attribute]
        if field is not None:
            old = getattr(entry, attribute)
            _record(
                session, actor, sheet.id, stage, field, old, new, code=entry.code, reason=reason
            )
        setattr(entry, attribute, new)
    entry.revision += 1
    _touch(sheet)
    if stage != "self":
        request_computation(session, sheet)


def change_counts(
    session: Session, actor: str, sheet: Sheet, bonus: dict[str, int], deduction: dict[str, int]
) -> None:
    """The unit's counts for the bonus and deduction items."""
    _record(session, actor, sheet.id, "self", "bonus", sheet.bonus_counts, bonus)
    _record(session, actor, sheet.id, "self", "deduction", sheet.deduction_counts, deduction)
    sheet.bonus_counts, sheet.deduction_counts = dict(bonus), dict(deduction)
    _touch(sheet)


def move(
    session: Session, actor: str, sheet: Sheet, status: str, reason: str | None = None
) -> None:
    """Move the sheet to ``status`` (the caller has checked the step with ``require_step``),
    and say so: the public fact of the move, and the workers' job when it is due."""
    _record(session, actor, sheet.id, "status", "status", sheet.status, status, reason=reason)
    sheet.status = status
    _touch(sheet)
    if status == "submitted":
        sheet.submitted_at = utcnow()
    if status in COMPUTED_ON_MOVE:
        request_computation(session, sheet)
    subject = f"sheet/{sheet.id}"
    if status == "submitted":
        emit(
            session,
            events.SHEET_SUBMITTED,
            subject=subject,
            data={
                "sheet_id": sheet.id,
                "round_id": sheet.round_id,
                "unit_id": sheet.unit_id,
                "revision": sheet.revision,
                "status": sheet.status,
            },
        )
    elif status == "returned":
        emit(
            session,
            events.SHEET_RETURNED,
            subject=subject,
            data={
                "sheet_id": sheet.id,
                "round_id": sheet.round_id,
                "unit_id": sheet.unit_id,
                "region_id": sheet.region_id,
                "reason": reason,
            },
        )
    elif status == "final":
        emit(
            session,
            events.SHEET_FINALISED,
            subject=subject,
            data={"sheet_id": sheet.id, "round_id": sheet.round_id, "unit_id": sheet.unit_id},
        )


def follow_table(
    session: Session,
    actor: str,
    sheet: Sheet,
    table: TableCopy,
    old_table_id: str,
    reason: str,
    at: datetime,
) -> None:
    """The sheet under another version of its round's table: entries of criteria the version
    removed are dropped (their history stays), new criteria get empty entries, the unit's
    points are those its inputs earn under it; a sheet past its draft is recomputed."""
    criteria = positions(table.document)
    for entry in list(sheet.entries):
        if entry.code not in criteria:
            session.delete(entry)
            continue
        entry.position = criteria[entry.code]
        entry.self_points = _points_under(table.document, entry.code, entry.inputs)
    have = {e.code for e in sheet.entries}
    session.add_all(
        Entry(id=str(uuid.uuid4()), sheet_id=sheet.id, code=code, position=position, revision=1)
        for code, position in criteria.items()
        if code not in have
    )
    _record(
        session, actor, sheet.id, "status", "table_id", old_table_id, table.table_id, reason=reason
    )
    _touch(sheet)
    if sheet.status != "draft":
        request_computation(session, sheet)


def _points_under(document: dict[str, Any], code: str, inputs: dict[str, Any] | None) -> Any:
    """The entry's self-assessed points under another table version (None if its inputs no
    longer fit the criterion's method: the unit must then correct them)."""
    if inputs is None:
        return None
    node = rules.leaves(document)[code]
    method = scoringrules.METHODS[node["method"]["type"]]
    if method.check_inputs(node, inputs, f"/entries/{code}"):
        return None
    return method.points(node, inputs)


def change_evidence(
    session: Session, actor: str, sheet_id: str, code: str, old: Any, new: Any
) -> None:
    """Evidence added (``old`` None) or removed (``new`` None): kept in the history; the
    sheet's revision (its ETag) stays, evidence changes no points."""
    _record(session, actor, sheet_id, "self", "evidence", old, new, code=code)


# -- computation ------------------------------------------------------------------------------


def request_computation(session: Session, sheet: Sheet) -> None:
    """Ask the scoring workers to compute this revision of the sheet (202 to the caller)."""
    sheet.compute_status = "pending"
    emit(
        session,
        events.SHEET_COMPUTE_REQUESTED,
        subject=f"sheet/{sheet.id}",
        data={
            "sheet_id": sheet.id,
            "round_id": sheet.round_id,
            "unit_id": sheet.unit_id,
            "revision": sheet.revision,
            "status": sheet.status,
        },
    )


def _record_computation(
    session: Session, sheet_id: str, revision: int, values: Mapping[str, Any]
) -> bool:
    """Write a worker's outcome for ``revision``, only while it is still the sheet's current
    revision and not already computed (one UPDATE: a stale or repeated job writes nothing,
    whatever it read). Whether it was written. Sheets loaded in the session are not
    refreshed: a worker's session holds none, it reads columns (``computation``)."""
    sheets = Sheet.__table__.c
    written = session.execute(
        update(Sheet.__table__)  # Core: a worker's session holds no Sheet to keep in step
        .where(
            sheets.id == sheet_id,
            sheets.revision == revision,
            ~((sheets.compute_status == "done") & (sheets.computed_revision == revision)),
        )
        .values(**values, computed_revision=revision)
    )
    return bool(written.rowcount)


def computed(session: Session, sheet_id: str, revision: int, result: scoringrules.Result) -> bool:
    """The totals of ``revision``, as the worker computed them; whether they were written."""
    return _record_computation(
        session,
        sheet_id,
        revision,
        {
            "result": result.as_json(),
            "total": result.total,
            "band": result.band,
            "compute_status": "done",
        },
    )


def not_computable(
    session: Session, sheet_id: str, revision: int, issues: list[scoringrules.Issue]
) -> bool:
    """``revision`` cannot be computed (its issues are kept as its result)."""
    return _record_computation(
        session,
        sheet_id,
        revision,
        {"result": {"issues": [i.as_json() for i in issues]}, "compute_status": "failed"},
    )
