"""Eligibility: a subject's verdict for an award, the candidates of a unit or region, and
quotas. Readers of the subject's unit (or of the region) only: to anyone else the subject
does not exist (404)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from kit.app import database, principal
from kit.errors import Invalid, NotFound
from kit.policy import Target, allows, require_somewhere
from services.awards.domain import eligibility
from services.awards.models import RegionCopy
from services.awards.schemas_rules import (
    CandidateArgs,
    EligibilityArgs,
    QuotaOut,
    ScopeArgs,
    VerdictPage,
    VerdictSchema,
)

blueprint = Blueprint(
    "eligibility",
    __name__,
    description="Verdicts explained condition by condition, candidates and quotas",
)

READ = "registry.read"


def _visible_unit(session: Session, unit_id: str, year: int) -> None:
    """404 unless awards knows the unit and the caller may read it."""
    target = Target.of_unit(unit_id, eligibility.regions_of(session, unit_id, year))
    if eligibility.known_unit(session, unit_id) is None or not allows(principal(), READ, target):
        raise NotFound(eligibility.UNIT, unit_id)


def _visible_region(session: Session, region_id: str) -> None:
    found = session.get(RegionCopy, region_id)
    if found is None or not allows(principal(), READ, Target(region_ids=frozenset({region_id}))):
        raise NotFound(eligibility.REGION, region_id)


def _scope(session: Session, args: dict[str, Any]) -> dict[str, str]:
    """The unit or region asked about, once the caller may see it; neither: national readers
    only (the Ministry), others must name one."""
    if args.get("unit") and args.get("region"):
        raise Invalid(
            {
                "region": [
                    ("Chỉ gửi unit hoặc region, không cả hai.", "Send unit or region, not both.")
                ]
            }
        )
    if args.get("unit"):
        _visible_unit(session, args["unit"], args["year"])
        return {"unit_id": args["unit"]}
    if args.get("region"):
        _visible_region(session, args["region"])
        return {"region_id": args["region"]}
    if not allows(principal(), READ):
        raise Invalid({"unit": [("Cần đơn vị hoặc khu vực.", "Give a unit or a region.")]})
    return {}


@blueprint.route("/eligibility", methods=["GET"])
@blueprint.arguments(EligibilityArgs, location="query")
@blueprint.response(200, VerdictSchema)
def get_verdict(args: dict[str, Any]) -> dict[str, Any]:
    """Whether the subject (a staff code or a unit id) may receive the award for the year,
    condition by condition, in Vietnamese and English, with the rule pack and its basis."""
    require_somewhere(principal(), READ)
    with database().read() as session:
        try:
            _, unit_id, _ = eligibility.subject(session, args["subject"])
        except NotFound:
            raise NotFound(eligibility.SUBJECT, args["subject"]) from None
        target = Target.of_unit(unit_id, eligibility.regions_of(session, unit_id, args["year"]))
        if not allows(principal(), READ, target):
            raise NotFound(eligibility.SUBJECT, args["subject"])
        return eligibility.verdict(session, args["award"], args["year"], args["subject"])


@blueprint.route("/eligibility/candidates", methods=["GET"])
@blueprint.arguments(CandidateArgs, location="query")
@blueprint.response(200, VerdictPage)
def get_candidates(args: dict[str, Any]) -> dict[str, Any]:
    """Every member of the unit (an individual award) or every unit in scope (a collective
    award) with its verdict: eligible first, then by name."""
    require_somewhere(principal(), READ)
    with database().read() as session:
        scope = _scope(session, args)
        verdicts = eligibility.candidates(session, args["award"], args["year"], **scope)
    page, size = args["page"], args["page_size"]
    return {
        "items": verdicts[(page - 1) * size : page * size],
        "page": page,
        "page_size": size,
        "total": len(verdicts),
    }


@blueprint.route("/quotas", methods=["GET"])
@blueprint.arguments(ScopeArgs, location="query")
@blueprint.response(200, QuotaOut)
def get_quota(args: dict[str, Any]) -> dict[str, Any]:
    """How many the unit (or region) may be granted for the year (``max``, null without a
    quota) and how many it holds or has nominated (``used``)."""
    require_somewhere(principal(), READ)
    with database().read() as session:
        scope = _scope(session, args)
        if not scope:
            raise Invalid({"unit": [("Cần đơn vị hoặc khu vực.", "Give a unit or a region.")]})
        result = eligibility.quota(session, args["award"], args["year"], **scope)
    if "unit_id" in scope:
        result["unit"] = scope["unit_id"]
    else:
        result["region"] = scope["region_id"]
    return result
