"""Emulation regions per year: read by everyone signed in, kept by ministry officers."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kit.app import database, principal
from kit.fields import check_year
from kit.policy import require, require_somewhere
from services.identity.domain import regions
from services.identity.models import Region
from services.identity.schemas import RegionArgs, RegionIn, RegionSchema

blueprint = Blueprint(
    "regions",
    __name__,
    url_prefix="/regions",
    description="Emulation regions (khu vực thi đua) per year",
)


def _view(region: Region) -> dict[str, Any]:
    return {
        "id": region.id,
        "year": region.year,
        "code": region.code,
        "name": region.name,
        "lead_unit_id": region.lead_unit_id,
        "deputy_unit_ids": sorted(m.unit_id for m in region.members if m.is_deputy),
        "member_ids": sorted(m.unit_id for m in region.members),
    }


@blueprint.route("", methods=["GET"])
@blueprint.arguments(RegionArgs, location="query")
@blueprint.response(200, RegionSchema(many=True))
def list_regions(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The regions of ``year`` (every year when omitted)."""
    require_somewhere(principal(), "region.read")
    with database().read() as session:
        return [_view(r) for r in regions.regions_of(session, args.get("year"))]


@blueprint.route("/<region_id>", methods=["GET"])
@blueprint.response(200, RegionSchema)
def get_region(region_id: str) -> dict[str, Any]:
    require_somewhere(principal(), "region.read")
    with database().read() as session:
        return _view(regions.get_region(session, region_id))


@blueprint.route("/<int:year>/<code>", methods=["PUT"])
@blueprint.arguments(RegionIn)
@blueprint.response(200, RegionSchema)
def save_region(payload: dict[str, Any], year: int, code: str) -> dict[str, Any]:
    """Create or replace the region ``code`` of ``year``: members, lead and deputies.

    A year outside 2000–2100 or a code other than a-z, 0-9 and hyphens answers 422, and so
    does a member already in another region of the same year (each unit competes in one).
    """
    caller = principal()
    require(caller, "region.manage", visible=True)
    check_year(year)
    regions.check_code(code)
    with database().transaction() as session:
        region = regions.save_region(session, caller.subject, year=year, code=code, **payload)
        return _view(region)
