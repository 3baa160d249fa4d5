"""Region acclamations (suy tôn): the region lead opens and closes the ballot, each member
unit's admin votes once; the region's members, its lead, the Ministry and the auditor read
it, and to anyone else it does not exist (404). While the ballot is open only who has voted
is shown, never how.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from kit.app import database, principal
from kit.errors import Forbidden, NotFound
from kit.pagination import paginate
from kit.policy import Target, allows, grants_for, require
from services.awards.domain import acclamations
from services.awards.domain.acclamations import ACCLAMATION
from services.awards.models import Acclamation, RegionCopy
from services.awards.schemas_nominations import (
    AcclamationArgs,
    AcclamationIn,
    AcclamationPage,
    AcclamationPatch,
    AcclamationSchema,
    VoteIn,
)

blueprint = Blueprint(
    "acclamations",
    __name__,
    url_prefix="/acclamations",
    description="Region acclamations: the member units' vote to put a unit forward",
)


def region_target(region_id: str) -> Target:
    return Target(region_ids=frozenset({region_id}))


def may_read(acclamation: Acclamation) -> bool:
    caller = principal()
    if allows(caller, "acclamation.read", region_target(acclamation.region_id)):
        return True
    return any(
        allows(caller, "acclamation.read", Target.of_unit(unit_id))
        for unit_id in acclamation.voter_unit_ids
    )


def readable(session: Session, acclamation_id: str, *, lock: bool = False) -> Acclamation:
    found = acclamations.load(session, acclamation_id, lock=lock)
    if not may_read(found):
        raise NotFound(ACCLAMATION, acclamation_id)
    return found


def managed(session: Session, acclamation_id: str) -> Acclamation:
    found = readable(session, acclamation_id, lock=True)
    require(principal(), "acclamation.manage", region_target(found.region_id), visible=True)
    return found


@blueprint.route("", methods=["POST"])
@blueprint.arguments(AcclamationIn)
@blueprint.response(201, AcclamationSchema)
def open_ballot(payload: dict[str, Any]) -> dict[str, Any]:
    """Open the vote for a candidate unit among the region's member units of that year."""
    caller = principal()
    where = region_target(payload["region"])
    require(caller, "acclamation.manage", where, visible=allows(caller, "acclamation.read", where))
    with database().transaction() as session:
        found = acclamations.open_ballot(
            session,
            caller.subject,
            region_id=payload["region"],
            year=payload["year"],
            award_code=payload["award"],
            candidate_unit=payload["candidate_unit"],
            nomination_id=payload["nomination_id"],
        )
        return acclamations.view(session, found)


def _visible_clause(session: Session) -> Any:
    clauses = []
    for grant in grants_for(principal(), "acclamation.read"):
        if grant.scope == "national":
            return None
        if grant.scope == "region" and grant.scope_id:
            clauses.append(Acclamation.region_id == grant.scope_id)
        if grant.scope == "unit" and grant.scope_id:
            regions = [
                r.region_id
                for r in session.scalars(select(RegionCopy))
                if grant.scope_id in (r.member_ids or [])
            ]
            if regions:
                clauses.append(Acclamation.region_id.in_(regions))
    return or_(*clauses) if clauses else false()


@blueprint.route("", methods=["GET"])
@blueprint.arguments(AcclamationArgs, location="query")
@blueprint.response(200, AcclamationPage)
def list_ballots(args: dict[str, Any]) -> dict[str, Any]:
    with database().read() as session:
        query = select(Acclamation).order_by(
            Acclamation.opened_at.desc(), Acclamation.acclamation_id
        )
        clause = _visible_clause(session)
        if clause is not None:
            query = query.where(clause)
        if args["region"] is not None:
            query = query.where(Acclamation.region_id == args["region"])
        if args["year"] is not None:
            query = query.where(Acclamation.year == args["year"])
        page = paginate(session, query, args)
        # A unit that joined a region later sees its ballots only where it was a voter.
        page["items"] = [acclamations.view(session, a) for a in page["items"] if may_read(a)]
        return page


@blueprint.route("/<acclamation_id>", methods=["GET"])
@blueprint.response(200, AcclamationSchema)
def get_ballot(acclamation_id: str) -> dict[str, Any]:
    with database().read() as session:
        return acclamations.view(session, readable(session, acclamation_id))


@blueprint.route("/<acclamation_id>", methods=["PATCH"])
@blueprint.arguments(AcclamationPatch)
@blueprint.response(200, AcclamationSchema)
def link(payload: dict[str, Any], acclamation_id: str) -> dict[str, Any]:
    """Attach the ballot to the region's nomination file."""
    with database().transaction() as session:
        found = managed(session, acclamation_id)
        acclamations.link(session, found, payload["nomination_id"])
        return acclamations.view(session, found)


@blueprint.route("/<acclamation_id>/votes", methods=["POST"])
@blueprint.arguments(VoteIn)
@blueprint.response(201, AcclamationSchema)
def vote(payload: dict[str, Any], acclamation_id: str) -> dict[str, Any]:
    """The caller's unit's one vote (its admin's), for or against."""
    caller = principal()
    with database().transaction() as session:
        found = readable(session, acclamation_id, lock=True)
        units = [
            unit_id
            for unit_id in found.voter_unit_ids
            if allows(caller, "acclamation.vote", Target.of_unit(unit_id))
        ]
        if not units:  # it may see the ballot, but votes for no member unit
            raise Forbidden(
                (
                    "Chỉ lãnh đạo đơn vị thành viên của cụm/khu vực được bỏ phiếu.",
                    "Only an admin of a member unit of the region may vote.",
                )
            )
        acclamations.cast(session, caller.subject, found, units[0], payload["in_favour"])
        return acclamations.view(session, found)


@blueprint.route("/<acclamation_id>/close", methods=["POST"])
@blueprint.response(200, AcclamationSchema)
def close(acclamation_id: str) -> dict[str, Any]:
    """Count the votes: carried when more than half of the members voted for."""
    with database().transaction() as session:
        found = managed(session, acclamation_id)
        acclamations.close(session, principal().subject, found)
        return acclamations.view(session, found)
