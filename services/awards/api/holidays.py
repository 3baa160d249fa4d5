"""The calendar of public holidays (read by everyone signed in, kept by the Ministry, every
version kept) and the working-day question a public-comment period asks."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint
from sqlalchemy import func, select

from kit.app import database, principal
from kit.fields import check_year
from kit.pagination import PageArgs, paginate
from kit.policy import require, require_somewhere
from kit.preconditions import require_match, takes_if_match
from services.awards.domain import calendar
from services.awards.models import HolidayCalendar
from services.awards.schemas_calendar import (
    HolidayCalendarIn,
    HolidayCalendarPage,
    HolidayCalendarSchema,
    WorkingDaysArgs,
    WorkingDaysSchema,
)

blueprint = Blueprint(
    "holidays",
    __name__,
    description="Vietnam's public holidays by year (versioned data) and working days",
)

CHANGED = (
    "Lịch nghỉ lễ đã được người khác sửa; hãy tải lại.",
    "Someone else changed the holiday calendar; reload it.",
)


def _with_etag(row: HolidayCalendar, status: int = 200) -> Response:
    response = jsonify(HolidayCalendarSchema().dump(row))
    response.status_code = status
    response.headers["ETag"] = calendar.etag(row)
    return response


@blueprint.route("/holidays", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, HolidayCalendarPage)
def list_calendars(args: dict[str, int]) -> dict[str, Any]:
    """The years that have a calendar, each with its current version, latest year first."""
    require_somewhere(principal(), "rules.read")
    latest = (
        select(HolidayCalendar.year, func.max(HolidayCalendar.version).label("version"))
        .group_by(HolidayCalendar.year)
        .subquery()
    )
    query = (
        select(HolidayCalendar)
        .join(
            latest,
            (HolidayCalendar.year == latest.c.year) & (HolidayCalendar.version == latest.c.version),
        )
        .order_by(HolidayCalendar.year.desc())
    )
    with database().read() as session:
        return paginate(session, query, args)


@blueprint.route("/holidays/<int:year>", methods=["GET"])
@blueprint.response(200, HolidayCalendarSchema)
def get_calendar(year: int) -> Response:
    """The current calendar of ``year``; its ETag goes with If-Match when changing it."""
    require_somewhere(principal(), "rules.read")
    check_year(year)
    with database().read() as session:
        return _with_etag(calendar.current_or_404(session, year))


@blueprint.route("/holidays/<int:year>", methods=["PUT"])
@takes_if_match
@blueprint.arguments(HolidayCalendarIn)
@blueprint.response(200, HolidayCalendarSchema)
@blueprint.alt_response(201, schema=HolidayCalendarSchema, description="The year's first")
def save_calendar(payload: dict[str, Any], year: int) -> Response:
    """Replace the year's whole list of days: a new version, the old ones kept.

    Send the current ETag as If-Match (428 without, 412 when someone saved since); a year
    that has no calendar yet needs none. Every problem of the days is named by its pointer."""
    require(principal(), "calendar.manage", visible=True)
    check_year(year)
    with database().transaction() as session:
        found = calendar.current(session, year)
        if found is not None:
            require_match(calendar.etag(found), stale=CHANGED)
        row = calendar.save(session, principal().subject, year, payload, read=found)
        return _with_etag(row, 200 if found is not None else 201)


@blueprint.route("/holidays/<int:year>/versions", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, HolidayCalendarPage)
def list_versions(args: dict[str, int], year: int) -> dict[str, Any]:
    """Every version of the year's calendar, newest first: who changed it, when and why."""
    require_somewhere(principal(), "rules.read")
    check_year(year)
    query = (
        select(HolidayCalendar)
        .where(HolidayCalendar.year == year)
        .order_by(HolidayCalendar.version.desc())
    )
    with database().read() as session:
        calendar.current_or_404(session, year)
        return paginate(session, query, args)


@blueprint.route("/holidays/<int:year>/versions/<int:version>", methods=["GET"])
@blueprint.response(200, HolidayCalendarSchema)
def get_version(year: int, version: int) -> HolidayCalendar:
    """One version as it was saved."""
    require_somewhere(principal(), "rules.read")
    check_year(year)
    with database().read() as session:
        return calendar.version_or_404(session, year, version)


@blueprint.route("/working-days", methods=["GET"])
@blueprint.arguments(WorkingDaysArgs, location="query")
@blueprint.response(200, WorkingDaysSchema)
def working_days(args: dict[str, Any]) -> dict[str, Any]:
    """When a list posted on ``start`` for ``count`` working days comes down: the posting day
    counts when it is a working day. 409 when a year the period reaches has no calendar."""
    require_somewhere(principal(), "rules.read")
    start: date = args["start"]
    with database().read() as session:
        days = calendar.calendar(session)
        ends_on = days.ends_on(start, args["count"])
        listed = days.listed_between(start, ends_on)
    return {
        "start": start,
        "count": args["count"],
        "ends_on": ends_on,
        "holidays_skipped": [d.to_data() for d in listed if d.off],
        "makeup_days": [d.to_data() for d in listed if not d.off],
    }
