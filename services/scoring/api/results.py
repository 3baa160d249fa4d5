"""A round's results: publishing the rankings, reading them, statistics, and Excel exports.

Results are secret until published: before that, a round's rankings and statistics exist only
for ministry officers (who see a provisional ranking from the computed totals); for anyone
else they answer 404. Once published every signed-in user may read them. A scored sheet's
export is visible to whoever may read the sheet (its unit, its region's lead, the Ministry),
and to everyone after publication (api.access).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from kit.app import database, principal
from kit.errors import NotFound
from kit.policy import allows, require
from services.scoring.api.access import RESULTS, ROUND, readable_sheet
from services.scoring.domain import exports, rankings
from services.scoring.models import Round, TableCopy, UnitCopy

blueprint = Blueprint(
    "results",
    __name__,
    description="Published rankings, statistics and Excel exports of rounds and sheets",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECIMAL = {"format": "decimal", "example": "142.50"}  # points are exact decimal strings


class RankingRow(Schema):
    unit_id = fields.String()
    unit_name = fields.String()
    region_id = fields.String(allow_none=True)
    region_name = fields.String(allow_none=True)
    total = fields.String(metadata={"format": "decimal", "example": "150.00"})
    band = fields.String()
    national_rank = fields.Integer()
    region_rank = fields.Integer(allow_none=True)


class RankingsOut(Schema):
    round_id = fields.String()
    year = fields.Integer()
    unit_kind = fields.String()
    name = fields.String()
    published = fields.Boolean(metadata={"description": "False: a provisional ranking"})
    published_at = fields.DateTime(allow_none=True)
    items = fields.List(fields.Nested(RankingRow))


class Figures(Schema):
    count = fields.Integer()
    mean = fields.String(allow_none=True, metadata=DECIMAL)
    median = fields.String(allow_none=True, metadata=DECIMAL)
    min = fields.String(allow_none=True, metadata=DECIMAL)
    max = fields.String(allow_none=True, metadata=DECIMAL)
    stddev = fields.String(allow_none=True, metadata={**DECIMAL, "description": "population"})
    bands = fields.Dict(keys=fields.String(), values=fields.Integer())


class RegionFigures(Figures):
    region_id = fields.String()
    region_name = fields.String(allow_none=True)


class StatisticsOut(Schema):
    round_id = fields.String()
    published = fields.Boolean()
    national = fields.Nested(Figures)
    regions = fields.List(fields.Nested(RegionFigures))


def _round(session: Session, round_id: str, *, lock: bool = False) -> Round:
    round_ = session.get(Round, round_id, with_for_update=lock)
    if round_ is None:
        raise NotFound(ROUND, round_id)
    return round_


def _visible_results(session: Session, round_id: str) -> Round:
    """The round, if the caller may see its results: after publication everyone signed in,
    before it ministry officers only (404 for the others: the results do not exist yet)."""
    round_ = _round(session, round_id)
    if round_.phase != "published" and not allows(principal(), "round.manage"):
        raise NotFound(RESULTS, round_id)
    return round_


def _rankings(session: Session, round_: Round) -> dict[str, Any]:
    return {
        "round_id": round_.id,
        "year": round_.year,
        "unit_kind": round_.unit_kind,
        "name": round_.name,
        "published": round_.phase == "published",
        "published_at": round_.published_at,
        "items": rankings.rows(session, round_),
    }


def _attachment(data: bytes, name: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name)
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{safe}"'}
    )


@blueprint.route("/rounds/<round_id>/results", methods=["POST"])
@blueprint.response(200, RankingsOut)
def publish_results(round_id: str) -> dict[str, Any]:
    """Publish the round's rankings (ministry): only from phase closed, only when every sheet
    is final and computed (409 lists the units not ready). Ties share a rank (1, 1, 3)."""
    require(principal(), "round.manage", visible=True)
    with database().transaction() as session:
        round_ = _round(session, round_id, lock=True)
        rankings.publish(session, principal().subject, round_)
        return _rankings(session, round_)


@blueprint.route("/rounds/<round_id>/rankings", methods=["GET"])
@blueprint.response(200, RankingsOut)
def get_rankings(round_id: str) -> dict[str, Any]:
    """National and regional ranks by national rank, then unit id. Before publication:
    ministry officers only, provisional (``published: false``)."""
    with database().read() as session:
        return _rankings(session, _visible_results(session, round_id))


@blueprint.route("/rounds/<round_id>/statistics", methods=["GET"])
@blueprint.response(200, StatisticsOut)
def get_statistics(round_id: str) -> dict[str, Any]:
    """Count, mean, median, min, max, population standard deviation and band counts, per
    region and national (2-decimal strings)."""
    with database().read() as session:
        return rankings.statistics(session, _visible_results(session, round_id))


@blueprint.route("/rounds/<round_id>/rankings.xlsx", methods=["GET"])
@blueprint.response(200, content_type=XLSX)
def export_rankings(round_id: str) -> Response:
    """The ranking and the statistics as an Excel workbook (sheets Xếp hạng, Thống kê)."""
    with database().read() as session:
        round_ = _visible_results(session, round_id)
        data = exports.ranking_workbook(
            round_, rankings.rows(session, round_), rankings.statistics(session, round_)
        )
    return _attachment(data, f"xep-hang-{round_.year}-{round_.unit_kind}.xlsx")


@blueprint.route("/sheets/<sheet_id>/export.xlsx", methods=["GET"])
@blueprint.response(200, content_type=XLSX)
def export_sheet(sheet_id: str) -> Response:
    """One unit's scored sheet in the officers' layout: figures, points at every stage,
    subtotals, bonus, deduction, total and band."""
    with database().read() as session:
        sheet, round_ = readable_sheet(session, sheet_id)
        table = session.get(TableCopy, round_.table_id)
        unit = session.get(UnitCopy, sheet.unit_id)
        data = exports.sheet_workbook(
            sheet, round_, table.document if table else {}, unit.name if unit else sheet.unit_id
        )
    return _attachment(data, f"phieu-cham-diem-{round_.year}-{sheet.unit_id}.xlsx")
