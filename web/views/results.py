"""A round's results once published (and, for ministry officers, the provisional ranking
before): the ranking nationally and per emulation region with shared ranks (1, 1, 3), totals
and bands, the statistics per region, charts, and the Excel exports.

Everything comes from scoring's ``/rounds/<id>/rankings`` and ``…/statistics`` (readable by
every signed-in user after publication, by the Ministry alone before: the others get the
platform's 404). The charts are SVG drawn here, on the server (templates/results/_charts.html):
no script, nothing inline the CSP would refuse, readable by screen readers (each has a title
and a description listing its figures) and light on old machines. The Excel files are the
API's, fetched with the user's token and passed on (web.downloads).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from web import data, labels
from web import session as web_session
from web.api import ApiError, client
from web.downloads import passed_on
from web.formatting import format_number, sort_names
from web.views import require_user

blueprint = Blueprint("results", __name__)
blueprint.context_processor(labels.for_templates)

BAR_SPAN = 72  # per cent of a chart's width for the longest bar; its value is written after
BAND_STYLES = 5  # chart__bar--band-0 … -4 in site.css, by the band's place in the table


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def shared(rows: list[Mapping[str, Any]], key: str) -> set[int]:
    """The ranks held by more than one row (ties share a rank: 1, 1, 3)."""
    counts = Counter(row.get(key) for row in rows if row.get(key) is not None)
    return {rank for rank, n in counts.items() if n > 1}


def band_codes(statistics: Mapping[str, Any], rows: list[Mapping[str, Any]]) -> list[str]:
    """The bands in the table's order (the statistics list them so), then any other seen."""
    codes = list((statistics.get("national") or {}).get("bands") or {})
    codes += [r["band"] for r in rows if r.get("band") and r["band"] not in codes]
    return codes


def bars(
    items: list[tuple[str, Any, str | None, str, str]], bands: list[str] | None = None
) -> list[dict[str, Any]]:
    """Chart rows from (label, value, band, value in words, value as drawn): each bar's
    length as a share of the largest value (negative totals draw no bar), and the band's
    colour class."""
    values = [_decimal(item[1]) for item in items]
    top = max([v for v in values if v > 0], default=Decimal(0))
    rows = []
    for (label, value, band, text, short), number in zip(items, values, strict=True):
        share = (number / top) if top > 0 and number > 0 else Decimal(0)
        style = (bands or []).index(band) % BAND_STYLES if bands and band in bands else 0
        rows.append(
            {
                "label": label,
                "value": value,
                "band": band,
                "text": text,
                "short": short,
                "width": f"{share * BAR_SPAN:.2f}",
                "style": style,
            }
        )
    return rows


def _total_bar(row: Mapping[str, Any]) -> tuple[str, Any, str | None, str, str]:
    language = web_session.language()
    total = format_number(row.get("total"), language, 2)
    text, short = total, total
    if row.get("band"):
        text = _("%(total)s, band %(band)s", total=total, band=row["band"])
        short = f"{total} · {row['band']}"
    label = f"{row.get('region_rank') or row.get('national_rank')}. {row.get('unit_name')}"
    return label, row.get("total"), row.get("band"), text, short


def _band_bar(code: str, count: int) -> tuple[str, Any, str | None, str, str]:
    units = ngettext("%(num)d unit", "%(num)d units", count)
    return _("Band %(band)s", band=code), count, code, units, units


def regions_of(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The regions of the ranking, by name, each with its rows in region-rank order."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        region_id = row.get("region_id")
        if not region_id:
            continue
        region = found.setdefault(
            region_id,
            {"id": region_id, "name": row.get("region_name") or region_id, "rows": []},
        )
        region["rows"].append(row)
    for region in found.values():
        region["rows"].sort(key=lambda r: (r.get("region_rank") or 0, r.get("unit_name") or ""))
    return sort_names(list(found.values()), key=lambda r: r["name"])


def _sheet_ids(round_id: str) -> dict[str, str]:
    """Unit id → sheet id for the sheets the user may read (their exports are linked)."""
    try:
        return {s["unit_id"]: s["id"] for s in data.sheets_of_round(round_id)}
    except ApiError as error:
        if error.status in (403, 404):
            return {}
        raise


@blueprint.get("/rounds/<round_id>/results")
def results(round_id: str) -> str:
    require_user()
    ranking = client().get(f"/scoring/rounds/{round_id}/rankings").data
    statistics = client().get(f"/scoring/rounds/{round_id}/statistics").data
    rows = ranking.get("items", [])
    bands = band_codes(statistics, rows)
    regions = regions_of(rows)
    figures = {r["region_id"]: r for r in statistics.get("regions", [])}
    chosen = request.args.get("region") or None
    region = next((r for r in regions if r["id"] == chosen), None)
    if chosen and region is None:
        abort(404)
    shown = region["rows"] if region else rows
    for item in regions:
        item["figures"] = figures.get(item["id"], {})
        item["chart"] = bars([_total_bar(r) for r in item["rows"]], bands)
    national = statistics.get("national") or {}
    scope = region["figures"] if region else national
    counts = scope.get("bands") or {}
    band_chart = bars([_band_bar(code, counts.get(code, 0)) for code in bands], bands)
    return render_template(
        "results/results.html",
        ranking=ranking,
        statistics=statistics,
        national=national,
        rows=shown,
        region=region,
        regions=regions,
        bands=bands,
        band_chart=band_chart,
        scope=scope,
        shared_national=shared(rows, "national_rank"),
        shared_region=shared(shown, "region_rank"),
        sheet_ids=_sheet_ids(round_id),
    )


@blueprint.get("/rounds/<round_id>/results/rankings.xlsx")
def rankings_workbook(round_id: str) -> Response:
    """The ranking and statistics workbook, as the API writes it."""
    require_user()
    return passed_on(client().get(f"/scoring/rounds/{round_id}/rankings.xlsx"))


@blueprint.get("/rounds/<round_id>/results/sheets/<sheet_id>.xlsx")
def sheet_workbook(round_id: str, sheet_id: str) -> Response:
    """One unit's scored sheet in the officers' layout, as the API writes it."""
    require_user()
    return passed_on(client().get(f"/scoring/sheets/{sheet_id}/export.xlsx"))


@blueprint.get("/results")
def rounds() -> str:
    """The rounds whose results the user may open: published ones; for the Ministry also the
    closed ones, whose ranking is provisional until published."""
    user = require_user()
    ministry = user.has_role("ministry_officer")
    shown = [
        r
        for r in data.rounds()
        if r["phase"] == "published" or (ministry and r["phase"] in ("appraisal", "closed"))
    ]
    shown.sort(key=lambda r: (-r["year"], r["name"]))
    return render_template("results/rounds.html", rounds=shown)
