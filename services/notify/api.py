"""Notify's HTTP API."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database
from kit.pagination import PageArgs, paginate
from services.notify.models import InboxItem
from services.notify.schemas import InboxItemPage

blueprint = Blueprint("inbox", __name__, url_prefix="/inbox", description="The in-app inbox")


@blueprint.route("", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, InboxItemPage)
def list_inbox(args: dict[str, int]) -> dict[str, Any]:
    """Inbox items, newest first."""
    with database().read() as session:
        return paginate(session, select(InboxItem).order_by(InboxItem.id.desc()), args)
