"""The registry's pages: the workbook template, exports, search, a person's profile and its
edit, a unit's profile, and the audit trail (docs/awards.md, "The registry").

Who sees what (kit.policy, actions.py): ``registry.read`` on a person's or a unit's target
(its unit, and the regions it belongs to), so a unit's roles see their own unit, a region lead
its region's member units, national roles everything. What the caller may not read answers
404, as if it did not exist; a person it may read but not edit answers 403 to a PUT. Lists show
only what the caller may read.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify, request
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from kit.app import database, principal
from kit.errors import NotFound
from kit.pagination import paginate
from kit.policy import Target, allows, grants_for, require, require_somewhere
from kit.preconditions import if_match, require_match, takes_if_match
from services.awards.domain import profiles, workbook
from services.awards.domain.profiles import PERSON, UNIT, Units
from services.awards.models import Person
from services.awards.schemas_registry import (
    ChangePage,
    ChangesArgs,
    ExportArgs,
    PeopleArgs,
    PersonIn,
    PersonPage,
    ProfileOut,
    RegistryDocument,
    UnitOut,
)

blueprint = Blueprint(
    "registry",
    __name__,
    description="The award registry: people, awards held, profiles, exports and changes",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON = "application/json"
READ, EDIT = "registry.read", "registry.edit"
CHANGED = (
    "Hồ sơ cán bộ đã được người khác sửa; hãy tải lại.",
    "Someone else changed this person's record; reload it.",
)


def target(session: Session, unit_id: str) -> Target:
    return Target.of_unit(unit_id, profiles.regions_of(session, unit_id))


def reached(session: Session, action: str = READ) -> Units:
    """The units the caller may ``action`` (None: all)."""
    grants = grants_for(principal(), action)
    return profiles.units_reached(session, [(g.scope, g.scope_id) for g in grants])


def readable_person(session: Session, staff_code: str) -> Person:
    person = session.get(Person, staff_code)
    if person is None or not allows(principal(), READ, target(session, person.unit_id)):
        raise NotFound(PERSON, staff_code)
    return person


def readable_unit(session: Session, unit_id: str) -> None:
    if not allows(principal(), READ, target(session, unit_id)):
        raise NotFound(UNIT, unit_id)


def etag(person: Person) -> str:
    return f'W/"person-{person.revision}"'


def _attachment(data: bytes, name: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name)
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{safe}"'}
    )


def _profile(session: Session, person: Person) -> Response:
    response = jsonify(ProfileOut().dump(profiles.person_profile(session, person)))
    response.headers["ETag"] = etag(person)
    return response


@blueprint.route("/registry/template.xlsx", methods=["GET"])
@blueprint.response(200, content_type=XLSX)
def get_template() -> Response:
    """The workbook to fill in: one sheet per part, Vietnamese headings, instructions."""
    require_somewhere(principal(), READ)
    return _attachment(workbook.template(), "mau-so-khen-thuong.xlsx")


def _export(unit: str, as_workbook: bool) -> Any:
    with database().read() as session:
        readable_unit(session, unit)
        document = profiles.unit_document(session, unit)
    if as_workbook:
        return _attachment(workbook.write_document(document), f"so-khen-thuong-{unit}.xlsx")
    return document


@blueprint.route("/registry/export", methods=["GET"])
@blueprint.arguments(ExportArgs, location="query")
@blueprint.response(200, RegistryDocument)
def export_registry(args: dict[str, Any]) -> Any:
    """The unit's people and awards as the import document; as a workbook when the Accept
    header asks for the .xlsx type. Re-importing it changes nothing."""
    wanted = request.accept_mimetypes.best_match([JSON, XLSX], default=JSON)
    return _export(args["unit"], wanted == XLSX)


@blueprint.route("/registry/export.xlsx", methods=["GET"])
@blueprint.arguments(ExportArgs, location="query")
@blueprint.response(200, content_type=XLSX)
def export_registry_workbook(args: dict[str, Any]) -> Response:
    """The unit's people and awards as the import workbook."""
    return _export(args["unit"], True)


@blueprint.route("/people", methods=["GET"])
@blueprint.arguments(PeopleArgs, location="query")
@blueprint.response(200, PersonPage)
def search_people(args: dict[str, Any]) -> dict[str, Any]:
    """People the caller may see: every word of ``q`` begins a word of the name (diacritics
    and case ignored), of ``unit``, holding ``award`` (in ``year``); by name."""
    require_somewhere(principal(), READ)
    with database().read() as session:
        query = profiles.search_people(
            reached(session),
            q=args.get("q"),
            unit=args.get("unit"),
            award=args.get("award"),
            year=args.get("year"),
        )
        return paginate(session, query, args)


@blueprint.route("/people/<staff_code>", methods=["GET"])
@blueprint.response(200, ProfileOut)
def get_person(staff_code: str) -> Response:
    """The person's whole history, the awards held (revoked ones flagged) and a timeline by
    year; ``ETag`` for a PUT."""
    with database().read() as session:
        return _profile(session, readable_person(session, staff_code))


@blueprint.route("/people/<staff_code>", methods=["PUT"])
@takes_if_match
@blueprint.arguments(PersonIn)
@blueprint.response(200, ProfileOut)
def put_person(entry: dict[str, Any], staff_code: str) -> Response:
    """Replace the person's record (the import document's shape for one person): the unit's
    admin or the Ministry; ``If-Match`` with the profile's ETag."""
    from services.awards.domain import registry_import  # the import's rules (validation)

    sent = if_match()
    with database().transaction() as session:
        person = readable_person(session, staff_code)
        require(principal(), EDIT, target(session, person.unit_id), visible=True)
        require_match(etag(person), sent, stale=CHANGED)
        person = registry_import.replace_person(
            session,
            principal().subject,
            staff_code,
            entry,
            allowed_units=reached(session, EDIT),
        )
        session.flush()
        return _profile(session, person)


@blueprint.route("/units/<unit_id>", methods=["GET"])
@blueprint.response(200, UnitOut)
def get_unit(unit_id: str) -> dict[str, Any]:
    """The unit's name, its members (count and the first 20), the awards it holds and its
    published scoring results by year."""
    with database().read() as session:
        readable_unit(session, unit_id)
        if not profiles.unit_known(session, unit_id):
            raise NotFound(UNIT, unit_id)
        return profiles.unit_profile(session, unit_id)


@blueprint.route("/registry/changes", methods=["GET"])
@blueprint.arguments(ChangesArgs, location="query")
@blueprint.response(200, ChangePage)
def list_changes(args: dict[str, Any]) -> dict[str, Any]:
    """The registry's audit trail (imports and edits: who, when, what) of the units the caller
    may see, newest first."""
    require_somewhere(principal(), READ)
    with database().read() as session:
        query = profiles.changes(
            reached(session), subject=args.get("subject"), unit=args.get("unit")
        )
        return paginate(session, query, args)
