"""A round's results: national and regional rankings, their publication and statistics.

Ranking follows docs/scoring-rules.md §7. Units are ordered by their final total (rounded to
2 decimals), highest first. **Equal totals share a rank and the next rank is skipped**
("competition ranking", ``scoringrules.rank``): totals 150.00, 150.00, 140.00, 130.00 rank
1, 1, 3, 4. Nationally every unit of the round is ranked; within a region (the sheet's
``region_id``) only that region's units, the same way. A unit in no region has no region rank.
Units sharing a rank are listed by unit id.

Publication (``publish``) is one transaction and happens once: only from phase ``closed``,
only when every sheet is ``final`` and computed (``compute_status`` done) for its current
revision; it stores one ``Ranking`` per unit, moves the round to ``published`` with
``published_at``, and emits ``scoring.ranking.published`` (subject ``round/<id>``) carrying
every unit's total, band and ranks, so consumers (awards, notify) never call back.

Results are secret until published: before that only ministry officers may look at a
provisional ranking (``placements`` computes it from the sheets' current totals without
storing anything); api.results enforces who sees what.

Statistics (``statistics``) per region and nationally: count, mean, median, min, max,
population standard deviation and the number of units in each rank band, computed in Decimal
arithmetic and written as fixed-point strings with 2 decimals (half-up); the mean and the
deviation are rounded once, at the end, from exact sums.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

import scoringrules
from kit.db import utcnow
from kit.errors import Conflict
from kit.events import emit
from services.scoring import events
from services.scoring.models import Ranking, RegionCopy, Round, Sheet, TableCopy, UnitCopy

CENT = Decimal("0.01")
PUBLISHABLE_FROM = "closed"


def cents(value: Any) -> Decimal:
    """A total as stored (Decimal, or a float on SQLite) rounded half-up to 2 decimals."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def text(value: Decimal | None) -> str | None:
    return None if value is None else str(cents(value))


@dataclass(frozen=True)
class Placement:
    """A unit's place: its total, band, and its rank nationally and within its region."""

    unit_id: str
    region_id: str | None
    total: Decimal
    band: str
    national_rank: int
    region_rank: int | None


def place(scored: Iterable[tuple[str, str | None, Any, str]]) -> list[Placement]:
    """Rank ``(unit_id, region_id, total, band)`` nationally and within each region.

    Ordered by national rank, then unit id (ties share a rank: 1, 1, 3).
    """
    units = sorted(scored, key=lambda item: item[0])
    totals = {unit_id: cents(total) for unit_id, _, total, _ in units}
    national = scoringrules.rank(totals)
    by_region: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for unit_id, region_id, _, _ in units:
        if region_id is not None:
            by_region[region_id][unit_id] = totals[unit_id]
    regional: dict[str, int] = {}
    for members in by_region.values():
        regional.update(scoringrules.rank(members))
    placements = [
        Placement(
            unit_id, region_id, totals[unit_id], band, national[unit_id], regional.get(unit_id)
        )
        for unit_id, region_id, _, band in units
    ]
    return sorted(placements, key=lambda p: (p.national_rank, p.unit_id))


class Standing(Protocol):
    """What ranking reads of a sheet (a ``Sheet``, or a row of its columns)."""

    unit_id: str
    region_id: str | None
    status: str
    revision: int
    compute_status: str
    computed_revision: int | None
    total: Any
    band: str | None


def ready(sheet: Standing) -> bool:
    """Final, and its totals computed for its current revision."""
    return (
        sheet.status == "final"
        and sheet.compute_status == "done"
        and sheet.computed_revision == sheet.revision
        and sheet.total is not None
        and sheet.band is not None
    )


def _sheets(session: Session, round_: Round) -> list[Standing]:
    """The round's sheets, by unit id: the columns ranking reads, not the sheets themselves
    (neither their entries nor their results), so a round of 10,000 units is one query."""
    query = (
        select(
            Sheet.unit_id,
            Sheet.region_id,
            Sheet.status,
            Sheet.revision,
            Sheet.compute_status,
            Sheet.computed_revision,
            Sheet.total,
            Sheet.band,
        )
        .where(Sheet.round_id == round_.id)
        .order_by(Sheet.unit_id)
    )
    return list(session.execute(query).all())  # type: ignore[arg-type]


def stored(session: Session, round_: Round) -> list[Ranking]:
    """The published rankings, by national rank then unit id."""
    query = (
        select(Ranking)
        .where(Ranking.round_id == round_.id)
        .order_by(Ranking.national_rank, Ranking.unit_id)
    )
    return list(session.execute(query).scalars())


def placements(session: Session, round_: Round) -> list[Placement]:
    """The published ranking; before publication, the provisional one from the sheets whose
    totals are computed for their current revision (nothing is stored)."""
    if round_.phase == "published":
        return [
            Placement(
                r.unit_id, r.region_id, cents(r.total), r.band, r.national_rank, r.region_rank
            )
            for r in stored(session, round_)
        ]
    computed = [
        s
        for s in _sheets(session, round_)
        if s.compute_status == "done"
        and s.computed_revision == s.revision
        and s.total is not None
        and s.band is not None
    ]
    return place((s.unit_id, s.region_id, s.total, s.band) for s in computed)


def _not_publishable(round_: Round) -> Conflict:
    return Conflict(
        (
            f"Chỉ công bố kết quả khi đợt ở giai đoạn '{PUBLISHABLE_FROM}'; đợt đang ở "
            f"'{round_.phase}'.",
            f"Results are published from phase '{PUBLISHABLE_FROM}' only; the round is in "
            f"'{round_.phase}'.",
        ),
        phase=round_.phase,
        allowed=[PUBLISHABLE_FROM],
    )


def _not_ready(unit_ids: Sequence[str]) -> Conflict:
    listed = ", ".join(unit_ids)
    return Conflict(
        (
            f"{len(unit_ids)} phiếu chưa được thẩm định xong hoặc chưa tính điểm: {listed}.",
            f"{len(unit_ids)} sheets are not final or not computed: {listed}.",
        ),
        not_ready=list(unit_ids),
    )


def names(session: Session, round_: Round) -> tuple[dict[str, str], dict[str, str]]:
    """Unit names (UnitCopy) and the round year's region names (RegionCopy), by id."""
    units = dict(session.execute(select(UnitCopy.unit_id, UnitCopy.name)).tuples().all())
    regions = dict(
        session.execute(
            select(RegionCopy.region_id, RegionCopy.name).where(RegionCopy.year == round_.year)
        )
        .tuples()
        .all()
    )
    return units, regions


def rows(session: Session, round_: Round) -> list[dict[str, Any]]:
    """The ranking, JSON-ready, with unit and region names (published or provisional)."""
    units, regions = names(session, round_)
    return [
        {
            "unit_id": p.unit_id,
            "unit_name": units.get(p.unit_id, p.unit_id),
            "region_id": p.region_id,
            "region_name": regions.get(p.region_id) if p.region_id else None,
            "total": text(p.total),
            "band": p.band,
            "national_rank": p.national_rank,
            "region_rank": p.region_rank,
        }
        for p in placements(session, round_)
    ]


def publish(session: Session, actor: str, round_: Round) -> list[Placement]:
    """Rank every unit, store the rankings (one multi-row insert), publish the round and
    announce it; the placements stored.

    409 (``allowed: ["closed"]``) from any other phase; 409 (``not_ready``: the unit ids) when
    a sheet is not final or not computed for its current revision. Lock the round (SELECT …
    FOR UPDATE) before calling, so two publications cannot race.
    """
    if round_.phase != PUBLISHABLE_FROM:
        raise _not_publishable(round_)
    sheets = _sheets(session, round_)
    waiting = [s.unit_id for s in sheets if not ready(s)]
    if waiting:
        raise _not_ready(waiting)
    placed = place((s.unit_id, s.region_id, s.total, s.band) for s in sheets)
    session.execute(delete(Ranking).where(Ranking.round_id == round_.id))  # none: never published
    session.execute(
        insert(Ranking),
        [
            {
                "round_id": round_.id,
                "unit_id": p.unit_id,
                "region_id": p.region_id,
                "total": p.total,
                "band": p.band,
                "national_rank": p.national_rank,
                "region_rank": p.region_rank,
            }
            for p in placed
        ],
    )
    round_.phase = "published"
    round_.published_at = utcnow()
    round_.revision += 1
    session.flush()
    table = session.get(TableCopy, round_.table_id)
    units, _ = names(session, round_)
    emit(
        session,
        events.RANKING_PUBLISHED,
        subject=f"round/{round_.id}",
        data={
            "round_id": round_.id,
            "year": round_.year,
            "unit_kind": round_.unit_kind,
            "table_id": round_.table_id,
            "rules_version": table.rules_version if table else scoringrules.RULES_VERSION,
            "published_at": round_.published_at.isoformat(),
            "actor": actor,
            "units": [
                {
                    "unit_id": p.unit_id,
                    "unit_name": units.get(p.unit_id, p.unit_id),
                    "region_id": p.region_id,
                    "total": text(p.total),
                    "band": p.band,
                    "national_rank": p.national_rank,
                    "region_rank": p.region_rank,
                }
                for p in placed
            ],
        },
    )
    return placed


# -- statistics ----------------------------------------------------------------------------


def describe(
    totals: Sequence[Decimal], bands: Sequence[str], band_codes: Sequence[str]
) -> dict[str, Any]:
    """count, mean, median, min, max, population standard deviation and band counts."""
    counts = dict.fromkeys(band_codes, 0)
    for code in bands:
        counts[code] = counts.get(code, 0) + 1
    if not totals:
        return {
            "count": 0,
            "mean": None,
            "median": None,
            "min": None,
            "max": None,
            "stddev": None,
            "bands": counts,
        }
    with decimal.localcontext() as context:
        context.prec = 50
        ordered = sorted(totals)
        n = len(ordered)
        mean = sum(ordered, Decimal(0)) / n
        middle = n // 2
        median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        variance = sum(((x - mean) ** 2 for x in ordered), Decimal(0)) / n
        stddev = variance.sqrt()
        return {
            "count": n,
            "mean": text(mean),
            "median": text(median),
            "min": text(ordered[0]),
            "max": text(ordered[-1]),
            "stddev": text(stddev),
            "bands": counts,
        }


def statistics(session: Session, round_: Round) -> dict[str, Any]:
    """Per region (by region id) and national: see :func:`describe`. From the published
    rankings, or before publication from the sheets' computed totals (provisional)."""
    placed = placements(session, round_)
    table = session.get(TableCopy, round_.table_id)
    band_codes = [str(b["code"]) for b in (table.document.get("rank_bands") or [])] if table else []
    _, region_names = names(session, round_)
    by_region: dict[str, list[Placement]] = defaultdict(list)
    for p in placed:
        if p.region_id is not None:
            by_region[p.region_id].append(p)
    return {
        "round_id": round_.id,
        "published": round_.phase == "published",
        "national": describe([p.total for p in placed], [p.band for p in placed], band_codes),
        "regions": [
            {
                "region_id": region_id,
                "region_name": region_names.get(region_id),
                **describe([p.total for p in members], [p.band for p in members], band_codes),
            }
            for region_id, members in sorted(by_region.items())
        ],
    }
