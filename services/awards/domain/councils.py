"""Emulation and Commendation Councils (Hội đồng Thi đua - Khen thưởng): their members, their
sessions, the agenda, the quorum, and what closing a session does to the files.

A council is the Ministry's sector council (``level`` bo) or a unit's own (``level`` unit). A
session is scheduled, then opened, then closed. Its ``electorate`` is the council's members in
term on the session's day: the total every approval is measured against (``min_share`` × all
members, never those present) and who may vote; it follows the council's membership while
the session is scheduled and no ballot is cast, and is fixed from then on. The agenda holds
forwarded files of awards that have a ``council`` rule. Opening checks the quorum of each
award on the agenda: the pack's ``council.quorum`` (``more_than`` or ``at_least`` a share of
the members present), else more than half; data, never code. Closing publishes the tally
(domain.ballots), sets each nominee's ``council_outcome`` and moves each file:
``forwarded → approved`` when one of its nominees is approved, else ``forwarded → returned``
with the tally as the reason (domain.nominations' table, grant "council").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from contracts.awards import CouncilSessionScheduled
from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, StateConflict
from kit.events import emit
from services.awards.domain import ballots, nominations, packs
from services.awards.models import (
    AgendaItem,
    Ballot,
    Council,
    CouncilMember,
    CouncilSession,
    Nomination,
    UnitCopy,
)

COUNCIL = ("hội đồng", "council")
SESSION = ("phiên họp", "council session")
MEMBER = ("thành viên hội đồng", "council member")
THING = ("Phiên họp", "council session")

LEVELS = ("bo", "unit")
FUNCTIONS = ("chu-tich", "pho-chu-tich", "uy-vien", "thu-ky")
STATES = ("scheduled", "open", "closed")
SECRETARY = "thu-ky"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")  # the session's day is the day in Viet Nam
DEFAULT_QUORUM = {"more_than": 0.5}  # without the pack's council.quorum: more than half


# -- councils and members ----------------------------------------------------------------------


def load(session: Session, council_id: str, *, lock: bool = False) -> Council:
    council = session.get(Council, council_id, with_for_update=lock or None)
    if council is None:
        raise NotFound(COUNCIL, council_id)
    return council


def create(session: Session, actor: str, *, level: str, unit_id: str | None, name: str) -> Council:
    """A council of the Ministry (no unit) or of one unit (its id, a unit awards knows)."""
    if level == "unit":
        if not unit_id:
            raise Invalid({"unit_id": [("Bắt buộc với hội đồng của đơn vị.", "Required.")]})
        if session.get(UnitCopy, unit_id) is None:
            raise Invalid({"unit_id": [(f"Không có đơn vị {unit_id}.", f"No unit {unit_id}.")]})
    else:
        unit_id = None
    now = utcnow()
    council = Council(
        council_id=str(uuid.uuid4()),
        level=level,
        unit_id=unit_id,
        name=name,
        revision=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(council)
    session.flush()
    return council


def members(session: Session, council_id: str) -> list[CouncilMember]:
    return list(
        session.scalars(
            select(CouncilMember)
            .where(CouncilMember.council_id == council_id)
            .order_by(CouncilMember.id)
        )
    )


def in_term(member: CouncilMember, day: date) -> bool:
    return member.term_from <= day and (member.term_to is None or member.term_to >= day)


def member_of(session: Session, council_id: str, user_id: str) -> CouncilMember | None:
    return session.scalar(
        select(CouncilMember).where(
            CouncilMember.council_id == council_id, CouncilMember.user_id == user_id
        )
    )


def touch(council: Council) -> None:
    council.revision += 1
    council.updated_at = utcnow()


def add_member(
    session: Session,
    actor: str,
    council: Council,
    *,
    user_id: str,
    full_name: str,
    function: str,
    term_from: date,
    term_to: date | None,
) -> CouncilMember:
    """Add a member (a platform account): 409 when already one, 422 for a term that ends
    before it starts or a second chair or secretary in term."""
    if member_of(session, council.council_id, user_id) is not None:
        raise Conflict(
            ("Người này đã là thành viên hội đồng.", "This person is already a member."),
            code="already_member",
        )
    if term_to is not None and term_to < term_from:
        raise Invalid(
            {"term_to": [("Không được trước term_from.", "Must not be before term_from.")]}
        )
    if function in ("chu-tich", SECRETARY):
        for other in members(session, council.council_id):
            overlaps = other.term_from <= (term_to or date.max) and (
                other.term_to is None or other.term_to >= term_from
            )
            if other.function == function and overlaps:
                raise Invalid(
                    {
                        "function": [
                            (
                                f"Hội đồng đã có {function} trong nhiệm kỳ này "
                                f"({other.full_name}).",
                                f"The council has a {function} in this term ({other.full_name}).",
                            )
                        ]
                    }
                )
    member = CouncilMember(
        council_id=council.council_id,
        user_id=user_id,
        full_name=full_name,
        function=function,
        term_from=term_from,
        term_to=term_to,
        added_by=actor,
        added_at=utcnow(),
    )
    session.add(member)
    touch(council)
    session.flush()
    _follow_membership(session, council)
    return member


def remove_member(session: Session, council: Council, user_id: str) -> None:
    member = member_of(session, council.council_id, user_id)
    if member is None:
        raise NotFound(MEMBER, user_id)
    session.delete(member)
    touch(council)
    session.flush()
    _follow_membership(session, council)


def local_day(instant: datetime) -> date:
    return instant.astimezone(LOCAL).date()


def electorate_on(session: Session, council_id: str, day: date) -> list[str]:
    return sorted(m.user_id for m in members(session, council_id) if in_term(m, day))


def has_ballots(session: Session, session_id: str) -> bool:
    return bool(session.scalar(select(exists().where(Ballot.session_id == session_id))))


def _follow_membership(session: Session, council: Council) -> None:
    """Scheduled sessions with no ballot yet take the council's membership as it now is."""
    for sitting in session.scalars(
        select(CouncilSession).where(
            CouncilSession.council_id == council.council_id,
            CouncilSession.state == "scheduled",
        )
    ):
        if not has_ballots(session, sitting.session_id):
            sitting.electorate = electorate_on(
                session, council.council_id, local_day(sitting.starts_at)
            )
            sitting.present = [u for u in sitting.present or [] if u in sitting.electorate]
            sitting.revision += 1
    session.flush()


# -- sessions and the agenda -------------------------------------------------------------------


def load_session(session: Session, session_id: str, *, lock: bool = False) -> CouncilSession:
    found = session.get(
        CouncilSession, session_id, with_for_update=lock or None, populate_existing=lock
    )
    if found is None:
        raise NotFound(SESSION, session_id)
    return found


def agenda(session: Session, session_id: str) -> list[Nomination]:
    """The files on the agenda, in the order they were added."""
    return list(
        session.scalars(
            select(Nomination)
            .join(AgendaItem, AgendaItem.nomination_id == Nomination.nomination_id)
            .where(AgendaItem.session_id == session_id)
            .order_by(AgendaItem.position)
        )
    )


def schedule(
    session: Session,
    actor: str,
    council: Council,
    *,
    title: str,
    starts_at: datetime,
    location: str,
    nomination_ids: Sequence[str],
) -> CouncilSession:
    """Schedule a session with its agenda; emits awards.council.session_scheduled."""
    electorate = electorate_on(session, council.council_id, local_day(starts_at))
    if not electorate:
        raise Conflict(
            (
                "Hội đồng không có thành viên nào trong nhiệm kỳ vào ngày họp.",
                "The council has no member in term on the session's day.",
            ),
            code="no_members",
        )
    sitting = CouncilSession(
        session_id=str(uuid.uuid4()),
        council_id=council.council_id,
        title=title,
        starts_at=starts_at,
        location=location,
        state="scheduled",
        revision=1,
        electorate=electorate,
        present=[],
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(sitting)
    session.flush()
    add_to_agenda(session, actor, council, sitting, nomination_ids)
    fact = CouncilSessionScheduled(
        session_id=sitting.session_id,
        council_id=council.council_id,
        title=title,
        starts_at=starts_at,
        location=location,
        nomination_ids=tuple(n.nomination_id for n in agenda(session, sitting.session_id)),
        member_user_ids=tuple(electorate),
    )
    emit(session, fact.TYPE, fact.subject, fact.to_data())
    return sitting


def require_state(sitting: CouncilSession, action: str, *states: str) -> None:
    if sitting.state not in states:
        allowed = {"scheduled": ["open"], "open": ["close"], "closed": []}[sitting.state]
        raise StateConflict(THING, sitting.state, action, allowed)


def add_to_agenda(
    session: Session,
    actor: str,
    council: Council,
    sitting: CouncilSession,
    nomination_ids: Iterable[str],
) -> list[AgendaItem]:
    """Put forwarded files on a scheduled session's agenda: 409 for a file not forwarded, of
    an award without a council vote, of another unit (a unit's council), or already on an
    agenda that is not closed; 404 for a file that does not exist. All or nothing."""
    require_state(sitting, "thêm hồ sơ / add files", "scheduled")
    position = (
        session.scalar(
            select(func.max(AgendaItem.position)).where(AgendaItem.session_id == sitting.session_id)
        )
        or 0
    )
    added = []
    for nomination_id in dict.fromkeys(nomination_ids):
        nomination = session.get(Nomination, nomination_id)
        if nomination is None:
            raise NotFound(nominations.NOMINATION, nomination_id)
        if council.level == "unit" and nomination.unit_id != council.unit_id:
            raise NotFound(nominations.NOMINATION, nomination_id)
        if nomination.state != "forwarded":
            raise Conflict(
                (
                    f"Hồ sơ {nomination_id} chưa được trình Hội đồng (trạng thái "
                    f"'{nomination.state}').",
                    f"File {nomination_id} is not forwarded to the council "
                    f"(it is '{nomination.state}').",
                ),
                code="not_forwarded",
                nomination_id=nomination_id,
                status_now=nomination.state,
            )
        _, award = packs.in_force(session, nomination.award_code, nomination.year)
        if not award.get("council"):
            raise Conflict(
                (
                    f"{award['name']} không do Hội đồng bỏ phiếu (bộ quy tắc không có council).",
                    f"{award['name']} is not voted by a council (its rule has no council).",
                ),
                code="no_council_vote",
                nomination_id=nomination_id,
            )
        elsewhere = session.scalar(
            select(CouncilSession.session_id)
            .join(AgendaItem, AgendaItem.session_id == CouncilSession.session_id)
            .where(
                AgendaItem.nomination_id == nomination_id,
                CouncilSession.state != "closed",
            )
        )
        if elsewhere is not None:
            if elsewhere == sitting.session_id:
                continue
            raise Conflict(
                (
                    f"Hồ sơ {nomination_id} đã có trong chương trình một phiên họp khác.",
                    f"File {nomination_id} is on another session's agenda already.",
                ),
                code="on_another_agenda",
                nomination_id=nomination_id,
                session_id=elsewhere,
            )
        position += 1
        item = AgendaItem(
            session_id=sitting.session_id,
            nomination_id=nomination_id,
            position=position,
            added_by=actor,
            added_at=utcnow(),
        )
        session.add(item)
        added.append(item)
    sitting.revision += 1
    session.flush()
    return added


def update(sitting: CouncilSession, changes: dict[str, Any], session: Session) -> None:
    """Title, time, place of a scheduled session."""
    require_state(sitting, "sửa / edit", "scheduled")
    for key in ("title", "starts_at", "location"):
        if changes.get(key) is not None:
            setattr(sitting, key, changes[key])
    sitting.revision += 1
    session.flush()
    if changes.get("starts_at") is not None and not has_ballots(session, sitting.session_id):
        sitting.electorate = electorate_on(
            session, sitting.council_id, local_day(sitting.starts_at)
        )


def mark_present(sitting: CouncilSession, user_ids: Sequence[str]) -> None:
    """The members present (the whole list): members of the electorate only."""
    require_state(sitting, "điểm danh / mark present", "scheduled", "open")
    strangers = sorted(set(user_ids) - set(sitting.electorate))
    if strangers:
        raise Invalid(
            {
                "present": [
                    (
                        f"Không phải thành viên của phiên họp: {', '.join(strangers)}.",
                        f"Not members of the session: {', '.join(strangers)}.",
                    )
                ]
            }
        )
    sitting.present = sorted(set(user_ids))
    sitting.revision += 1


# -- the quorum ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    award: str
    rule: dict[str, Any]
    members: int
    present: int
    passed: bool

    def to_data(self) -> dict[str, Any]:
        return {
            "award": self.award,
            "rule": self.rule,
            "members": self.members,
            "present": self.present,
            "passed": self.passed,
        }


def quorum_of(award: dict[str, Any], members: int, present: int) -> Quorum:
    """Whether ``present`` of ``members`` make the quorum of ``award``'s council rule."""
    rule = dict((award.get("council") or {}).get("quorum") or DEFAULT_QUORUM)
    share = Fraction(present, members) if members else Fraction(0)
    if "at_least" in rule:
        passed = share >= Fraction(str(rule["at_least"]))
    else:
        passed = share > Fraction(str(rule["more_than"]))
    return Quorum(award["code"], rule, members, present, passed)


def quorum(session: Session, sitting: CouncilSession) -> list[Quorum]:
    """The quorum check of every award on the agenda (each award's own rule)."""
    out: dict[str, Quorum] = {}
    for nomination in agenda(session, sitting.session_id):
        if nomination.award_code in out:
            continue
        _, award = packs.in_force(session, nomination.award_code, nomination.year)
        out[nomination.award_code] = quorum_of(
            award, len(sitting.electorate), len(sitting.present or [])
        )
    return list(out.values())


def open_session(session: Session, actor: str, sitting: CouncilSession) -> None:
    """Open the session: 409 ``no_quorum`` with each award's check when one fails."""
    require_state(sitting, "khai mạc / open", "scheduled")
    checks = quorum(session, sitting)
    failing = [q for q in checks if not q.passed]
    if failing:
        raise Conflict(
            (
                f"Chưa đủ số thành viên dự họp: {len(sitting.present or [])}/"
                f"{len(sitting.electorate)} có mặt.",
                f"No quorum: {len(sitting.present or [])} of {len(sitting.electorate)} present.",
            ),
            code="no_quorum",
            quorum=[q.to_data() for q in checks],
        )
    sitting.quorum = {"checks": [q.to_data() for q in checks], "passed": True}
    sitting.state = "open"
    sitting.opened_by = actor
    sitting.opened_at = utcnow()
    sitting.revision += 1
    session.flush()


# -- closing -----------------------------------------------------------------------------------


def _council_can(grant: str) -> bool:
    return grant == "council"


def close(session: Session, actor: str, sitting: CouncilSession) -> list[dict[str, Any]]:
    """Close the session: publish the tally, set each nominee's outcome, move the files."""
    require_state(sitting, "bế mạc / close", "open")
    files = agenda(session, sitting.session_id)
    tally: list[dict[str, Any]] = []
    for nomination in files:
        _, award = packs.in_force(session, nomination.award_code, nomination.year)
        counts = []
        for nominee in nomination.nominees:
            entry = ballots.count(session, sitting, nomination, nominee, award)
            nominee.council_outcome = "approved" if entry["approved"] else "rejected"
            nominee.council_tally = {k: v for k, v in entry.items() if k != "receipts"}
            nominee.council_session_id = sitting.session_id
            counts.append(entry)
            tally.append(entry)
        approved = [c for c in counts if c["approved"]]
        if nomination.state == "forwarded":
            to = "approved" if approved else "returned"
            nominations.move(
                session, actor, nomination, to, _reason(sitting, counts, to), _council_can
            )
    sitting.tally = tally
    sitting.state = "closed"
    sitting.closed_by = actor
    sitting.closed_at = utcnow()
    sitting.revision += 1
    session.flush()
    return tally


def _reason(sitting: CouncilSession, counts: list[dict[str, Any]], to: str) -> str:
    """The tally in words, the file's move reason (Vietnamese, then English)."""
    vi = "; ".join(
        f"{c['subject_name']}: {c['yes']}/{c['members']} đồng ý, cần ≥ {c['required_yes']} "
        f"({c['min_share']} tổng số thành viên)"
        + (" — thông qua" if c["approved"] else " — không thông qua")
        for c in counts
    )
    en = "; ".join(
        f"{c['subject_name']}: {c['yes']} of {c['members']} in favour, "
        f"{c['required_yes']} needed ({c['min_share']} of all members)"
        + (" — approved" if c["approved"] else " — not approved")
        for c in counts
    )
    head = (
        ("Hội đồng thông qua", "Approved by the council")
        if to == "approved"
        else ("Hội đồng không thông qua", "Not approved by the council")
    )
    return f"{head[0]} (phiên '{sitting.title}'): {vi}. / {head[1]}: {en}."


def etag(sitting: CouncilSession) -> str:
    return f'W/"council-session-{sitting.session_id}-{sitting.revision}"'


def council_etag(council: Council) -> str:
    return f'W/"council-{council.council_id}-{council.revision}"'
