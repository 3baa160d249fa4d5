"""The Ministry's calendar of public holidays per year (ngày nghỉ lễ, nghỉ bù, làm bù) with
its versions, and the working-days calculator a public-comment period uses. Awards'
``/holidays/{year}`` (``If-Match`` on a change; a year's first calendar needs none) and
``/working-days`` (docs/awards.md, "Public holidays and working days").

Days are typed dd/mm/yyyy, one row each; a few empty rows add days, a ticked "remove" drops
one. A 422's errors are keyed by JSON pointer (``/days/3/date``) and shown on their row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web import labels
from web.api import ApiError, Invalid, NotFound, PreconditionFailed, client
from web.views import require_user
from web.views.awards import (
    blueprint,
    error_rows,
    manages_rules,
    problem_text,
    this_year,
    year_of,
)

KINDS = tuple(labels.HOLIDAY_KIND)
EMPTY_ROWS = 3
DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
POINTER = re.compile(r"^/days/(\d+)(?:/(\w+))?")


def parse_day(text: str | None) -> date | None:
    """dd/mm/yyyy (or yyyy-mm-dd, as a date input sends it)."""
    text = (text or "").strip()
    found = DAY.match(text)
    try:
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def shown_day(value: str | None) -> str:
    day = parse_day(value)
    return day.strftime("%d/%m/%Y") if day else (value or "")


def _rows(days: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = [
        {
            "date": shown_day(d.get("date")),
            "name": d.get("name") or "",
            "kind": d.get("kind") or "holiday",
            "lunar": d.get("lunar") or None,
            "basis": d.get("basis") or "",
            "errors": {},
        }
        for d in days
    ]
    return rows + [_empty() for _ in range(EMPTY_ROWS)]


def _empty() -> dict[str, Any]:
    return {"date": "", "name": "", "kind": "holiday", "lunar": None, "basis": "", "errors": {}}


def _current(year: int) -> tuple[dict[str, Any] | None, str]:
    try:
        reply = client().get(f"/awards/holidays/{year}")
    except NotFound:
        return None, ""
    return reply.data, reply.etag or ""


def _versions(year: int) -> list[dict[str, Any]]:
    try:
        reply = client().get(f"/awards/holidays/{year}/versions", params={"page_size": 50})
    except NotFound:
        return []
    return list(reply.data.get("items") or [])


def _page(year: int, status: int = 200, **context: Any) -> tuple[str, int]:
    user = require_user()
    current, etag = _current(year)
    version = request.args.get("version", "")
    shown = current
    if version.isdigit() and current and int(version) != current.get("version"):
        shown = client().get(f"/awards/holidays/{year}/versions/{version}").data
    rows = context.pop("rows", None)
    return render_template(
        "awards/holidays.html",
        year=year,
        current=current,
        shown=shown,
        etag=context.pop("etag", None) or etag,
        rows=rows if rows is not None else _rows((current or {}).get("days") or []),
        basis=context.pop("basis", None) or (current or {}).get("basis") or "",
        versions=_versions(year) if current else [],
        kinds=KINDS,
        edits=manages_rules(user),
        years=range(year - 2, year + 3),
        problems=context.pop("problems", []),
        notice=context.pop("notice", None),
        **context,
    ), status


@blueprint.get("/holidays")
def holidays_now() -> Response:
    require_user()
    return redirect(url_for("awards.holidays", year=this_year()))


@blueprint.get("/holidays/<int:year>")
def holidays(year: int) -> tuple[str, int]:
    if year_of(str(year)) is None:
        raise NotFound(404, {})
    return _page(year)


def _posted_rows() -> list[dict[str, Any]]:
    form = request.form
    rows = []
    for i in range(int(form.get("rows") or 0)):
        row = {
            "date": (form.get(f"date-{i}") or "").strip(),
            "name": (form.get(f"name-{i}") or "").strip(),
            "kind": form.get(f"kind-{i}") if form.get(f"kind-{i}") in KINDS else "holiday",
            "lunar": None,
            "basis": (form.get(f"basis-{i}") or "").strip(),
            "remove": form.get(f"remove-{i}") == "yes",
            "errors": {},
        }
        day, month = form.get(f"lunar-day-{i}"), form.get(f"lunar-month-{i}")
        if day and month and day.isdigit() and month.isdigit():
            row["lunar"] = {"day": int(day), "month": int(month)}
            if form.get(f"lunar-leap-{i}") == "yes":
                row["lunar"]["leap"] = True
        rows.append(row)
    return rows


@blueprint.post("/holidays/<int:year>")
def save_holidays(year: int) -> Response | tuple[str, int]:
    require_user()
    if year_of(str(year)) is None:
        raise NotFound(404, {})
    rows = [r for r in _posted_rows() if not r["remove"] and (r["date"] or r["name"])]
    basis = (request.form.get("basis") or "").strip()
    note = (request.form.get("note") or "").strip() or None
    etag = request.form.get("etag") or ""
    wrong = False
    days = []
    for row in rows:
        day = parse_day(row["date"])
        if day is None:
            row["errors"]["date"] = _("Type the day as dd/mm/yyyy.")
            wrong = True
        item: dict[str, Any] = {
            "date": day.isoformat() if day else row["date"],
            "name": row["name"],
            "kind": row["kind"],
        }
        if row["lunar"]:
            item["lunar"] = row["lunar"]
        if row["basis"]:
            item["basis"] = row["basis"]
        days.append(item)
    shown = rows + [_empty() for _ in range(EMPTY_ROWS)]
    keep = {"rows": shown, "basis": basis, "etag": etag, "note": note or ""}
    if not basis:
        return _page(year, 422, basis_error=_("Name the legal texts the days come from."), **keep)
    if wrong:
        return _page(year, 422, **keep)
    headers = {"If-Match": etag} if etag else {}
    try:
        client().put(
            f"/awards/holidays/{year}",
            json={"basis": basis, "days": days, "note": note},
            headers=headers,
        )
    except PreconditionFailed:
        notice = _(
            "Someone saved this calendar after you opened it, so your change was not saved. "
            "It is shown below as it is now: make your change again."
        )
        return _page(year, 412, notice=notice)
    except Invalid as error:
        problems = []
        for found in error_rows(error.body):
            at = POINTER.match(found["pointer"] or "")
            if at and int(at[1]) < len(rows):
                rows[int(at[1])]["errors"][at[2] or "date"] = found["message"]
            else:
                problems.append(found)
        return _page(year, 422, problems=problems, **keep)
    except ApiError as error:
        if error.status not in (403, 409, 428):
            raise
        return _page(year, error.status, notice=problem_text(error), **keep)
    flash(_("The calendar of %(year)s has been saved as a new version.", year=year), "success")
    return redirect(url_for("awards.holidays", year=year))


# -- working days ----------------------------------------------------------------------------


@blueprint.get("/working-days")
def working_days() -> tuple[str, int]:
    require_user()
    start_text = (request.args.get("start") or "").strip()
    count_text = (request.args.get("count") or "").strip()
    answer, errors, status = None, {}, 200
    if start_text or count_text:
        start = parse_day(start_text)
        if start is None:
            errors["start"] = _("Type the day as dd/mm/yyyy.")
        if not count_text.isdigit() or not 1 <= int(count_text) <= 366:
            errors["count"] = _("A number of working days, from 1 to 366.")
        if not errors and start is not None:
            try:
                answer = (
                    client()
                    .get(
                        "/awards/working-days",
                        params={"start": start.isoformat(), "count": int(count_text)},
                    )
                    .data
                )
            except ApiError as error:
                if error.status not in (409, 422):
                    raise
                errors[""] = problem_text(error)
        status = 422 if errors and "" not in errors else (409 if errors else 200)
    return render_template(
        "awards/working_days.html",
        start=start_text,
        count=count_text,
        answer=answer,
        errors=errors,
    ), status
