"""Rule packs (uploaded, published, read), the award types in force, and bonuses.

Every signed-in reader may read the rules; ministry officers upload and publish them. A
published pack never changes: a change of the law is a new version.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database, principal
from kit.pagination import paginate
from kit.policy import require, require_somewhere
from kit.preconditions import if_match, require_match, takes_if_match
from services.awards.domain import packs
from services.awards.models import RulePack
from services.awards.schemas_rules import (
    AwardTypesOut,
    BonusArgs,
    BonusOut,
    RulePackArgs,
    RulePackDocument,
    RulePackPage,
    RulePackSchema,
    YearArgs,
)

blueprint = Blueprint(
    "rules",
    __name__,
    description="Rule packs: the awards' rules as versioned data; award types and bonuses",
)

CHANGED = (
    "Bộ quy tắc đã được người khác thay đổi; hãy tải lại.",
    "Someone else changed the rule pack; reload it.",
)


def _with_etag(pack: RulePack, status: int = 200) -> Response:
    response = jsonify(RulePackSchema().dump(pack))
    response.status_code = status
    response.headers["ETag"] = packs.etag(pack)
    return response


@blueprint.route("/rule-packs", methods=["GET"])
@blueprint.arguments(RulePackArgs, location="query")
@blueprint.response(200, RulePackPage)
def list_rule_packs(args: dict[str, Any]) -> dict[str, Any]:
    """Every version, newest first (by effective date, then version)."""
    require_somewhere(principal(), "rules.read")
    query = select(RulePack).order_by(
        RulePack.effective_from.desc(), RulePack.code, RulePack.version.desc()
    )
    if args.get("status"):
        query = query.where(RulePack.status == args["status"])
    with database().read() as session:
        return paginate(session, query, args)


@blueprint.route("/rule-packs", methods=["POST"])
@blueprint.arguments(RulePackDocument)
@blueprint.response(201, RulePackSchema)
def upload_rule_pack(document: dict[str, Any]) -> Response:
    """Upload a pack document: validated (422 names every problem by its JSON pointer) and
    stored as a draft, the next version of its code."""
    require(principal(), "rules.manage", visible=True)
    with database().transaction() as session:
        return _with_etag(packs.upload(session, principal().subject, document), 201)


@blueprint.route("/rule-packs/<pack_id>", methods=["GET"])
@blueprint.response(200, RulePackSchema)
def get_rule_pack(pack_id: str) -> Response:
    """The pack, its document and status; the ETag goes with If-Match when publishing."""
    require_somewhere(principal(), "rules.read")
    with database().read() as session:
        return _with_etag(packs.get(session, pack_id))


@blueprint.route("/rule-packs/<pack_id>/publish", methods=["POST"])
@takes_if_match
@blueprint.response(200, RulePackSchema)
def publish_rule_pack(pack_id: str) -> Response:
    """Publish a draft: from then on it answers the questions of the days it covers, and it
    never changes (409 on a second publish)."""
    require(principal(), "rules.manage", visible=True)
    sent = if_match()
    with database().transaction() as session:
        pack = packs.get(session, pack_id, lock=True)
        require_match(packs.etag(pack), sent, stale=CHANGED)
        return _with_etag(packs.publish(session, principal().subject, pack))


@blueprint.route("/rule-packs/<pack_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_rule_pack(pack_id: str) -> Response:
    """Delete a draft; a published pack stays (409)."""
    require(principal(), "rules.manage", visible=True)
    with database().transaction() as session:
        packs.delete_draft(session, packs.get(session, pack_id))
    return Response(status=204)


@blueprint.route("/award-types", methods=["GET"])
@blueprint.arguments(YearArgs, location="query")
@blueprint.response(200, AwardTypesOut)
def award_types(args: dict[str, Any]) -> dict[str, Any]:
    """The awards of the pack in force for the year (each by its own reference day)."""
    require_somewhere(principal(), "rules.read")
    with database().read() as session:
        return {"year": args["year"], "items": packs.award_types(session, args["year"])}


@blueprint.route("/bonus", methods=["GET"])
@blueprint.arguments(BonusArgs, location="query")
@blueprint.response(200, BonusOut)
def bonus(args: dict[str, Any]) -> dict[str, Any]:
    """The bonus of an award decided on a day: its multiple × the base salary in force that
    day, rounded up as the pack says."""
    require_somewhere(principal(), "rules.read")
    with database().read() as session:
        return packs.bonus(session, args["award"], args["decided_on"])
