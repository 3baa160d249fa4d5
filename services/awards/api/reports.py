"""The statistical reports of TT 02/2023/TT-BNV (services.awards.domain.reports) as .xlsx.

National reports are the Ministry's and the auditor's; a unit's report (``unit``) is also its
own admin's and officer's. A unit the caller may not see is 404, as everywhere.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask_smorest import Blueprint

from kit.app import database, principal
from kit.errors import NotFound
from kit.policy import NATIONAL, Target, allows, require, require_somewhere
from services.awards.domain import reports
from services.awards.schemas_decisions import ReportArgs, ReportList

blueprint = Blueprint(
    "reports", __name__, description="Statistical reports on commendation (TT 02/2023/TT-BNV)"
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.route("/reports", methods=["GET"])
@blueprint.response(200, ReportList)
def list_forms() -> dict[str, Any]:
    """The report forms, each with its path."""
    require_somewhere(principal(), "report.read")
    return {
        "items": [
            {"code": code, "title": form.title, "path": f"/reports/{code}.xlsx"}
            for code, form in reports.FORMS.items()
        ]
    }


@blueprint.route("/reports/<form>.xlsx", methods=["GET"])
@blueprint.arguments(ReportArgs, location="query")
@blueprint.response(200, content_type=XLSX, description="The report as a workbook")
def report(args: dict[str, Any], form: str) -> Response:
    """The form ``form`` for ``year``, national or of ``unit``, computed from the registry."""
    caller = principal()
    unit = args["unit"]
    if unit is None:
        require(caller, "report.read", NATIONAL, visible=True)
    elif not allows(caller, "report.read", Target.of_unit(unit)):
        raise NotFound(("đơn vị", "unit"), unit)
    reports.form_of(form)
    with database().read() as session:
        content = reports.workbook(session, form, args["year"], unit)
    response = send_file(
        io.BytesIO(content),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{form}-{args['year']}{'-' + unit if unit else ''}.xlsx",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
