"""Scoring's public events that other services read, one dataclass each.

docs/events/<type>.schema.json is each one's JSON Schema; tests/test_contracts.py checks that
``to_data()`` validates against it and that every field of the schema is a field here. Awards
reads ``scoring.ranking.published`` with ``RankingPublished.from_data(data)`` (its read model
of published results) rather than with string keys of its own.

As in contracts.identity: ``to_data()`` is the envelope's ``data`` without ``schema_version``
(``emit`` adds it), ``from_data()`` takes typed values back (totals as ``Decimal``, instants
as ``datetime``, lists as tuples), reads a missing nullable field as null and ignores fields
it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

Data = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class Placement:
    """One unit's place in a published round: its total, band and ranks."""

    unit_id: str
    unit_name: str
    region_id: str | None
    total: Decimal  # two decimals on the wire: "142.50"
    band: str
    national_rank: int
    region_rank: int | None

    def to_data(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "region_id": self.region_id,
            "total": f"{self.total:.2f}",
            "band": self.band,
            "national_rank": self.national_rank,
            "region_rank": self.region_rank,
        }

    @classmethod
    def from_data(cls, data: Data) -> Placement:
        return cls(
            unit_id=data["unit_id"],
            unit_name=data["unit_name"],
            region_id=data.get("region_id"),
            total=Decimal(data["total"]),
            band=data["band"],
            national_rank=int(data["national_rank"]),
            region_rank=None if data.get("region_rank") is None else int(data["region_rank"]),
        )


@dataclass(frozen=True, kw_only=True)
class RankingPublished:
    """A scoring round's results were published (once per round)."""

    TYPE: ClassVar[str] = "scoring.ranking.published"

    round_id: str
    year: int
    unit_kind: str
    table_id: str
    rules_version: str
    published_at: datetime
    actor: str
    units: tuple[Placement, ...]

    @property
    def subject(self) -> str:
        return f"round/{self.round_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "round_id": self.round_id,
            "year": self.year,
            "unit_kind": self.unit_kind,
            "table_id": self.table_id,
            "rules_version": self.rules_version,
            "published_at": self.published_at.isoformat(),
            "actor": self.actor,
            "units": [unit.to_data() for unit in self.units],
        }

    @classmethod
    def from_data(cls, data: Data) -> RankingPublished:
        return cls(
            round_id=data["round_id"],
            year=int(data["year"]),
            unit_kind=data["unit_kind"],
            table_id=data["table_id"],
            rules_version=data["rules_version"],
            published_at=datetime.fromisoformat(data["published_at"]),
            actor=data["actor"],
            units=tuple(Placement.from_data(unit) for unit in data["units"]),
        )


EVENTS: dict[str, type[RankingPublished]] = {RankingPublished.TYPE: RankingPublished}
