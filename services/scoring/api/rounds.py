"""Scoring rounds: created and moved through their phases by ministry officers."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database, principal
from kit.errors import NotFound
from kit.pagination import PageArgs, paginate
from kit.policy import grants_for, require, require_somewhere
from services.scoring.api.access import ROUND
from services.scoring.domain import rounds
from services.scoring.models import Round, Sheet
from services.scoring.schemas import PhaseIn, RoundIn, RoundSchema, SheetPage, TableMoveIn

blueprint = Blueprint(
    "rounds",
    __name__,
    url_prefix="/rounds",
    description="Scoring rounds: participants, table version, phases",
)


def _round(session: Any, round_id: str, lock: bool = False) -> Round:
    # Locked when it is about to move: an officer and the deadline scheduler cannot both.
    round_ = session.get(Round, round_id, with_for_update=lock)
    if round_ is None:
        raise NotFound(ROUND, round_id)
    return round_


@blueprint.route("", methods=["POST"])
@blueprint.arguments(RoundIn)
@blueprint.response(201, RoundSchema)
def create_round(payload: dict[str, Any]) -> Round:
    """Open a round for every unit of the kind in force at the year's end (ministry)."""
    require(principal(), "round.manage", visible=True)
    with database().transaction() as session:
        return rounds.create(session, principal().subject, **payload)


@blueprint.route("", methods=["GET"])
@blueprint.response(200, RoundSchema(many=True))
def list_rounds() -> list[Round]:
    require_somewhere(principal(), "sheet.read")
    with database().read() as session:
        return list(
            session.execute(select(Round).order_by(Round.year.desc(), Round.name)).scalars()
        )


@blueprint.route("/<round_id>", methods=["GET"])
@blueprint.response(200, RoundSchema)
def get_round(round_id: str) -> Round:
    require_somewhere(principal(), "sheet.read")
    with database().read() as session:
        return _round(session, round_id)


@blueprint.route("/<round_id>/phase", methods=["POST"])
@blueprint.arguments(PhaseIn)
@blueprint.response(200, RoundSchema)
def change_phase(payload: dict[str, Any], round_id: str) -> Round:
    """Move to the next phase; any other move is 409 naming the one allowed."""
    require(principal(), "round.manage", visible=True)
    with database().transaction() as session:
        return rounds.advance(
            session,
            principal().subject,
            _round(session, round_id, lock=True),
            payload["to"],
            payload.get("reason"),
        )


@blueprint.route("/<round_id>/table", methods=["POST"])
@blueprint.arguments(TableMoveIn)
@blueprint.response(200, RoundSchema)
def move_to_table(payload: dict[str, Any], round_id: str) -> Round:
    """Pin an amended version of the table: every sheet follows it and is recomputed."""
    require(principal(), "round.manage", visible=True)
    with database().transaction() as session:
        return rounds.move_to_table(
            session,
            principal().subject,
            _round(session, round_id, lock=True),
            payload["table_id"],
            payload["reason"],
        )


@blueprint.route("/<round_id>/sheets", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, SheetPage)
def list_sheets(args: dict[str, int], round_id: str) -> dict[str, Any]:
    """The sheets the caller may see: its unit's, its region's, or all (Ministry)."""
    caller = principal()
    require_somewhere(caller, "sheet.read")
    with database().read() as session:
        round_ = _round(session, round_id)
        query = select(Sheet).where(Sheet.round_id == round_.id).order_by(Sheet.unit_id)
        grants = grants_for(caller, "sheet.read")
        if round_.phase != "published" and not any(g.scope == "national" for g in grants):
            units = [g.scope_id for g in grants if g.scope == "unit"]
            regions = [g.scope_id for g in grants if g.scope == "region"]
            query = query.where(Sheet.unit_id.in_(units) | Sheet.region_id.in_(regions))
        return paginate(session, query, args)
