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
- ``move`` to reviewed: +1; status; ``compute_requested``, unless carried forward (below);
- ``move`` to final: +1; status; ``compute_requested`` unless carried forward, and
  ``finalised``;
- ``follow_table``, the round moved to another table version: +1; table_id with the reason;
  ``compute_requested`` unless the sheet is a draft;
- ``change_evidence``: none (the ETag stays: evidence changes no points); evidence; nothing;
- ``computed``, ``not_computable``, a worker's result: none; nothing; nothing (written at
  the worker's commit with the batch's other results, by one conditional UPDATE, only while
  the revision is current and not yet computed: ``record_outcomes``).

Carried forward: the end of the review and finalisation change no points (a result is a pure
function of the entries' inputs, the points set after self-assessment and the pinned table,
not of the status). When the revision before such a move is computed (``done``), the move
sets ``computed_revision`` to the new revision in the same write and asks the workers for
nothing; when it is still pending (or failed), the move asks for the new revision as any
other. A submission always asks.

The bulk forms ``move_many`` and ``override_many`` (``sheets.submit_many``,
``finalise_many``, ``set_points_many``) write exactly the rows and events of one ``move`` or
``change_entry`` per sheet, in a few set-based statements per call instead of a few per
sheet.

``scoring.sheet.compute_requested`` is scoring's own command to its workers ("compute this
revision"), emitted whenever the points of a sheet under review may have changed; external
systems must not rely on it. ``scoring.sheet.submitted``, ``.returned`` and ``.finalised``
are public facts: a unit submitted, the region returned, the Ministry finalised
(docs/events.md).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Integer,
    Numeric,
    String,
    any_,
    bindparam,
    cast,
    event,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

import scoringrules
from kit.db import utcnow
from kit.errors import Conflict
from kit.events import emit_many
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
# Of those, the moves that change no points: a computed result is carried forward.
CARRIED_ON_MOVE = frozenset({"reviewed", "final"})

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


def lock(session: Session, sheet_id: str) -> Sheet | None:
    """Serialise this transaction with every other writer of the sheet (PostgreSQL: the
    sheet's row, FOR UPDATE; SQLite has one writer at a time already); the sheet, read
    fresh, or None when there is none."""
    return session.get(Sheet, sheet_id, with_for_update=True, populate_existing=True)


def among(
    session: Session, column: ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:values)``, one array parameter. A
    bulk step's IN of 200 ids is otherwise rendered again by SQLAlchemy and parsed again by
    psycopg (which caches short statements only) at every execution."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


# -- history and revision -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _change_row(
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
) -> dict[str, Any] | None:
    """One row of the sheet's history (``changes``), when the value really changed."""
    if _plain(old) == _plain(new):
        return None
    return {
        "sheet_id": sheet_id,
        "code": code,
        "stage": stage,
        "field": field,
        "old": _plain(old),
        "new": _plain(new),
        "reason": reason,
        "actor_id": actor,
        "at": at or utcnow(),
    }


def _record(session: Session, row: dict[str, Any] | None) -> None:
    """A row of the sheet's history (``_change_row``), unless nothing changed."""
    if row is not None:
        session.add(Change(**row))


def _record_many(session: Session, rows: Sequence[dict[str, Any] | None]) -> None:
    """History rows in one multi-row INSERT (those that changed something)."""
    changed = [row for row in rows if row is not None]
    if changed:
        table = Change.__table__
        # RETURNING makes SQLAlchemy send one INSERT … VALUES (…), (…) ("insertmanyvalues").
        session.execute(insert(table).returning(table.c.id), changed)


def _record_moves(
    session: Session,
    actor: str,
    sheets: Sequence[Sheet],
    status: str,
    reason: str | None,
    at: datetime,
) -> None:
    """``move``'s history row for each of the sheets whose status changes, written by the
    database from their ids: one ``INSERT … SELECT`` per status they leave, instead of a
    row of parameters per sheet (which cost more to send than the rest of the move)."""
    leaving: dict[str, list[str]] = {}
    for sheet in sheets:
        if sheet.status != status:
            leaving.setdefault(sheet.status, []).append(sheet.id)
    history = Change.__table__.c
    sheet_id = Sheet.__table__.c.id
    for old, ids in sorted(leaving.items()):
        rows = (
            select(
                sheet_id,
                literal("status", history.stage.type),
                literal("status", history.field.type),
                literal(old, history.old.type),
                literal(status, history.new.type),
                literal(reason, history.reason.type),
                literal(actor, history.actor_id.type),
                literal(at, history.at.type),
            )
            .where(among(session, sheet_id, sorted(ids)))
            .order_by(sheet_id)
        )
        names = ["sheet_id", "stage", "field", "old", "new", "reason", "actor_id", "at"]
        session.execute(insert(Change.__table__).from_select(names, rows))


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
                session,
                _change_row(
                    actor, sheet.id, stage, field, old, new, code=entry.code, reason=reason
                ),
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
    _record(session, _change_row(actor, sheet.id, "self", "bonus", sheet.bonus_counts, bonus))
    _record(
        session,
        _change_row(actor, sheet.id, "self", "deduction", sheet.deduction_counts, deduction),
    )
    sheet.bonus_counts, sheet.deduction_counts = dict(bonus), dict(deduction)
    _touch(sheet)


def carries(sheet: Sheet, status: str) -> bool:
    """Moving the sheet to ``status`` carries its computed result forward (module docstring):
    a move that changes no points, from a revision already computed."""
    return (
        status in CARRIED_ON_MOVE
        and sheet.compute_status == "done"
        and sheet.computed_revision == sheet.revision
    )


def _job(sheet: Sheet) -> tuple[str, str, dict[str, Any]]:
    """The workers' job for the sheet's current revision, as ``emit_many`` takes it."""
    return (
        events.SHEET_COMPUTE_REQUESTED,
        f"sheet/{sheet.id}",
        {
            "sheet_id": sheet.id,
            "round_id": sheet.round_id,
            "unit_id": sheet.unit_id,
            "revision": sheet.revision,
            "status": sheet.status,
        },
    )


def _move_events(
    sheet: Sheet, status: str, reason: str | None, *, compute: bool
) -> list[tuple[str, str, dict[str, Any]]]:
    """What a move (already applied to ``sheet``) emits, in order: the job, then the fact."""
    said = [_job(sheet)] if compute else []
    subject = f"sheet/{sheet.id}"
    if status == "submitted":
        data = {
            "sheet_id": sheet.id,
            "round_id": sheet.round_id,
            "unit_id": sheet.unit_id,
            "revision": sheet.revision,
            "status": sheet.status,
        }
        said.append((events.SHEET_SUBMITTED, subject, data))
    elif status == "returned":
        data = {
            "sheet_id": sheet.id,
            "round_id": sheet.round_id,
            "unit_id": sheet.unit_id,
            "region_id": sheet.region_id,
            "reason": reason,
        }
        said.append((events.SHEET_RETURNED, subject, data))
    elif status == "final":
        data = {"sheet_id": sheet.id, "round_id": sheet.round_id, "unit_id": sheet.unit_id}
        said.append((events.SHEET_FINALISED, subject, data))
    return said


def move(
    session: Session, actor: str, sheet: Sheet, status: str, reason: str | None = None
) -> None:
    """Move the sheet to ``status`` (the caller has checked the step with ``require_step``),
    and say so: the public fact of the move, and the workers' job when it is due (none
    when the computed result is carried forward)."""
    _record(
        session,
        _change_row(actor, sheet.id, "status", "status", sheet.status, status, reason=reason),
    )
    carried = carries(sheet, status)
    sheet.status = status
    _touch(sheet)
    if status == "submitted":
        sheet.submitted_at = utcnow()
    compute = status in COMPUTED_ON_MOVE and not carried
    if carried:
        sheet.computed_revision = sheet.revision
    elif compute:
        sheet.compute_status = "pending"
    emit_many(session, _move_events(sheet, status, reason, compute=compute))


def move_many(
    session: Session, actor: str, sheets: Sequence[Sheet], status: str, reason: str | None = None
) -> None:
    """``move`` for many sheets at once: the same history rows, revisions and events, in one
    INSERT of history, at most two UPDATEs of sheets and one INSERT of events.

    The sheets must have been read in this transaction FOR UPDATE, fresh
    (``populate_existing``), and each step checked; the objects are kept in step with what
    was written, without being flushed again."""
    if not sheets:
        return
    now = utcnow()
    _record_moves(session, actor, sheets, status, reason, now)
    columns = Sheet.__table__.c
    values: dict[str, Any] = {"status": status, "revision": columns.revision + 1, "updated_at": now}
    if status == "submitted":
        values["submitted_at"] = now
    carried = {s.id for s in sheets if carries(s, status)}
    compute = status in COMPUTED_ON_MOVE
    groups = (
        (sorted(carried), {"computed_revision": columns.revision + 1}),
        (
            sorted(s.id for s in sheets if s.id not in carried),
            {"compute_status": "pending"} if compute else {},
        ),
    )
    for ids, own in groups:
        if ids:
            session.execute(
                update(Sheet.__table__)
                .where(among(session, columns.id, ids))
                .values(**values, **own)
            )
    said = []
    for sheet in sheets:
        revision = sheet.revision + 1
        set_committed_value(sheet, "status", status)
        set_committed_value(sheet, "revision", revision)
        set_committed_value(sheet, "updated_at", now)
        if status == "submitted":
            set_committed_value(sheet, "submitted_at", now)
        if sheet.id in carried:
            set_committed_value(sheet, "computed_revision", revision)
        elif compute:
            set_committed_value(sheet, "compute_status", "pending")
        said += _move_events(sheet, status, reason, compute=compute and sheet.id not in carried)
    emit_many(session, said)


def override_many(
    session: Session,
    actor: str,
    stage: str,
    points_field: str,
    reason_field: str,
    changes: Sequence[tuple[Sheet, str, Decimal, str]],
) -> None:
    """``change_entry`` of one criterion's later points (``points_field``, with its reason)
    on each of many sheets (``(sheet, code, points, reason)``, each sheet once), as the
    region lead or the Ministry (``stage``): the same history rows, revisions and jobs, in
    a few statements. The sheets as for ``move_many``; their entries must not be loaded in
    the session (they are written with Core and not refreshed)."""
    if not changes:
        return
    if len({sheet.id for sheet, *_ in changes}) != len(changes):
        raise ValueError("override_many takes each sheet once")
    entries = Entry.__table__.c
    keys = [(sheet.id, code) for sheet, code, *_ in changes]
    old = {
        (row.sheet_id, row.code): row
        for row in session.execute(
            select(entries.id, entries.sheet_id, entries.code, entries[points_field]).where(
                tuple_(entries.sheet_id, entries.code).in_(keys)
            )
        )
    }
    now = utcnow()
    _record_many(
        session,
        [
            _change_row(
                actor,
                sheet.id,
                stage,
                "points",
                getattr(old[(sheet.id, code)], points_field),
                points,
                code=code,
                reason=reason,
                at=now,
            )
            for sheet, code, points, reason in changes
        ],
    )
    session.execute(
        update(Entry.__table__)
        .where(entries.id == bindparam("entry_id"))
        .values(
            {
                points_field: bindparam("points"),
                reason_field: bindparam("reason"),
                "revision": entries.revision + 1,
            }
        ),
        [
            {"entry_id": old[(sheet.id, code)].id, "points": points, "reason": reason}
            for sheet, code, points, reason in changes
        ],
    )
    columns = Sheet.__table__.c
    session.execute(
        update(Sheet.__table__)
        .where(among(session, columns.id, sorted(key[0] for key in keys)))
        .values(revision=columns.revision + 1, updated_at=now, compute_status="pending")
    )
    for sheet, *_ in changes:
        set_committed_value(sheet, "revision", sheet.revision + 1)
        set_committed_value(sheet, "updated_at", now)
        set_committed_value(sheet, "compute_status", "pending")
    emit_many(session, [_job(sheet) for sheet, *_ in changes])


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
        session,
        _change_row(
            actor, sheet.id, "status", "table_id", old_table_id, table.table_id, reason=reason
        ),
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
    _record(session, _change_row(actor, sheet_id, "self", "evidence", old, new, code=code))


# -- computation ------------------------------------------------------------------------------


def request_computation(session: Session, sheet: Sheet) -> None:
    """Ask the scoring workers to compute this revision of the sheet (202 to the caller)."""
    sheet.compute_status = "pending"
    emit_many(session, [_job(sheet)])


# session.info key: the outcomes computed in this transaction, written at its commit
# (sheet id -> (revision, the columns to write)).
OUTCOMES = "scoring.outcomes"


def _queue(session: Session, sheet_id: str, revision: int, values: dict[str, Any]) -> None:
    session.info.setdefault(OUTCOMES, {})[sheet_id] = (revision, values)


def queued(session: Session, sheet_id: str, revision: int) -> bool:
    """This transaction has computed ``revision`` of the sheet already (to be written)."""
    outcome = session.info.get(OUTCOMES, {}).get(sheet_id)
    return outcome is not None and outcome[0] == revision


def computed(session: Session, sheet_id: str, revision: int, result: scoringrules.Result) -> None:
    """The totals of ``revision``, as the worker computed them, written when the transaction
    commits together with its other outcomes (``record_outcomes``)."""
    _queue(
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
) -> None:
    """``revision`` cannot be computed (its issues are kept as its result; written as
    ``computed``)."""
    _queue(
        session,
        sheet_id,
        revision,
        {"result": {"issues": [i.as_json() for i in issues]}, "compute_status": "failed"},
    )


@event.listens_for(Session, "before_commit")
def _write_outcomes(session: Session) -> None:
    """The transaction's outcomes, written just before it commits (its outermost commit)."""
    if session.in_nested_transaction():
        return
    outcomes = session.info.pop(OUTCOMES, None)
    if outcomes:
        record_outcomes(session, outcomes)


@event.listens_for(Session, "after_transaction_end")
def _forget_outcomes(session: Session, transaction: SessionTransaction) -> None:
    """Outcomes of a transaction rolled back are never written."""
    if transaction.parent is None:
        session.info.pop(OUTCOMES, None)


def record_outcomes(
    session: Session, outcomes: Mapping[str, tuple[int, Mapping[str, Any]]]
) -> list[tuple[str, int, str]]:
    """Write the workers' outcomes (sheet id -> (revision, columns)), each only while its
    revision is still the sheet's current one and not already computed: a stale or repeated
    job writes nothing, whatever it read. Those written, as (sheet id, revision, status).

    On PostgreSQL the computed ones are one ``UPDATE … FROM (VALUES …)`` (a batch of a
    hundred results in one statement, instead of one round trip each); the rest (failed,
    or SQLite) one conditional UPDATE each. Sheets loaded in the session are not refreshed:
    a worker's session holds none, it reads columns (``computation``)."""
    rest = dict(outcomes)
    written: list[tuple[str, int, str]] = []
    if session.get_bind().dialect.name == "postgresql":
        done = {k: v for k, v in rest.items() if v[1]["compute_status"] == "done"}
        if done:
            written += _record_done(session, done)
            rest = {k: v for k, v in rest.items() if k not in done}
    for sheet_id, (revision, values) in sorted(rest.items()):
        if _record_computation(session, sheet_id, revision, values):
            written.append((sheet_id, revision, values["compute_status"]))
    return written


def _record_done(
    session: Session, outcomes: Mapping[str, tuple[int, Mapping[str, Any]]]
) -> list[tuple[str, int, str]]:
    """The computed outcomes in one conditional UPDATE (PostgreSQL), in sheet id order (the
    order the workers lock sheets in).

    The batch goes as four arrays (ids, revisions, totals, bands, ``unnest`` WITH
    ORDINALITY) and one JSON array of the results (``json_array_elements``, whose elements
    PostgreSQL keeps as the text given), so the statement is the same whatever the batch's
    size: SQLAlchemy compiles it and psycopg parses it once per process, where a VALUES row
    per outcome was compiled again for every batch. Each result is the text SQLAlchemy's JSON
    type sent (``json.dumps``): the stored document is the same to the character. (Results in
    a text array cost psycopg more to quote than their arithmetic; as one recordset,
    PostgreSQL parsed each result twice.)"""
    ordered = sorted(outcomes.items())
    given = (
        func.unnest(
            bindparam("ids", [sheet_id for sheet_id, _ in ordered], type_=ARRAY(String)),
            bindparam("revisions", [r for _, (r, _) in ordered], type_=ARRAY(Integer)),
            bindparam("totals", [v["total"] for _, (_, v) in ordered], type_=ARRAY(Numeric)),
            bindparam("bands", [v["band"] for _, (_, v) in ordered], type_=ARRAY(String)),
        )
        .table_valued("sheet_id", "revision", "total", "band", with_ordinality="n")
        .render_derived(name="outcome")
    )
    results = "[" + ", ".join(json.dumps(v["result"]) for _, (_, v) in ordered) + "]"
    each = (
        func.json_array_elements(cast(bindparam("results", results, type_=String), JSON))
        .table_valued("result", with_ordinality="n")
        .render_derived(name="computed")
    )
    sheets = Sheet.__table__.c
    rows = session.execute(
        update(Sheet.__table__)
        .where(
            each.c.n == given.c.n,
            sheets.id == given.c.sheet_id,
            sheets.revision == given.c.revision,
            ~((sheets.compute_status == "done") & (sheets.computed_revision == given.c.revision)),
        )
        .values(
            result=each.c.result,
            total=cast(given.c.total, Numeric(10, 2)),
            band=given.c.band,
            compute_status="done",
            computed_revision=given.c.revision,
        )
        .returning(sheets.id, sheets.computed_revision)
    )
    return [(row.id, row.computed_revision, "done") for row in rows]


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
