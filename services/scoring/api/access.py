"""Who may see a sheet: the policy's targets for scoring's objects, in one place.

Until a round's results are published a sheet is visible to its own unit, to the lead of its
region that year, and to the Ministry (and the auditor); to anyone else it does not exist
(404). After publication every signed-in user may read it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kit.app import principal
from kit.errors import NotFound
from kit.policy import Target, allows, require
from services.scoring.domain import lifecycle
from services.scoring.models import Round, Sheet


def target(sheet: Sheet) -> Target:
    return Target.of_unit(sheet.unit_id, {sheet.region_id} if sheet.region_id else ())


# What scoring's 404s name (kit.errors.NotFound: "Không có … <id>." / "No … <id>.").
SHEET = ("phiếu chấm", "scoresheet")
ROUND = ("đợt chấm điểm", "scoring round")
RESULTS = ("kết quả của đợt", "results of round")
EVIDENCE = ("minh chứng", "evidence")


def readable_sheet(session: Session, sheet_id: str, *, lock: bool = False) -> tuple[Sheet, Round]:
    """The sheet and its round, 404 if the caller may not see it. ``lock`` takes the sheet's
    row for the transaction first (``lifecycle.lock``)."""
    sheet = lifecycle.lock(session, sheet_id) if lock else session.get(Sheet, sheet_id)
    if sheet is None:
        raise NotFound(SHEET, sheet_id)
    round_ = session.get(Round, sheet.round_id)
    assert round_ is not None
    if round_.phase != "published" and not allows(principal(), "sheet.read", target(sheet)):
        raise NotFound(SHEET, sheet_id)
    return sheet, round_


def writable_sheet(session: Session, sheet_id: str, action: str) -> tuple[Sheet, Round]:
    """The sheet for ``action`` (self_assess, review, appraise): 404 if the caller may not
    see it, 403 if it may see but not do this. The sheet's row is locked before its ETag and
    status are checked: two requests sent with the same If-Match (a double click) then take
    turns, and the second finds the sheet changed (412) instead of writing the same revision
    again beside the first."""
    sheet, round_ = readable_sheet(session, sheet_id, lock=True)
    if not allows(principal(), "sheet.read", target(sheet)):
        raise NotFound(SHEET, sheet_id)
    require(principal(), f"sheet.{action}", target(sheet), visible=True)
    return sheet, round_
