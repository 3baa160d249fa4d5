"""The council's secret ballot: one vote per member per nominee, a receipt for each, and a
tally anyone can recount.

Unlinkability is the point. Two tables, written in one transaction and never joined:

- ``council_ballots`` (``Ballot``): receipt, session, nominee, choice. No member, no time, and
  the key is the receipt itself (random, 10 base32 characters from ``secrets``), not a
  sequence;
- ``council_ballots_cast`` (``BallotCast``): session, nominee, member; only to refuse a second
  vote. No ballot reference, no time.

What a database still knows by itself is the order rows arrived in (SQLite's rowid,
PostgreSQL's physical order and the transaction id in ``xmin``), and that order is the order
of voting in both tables. So every vote **re-deals** the nominee's rows: in the voting
transaction, every ballot of the nominee is deleted and written again in receipt order, and
every "has voted" row in member order. After the vote both tables hold, for that nominee, rows
that were all written by the latest voter's transaction, in an order that says nothing about
who came when. (A database superuser reading the write-ahead log or dead row versions before
they are vacuumed can still see the order; a ballot box that the machine's own operator cannot
open needs cryptography this platform does not claim.) No vote is logged, emitted as an event
or kept by the kit's Idempotency-Key store (api.councils drops it).

The tally (at closing) counts each nominee's ballots: approval needs yes votes ≥ ``min_share``
× the session's whole electorate, in exact fractions. It lists every receipt with its choice,
sorted by receipt.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.orm import Session

from kit.errors import Conflict, Invalid, NotFound
from services.awards.domain import nominations, packs, public_comment
from services.awards.models import (
    AgendaItem,
    Ballot,
    BallotCast,
    CouncilSession,
    Nomination,
    Nominee,
)

CHOICES = ("dong-y", "khong-dong-y", "abstain")
YES = "dong-y"
NO = "khong-dong-y"
ABSTAIN = "abstain"
RECEIPT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32
RECEIPT_LENGTH = 10  # 50 bits: unguessable for the few hundred ballots of a year
RECEIPT = ("mã biên nhận phiếu", "ballot receipt")


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalise_receipt(code: str) -> str:
    """As a member may type it: any case, with spaces or dashes between groups."""
    return "".join(ch for ch in code.upper() if ch not in " -")


@dataclass(frozen=True)
class Vote:
    nomination_id: str
    subject_id: str
    choice: str


def agenda_nominee(
    session: Session, sitting: CouncilSession, nomination_id: str, subject_id: str
) -> tuple[Nomination, Nominee]:
    """The nominee of a file on the session's agenda (404 otherwise)."""
    on_agenda = session.scalar(
        select(
            exists().where(
                AgendaItem.session_id == sitting.session_id,
                AgendaItem.nomination_id == nomination_id,
            )
        )
    )
    if not on_agenda:
        raise NotFound(nominations.NOMINATION, nomination_id)
    nomination = nominations.load(session, nomination_id)
    return nomination, nominations.nominee_of(nomination, subject_id)


def has_voted(session: Session, session_id: str, nominee_id: int, user_id: str) -> bool:
    return session.get(BallotCast, (session_id, nominee_id, user_id)) is not None


def cast(
    session: Session, sitting: CouncilSession, user_id: str, votes: Sequence[Vote], today: date
) -> list[dict[str, Any]]:
    """The member's ballots on one or more nominees: all or nothing. ``sitting`` must be
    locked by the caller (one vote at a time per session). Refused: the session closed
    (409), a nominee not on the agenda (404), a choice not known (422), a nominee named twice
    (422), a second vote (409 ``already_voted``), a nominee still under public comment (409
    with ``ends_on``). Answers each nominee's receipt, shown to the voter only this once."""
    if sitting.state not in ("scheduled", "open"):
        raise Conflict(
            ("Phiên họp đã bế mạc: không bỏ phiếu được nữa.", "The session is closed."),
            code="session_closed",
            status_now=sitting.state,
        )
    if not votes:
        raise Invalid({"votes": [("Cần ít nhất một phiếu.", "At least one vote is needed.")]})
    chosen: list[tuple[Nomination, Nominee, str]] = []
    seen: set[int] = set()
    for i, vote in enumerate(votes):
        if vote.choice not in CHOICES:
            raise Invalid(
                {
                    f"votes/{i}/choice": [
                        (
                            f"Phải là một trong: {', '.join(CHOICES)}.",
                            f"One of: {', '.join(CHOICES)}.",
                        )
                    ]
                }
            )
        nomination, nominee = agenda_nominee(session, sitting, vote.nomination_id, vote.subject_id)
        if nominee.id in seen:
            raise Invalid(
                {f"votes/{i}": [("Một người được đề nghị chỉ một phiếu.", "One vote per nominee.")]}
            )
        seen.add(nominee.id)
        if has_voted(session, sitting.session_id, nominee.id, user_id):
            raise Conflict(
                (
                    f"Bạn đã bỏ phiếu cho {nominee.subject_name}; mỗi thành viên chỉ một phiếu.",
                    f"You have voted on {nominee.subject_name} already; one vote per member.",
                ),
                code="already_voted",
                nomination_id=nomination.nomination_id,
                subject_id=nominee.subject_id,
            )
        _, award = packs.in_force(session, nomination.award_code, nomination.year)
        public_comment.require_period_over(session, award, nominee, today)
        chosen.append((nomination, nominee, vote.choice))
    out = []
    for nomination, nominee, choice in chosen:
        receipt = _free_receipt(session)
        session.add(
            Ballot(
                receipt=receipt, session_id=sitting.session_id, nominee_id=nominee.id, choice=choice
            )
        )
        session.add(
            BallotCast(session_id=sitting.session_id, nominee_id=nominee.id, user_id=user_id)
        )
        session.flush()
        redeal(session, sitting.session_id, nominee.id)
        out.append(
            {
                "nomination_id": nomination.nomination_id,
                "subject_id": nominee.subject_id,
                "subject_name": nominee.subject_name,
                "choice": choice,
                "receipt": receipt,
            }
        )
    return out


def _free_receipt(session: Session) -> str:
    while True:  # a clash of 50 random bits: practically never, but never a silent overwrite
        receipt = new_receipt()
        if session.get(Ballot, receipt) is None:
            return receipt


def redeal(session: Session, session_id: str, nominee_id: int) -> None:
    """Write every ballot and "has voted" row of the nominee again, in receipt and member
    order, so that nothing the database keeps by itself follows the order of voting."""
    where_ballot = (Ballot.session_id == session_id) & (Ballot.nominee_id == nominee_id)
    rows = [
        {"receipt": r, "session_id": session_id, "nominee_id": nominee_id, "choice": c}
        for r, c in sorted(
            session.execute(select(Ballot.receipt, Ballot.choice).where(where_ballot))
        )
    ]
    where_cast = (BallotCast.session_id == session_id) & (BallotCast.nominee_id == nominee_id)
    voters = sorted(session.scalars(select(BallotCast.user_id).where(where_cast)))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, (Ballot, BallotCast)):
            session.expunge(obj)
    session.execute(delete(Ballot).where(where_ballot))
    session.execute(delete(BallotCast).where(where_cast))
    for row in rows:
        session.execute(insert(Ballot).values(**row))
    for voter in voters:
        session.execute(
            insert(BallotCast).values(session_id=session_id, nominee_id=nominee_id, user_id=voter)
        )


def voted_count(session: Session, session_id: str, nominee_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(BallotCast)
            .where(BallotCast.session_id == session_id, BallotCast.nominee_id == nominee_id)
        )
        or 0
    )


def voted_by(session: Session, session_id: str, user_id: str) -> set[int]:
    """The nominees the member has voted on in the session (shown to that member only)."""
    return set(
        session.scalars(
            select(BallotCast.nominee_id).where(
                BallotCast.session_id == session_id, BallotCast.user_id == user_id
            )
        )
    )


# -- the tally -------------------------------------------------------------------------------


def fraction_text(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def count(
    session: Session,
    sitting: CouncilSession,
    nomination: Nomination,
    nominee: Nominee,
    award: dict[str, Any],
) -> dict[str, Any]:
    """The nominee's tally: counts, the threshold in exact fractions, every receipt."""
    rows = sorted(
        session.execute(
            select(Ballot.receipt, Ballot.choice).where(
                Ballot.session_id == sitting.session_id, Ballot.nominee_id == nominee.id
            )
        ).all()
    )
    members = len(sitting.electorate)
    min_share = Fraction(str((award.get("council") or {}).get("min_share", 0)))
    threshold = min_share * members
    yes = sum(1 for _, c in rows if c == YES)
    return {
        "nomination_id": nomination.nomination_id,
        "subject_id": nominee.subject_id,
        "subject_kind": nominee.subject_kind,
        "subject_name": nominee.subject_name,
        "award": nomination.award_code,
        "members": members,
        "cast": len(rows),
        "not_voted": members - len(rows),
        "yes": yes,
        "no": sum(1 for _, c in rows if c == NO),
        "abstain": sum(1 for _, c in rows if c == ABSTAIN),
        "min_share": fraction_text(min_share),
        "threshold": fraction_text(threshold),
        "required_yes": math.ceil(threshold),
        "approved": Fraction(yes) >= threshold,
        "secret_ballot": bool((award.get("council") or {}).get("secret_ballot")),
        "receipts": [{"receipt": r, "choice": c} for r, c in rows],
    }


def receipt_of(session: Session, code: str) -> Ballot:
    found = session.get(Ballot, normalise_receipt(code))
    if found is None:
        raise NotFound(RECEIPT, code)
    return found
