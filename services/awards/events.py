"""The events awards publishes and consumes.

Awards never calls scoring or identity: it keeps its own copies of the organisation units and
regions (kit.orgcopy) and of every published scoring result (``RankingResult``, read by the
rules' ``ranking`` conditions), rebuilt with ``python -m services.awards read-models reset``
and the sources' ``events replay --to awards``. It also refuses deactivated users' tokens
once identity has said so (kit.principals, decision 0010).
"""

from __future__ import annotations

from kit import orgcopy, principals
from services.awards.domain import results
from services.awards.models import RegionCopy, UnitCopy

# Public facts (docs/events.md, "Event types").
NOMINATION_SUBMITTED = "awards.nomination.submitted"
NOMINATION_RETURNED = "awards.nomination.returned"
NOMINATION_RECEIVED = "awards.nomination.received"
NOMINATION_FORWARDED = "awards.nomination.forwarded"

SUBSCRIPTIONS = {
    **orgcopy.subscriptions(UnitCopy, RegionCopy),
    **principals.subscriptions(),
    "scoring.ranking.published": results.record_ranking,
}
