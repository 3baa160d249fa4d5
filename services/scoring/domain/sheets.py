"""Scoresheets: self-assessment, region review, Ministry appraisal, and every change kept.

A sheet moves draft → submitted (the unit, during self-assessment) → returned → submitted …
(the region lead sends it back for revision) → reviewed (the region lead) → final (the
Ministry's appraisal). Each move is allowed only in its round phase; any other is 409 naming
what is allowed. Every change of an entry or of the sheet is recorded with who, when, the
old and new values and why.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

import scoringrules
from kit.db import utcnow
from kit.events import emit
from kit.problems import Problem
from scoringrules import table as rules
from services.scoring import events
from services.scoring.domain import computation
from services.scoring.domain.rounds import queue_computation
from services.scoring.models import Change, Entry, Round, Sheet

# (sheet status, round phase) -> what may happen
ALLOWED: dict[tuple[str, str], list[str]] = {
    ("draft", "self_assessment"): ["edit", "submit"],
    ("returned", "self_assessment"): ["edit", "submit"],
    ("returned", "region_review"): ["edit", "submit"],
    ("submitted", "region_review"): ["review", "return", "mark_reviewed"],
    ("submitted", "appraisal"): ["appraise", "finalise"],
    ("reviewed", "appraisal"): ["appraise", "finalise"],
}


def allowed(sheet: Sheet, round_: Round) -> list[str]:
    return ALLOWED.get((sheet.status, round_.phase), [])


def require_step(sheet: Sheet, round_: Round, step: str) -> None:
    permitted = allowed(sheet, round_)
    if step not in permitted:
        raise Problem(
            409,
            "conflict",
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


def invalid(issues: list[scoringrules.Issue]) -> Problem:
    errors: dict[str, list[str]] = {}
    for issue in issues:
        errors.setdefault(issue.pointer, []).append(f"{issue.vi} / {issue.en}")
    return Problem(
        422,
        "validation-failed",
        ("Dữ liệu chấm điểm không hợp lệ, xem errors.", "Invalid scoring data, see errors."),
        errors=errors,
        issues=[i.as_json() for i in issues],
    )


def _record(
    session: Session,
    sheet: Sheet,
    actor: str,
    stage: str,
    field: str,
    old: Any,
    new: Any,
    code: str | None = None,
    reason: str | None = None,
) -> None:
    def plain(value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value

    if plain(old) != plain(new):
        session.add(
            Change(
                sheet_id=sheet.id,
                code=code,
                stage=stage,
                field=field,
                old=plain(old),
                new=plain(new),
                reason=reason,
                actor_id=actor,
                at=utcnow(),
            )
        )


def _touch(sheet: Sheet) -> None:
    sheet.revision += 1
    sheet.updated_at = utcnow()


def entry_of(sheet: Sheet, code: str) -> Entry:
    for entry in sheet.entries:
        if entry.code == code:
            return entry
    raise Problem(404, "not-found", (f"Phiếu không có tiêu chí {code}.", f"No criterion {code}."))


def save_entry(
    session: Session,
    actor: str,
    sheet: Sheet,
    round_: Round,
    code: str,
    inputs: dict[str, Any] | None,
    comment: str | None,
) -> Entry:
    """The unit's figures for one criterion (autosaved drafts): checked by its method, with
    the points they give computed at once."""
    require_step(sheet, round_, "edit")
    entry = entry_of(sheet, code)
    node = rules.leaves(computation.table_of(session, sheet).document)[code]
    method = scoringrules.METHODS[node["method"]["type"]]
    points = None
    if inputs is not None:
        issues = method.check_inputs(node, inputs, f"/entries/{code}")
        if issues:
            raise invalid(issues)
        points = method.points(node, inputs)
    _record(session, sheet, actor, "self", "inputs", entry.inputs, inputs, code)
    _record(session, sheet, actor, "self", "comment", entry.comment, comment, code)
    _record(session, sheet, actor, "self", "points", entry.self_points, points, code)
    entry.inputs, entry.comment, entry.self_points = inputs, comment, points
    entry.revision += 1
    _touch(sheet)
    return entry


def save_counts(
    session: Session,
    actor: str,
    sheet: Sheet,
    round_: Round,
    bonus: dict[str, int],
    deduction: dict[str, int],
) -> Sheet:
    """The counts the bonus and deduction items are scored from."""
    require_step(sheet, round_, "edit")
    document = computation.table_of(session, sheet).document
    probe = {"entries": {}, "bonus": bonus, "deduction": deduction}
    issues = [
        i for i in scoringrules.check_sheet(document, probe) if not i.pointer.startswith("/entries")
    ]
    if issues:
        raise invalid(issues)
    _record(session, sheet, actor, "self", "bonus", sheet.bonus_counts, bonus)
    _record(session, sheet, actor, "self", "deduction", sheet.deduction_counts, deduction)
    sheet.bonus_counts, sheet.deduction_counts = dict(bonus), dict(deduction)
    _touch(sheet)
    return sheet


def _set_status(
    session: Session, sheet: Sheet, actor: str, status: str, reason: str | None = None
) -> None:
    _record(session, sheet, actor, "status", "status", sheet.status, status, reason=reason)
    sheet.status = status
    _touch(sheet)


def submit(session: Session, actor: str, sheet: Sheet, round_: Round) -> Sheet:
    """Lock the sheet for review: every criterion must hold valid inputs (422 lists those
    that do not); the totals are computed by the scoring workers (202 to the caller)."""
    require_step(sheet, round_, "submit")
    document = computation.table_of(session, sheet).document
    issues = scoringrules.check_sheet(document, computation.sheet_document(sheet))
    if issues:
        raise invalid(issues)
    _set_status(session, sheet, actor, "submitted")
    sheet.submitted_at = utcnow()
    queue_computation(session, sheet)
    return sheet


# Points set after self-assessment: the stage, the step that allows it, and where they go.
OVERRIDES = {
    "review": ("review", "review_points", "review_reason"),
    "appraisal": ("appraise", "final_points", "final_reason"),
}


def set_points(
    session: Session,
    actor: str,
    sheet: Sheet,
    round_: Round,
    code: str,
    points: Any,
    reason: str,
    stage: str,
) -> Entry:
    """Points for a criterion by the region lead (a proposal, ``stage="review"``) or the
    Ministry (final, ``stage="appraisal"``), always with a reason, within what the criterion
    can earn; the totals are recomputed by the workers."""
    step, points_field, reason_field = OVERRIDES[stage]
    require_step(sheet, round_, step)
    entry = entry_of(sheet, code)
    issues = scoringrules.compute.check_override(
        computation.table_of(session, sheet).document, code, points
    )
    if issues:
        raise invalid(issues)
    _record(
        session, sheet, actor, stage, "points", getattr(entry, points_field), points, code, reason
    )
    setattr(entry, points_field, Decimal(str(points)))
    setattr(entry, reason_field, reason)
    entry.revision += 1
    _touch(sheet)
    queue_computation(session, sheet)
    return entry


def return_for_revision(
    session: Session, actor: str, sheet: Sheet, round_: Round, reason: str
) -> Sheet:
    require_step(sheet, round_, "return")
    _set_status(session, sheet, actor, "returned", reason)
    emit(
        session,
        events.SHEET_RETURNED,
        subject=f"sheet/{sheet.id}",
        data={
            "sheet_id": sheet.id,
            "round_id": sheet.round_id,
            "unit_id": sheet.unit_id,
            "region_id": sheet.region_id,
            "reason": reason,
        },
    )
    return sheet


def mark_reviewed(session: Session, actor: str, sheet: Sheet, round_: Round) -> Sheet:
    require_step(sheet, round_, "mark_reviewed")
    _set_status(session, sheet, actor, "reviewed")
    queue_computation(session, sheet)
    return sheet


def finalise(session: Session, actor: str, sheet: Sheet, round_: Round) -> Sheet:
    require_step(sheet, round_, "finalise")
    _set_status(session, sheet, actor, "final")
    queue_computation(session, sheet)
    emit(
        session,
        events.SHEET_FINALISED,
        subject=f"sheet/{sheet.id}",
        data={"sheet_id": sheet.id, "round_id": sheet.round_id, "unit_id": sheet.unit_id},
    )
    return sheet
