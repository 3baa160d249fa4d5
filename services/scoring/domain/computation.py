"""Computing a sheet's totals: the scoring workers' job.

A worker is scoring's consumer; several run side by side (competing consumers of scoring's
queue, scaled on its depth at year-end). Each job (``scoring.sheet.compute_requested``, asked
for by ``lifecycle.request_computation``) names a sheet and the revision it was queued for, so
a redelivered or stale job changes nothing: the result of a revision is a pure function of the
sheet's inputs and the pinned table, recorded by ``lifecycle.computed``.

At national scale (10,000 units × 200 criteria) what a job costs besides the arithmetic is
reading and writing, so a worker does neither through ORM objects:

- a job reads what the computation needs (``Inputs``: the sheet's revision, counts and each
  entry's inputs and later points) with two Core selects; its result is written when the
  transaction commits, with every other result of the batch, by one conditional UPDATE
  (``lifecycle.computed``, ``lifecycle.record_outcomes``);
- a consumer that takes messages in batches calls ``prepare`` once per batch, which reads the
  inputs of every sheet of the batch at once (and locks those sheets, in id order, so two
  workers holding the same sheets in different batches wait for each other instead of
  deadlocking); each job then finds its sheet prepared, and reads it itself otherwise;
- the pinned table is compiled once per process (``compiled``: a table copy is immutable once
  published, so the cache is keyed by its id, version and publication time), instead of
  being validated again for every sheet.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ARRAY, JSON, String, Text, any_, bindparam, cast, func, select, text, true
from sqlalchemy.orm import Session

import scoringrules
from services.scoring.domain import lifecycle
from services.scoring.models import Entry, Round, Sheet, TableCopy

# session.info key of the inputs ``prepare`` read for the current batch (sheet id -> Inputs).
PREPARED = "scoring.prepared_inputs"
# How many compiled tables a process keeps (a year has a handful of versions per unit kind).
COMPILED_TABLES = 16


def sheet_document(sheet: Sheet) -> dict[str, Any]:
    """The sheet in scoringrules' shape: inputs per criterion, bonus and deduction counts."""
    return {
        "entries": {e.code: e.inputs for e in sheet.entries if e.inputs is not None},
        "bonus": dict(sheet.bonus_counts or {}),
        "deduction": dict(sheet.deduction_counts or {}),
    }


def overrides(sheet: Sheet) -> dict[str, Decimal]:
    """Points set after self-assessment: the appraisal's, else the region's proposal."""
    return _chosen((e.code, e.review_points, e.final_points) for e in sheet.entries)


def _chosen(points: Iterable[tuple[str, Any, Any]]) -> dict[str, Decimal]:
    chosen = {}
    for code, review_points, final_points in points:
        value = final_points if final_points is not None else review_points
        if value is not None:
            chosen[code] = Decimal(value)
    return chosen


def table_of(session: Session, sheet: Sheet) -> TableCopy:
    round_ = session.get(Round, sheet.round_id)
    assert round_ is not None
    table = session.get(TableCopy, round_.table_id)
    assert table is not None
    return table


# -- the compiled table ---------------------------------------------------------------------


class Compiled(Protocol):
    """What scoring needs of a table compiled by scoringrules."""

    def score(self, sheet: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Any:
        """The sheet's Result; raises ``scoringrules.Invalid`` when the sheet has issues."""
        ...

    def check_sheet(self, sheet: Mapping[str, Any]) -> list[scoringrules.Issue]:
        """Every issue in the sheet."""
        ...


@dataclass(frozen=True)
class _Uncompiled:
    """A table for a scoringrules without ``compile``: each call validates the table again."""

    document: dict[str, Any]

    def score(self, sheet: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Any:
        return scoringrules.score(self.document, sheet, overrides)

    def check_sheet(self, sheet: Mapping[str, Any]) -> list[scoringrules.Issue]:
        return scoringrules.check_sheet(self.document, sheet)


TableKey = tuple[str, int, datetime]
_compiled: OrderedDict[TableKey, Compiled] = OrderedDict()
_compiled_lock = threading.Lock()


def compile_document(document: dict[str, Any]) -> Compiled:
    """The table compiled by scoringrules (validated once; raises ``scoringrules.Invalid``)."""
    compile_table = getattr(scoringrules, "compile", None)
    if compile_table is None:
        return _Uncompiled(document)
    compiled_table: Compiled = compile_table(document)
    return compiled_table


def compiled(session: Session, table_id: str, key: TableKey | None = None) -> Compiled:
    """The compiled table copy ``table_id``, from this process's cache when it has it.

    The cache key (``key``, when the caller read it with the sheet; else three small columns
    read here) is the copy's id, version and publication time; the document itself is read
    (and compiled) only the first time, so a worker pays for a table once, not once per
    sheet. Raises ``scoringrules.Invalid`` for an invalid table (then nothing is cached: it
    is asked again)."""
    if key is None:
        version, published_at = session.execute(
            select(TableCopy.version, TableCopy.published_at).where(TableCopy.table_id == table_id)
        ).one()
        key = (table_id, version, published_at)
    with _compiled_lock:
        if key in _compiled:
            _compiled.move_to_end(key)
            return _compiled[key]
    document = session.execute(
        select(TableCopy.document).where(TableCopy.table_id == table_id)
    ).scalar_one()
    table = compile_document(document)
    with _compiled_lock:
        _compiled[key] = table
        while len(_compiled) > COMPILED_TABLES:
            _compiled.popitem(last=False)
    return table


def compiled_for(session: Session, sheet: Sheet) -> Compiled:
    """The compiled table of the sheet's round."""
    table_id = session.execute(
        select(Round.table_id).where(Round.id == sheet.round_id)
    ).scalar_one()
    return compiled(session, table_id)


# -- what a computation reads ----------------------------------------------------------------


@dataclass
class Inputs:
    """What computing one revision of a sheet reads, and nothing else."""

    sheet_id: str
    table_id: str
    table_key: TableKey  # the table copy's id, version and publication time (``compiled``)
    revision: int
    compute_status: str
    computed_revision: int | None
    bonus: dict[str, int]
    deduction: dict[str, int]
    entries: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Decimal] = field(default_factory=dict)

    def awaits(self, revision: int) -> bool:
        """``revision`` is the sheet's current one and not computed yet (a job for a replaced
        revision, or one delivered again, finds nothing to do)."""
        if self.revision != revision:
            return False  # a later revision was queued and will be computed by its own job
        return not (self.computed_revision == revision and self.compute_status == "done")

    def document(self) -> dict[str, Any]:
        """The sheet in scoringrules' shape (as ``sheet_document``)."""
        return {"entries": self.entries, "bonus": self.bonus, "deduction": self.deduction}


def read_inputs(
    session: Session, revisions: Mapping[str, int], *, lock: bool = False, every: bool = False
) -> dict[str, Inputs]:
    """The inputs of the sheets named (sheet id -> the revision a job asks for), read with
    two selects; entries are read only for sheets still awaiting that revision (``every``:
    for all of them). ``lock`` takes the sheets' rows FOR UPDATE in id order (PostgreSQL),
    for the transaction."""
    if not revisions:
        return {}
    query = (
        select(
            Sheet.id,
            Round.table_id,
            TableCopy.version,
            TableCopy.published_at,
            Sheet.revision,
            Sheet.compute_status,
            Sheet.computed_revision,
            Sheet.bonus_counts,
            Sheet.deduction_counts,
        )
        .join(Round, Round.id == Sheet.round_id)
        .join(TableCopy, TableCopy.table_id == Round.table_id)
        .order_by(Sheet.id)
    )
    postgresql = session.get_bind().dialect.name == "postgresql"
    ids = sorted(revisions)
    if postgresql:
        query = query.where(Sheet.id == any_(_ids_param()))
        if lock:
            query = query.with_for_update(of=Sheet)
    else:
        query = query.where(Sheet.id.in_(ids))
    found = {
        row.id: Inputs(
            sheet_id=row.id,
            table_id=row.table_id,
            table_key=(row.table_id, row.version, row.published_at),
            revision=row.revision,
            compute_status=row.compute_status,
            computed_revision=row.computed_revision,
            bonus=dict(row.bonus_counts or {}),
            deduction=dict(row.deduction_counts or {}),
        )
        for row in session.execute(query, {"ids": ids} if postgresql else {})
    }
    waiting = [
        sheet_id
        for sheet_id, inputs in found.items()
        if every or inputs.awaits(revisions[sheet_id])
    ]
    if waiting and postgresql:
        _read_entries_grouped(session, found, waiting)
    elif waiting:
        _read_entries(session, found, waiting)
    return found


def _read_entries(session: Session, found: dict[str, Inputs], sheet_ids: list[str]) -> None:
    """Each entry's inputs and later points, one row per entry (any database)."""
    later_points: dict[str, list[tuple[str, Any, Any]]] = {}
    entries = session.execute(
        select(Entry.sheet_id, Entry.code, Entry.inputs, Entry.review_points, Entry.final_points)
        .where(Entry.sheet_id.in_(sheet_ids))
        .order_by(Entry.sheet_id, Entry.position)
    )
    for row in entries:
        if row.inputs is not None:
            found[row.sheet_id].entries[row.code] = row.inputs
        later_points.setdefault(row.sheet_id, []).append(
            (row.code, row.review_points, row.final_points)
        )
    for sheet_id, points in later_points.items():
        found[sheet_id].overrides = _chosen(points)


def _ids_param() -> Any:
    """The sheets of a read as one array parameter (PostgreSQL: ``= ANY(:ids)``): a statement
    of one size whatever the batch's, which SQLAlchemy compiles and psycopg parses once per
    process (an IN list of a hundred ids was too long for psycopg's cache of parsed queries)."""
    return bindparam("ids", type_=ARRAY(String))


def _read_entries_grouped(session: Session, found: dict[str, Inputs], sheet_ids: list[str]) -> None:
    """The same as ``_read_entries``, one row per sheet (PostgreSQL): the entries' inputs as
    one JSON object per sheet, and the points chosen after self-assessment as another (the
    appraisal's, else the region's, as exact decimal text). Parsing 200 small JSON values per
    sheet, row by row, cost more than the arithmetic; one object per sheet does not.

    Each sheet's entries are aggregated on their own (a lateral subquery per id of the
    array): an index scan of the sheet's few pages and no sort, where grouping the batch's
    20,000 entries sorted them all first (twice the database's time). JIT is off for the
    transaction: the planner's cost of a hundred such scans is near the point where it
    would compile the query (hundreds of milliseconds, past it), and a worker's statements
    never gain from that."""
    session.execute(text("SET LOCAL jit = off"))
    batch = func.unnest(_ids_param()).table_valued("id").render_derived(name="batch")
    chosen = func.coalesce(Entry.final_points, Entry.review_points)
    aggregated = (
        select(
            func.json_object_agg(Entry.code, Entry.inputs, type_=JSON).label("inputs"),
            func.json_object_agg(Entry.code, cast(chosen, Text), type_=JSON)
            .filter(chosen.is_not(None))
            .label("chosen"),
        )
        .where(Entry.sheet_id == batch.c.id)
        .lateral("aggregated")
    )
    query = select(batch.c.id, aggregated.c.inputs, aggregated.c.chosen).select_from(
        batch.join(aggregated, true())
    )
    for row in session.execute(query, {"ids": sheet_ids}):
        inputs = found[row.id]
        given = row.inputs or {}  # a sheet without entries aggregates to null
        inputs.entries = {code: value for code, value in given.items() if value is not None}
        inputs.overrides = {code: Decimal(value) for code, value in (row.chosen or {}).items()}


def prepare(session: Session, jobs: Iterable[tuple[str, int]]) -> None:
    """Read (and lock) the inputs of a batch's jobs ``(sheet id, revision)`` at once, for
    ``compute`` to find. A sheet named twice keeps the latest revision asked for."""
    revisions: dict[str, int] = {}
    for sheet_id, revision in jobs:
        revisions[sheet_id] = max(revision, revisions.get(sheet_id, revision))
    prepared: dict[str, Inputs] = session.info.setdefault(PREPARED, {})
    prepared.update(read_inputs(session, revisions, lock=True))


def compute(session: Session, sheet_id: str, revision: int) -> None:
    """Compute ``revision`` of the sheet, when it still awaits it; record the result (or the
    issues that make it not computable), written with the batch's other results when the
    transaction commits. Uses the batch's prepared inputs once, when there are any; a second
    job for the same revision in a batch finds it computed already."""
    if lifecycle.queued(session, sheet_id, revision):
        return
    prepared: dict[str, Inputs] = session.info.get(PREPARED, {})
    inputs = prepared.get(sheet_id)
    if inputs is None:
        inputs = read_inputs(session, {sheet_id: revision}, lock=True).get(sheet_id)
    if inputs is None or not inputs.awaits(revision):
        return
    try:
        table = compiled(session, inputs.table_id, inputs.table_key)
        result = table.score(inputs.document(), inputs.overrides)
    except scoringrules.Invalid as invalid:
        lifecycle.not_computable(session, sheet_id, revision, invalid.issues)
        return
    lifecycle.computed(session, sheet_id, revision, result)


def request_pending_again(session: Session) -> list[str]:
    """Ask the workers again for every sheet whose current revision still waits for its
    totals; their ids. A job lost on the way (an older worker that did not know the command
    during an upgrade) is asked for again; one still queued is then computed once in effect,
    since the second job finds its revision computed."""
    pending = (
        session.execute(select(Sheet).where(Sheet.compute_status == "pending").order_by(Sheet.id))
        .scalars()
        .all()
    )
    ids = []
    for sheet in pending:
        lifecycle.request_computation(session, sheet)
        ids.append(sheet.id)
    return ids
