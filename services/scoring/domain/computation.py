"""Computing a sheet's totals: the scoring workers' job.

A worker is scoring's consumer; several run side by side (competing consumers of scoring's
queue, scaled on its depth at year-end). Each job (``scoring.sheet.compute_requested``, asked
for by ``lifecycle.request_computation``) names a sheet and the revision it was queued for, so
a redelivered or stale job changes nothing: the result of a revision is a pure function of the
sheet's inputs and the pinned table (``scoringrules.score``), recorded by ``lifecycle``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import scoringrules
from services.scoring.domain import lifecycle
from services.scoring.models import Round, Sheet, TableCopy


def sheet_document(sheet: Sheet) -> dict[str, Any]:
    """The sheet in scoringrules' shape: inputs per criterion, bonus and deduction counts."""
    return {
        "entries": {e.code: e.inputs for e in sheet.entries if e.inputs is not None},
        "bonus": dict(sheet.bonus_counts or {}),
        "deduction": dict(sheet.deduction_counts or {}),
    }


def overrides(sheet: Sheet) -> dict[str, Decimal]:
    """Points set after self-assessment: the appraisal's, else the region's proposal."""
    chosen = {}
    for entry in sheet.entries:
        points = entry.final_points if entry.final_points is not None else entry.review_points
        if points is not None:
            chosen[entry.code] = Decimal(points)
    return chosen


def table_of(session: Session, sheet: Sheet) -> TableCopy:
    round_ = session.get(Round, sheet.round_id)
    assert round_ is not None
    table = session.get(TableCopy, round_.table_id)
    assert table is not None
    return table


def compute(session: Session, sheet_id: str, revision: int) -> None:
    sheet = lifecycle.awaiting(session, sheet_id, revision)
    if sheet is None:
        return
    try:
        result = scoringrules.score(
            table_of(session, sheet).document, sheet_document(sheet), overrides(sheet)
        )
    except scoringrules.Invalid as invalid:
        lifecycle.not_computable(sheet, revision, invalid.issues)
        return
    lifecycle.computed(sheet, revision, result)


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
