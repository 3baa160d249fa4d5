"""Public comment (lấy ý kiến nhân dân) on the nominees of awards whose rule has
``public_comment_working_days``.

The Ministry posts the list of an award's forwarded nominees on ``starts_on`` (today or
later); the list stays up to the end of ``ends_on`` = ``calendar.working_days_after(starts_on,
n)`` and is over from the next day. While it is up, anyone may read it (name, unit, award,
summary: what a nomination makes public anyway) and leave a comment, without signing in: at
most ``MAX_TEXT`` characters (NFC), at most ``LIMIT`` comments per client address in any
``WINDOW`` (429 with Retry-After; the address is kept hashed, and only for the window).
Comments are for the Ministry and the council, never shown publicly. The council may not vote
on a nominee of such an award before its period is over (409 naming ``ends_on``), nor on one
never posted.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, TooManyRequests
from kit.text import control_characters, nfc
from services.awards.domain import calendar, packs
from services.awards.models import (
    CommentEntry,
    CommentHit,
    CommentPosting,
    Nomination,
    Nominee,
    Person,
    PublicComment,
    UnitCopy,
)

POSTING = ("danh sách lấy ý kiến", "public comment posting")
ENTRY = ("người được lấy ý kiến", "posted nominee")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_TEXT = 2000
MAX_NAME = 200
LIMIT = 5  # comments per address ...
WINDOW = timedelta(hours=1)  # ... in any hour


def today() -> date:
    """Today in Viet Nam: the day periods are counted in (tests replace it)."""
    return datetime.now(LOCAL).date()


def load(session: Session, posting_id: str) -> CommentPosting:
    found = session.get(CommentPosting, posting_id)
    if found is None:
        raise NotFound(POSTING, posting_id)
    return found


def entries(session: Session, posting_id: str) -> list[CommentEntry]:
    return list(
        session.scalars(
            select(CommentEntry)
            .where(CommentEntry.posting_id == posting_id)
            .order_by(CommentEntry.position)
        )
    )


def is_open(posting: CommentPosting, day: date) -> bool:
    return posting.starts_on <= day <= posting.ends_on


def _unit_name(session: Session, unit_id: str) -> str:
    unit = session.get(UnitCopy, unit_id)
    return unit.name if unit is not None else unit_id


def _nominee_unit(session: Session, nomination: Nomination, nominee: Nominee) -> str:
    if nominee.subject_kind == "collective":
        return _unit_name(session, nominee.subject_id)
    person = session.get(Person, nominee.subject_id)
    return _unit_name(session, person.unit_id if person is not None else nomination.unit_id)


def post(
    session: Session,
    actor: str,
    *,
    award_code: str,
    year: int,
    starts_on: date,
    nomination_ids: Sequence[str] | None,
    day: date,
) -> CommentPosting:
    """Post the forwarded nominees of ``award_code`` for ``year`` not posted before (or those
    of ``nomination_ids``): 409 when the award has no public comment or nobody is left to
    post, 422 for a start in the past or a file not of the award."""
    _, award = packs.in_force(session, award_code, year)
    working_days = award.get("public_comment_working_days")
    if not working_days:
        raise Conflict(
            (
                f"{award['name']} không phải lấy ý kiến nhân dân.",
                f"{award['name']} takes no public comment.",
            ),
            code="no_public_comment",
        )
    if starts_on < day:
        raise Invalid({"starts_on": [("Không được là ngày đã qua.", "Must not be a day gone by.")]})
    query = select(Nomination).where(
        Nomination.award_code == award_code,
        Nomination.year == year,
        Nomination.state == "forwarded",
    )
    if nomination_ids:
        query = query.where(Nomination.nomination_id.in_(nomination_ids))
    files = list(session.scalars(query.order_by(Nomination.created_at, Nomination.nomination_id)))
    if nomination_ids:
        missing = sorted(set(nomination_ids) - {f.nomination_id for f in files})
        if missing:
            raise Invalid(
                {
                    "nomination_ids": [
                        (
                            f"Không phải hồ sơ {award_code} năm {year} đã trình Hội đồng: "
                            f"{', '.join(missing)}.",
                            f"Not forwarded files of {award_code} for {year}: "
                            f"{', '.join(missing)}.",
                        )
                    ]
                }
            )
    posted = set(session.scalars(select(CommentEntry.nominee_id)))
    ends_on = calendar.working_days_after(session, starts_on, int(working_days))
    posting = CommentPosting(
        posting_id=str(uuid.uuid4()),
        award_code=award_code,
        award_name=award["name"],
        year=year,
        starts_on=starts_on,
        working_days=int(working_days),
        ends_on=ends_on,
        posted_by=actor,
        posted_at=utcnow(),
    )
    session.add(posting)
    session.flush()
    position = 0
    for nomination in files:
        for nominee in nomination.nominees:
            if nominee.id in posted:
                continue
            position += 1
            session.add(
                CommentEntry(
                    posting_id=posting.posting_id,
                    nominee_id=nominee.id,
                    nomination_id=nomination.nomination_id,
                    position=position,
                    name=nominee.subject_name,
                    unit_name=_nominee_unit(session, nomination, nominee),
                    summary=nominee.report_summary,
                )
            )
    if not position:
        raise Conflict(
            (
                f"Không còn người được đề nghị {award['name']} năm {year} nào để lấy ý kiến.",
                f"No nominee of {award['name']} for {year} is left to post.",
            ),
            code="nothing_to_post",
        )
    session.flush()
    return posting


def open_postings(session: Session, day: date) -> list[CommentPosting]:
    return list(
        session.scalars(
            select(CommentPosting)
            .where(CommentPosting.starts_on <= day, CommentPosting.ends_on >= day)
            .order_by(CommentPosting.ends_on, CommentPosting.posting_id)
        )
    )


def public_view(session: Session, posting: CommentPosting) -> dict[str, Any]:
    """What the public page shows: nothing a nomination does not make public."""
    return {
        "posting_id": posting.posting_id,
        "award": posting.award_code,
        "award_name": posting.award_name,
        "year": posting.year,
        "starts_on": posting.starts_on,
        "ends_on": posting.ends_on,
        "nominees": [
            {"entry_id": e.id, "name": e.name, "unit_name": e.unit_name, "summary": e.summary}
            for e in entries(session, posting.posting_id)
        ],
    }


def address_hash(address: str | None) -> str:
    return hashlib.sha256(f"thidua-comment:{address or 'unknown'}".encode()).hexdigest()


def _admit(session: Session, address: str | None, now: datetime) -> None:
    """The per-address limit: 429 with the seconds until the oldest counted hit leaves."""
    key = address_hash(address)
    session.execute(delete(CommentHit).where(CommentHit.at <= now - WINDOW))
    hits = list(
        session.scalars(
            select(CommentHit.at)
            .where(CommentHit.address_hash == key, CommentHit.at > now - WINDOW)
            .order_by(CommentHit.at)
        )
    )
    if len(hits) >= LIMIT:
        wait = math.ceil((hits[0] + WINDOW - now).total_seconds())
        raise TooManyRequests(
            (
                f"Bạn đã gửi {LIMIT} ý kiến trong một giờ; hãy thử lại sau {wait} giây.",
                f"You have sent {LIMIT} comments within an hour; try again in {wait} seconds.",
            ),
            retry_after=max(wait, 1),
        )
    session.add(CommentHit(address_hash=key, at=now))


def comment(
    session: Session,
    *,
    entry_id: int,
    text: str,
    author: str | None,
    contact: str | None,
    address: str | None,
    day: date,
) -> PublicComment:
    """Keep a comment on a posted nominee while its list is up (404 otherwise)."""
    entry = session.get(CommentEntry, entry_id)
    posting = session.get(CommentPosting, entry.posting_id) if entry is not None else None
    if entry is None or posting is None or not is_open(posting, day):
        raise NotFound(ENTRY, str(entry_id))
    errors: dict[str, list[Any]] = {}
    text = nfc(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        errors["text"] = [("Bắt buộc.", "Required.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [
            (f"Tối đa {MAX_TEXT} ký tự (đã gửi {len(text)}).", f"At most {MAX_TEXT} characters.")
        ]
    elif control_characters(text, multiline=True):
        errors["text"] = [("Có ký tự điều khiển.", "Contains control characters.")]
    cleaned = {}
    for name, value in (("author", author), ("contact", contact)):
        value = nfc(value or "").strip() or None
        if value is not None and (len(value) > MAX_NAME or control_characters(value)):
            errors[name] = [
                (f"Tối đa {MAX_NAME} ký tự, một dòng.", f"At most {MAX_NAME} characters, one line.")
            ]
        cleaned[name] = value
    if errors:
        raise Invalid(errors)
    now = utcnow()
    _admit(session, address, now)
    row = PublicComment(
        entry_id=entry.id,
        text=text,
        author=cleaned["author"],
        contact=cleaned["contact"],
        received_at=now,
    )
    session.add(row)
    session.flush()
    return row


def comments(session: Session, posting_id: str) -> Any:
    """The comments of a posting, for the council: a query to paginate."""
    return (
        select(PublicComment)
        .join(CommentEntry, CommentEntry.id == PublicComment.entry_id)
        .where(CommentEntry.posting_id == posting_id)
        .order_by(PublicComment.received_at, PublicComment.id)
    )


def comment_count(session: Session, posting_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PublicComment)
            .join(CommentEntry, CommentEntry.id == PublicComment.entry_id)
            .where(CommentEntry.posting_id == posting_id)
        )
        or 0
    )


# -- the gate on the council's vote -------------------------------------------------------------


def require_period_over(
    session: Session, award: dict[str, Any], nominee: Nominee, day: date
) -> None:
    """409 while the nominee's public comment is not over: ``ends_on`` of its posting, or
    ``public_comment_not_posted`` when the award needs one and it was never posted."""
    if not award.get("public_comment_working_days"):
        return
    ends = list(
        session.scalars(
            select(CommentPosting.ends_on)
            .join(CommentEntry, CommentEntry.posting_id == CommentPosting.posting_id)
            .where(CommentEntry.nominee_id == nominee.id)
        )
    )
    if not ends:
        raise Conflict(
            (
                f"{nominee.subject_name} chưa được đưa ra lấy ý kiến nhân dân: chưa bỏ phiếu được.",
                f"{nominee.subject_name} has not been posted for public comment: no vote yet.",
            ),
            code="public_comment_not_posted",
            subject_id=nominee.subject_id,
        )
    ends_on = max(ends)
    if day <= ends_on:
        raise Conflict(
            (
                f"Đang lấy ý kiến nhân dân về {nominee.subject_name} đến hết ngày "
                f"{ends_on.strftime('%d/%m/%Y')}: chưa bỏ phiếu được.",
                f"{nominee.subject_name} is under public comment until the end of "
                f"{ends_on.isoformat()}: no vote before then.",
            ),
            code="public_comment_open",
            ends_on=ends_on.isoformat(),
            subject_id=nominee.subject_id,
        )


def nominee_status(
    session: Session, award: dict[str, Any], nominee: Nominee
) -> dict[str, Any] | None:
    """The nominee's public comment for the session page: required, posted, ends_on."""
    if not award.get("public_comment_working_days"):
        return None
    ends = list(
        session.scalars(
            select(CommentPosting.ends_on)
            .join(CommentEntry, CommentEntry.posting_id == CommentPosting.posting_id)
            .where(CommentEntry.nominee_id == nominee.id)
        )
    )
    return {"posted": bool(ends), "ends_on": max(ends) if ends else None}
