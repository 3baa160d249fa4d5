"""Scoring's published results, as awards keeps them (its read model ``RankingResult``).

The rules' ``ranking`` conditions read a unit's published result for a year from here, never
from scoring. A round is published once; a redelivered or replayed event rewrites the same
rows, so the copy ends the same however often it arrives.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy.orm import Session

from kit.events import CloudEvent
from services.awards.models import RankingResult


def record_ranking(session: Session, event: CloudEvent) -> None:
    """scoring.ranking.published: keep every unit's place in the round."""
    data = event.data
    published_at = datetime.fromisoformat(data["published_at"])
    session.execute(delete(RankingResult).where(RankingResult.round_id == data["round_id"]))
    for place in data["units"]:
        session.add(
            RankingResult(
                round_id=data["round_id"],
                unit_id=place["unit_id"],
                year=data["year"],
                unit_kind=data["unit_kind"],
                unit_name=place["unit_name"],
                region_id=place["region_id"],
                total=Decimal(place["total"]),
                band=place["band"],
                national_rank=place["national_rank"],
                region_rank=place["region_rank"],
                published_at=published_at,
            )
        )
