"""Region acclamation (suy tôn): a region's member units vote to put one of them forward for
an award the region proposes (Cờ thi đua ngành Tư pháp).

The region lead opens a ballot for a candidate that is a member of the region that year
(identity's RegionCopy); the voters are the members at opening, fixed then so a later change
of membership cannot change who may vote. Each voter unit votes once; while the ballot is
open only who has voted is shown, never how. Closing counts: carried when the votes for are
more than half of the members (``in_favour × 2 > members``, integers, no rounding). The result
is attached to the region's nomination file, and submission checks it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, StateConflict
from services.awards.domain import nominations, packs
from services.awards.models import Acclamation, AcclamationVote, Nomination

ACCLAMATION = ("cuộc suy tôn", "acclamation")
BALLOT = ("Cuộc suy tôn", "acclamation")


def load(session: Session, acclamation_id: str, *, lock: bool = False) -> Acclamation:
    found = session.get(
        Acclamation, acclamation_id, with_for_update=lock or None, populate_existing=lock
    )
    if found is None:
        raise NotFound(ACCLAMATION, acclamation_id)
    return found


def _check_nomination(session: Session, acclamation: Acclamation, nomination_id: str) -> Nomination:
    nomination = session.get(Nomination, nomination_id)
    if (
        nomination is None
        or nomination.region_id != acclamation.region_id
        or nomination.year != acclamation.year
        or nomination.award_code != acclamation.award_code
    ):
        raise Invalid(
            {
                "nomination_id": [
                    (
                        "Không có hồ sơ của cụm/khu vực này cho danh hiệu và năm đó.",
                        "No file of this region for that award and year.",
                    )
                ]
            }
        )
    return nomination


def open_ballot(
    session: Session,
    actor: str,
    *,
    region_id: str,
    year: int,
    award_code: str,
    candidate_unit: str,
    nomination_id: str | None = None,
) -> Acclamation:
    _, award = packs.in_force(session, award_code, year)
    if nominations.proposed_by(award) != "region":
        raise Invalid(
            {
                "award": [
                    (
                        f"{award['name']} không do cụm/khu vực đề nghị; không cần suy tôn.",
                        f"{award['name']} is not proposed by a region; no acclamation is needed.",
                    )
                ]
            }
        )
    region = nominations.region_copy(session, region_id, year)
    members = list(region.member_ids or [])
    if candidate_unit not in members:
        raise Invalid(
            {
                "candidate_unit": [
                    (
                        f"{candidate_unit} không là thành viên của {region.name} năm {year}.",
                        f"{candidate_unit} is not a member of {region.name} in {year}.",
                    )
                ]
            }
        )
    acclamation = Acclamation(
        acclamation_id=str(uuid.uuid4()),
        region_id=region_id,
        year=year,
        award_code=award_code,
        candidate_unit_id=candidate_unit,
        voter_unit_ids=members,
        state="open",
        revision=1,
        opened_by=actor,
        opened_at=utcnow(),
    )
    if nomination_id is not None:
        _check_nomination(session, acclamation, nomination_id)
        acclamation.nomination_id = nomination_id
    session.add(acclamation)
    session.flush()
    return acclamation


def link(session: Session, acclamation: Acclamation, nomination_id: str) -> None:
    """Attach the ballot to the region's file (the file must still be editable)."""
    nomination = _check_nomination(session, acclamation, nomination_id)
    nominations.require_editable(nomination)
    acclamation.nomination_id = nomination_id
    acclamation.revision += 1
    nominations.touch(nomination)


def votes(session: Session, acclamation_id: str) -> list[AcclamationVote]:
    return list(
        session.scalars(
            select(AcclamationVote)
            .where(AcclamationVote.acclamation_id == acclamation_id)
            .order_by(AcclamationVote.id)
        )
    )


def cast(
    session: Session, actor: str, acclamation: Acclamation, unit_id: str, in_favour: bool
) -> AcclamationVote:
    """``unit_id``'s one vote (409 a second time, or once the ballot is closed)."""
    if acclamation.state != "open":
        raise StateConflict(BALLOT, acclamation.state, "bỏ phiếu / vote", [])
    if any(v.unit_id == unit_id for v in votes(session, acclamation.acclamation_id)):
        raise Conflict(
            (f"Đơn vị {unit_id} đã bỏ phiếu.", f"Unit {unit_id} has already voted."),
            code="already_voted",
        )
    vote = AcclamationVote(
        acclamation_id=acclamation.acclamation_id,
        unit_id=unit_id,
        in_favour=in_favour,
        cast_by=actor,
        cast_at=utcnow(),
    )
    session.add(vote)
    acclamation.revision += 1
    session.flush()
    return vote


def tally(members: int, in_favour: int, against: int) -> dict[str, Any]:
    """The result: carried when more than half of all members voted for (exact integers)."""
    return {
        "in_favour": in_favour,
        "against": against,
        "not_voted": members - in_favour - against,
        "members": members,
        "carried": in_favour * 2 > members,
    }


def close(session: Session, actor: str, acclamation: Acclamation) -> dict[str, Any]:
    if acclamation.state != "open":
        raise StateConflict(BALLOT, acclamation.state, "kết thúc / close", [])
    cast_votes = votes(session, acclamation.acclamation_id)
    result = tally(
        len(acclamation.voter_unit_ids),
        sum(1 for v in cast_votes if v.in_favour),
        sum(1 for v in cast_votes if not v.in_favour),
    )
    acclamation.state = "closed"
    acclamation.result = result
    acclamation.closed_by = actor
    acclamation.closed_at = utcnow()
    acclamation.revision += 1
    if acclamation.nomination_id:
        nomination = session.get(Nomination, acclamation.nomination_id)
        if nomination is not None:
            nominations.touch(nomination)
    session.flush()
    return result


def view(session: Session, acclamation: Acclamation) -> dict[str, Any]:
    """The ballot as shown: who has voted, never how one unit voted; the counts once
    closed."""
    cast_votes = votes(session, acclamation.acclamation_id)
    closed = acclamation.state == "closed"
    return {
        "acclamation_id": acclamation.acclamation_id,
        "region_id": acclamation.region_id,
        "year": acclamation.year,
        "award": acclamation.award_code,
        "candidate_unit": acclamation.candidate_unit_id,
        "nomination_id": acclamation.nomination_id,
        "state": acclamation.state,
        "voters": list(acclamation.voter_unit_ids),
        "voted": [v.unit_id for v in cast_votes],
        "result": acclamation.result if closed else None,
        "opened_by": acclamation.opened_by,
        "opened_at": acclamation.opened_at,
        "closed_at": acclamation.closed_at,
    }
