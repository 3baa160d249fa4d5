"""The caller's inbox: their notifications and the announcements everyone sees.

Every view answers for the signed-in user alone (the token's subject): another user's item
is not found (404), whatever its number. An API client has no inbox (403).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kit.app import database, principal
from kit.errors import Forbidden
from services.notify.domain import inbox
from services.notify.schemas import (
    InboxArgs,
    InboxItemSchema,
    InboxPageSchema,
    MarkAllSchema,
    MarkedSchema,
    MarkSchema,
    UnreadSchema,
)

blueprint = Blueprint("inbox", __name__, url_prefix="/inbox", description="The in-app inbox")

NO_INBOX = (
    "Hộp thư là của người dùng; ứng dụng (API client) không có hộp thư.",
    "The inbox is a person's; an API client has none.",
)


def me() -> str:
    caller = principal()
    if caller.kind != "user":
        raise Forbidden(NO_INBOX)
    return caller.subject


@blueprint.route("", methods=["GET"])
@blueprint.arguments(InboxArgs, location="query")
@blueprint.response(200, InboxPageSchema)
def list_inbox(args: dict[str, Any]) -> dict[str, Any]:
    """The caller's inbox, newest first, filtered by kind and read state; with the unread
    count of the whole inbox."""
    user_id = me()
    with database().read() as session:
        return inbox.page(
            session,
            user_id,
            page=args["page"],
            page_size=args["page_size"],
            kinds=args.get("kind"),
            read=args.get("read"),
        )


@blueprint.route("/unread-count", methods=["GET"])
@blueprint.response(200, UnreadSchema)
def unread_count() -> dict[str, int]:
    """How many items the caller has not read (the web application's header)."""
    user_id = me()
    with database().read() as session:
        return {"unread": inbox.unread_count(session, user_id)}


@blueprint.route("/items/<item_id>", methods=["GET"])
@blueprint.response(200, InboxItemSchema)
def get_item(item_id: str) -> dict[str, Any]:
    user_id = me()
    with database().read() as session:
        return inbox.get(session, user_id, item_id)


@blueprint.route("/items/<item_id>", methods=["PATCH"])
@blueprint.arguments(MarkSchema)
@blueprint.response(200, InboxItemSchema)
def mark_item(body: dict[str, bool], item_id: str) -> dict[str, Any]:
    """Mark one item read (``{"read": true}``) or unread again."""
    user_id = me()
    with database().transaction() as session:
        return inbox.mark(session, user_id, item_id, body["read"])


@blueprint.route("/read-all", methods=["POST"])
@blueprint.arguments(MarkAllSchema)
@blueprint.response(200, MarkedSchema)
def mark_all(body: dict[str, Any]) -> dict[str, int]:
    """Mark every unread item (of the given kinds) read."""
    user_id = me()
    with database().transaction() as session:
        marked = inbox.mark_all(session, user_id, body.get("kind"))
        return {"marked": marked, "unread": inbox.unread_count(session, user_id)}
