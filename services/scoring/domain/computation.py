"""Computing a sheet's totals: the scoring workers' job.

A worker is scoring's consumer; several run side by side (competing consumers of scoring's
queue, scaled on its depth at year-end). Each job names a sheet and the revision it was
queued for, so a redelivered or stale job changes nothing: the result of a revision is a pure
function of the sheet's inputs and the pinned table (``scoringrules.score``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

import scoringrules
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
    sheet = session.get(Sheet, sheet_id)
    if sheet is None or sheet.revision != revision:
        return  # a later revision was queued and will be computed by its own job
    if sheet.computed_revision == revision and sheet.compute_status == "done":
        return
    try:
        result = scoringrules.score(
            table_of(session, sheet).document, sheet_document(sheet), overrides(sheet)
        )
    except scoringrules.Invalid as invalid:
        sheet.compute_status = "failed"
        sheet.result = {"issues": [i.as_json() for i in invalid.issues]}
        sheet.computed_revision = revision
        return
    sheet.result = result.as_json()
    sheet.total = result.total
    sheet.band = result.band
    sheet.compute_status = "done"
    sheet.computed_revision = revision
