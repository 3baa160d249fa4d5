"""Scoring's published results, as awards keeps them (its read model ``RankingResult``).

The rules' ``ranking`` conditions read a unit's published result for a year from here, never
from scoring. A round is published once; a redelivered or replayed event rewrites the same
rows, so the copy ends the same however often it arrives. The payload is read through its
contract (contracts.scoring), never by string keys of our own.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from contracts.scoring import RankingPublished
from kit.events import CloudEvent
from services.awards.models import RankingResult


def record_ranking(session: Session, event: CloudEvent) -> None:
    """scoring.ranking.published: keep every unit's place in the round."""
    news = RankingPublished.from_data(event.data)
    session.execute(delete(RankingResult).where(RankingResult.round_id == news.round_id))
    for place in news.units:
        session.add(
            RankingResult(
                round_id=news.round_id,
                unit_id=place.unit_id,
                year=news.year,
                unit_kind=news.unit_kind,
                unit_name=place.unit_name,
                region_id=place.region_id,
                total=place.total,
                band=place.band,
                national_rank=place.national_rank,
                region_rank=place.region_rank,
                published_at=news.published_at,
            )
        )
