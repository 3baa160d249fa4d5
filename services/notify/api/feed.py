"""The event feed: every public event in the order notify received it, for an external system
that catches up by reading instead of (or besides) receiving webhooks."""

from __future__ import annotations

import json
from typing import Any

from flask_smorest import Blueprint

from kit.app import database, principal, runtime
from kit.policy import require
from services.notify.domain import feed
from services.notify.schemas_webhooks import FeedArgs, FeedPage

blueprint = Blueprint(
    "feed", __name__, url_prefix="/feed", description="Public events in order, with a cursor"
)


@blueprint.route("", methods=["GET"])
@blueprint.arguments(FeedArgs, location="query")
@blueprint.response(200, FeedPage)
def read_feed(args: dict[str, Any]) -> dict[str, Any]:
    """Events after the cursor ``after`` (from the start without it), oldest first; pass the
    answer's ``next`` as ``after`` to go on. An API client needs ``notify:read`` or
    ``webhooks:manage``; among users, the Ministry's officers and auditors read it."""
    caller = principal()
    if caller.kind != "client":  # a client got here with one of its scopes (kit.policy)
        require(caller, "feed.read", visible=True)
    types = [t.strip() for t in (args.get("types") or "").split(",") if t.strip()]
    settle = float(getattr(runtime().settings, "feed_settle_s", 2.0))
    with database().read() as session:
        rows, cursor = feed.read(
            session, after=args.get("after"), types=types, limit=args["limit"], settle_s=settle
        )
        return {"items": [json.loads(row.body) for row in rows], "next": cursor}
