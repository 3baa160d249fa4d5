"""Identity's HTTP API."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database, principal
from kit.errors import NotFound
from kit.pagination import PageArgs, paginate
from kit.policy import require
from services.identity.domain import announcements as domain
from services.identity.models import Announcement
from services.identity.schemas import AnnouncementIn, AnnouncementPage, AnnouncementSchema

blueprint = Blueprint(
    "announcements",
    __name__,
    url_prefix="/announcements",
    description="Platform announcements from the Ministry",
)


@blueprint.route("", methods=["POST"])
@blueprint.arguments(AnnouncementIn)
@blueprint.response(201, AnnouncementSchema)
def create_announcement(payload: dict[str, Any]) -> Announcement:
    """Publish an announcement; every service that follows announcements receives it.

    Ministry officers only; everyone else gets 403 (announcements are public knowledge).
    """
    require(principal(), "announcement.publish", visible=True)
    with database().transaction() as session:
        return domain.publish_announcement(session, payload["title"], payload["body"])


@blueprint.route("", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, AnnouncementPage)
def list_announcements(args: dict[str, int]) -> dict[str, Any]:
    """Announcements, newest first."""
    with database().read() as session:
        query = select(Announcement).order_by(Announcement.id.desc())
        return paginate(session, query, args)


@blueprint.route("/<int:announcement_id>", methods=["GET"])
@blueprint.response(200, AnnouncementSchema)
def get_announcement(announcement_id: int) -> Announcement:
    with database().read() as session:
        announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound(("thông báo số", "announcement"), str(announcement_id))
    return announcement
