"""The caller's e-mail preferences, per kind of notification: instant, digest or off."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kit.app import database
from kit.fields import localised
from services.notify.api.inbox import me
from services.notify.domain import preferences
from services.notify.schemas import PreferenceChoiceSchema, PreferenceSchema

blueprint = Blueprint(
    "preferences",
    __name__,
    url_prefix="/preferences",
    description="How each kind of notification reaches the caller by e-mail",
)


@blueprint.route("", methods=["GET"])
@blueprint.response(200, PreferenceSchema(many=True))
def list_preferences() -> list[dict[str, Any]]:
    """Every kind, with the caller's choice or the default (instant)."""
    user_id = me()
    with database().read() as session:
        return [_said(p) for p in preferences.of(session, user_id)]


@blueprint.route("/<kind>", methods=["PUT"])
@blueprint.arguments(PreferenceChoiceSchema)
@blueprint.response(200, PreferenceSchema)
def choose(body: dict[str, str], kind: str) -> dict[str, Any]:
    """Choose how one kind is e-mailed: at once, in the daily digest, or not at all (the
    inbox has it in every case)."""
    user_id = me()
    with database().transaction() as session:
        return _said(preferences.choose(session, user_id, kind, body["email"]))


def _said(preference: dict[str, Any]) -> dict[str, Any]:
    """The kind's name in the caller's language (Accept-Language; Vietnamese by default)."""
    return {**preference, "name": localised(*preference["name"])}
