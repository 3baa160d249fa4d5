"""Emulation movements: launched ones are read by everyone signed in; ministry officers
(``movement.manage``) alone see drafts, create, edit and launch them."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kit.app import database, principal
from kit.pagination import paginate
from kit.policy import allows, require, require_somewhere
from services.criteria.domain import movements
from services.criteria.models import Movement
from services.criteria.schemas_movements import (
    MovementArgs,
    MovementIn,
    MovementPage,
    MovementSchema,
)

blueprint = Blueprint(
    "movements",
    __name__,
    url_prefix="/movements",
    description="Emulation movements (phong trào thi đua) and their peak phases",
)


def _manager() -> bool:
    return allows(principal(), "movement.manage")


@blueprint.route("", methods=["GET"])
@blueprint.arguments(MovementArgs, location="query")
@blueprint.response(200, MovementPage)
def list_movements(args: dict[str, Any]) -> dict[str, Any]:
    """Movements whose period meets ``year``, by kind and status; drafts only for managers."""
    require_somewhere(principal(), "org.read")
    query = movements.query(
        year=args.get("year"),
        kind=args.get("kind"),
        status=args.get("status"),
        drafts=_manager(),
    )
    with database().read() as session:
        return paginate(session, query, args)


@blueprint.route("/<movement_id>", methods=["GET"])
@blueprint.response(200, MovementSchema)
def get_movement(movement_id: str) -> Movement:
    require_somewhere(principal(), "org.read")
    with database().read() as session:
        return movements.get(session, movement_id, drafts=_manager())


@blueprint.route("", methods=["POST"])
@blueprint.arguments(MovementIn)
@blueprint.response(201, MovementSchema)
def create_movement(payload: dict[str, Any]) -> Movement:
    """Start a draft movement (checked: period, phases, units in force, published table)."""
    caller = principal()
    require(caller, "movement.manage", visible=True)
    with database().transaction() as session:
        return movements.create(session, caller.subject, payload)


@blueprint.route("/<movement_id>", methods=["PUT"])
@blueprint.arguments(MovementIn)
@blueprint.response(200, MovementSchema)
def save_movement(payload: dict[str, Any], movement_id: str) -> Movement:
    """Replace a draft's fields; a launched movement answers 409."""
    with database().transaction() as session:
        movement = movements.get(session, movement_id, drafts=_manager())
        require(principal(), "movement.manage", visible=True)
        return movements.update(session, movement, payload)


@blueprint.route("/<movement_id>/launch", methods=["POST"])
@blueprint.response(200, MovementSchema)
def launch_movement(movement_id: str) -> Movement:
    """Launch a draft: it is frozen and ``criteria.movement.launched`` is emitted."""
    with database().transaction() as session:
        movement = movements.get(session, movement_id, drafts=_manager())
        require(principal(), "movement.manage", visible=True)
        return movements.launch(session, movement)
