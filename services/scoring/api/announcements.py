"""Scoring's HTTP API."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database
from kit.pagination import PageArgs, paginate
from services.scoring.models import Announcement
from services.scoring.schemas import AnnouncementPage

blueprint = Blueprint(
    "announcements",
    __name__,
    url_prefix="/announcements",
    description="The Ministry's announcements, as scoring received them",
)


@blueprint.route("", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, AnnouncementPage)
def list_announcements(args: dict[str, int]) -> dict[str, Any]:
    """Announcements received, newest first."""
    with database().read() as session:
        query = select(Announcement).order_by(Announcement.announcement_id.desc())
        return paginate(session, query, args)
