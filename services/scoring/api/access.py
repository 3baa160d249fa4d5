"""Who may see a sheet: the policy's targets for scoring's objects, in one place.

Until a round's results are published a sheet is visible to its own unit, to the lead of its
region that year, and to the Ministry (and the auditor); to anyone else it does not exist
(404). After publication every signed-in user may read it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kit.app import principal
from kit.policy import Target, allows, require
from kit.problems import Problem
from services.scoring.models import Round, Sheet


def target(sheet: Sheet) -> Target:
    return Target.of_unit(sheet.unit_id, {sheet.region_id} if sheet.region_id else ())


def not_found(kind: str, ident: str) -> Problem:
    return Problem(404, "not-found", (f"Không tìm thấy {kind} {ident}.", f"No {kind} {ident}."))


def readable_sheet(session: Session, sheet_id: str) -> tuple[Sheet, Round]:
    sheet = session.get(Sheet, sheet_id)
    if sheet is None:
        raise not_found("phiếu chấm", sheet_id)
    round_ = session.get(Round, sheet.round_id)
    assert round_ is not None
    if round_.phase != "published" and not allows(principal(), "sheet.read", target(sheet)):
        raise not_found("phiếu chấm", sheet_id)
    return sheet, round_


def writable_sheet(session: Session, sheet_id: str, action: str) -> tuple[Sheet, Round]:
    """The sheet for ``action`` (self_assess, review, appraise): 404 if the caller may not
    see it, 403 if it may see but not do this."""
    sheet, round_ = readable_sheet(session, sheet_id)
    if not allows(principal(), "sheet.read", target(sheet)):
        raise not_found("phiếu chấm", sheet_id)
    require(principal(), f"sheet.{action}", target(sheet), visible=True)
    return sheet, round_
