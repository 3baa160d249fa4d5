"""Region covenants: read by everyone signed in; written by the Ministry or the region's lead
(``covenant.manage`` reaching the region); signed by an officer of each member unit
(``covenant.sign`` in that unit)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kit.app import database, principal
from kit.errors import Forbidden
from kit.pagination import paginate
from kit.policy import Target, require, require_somewhere
from services.criteria.domain import covenants
from services.criteria.schemas_movements import (
    CovenantArgs,
    CovenantChange,
    CovenantIn,
    CovenantPage,
    CovenantSchema,
    SignatureIn,
    SignatureSchema,
)

blueprint = Blueprint(
    "covenants",
    __name__,
    url_prefix="/covenants",
    description="Region emulation covenants (giao ước thi đua) and their signatures",
)


@blueprint.route("", methods=["GET"])
@blueprint.arguments(CovenantArgs, location="query")
@blueprint.response(200, CovenantPage)
def list_covenants(args: dict[str, Any]) -> dict[str, Any]:
    """Covenants by year and region, each with its signatures."""
    require_somewhere(principal(), "org.read")
    query = covenants.query(year=args.get("year"), region_id=args.get("region_id"))
    with database().read() as session:
        page = paginate(session, query, args)
        page["items"] = [covenants.view(session, c) for c in page["items"]]
        return page


@blueprint.route("/<covenant_id>", methods=["GET"])
@blueprint.response(200, CovenantSchema)
def get_covenant(covenant_id: str) -> dict[str, Any]:
    require_somewhere(principal(), "org.read")
    with database().read() as session:
        return covenants.view(session, covenants.get(session, covenant_id))


@blueprint.route("", methods=["POST"])
@blueprint.arguments(CovenantIn)
@blueprint.response(201, CovenantSchema)
def create_covenant(payload: dict[str, Any]) -> dict[str, Any]:
    """The covenant of a region (one per region): by a ministry officer or the region's lead."""
    caller = principal()
    require(caller, "covenant.manage", covenants.target(payload["region_id"]), visible=True)
    with database().transaction() as session:
        covenant = covenants.create(session, caller.subject, **payload)
        return covenants.view(session, covenant)


@blueprint.route("/<covenant_id>", methods=["PUT"])
@blueprint.arguments(CovenantChange)
@blueprint.response(200, CovenantSchema)
def save_covenant(payload: dict[str, Any], covenant_id: str) -> dict[str, Any]:
    """Replace title and items; 409 once any unit has signed."""
    with database().transaction() as session:
        covenant = covenants.get(session, covenant_id)
        require(principal(), "covenant.manage", covenants.target(covenant.region_id), visible=True)
        covenants.update(session, covenant, **payload)
        return covenants.view(session, covenant)


@blueprint.route("/<covenant_id>/signatures", methods=["POST"])
@blueprint.arguments(SignatureIn)
@blueprint.response(201, SignatureSchema)
def sign_covenant(payload: dict[str, Any], covenant_id: str) -> dict[str, Any]:
    """Sign for the caller's own unit, a member of the covenant's region, once."""
    caller = principal()
    with database().transaction() as session:
        covenant = covenants.get(session, covenant_id)
        unit_id = caller.unit_id
        if unit_id is None:
            raise Forbidden(
                ("Tài khoản không thuộc đơn vị nào: không thể ký.", "You belong to no unit.")
            )
        require(caller, "covenant.sign", Target.of_unit(unit_id), visible=True)
        signature = covenants.sign(
            session, covenant, unit_id=unit_id, user=caller.subject, **payload
        )
        return covenants.signature_view(signature)
