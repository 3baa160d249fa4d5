"""Organisation units: the structure as of any day, and its changes (ministry officers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_smorest import Blueprint

from kit import dates
from kit.app import database, principal
from kit.errors import Invalid, NotFound
from kit.policy import require, require_somewhere
from services.identity.domain import org, regions
from services.identity.schemas import (
    AsOfArgs,
    MergerIn,
    MergerOut,
    TreeArgs,
    TreeNodeSchema,
    UnitChangeIn,
    UnitDetailSchema,
    UnitIn,
    UnitPage,
    UnitSchema,
)

blueprint = Blueprint(
    "org",
    __name__,
    url_prefix="/org",
    description="Organisation units, effective-dated, and their mergers",
)


def _today() -> date:
    return dates.today()  # Viet Nam's day, as roles and regions are dated


def _unit_or_404(session: Any, unit_id: str) -> Any:
    unit = org.get_unit(session, unit_id)
    if unit is None:
        raise NotFound(("đơn vị", "unit"), unit_id)
    return unit


@blueprint.route("/units", methods=["GET"])
@blueprint.arguments(AsOfArgs, location="query")
@blueprint.response(200, UnitPage)
def list_units(args: dict[str, Any]) -> dict[str, Any]:
    """Units in force on ``as_of`` (default today), filtered by kind, province, parent or
    ``q`` (words of the name or code, ignoring case and diacritics)."""
    require_somewhere(principal(), "org.read")
    day = args.get("as_of") or _today()
    with database().read() as session:
        views = org.units_on(
            session,
            day,
            kind=args.get("kind"),
            province_code=args.get("province_code"),
            parent_id=args.get("parent_id"),
            q=args.get("q"),
        )
    page, size = args["page"], args["page_size"]
    return {
        "items": views[(page - 1) * size : page * size],
        "page": page,
        "page_size": size,
        "total": len(views),
    }


@blueprint.route("/units/<unit_id>", methods=["GET"])
@blueprint.arguments(TreeArgs, location="query")
@blueprint.response(200, UnitDetailSchema)
def get_unit(args: dict[str, Any], unit_id: str) -> dict[str, Any]:
    """One unit as it stood on ``as_of``, with its whole history and its regions."""
    require_somewhere(principal(), "org.read")
    with database().read() as session:
        unit = _unit_or_404(session, unit_id)
        view = org.UnitView.of(unit, args.get("as_of") or _today())
        return {
            **view.__dict__,
            "versions": unit.versions,
            "region_ids": regions.regions_of_unit(session, unit_id),
        }


@blueprint.route("/tree", methods=["GET"])
@blueprint.arguments(TreeArgs, location="query")
@blueprint.response(200, TreeNodeSchema(many=True))
def get_tree(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The whole structure in force on ``as_of``, nested under the Ministry."""
    require_somewhere(principal(), "org.read")
    with database().read() as session:
        return org.tree_on(session, args.get("as_of") or _today())


@blueprint.route("/units", methods=["POST"])
@blueprint.arguments(UnitIn)
@blueprint.response(201, UnitSchema)
def create_unit(payload: dict[str, Any]) -> org.UnitView:
    """Open a unit from ``valid_from`` (ministry officers)."""
    caller = principal()
    require(caller, "org.manage", visible=True)
    with database().transaction() as session:
        unit = org.create_unit(session, caller.subject, **payload)
        return org.UnitView.of(unit, payload["valid_from"])


@blueprint.route("/units/<unit_id>/changes", methods=["POST"])
@blueprint.arguments(UnitChangeIn)
@blueprint.response(201, UnitSchema)
def change_unit(payload: dict[str, Any], unit_id: str) -> org.UnitView:
    """Rename or move a unit from ``effective_date`` on; earlier days keep the old values."""
    caller = principal()
    require(caller, "org.manage", visible=True)
    with database().transaction() as session:
        unit = _unit_or_404(session, unit_id)
        if "parent_id" in payload and org.get_unit(session, payload["parent_id"]) is None:
            parent = payload["parent_id"]
            raise Invalid(
                {"parent_id": [(f"Không có đơn vị {parent}.", f"No unit {parent}.")]}, org.INVALID
            )
        org.change_unit(
            session,
            caller.subject,
            unit,
            effective=payload["effective_date"],
            name=payload.get("name"),
            parent_id=payload.get("parent_id"),
            reason=payload.get("reason"),
        )
        return org.UnitView.of(unit, payload["effective_date"])


@blueprint.route("/mergers", methods=["POST"])
@blueprint.arguments(MergerIn)
@blueprint.response(201, MergerOut)
def merge_units(payload: dict[str, Any]) -> dict[str, Any]:
    """Merge units into a successor from ``effective_date`` (ministry officers).

    The merged units close the day before; the successor is an existing unit (optionally
    renamed) or a new one. Years before and after the merger both keep their structure.
    """
    caller = principal()
    require(caller, "org.manage", visible=True)
    new = payload.get("new_successor")
    effective = payload["effective_date"]
    with database().transaction() as session:
        successor = org.merge(
            session,
            caller.subject,
            effective=effective,
            merged_ids=payload["merged_ids"],
            successor_id=payload.get("successor_id"),
            new_successor=org.NewSuccessor(**new) if new else None,
            successor_name=payload.get("successor_name"),
            decision=payload.get("decision"),
        )
        merged = [
            org.UnitView.of(_unit_or_404(session, i), effective)
            for i in dict.fromkeys(payload["merged_ids"])
        ]
        return {"successor": org.UnitView.of(successor, effective), "merged": merged}
