"""What several pages read from the platform, fetched one way and shaped for templates.

Each function makes the API calls (web.api, as the signed-in user) and returns plain dicts and
lists. Published criteria tables and unit names are cached in the process (web.cache): every
signed-in user may read them and they change rarely or never.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from web.api import ApiError, client
from web.cache import TtlCache
from web.formatting import sort_names

TABLES = TtlCache(ttl=None, max_items=64)  # published tables are immutable
UNIT_NAMES = TtlCache(ttl=300)
REGION_NAMES = TtlCache(ttl=300)

OPEN_PHASES = ("self_assessment", "region_review", "appraisal")
DEADLINE_OF_PHASE = {
    "self_assessment": "self_assessment_due",
    "region_review": "review_due",
    "appraisal": "appraisal_due",
}


def table(table_id: str) -> dict[str, Any]:
    """A criteria table (``document`` is the tree) from the criteria service. Rounds pin
    published tables only, and a published table never changes: cached for good."""

    def load() -> dict[str, Any]:
        return client().get(f"/criteria/tables/{table_id}").data

    return TABLES.get(table_id, load)


def unit_names(as_of: str) -> dict[str, str]:
    """Unit id → name as it stood on ``as_of`` (YYYY-MM-DD), for every unit in force then."""

    def load() -> dict[str, str]:
        names: dict[str, str] = {}
        page = 1
        while True:
            reply = (
                client()
                .get("/identity/org/units", params={"as_of": as_of, "page": page, "page_size": 200})
                .data
            )
            names.update({u["id"]: u["name"] for u in reply["items"]})
            if page * reply["page_size"] >= reply["total"]:
                return names
            page += 1

    return UNIT_NAMES.get(as_of, load)


def unit_name(unit_id: str | None, as_of: str) -> str:
    if not unit_id:
        return ""
    return unit_names(as_of).get(unit_id, unit_id)


def region_names(year: int) -> dict[str, str]:
    """Emulation region id → name, for the regions of ``year``."""

    def load() -> dict[str, str]:
        regions = client().get("/identity/regions", params={"year": year}).data
        return {r["id"]: r["name"] for r in regions}

    return REGION_NAMES.get(str(year), load)


def year_end(year: int) -> str:
    return f"{year}-12-31"


def rounds() -> list[dict[str, Any]]:
    """The rounds the user may see (none for a role that reads no sheet)."""
    try:
        return client().get("/scoring/rounds").data
    except ApiError as error:
        if error.status in (403, 404):
            return []
        raise


def sheets_of_round(round_id: str) -> list[dict[str, Any]]:
    """Every sheet of the round the user may see (own unit's, region's, or all)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = (
            client()
            .get(f"/scoring/rounds/{round_id}/sheets", params={"page": page, "page_size": 200})
            .data
        )
        items.extend(reply["items"])
        if page * reply["page_size"] >= reply["total"]:
            return items
        page += 1


def announcements(limit: int = 5) -> list[dict[str, Any]]:
    try:
        return client().get("/identity/announcements", params={"page_size": limit}).data["items"]
    except ApiError as error:
        if error.status in (403, 404):
            return []
        raise


def deadline(round_: Mapping[str, Any]) -> str | None:
    """The deadline of the round's current phase, if it has one."""
    field = DEADLINE_OF_PHASE.get(round_.get("phase", ""))
    return round_.get(field) if field else None


# -- the criteria tree -----------------------------------------------------------------------


def walk(nodes: list[Mapping[str, Any]], depth: int = 0) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Every node of a table's tree, parents before children, with its depth (parts are 0)."""
    for node in nodes:
        yield depth, node
        yield from walk(node.get("children", []), depth + 1)


def leaves(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The criteria (nodes with a method) by code, in document order."""
    return {n["code"]: n for _, n in walk(document.get("parts", [])) if "method" in n}


def leaf_codes_under(node: Mapping[str, Any]) -> list[str]:
    if "method" in node:
        return [node["code"]]
    return [code for child in node.get("children", []) for code in leaf_codes_under(child)]


def running_totals(
    document: Mapping[str, Any], points: Mapping[str, Decimal | None], counts: Mapping[str, Any]
) -> dict[str, Any]:
    """The sheet's totals so far, from the points the platform computed for each entry.

    A preview while the unit fills the sheet in: subtotals per part and section, the capped
    bonus and deduction, the total. The official total is computed by the scoring workers
    when the sheet is submitted (and after each review and appraisal).
    """
    subtotals: dict[str, Decimal] = {}
    filled: dict[str, int] = {}
    for _, node in walk(document.get("parts", [])):
        if "method" in node:
            continue
        codes = leaf_codes_under(node)
        subtotals[node["code"]] = sum(
            (points[c] for c in codes if points.get(c) is not None), Decimal(0)
        )
        filled[node["code"]] = sum(1 for c in codes if points.get(c) is not None)
    criteria = sum(
        (subtotals[p["code"]] for p in document.get("parts", []) if p["code"] in subtotals),
        Decimal(0),
    )
    adjustments = {}
    for section in ("bonus", "deduction"):
        spec = document.get(section) or {}
        given = counts.get(section) or {}
        raw = Decimal(0)
        for item in spec.get("items", []):
            count = int(given.get(item["code"], 0) or 0)
            if item.get("max_count") is not None:
                count = min(count, int(item["max_count"]))
            raw += Decimal(str(item["per_count"])) * count
        cap = spec.get("cap")
        adjustments[section] = min(raw, Decimal(str(cap))) if cap is not None else raw
    total = criteria + adjustments["bonus"] - adjustments["deduction"]
    return {
        "subtotals": subtotals,
        "filled": filled,
        "criteria": criteria,
        "bonus": adjustments["bonus"],
        "deduction": adjustments["deduction"],
        "total": total,
        "count": len(points),
        "done": sum(1 for v in points.values() if v is not None),
    }


def sort_by_unit(sheets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sheets in Vietnamese alphabetical order of their unit's name."""
    return sort_names(sheets, key=lambda s: s.get("unit_name") or s.get("unit_id", ""))
