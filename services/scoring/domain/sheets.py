"""Scoresheets: self-assessment, region review, Ministry appraisal: what each step checks.

Each step checks that the sheet's status and its round's phase allow it
(``lifecycle.require_step``, 409 naming what is allowed) and that what is sent is right by the
scoring rules (422), then changes the sheet through ``lifecycle``, which records every change
with who, when, the old and new values and why, bumps the revision, and emits what is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only, raiseload

import scoringrules
from kit.errors import Invalid, NotFound
from scoringrules import table as rules
from scoringrules.issues import pointer
from services.scoring.domain import computation, lifecycle
from services.scoring.domain.lifecycle import require_step
from services.scoring.models import Entry, Round, Sheet


def invalid(issues: list[scoringrules.Issue]) -> Invalid:
    """422 naming each issue under its JSON Pointer (both languages in one message, as the
    rules word them) and listing them in ``issues`` ({pointer, code, vi, en})."""
    errors: dict[str, list[str]] = {}
    for issue in issues:
        errors.setdefault(issue.pointer, []).append(f"{issue.vi} / {issue.en}")
    return Invalid(
        errors,
        ("Dữ liệu chấm điểm không hợp lệ, xem errors.", "Invalid scoring data, see errors."),
        issues=[i.as_json() for i in issues],
    )


def entry_of(sheet: Sheet, code: str) -> Entry:
    for entry in sheet.entries:
        if entry.code == code:
            return entry
    raise NotFound(detail=(f"Phiếu không có tiêu chí {code}.", f"No criterion {code}."))


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
    lifecycle.change_entry(
        session,
        actor,
        sheet,
        entry,
        "self",
        {"inputs": inputs, "comment": comment, "self_points": points},
    )
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
    probe = {"entries": {}, "bonus": bonus, "deduction": deduction}
    table = computation.compiled_for(session, sheet)
    issues = [i for i in table.check_sheet(probe) if not i.pointer.startswith("/entries")]
    if issues:
        raise invalid(issues)
    lifecycle.change_counts(session, actor, sheet, bonus, deduction)
    return sheet


def submit(session: Session, actor: str, sheet: Sheet, round_: Round) -> Sheet:
    """Lock the sheet for review: every criterion must hold valid inputs (422 lists those
    that do not); the totals are computed by the scoring workers (202 to the caller)."""
    require_step(sheet, round_, "submit")
    table = computation.compiled_for(session, sheet)
    issues = table.check_sheet(computation.sheet_document(sheet))
    if issues:
        raise invalid(issues)
    lifecycle.move(session, actor, sheet, "submitted")
    return sheet


# What the bulk steps read of a sheet they lock (the rest, its stored result and counts, is
# JSON no bulk step needs: loaded only if asked for).
LOCKED_COLUMNS = (
    Sheet.id,
    Sheet.round_id,
    Sheet.unit_id,
    Sheet.region_id,
    Sheet.status,
    Sheet.revision,
    Sheet.submitted_at,
    Sheet.compute_status,
    Sheet.computed_revision,
    Sheet.updated_at,
)


def _locked(session: Session, round_: Round, sheet_ids: Sequence[str]) -> list[Sheet]:
    """The round's sheets named, read fresh and locked FOR UPDATE in id order (their entries
    not loaded, nor the columns not in ``LOCKED_COLUMNS``); 404 when one is not in the
    round."""
    found = list(
        session.execute(
            select(Sheet)
            .where(lifecycle.among(session, Sheet.id, sorted(set(sheet_ids))))
            .where(Sheet.round_id == round_.id)
            .options(raiseload(Sheet.entries), load_only(*LOCKED_COLUMNS))
            .order_by(Sheet.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )
    if len(found) != len(set(sheet_ids)):
        raise NotFound(detail=("Không tìm thấy phiếu trong đợt.", "No such sheet in the round."))
    return found


def _of_unit(unit_id: str, issues: list[scoringrules.Issue]) -> Invalid:
    """422 for one sheet of a bulk call, each issue's pointer under ``/sheets/<unit>``."""
    return invalid(
        [
            scoringrules.Issue(pointer("/sheets", unit_id) + i.pointer, i.code, i.vi, i.en)
            for i in issues
        ]
    )


def submit_many(session: Session, actor: str, round_: Round, sheet_ids: list[str]) -> list[Sheet]:
    """``submit`` for many sheets of one round at once, all or none (the first sheet that may
    not be submitted raises as ``submit`` would, naming its unit): the same checks, history,
    revision and events per sheet (``lifecycle.move_many``), with the sheets and their
    entries read in three queries and the table compiled once."""
    sheets = _locked(session, round_, sheet_ids)
    table = computation.compiled(session, round_.table_id)
    inputs = computation.read_inputs(
        session, {sheet.id: sheet.revision for sheet in sheets}, every=True
    )
    for sheet in sheets:
        require_step(sheet, round_, "submit")
        issues = table.check_sheet(inputs[sheet.id].document())
        if issues:
            raise _of_unit(sheet.unit_id, issues)
    lifecycle.move_many(session, actor, sheets, "submitted")
    return sheets


def finalise_many(session: Session, actor: str, round_: Round, sheet_ids: list[str]) -> list[Sheet]:
    """``finalise`` for many sheets of one round at once, all or none (409 naming the first
    that may not be finalised): the same history, revision and events per sheet."""
    sheets = _locked(session, round_, sheet_ids)
    for sheet in sheets:
        require_step(sheet, round_, "finalise")
    lifecycle.move_many(session, actor, sheets, "final")
    return sheets


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
    lifecycle.change_entry(
        session,
        actor,
        sheet,
        entry,
        stage,
        {points_field: Decimal(str(points)), reason_field: reason},
        reason,
    )
    return entry


def _override_issues(
    table: computation.Compiled, code: str, points: Any
) -> list[scoringrules.Issue]:
    """``scoringrules.compute.check_override`` through the compiled table when it has it (the
    same issues; points within the criterion's ceiling are accepted without walking the
    table's criteria again, which cost milliseconds a sheet)."""
    check = getattr(table, "check_override", None)
    if check is None:
        return scoringrules.compute.check_override(table.document, code, points)  # type: ignore[attr-defined]
    issues: list[scoringrules.Issue] = check(code, points)
    return issues


def set_points_many(
    session: Session,
    actor: str,
    round_: Round,
    stage: str,
    points: Sequence[tuple[str, str, Any, str]],
) -> list[Sheet]:
    """``set_points`` for many sheets of one round at once, ``(sheet id, code, points,
    reason)`` each, each sheet once: all or none, the same checks (409, 404 for a criterion
    not on the sheet, 422 naming the unit), history, revisions and jobs per sheet."""
    step, points_field, reason_field = OVERRIDES[stage]
    sheets = {sheet.id: sheet for sheet in _locked(session, round_, [p[0] for p in points])}
    if len(sheets) != len(points):
        raise ValueError("set_points_many takes each sheet once")
    table = computation.compiled(session, round_.table_id)
    criteria = rules.leaves(table.document)  # type: ignore[attr-defined]
    changes = []
    for sheet_id, code, value, reason in points:
        sheet = sheets[sheet_id]
        require_step(sheet, round_, step)
        if code not in criteria:
            raise NotFound(detail=(f"Phiếu không có tiêu chí {code}.", f"No criterion {code}."))
        issues = _override_issues(table, code, value)
        if issues:
            raise _of_unit(sheet.unit_id, issues)
        changes.append((sheet, code, Decimal(str(value)), reason))
    lifecycle.override_many(session, actor, stage, points_field, reason_field, changes)
    return [sheet for sheet, *_ in changes]


def return_for_revision(
    session: Session, actor: str, sheet: Sheet, round_: Round, reason: str
) -> Sheet:
    require_step(sheet, round_, "return")
    lifecycle.move(session, actor, sheet, "returned", reason)
    return sheet


def mark_reviewed(session: Session, actor: str, sheet: Sheet, round_: Round) -> Sheet:
    require_step(sheet, round_, "mark_reviewed")
    lifecycle.move(session, actor, sheet, "reviewed")
    return sheet


def finalise(session: Session, actor: str, sheet: Sheet, round_: Round) -> Sheet:
    require_step(sheet, round_, "finalise")
    lifecycle.move(session, actor, sheet, "final")
    return sheet
