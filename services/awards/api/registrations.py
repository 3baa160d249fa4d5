"""Registrations (đăng ký danh hiệu thi đua): the titles a unit will strive for in a year.

Read by the unit's readers (and its region's lead, the Ministry, the auditor); made and
withdrawn by the unit's admin and officer. A unit the caller may not see does not exist (404).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database, principal
from kit.errors import NotFound
from kit.pagination import paginate
from kit.policy import Target, allows, require
from services.awards.domain import registrations
from services.awards.domain.registrations import REGISTRATION
from services.awards.models import RegionCopy, Registration
from services.awards.schemas_nominations import (
    RegistrationArgs,
    RegistrationIn,
    RegistrationPage,
    RegistrationSchema,
)

blueprint = Blueprint(
    "registrations",
    __name__,
    url_prefix="/registrations",
    description="The titles a unit registers to strive for in a year",
)


def _seen(session: Any, unit_id: str, year: int | None) -> Target:
    """The unit and its regions of ``year`` (without a year, of any year)."""
    if year is not None:
        return Target.of_unit(unit_id, registrations.regions_of(session, unit_id, year))
    regions = {
        r.region_id
        for r in session.scalars(select(RegionCopy))
        if unit_id in (r.member_ids or []) or r.lead_unit_id == unit_id
    }
    return Target.of_unit(unit_id, regions)


@blueprint.route("", methods=["GET"])
@blueprint.arguments(RegistrationArgs, location="query")
@blueprint.response(200, RegistrationPage)
def list_registrations(args: dict[str, Any]) -> dict[str, Any]:
    with database().read() as session:
        require(principal(), "nomination.read", _seen(session, args["unit"], args["year"]))
        query = (
            select(Registration)
            .where(Registration.unit_id == args["unit"])
            .order_by(Registration.year.desc(), Registration.award_code, Registration.subject_id)
        )
        if args["year"] is not None:
            query = query.where(Registration.year == args["year"])
        return paginate(session, query, args)


@blueprint.route("", methods=["POST"])
@blueprint.arguments(RegistrationIn)
@blueprint.response(201, RegistrationSchema)
def register(payload: dict[str, Any]) -> Registration:
    """Register a title for a member or the unit itself (the award: a title of the pack in
    force for the year; the subject: of the unit, fitting the award's recipient kind)."""
    caller = principal()
    with database().transaction() as session:
        seen = allows(caller, "nomination.read", _seen(session, payload["unit"], payload["year"]))
        require(caller, "nomination.edit", Target.of_unit(payload["unit"]), visible=seen)
        return registrations.register(
            session,
            caller.subject,
            unit_id=payload["unit"],
            year=payload["year"],
            award_code=payload["award"],
            subject_id=payload["subject"],
        )


@blueprint.route("/<int:registration_id>", methods=["DELETE"])
@blueprint.response(204)
def withdraw(registration_id: int) -> None:
    """Withdraw a registration no submitted file relies on (409 otherwise)."""
    caller = principal()
    with database().transaction() as session:
        row = session.get(Registration, registration_id)
        if row is None or not allows(
            caller, "nomination.read", _seen(session, row.unit_id, row.year)
        ):
            raise NotFound(REGISTRATION, str(registration_id))
        require(caller, "nomination.edit", Target.of_unit(row.unit_id), visible=True)
        registrations.withdraw(session, row)
