"""The statistical reports on emulation and commendation of TT 02/2023/TT-BNV: pick a year
and a scope (the whole sector, or one unit), then download each form as the .xlsx awards
computes from the registry (``/awards/reports``, ``/awards/reports/<form>.xlsx``).

National reports are the Ministry's and the auditor's; a unit's admin and officer have their
own unit's. Awards decides again on the download (403, or 404 for a unit the user may not see).
"""

from __future__ import annotations

import re

from flask import Response, render_template, request
from flask_babel import gettext as _

from web.api import NotFound, client
from web.downloads import passed_on
from web.views import require_user
from web.views.awards import blueprint, own_units, this_year, unit_label, year_of

NATIONAL_ROLES = ("ministry_officer", "auditor", "system_admin")
FORM_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


@blueprint.get("/reports")
def reports() -> tuple[str, int]:
    user = require_user()
    national = user.has_role(*NATIONAL_ROLES)
    units = own_units(user)
    typed_year = request.args.get("year")
    year = year_of(typed_year) or this_year()
    unit = (request.args.get("unit") or "").strip()
    if not national and unit not in units:
        unit = units[0] if units else ""
    error = _("Type a year such as 2026.") if typed_year and not year_of(typed_year) else None
    forms = client().get("/awards/reports").data.get("items") or []
    return render_template(
        "awards/reports.html",
        forms=forms,
        year=year,
        typed_year=typed_year or str(year),
        unit=unit,
        units=[(u, unit_label(u, year)) for u in units],
        national=national,
        scope_label=unit_label(unit, year) if unit else _("The whole sector"),
        error=error,
    ), 422 if error else 200


@blueprint.get("/reports/<form>.xlsx")
def report_workbook(form: str) -> Response:
    require_user()
    if not FORM_CODE.match(form):
        raise NotFound(404, {})
    params: dict[str, object] = {"year": year_of(request.args.get("year")) or this_year()}
    unit = (request.args.get("unit") or "").strip()
    if unit:
        params["unit"] = unit
    reply = client().get(f"/awards/reports/{form}.xlsx", params=params)
    return passed_on(reply, f"{form}-{params['year']}.xlsx")
