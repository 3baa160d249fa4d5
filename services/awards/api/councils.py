"""Councils, their members and sessions, the secret ballot, the published tally and receipts
(services.awards.domain.councils and .ballots).

Who sees a council: the Ministry's (``level`` bo) is national, so its readers are the
Ministry and the auditor; a unit's council is its unit's (the unit's admin), and every council
is seen by its own members. To anyone else it does not exist (404), nor do its sessions,
ballots or receipts. Who manages one (members, sessions, agenda, presence, opening and
closing): ``council.manage`` where the council is (the Ministry; a unit's admin for the
unit's council) or the council's own secretary (thư ký). Who votes: a member of the session's
electorate holding ``council.vote``; any other caller who may see the session gets 403.

A ballot request is never kept by the kit's Idempotency-Key store (``keeps_no_answer``): that
store keeps the answer (the receipts) under the caller's id, which would link a member to a
ballot. A retry
after a lost answer is refused as a second vote; the receipt was shown once, as promised.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from kit.app import database, keeps_no_answer, principal
from kit.errors import Conflict, Forbidden, NotFound
from kit.pagination import paginate
from kit.policy import NATIONAL, Target, allows, grants_for, holds
from kit.preconditions import if_match, require_match, takes_if_match
from services.awards.domain import ballots, councils, packs, public_comment
from services.awards.domain.councils import COUNCIL, SESSION
from services.awards.models import Council, CouncilMember, CouncilSession
from services.awards.schemas_councils import (
    AgendaIn,
    BallotPaperIn,
    CouncilArgs,
    CouncilIn,
    MemberIn,
    PresentIn,
    ReceiptIn,
    SessionArgs,
    SessionIn,
    SessionPatch,
)

blueprint = Blueprint(
    "councils",
    __name__,
    url_prefix="/councils",
    description="Emulation and Commendation Councils: members, sessions, the secret ballot",
)
receipts = Blueprint(
    "ballot-receipts",
    __name__,
    url_prefix="/ballots",
    description="A member checks that the ballot of a receipt was counted as cast",
)

STALE = ("Phiên họp đã được người khác sửa; hãy tải lại.", "Someone changed the session; reload.")
STALE_COUNCIL = ("Hội đồng đã được người khác sửa; hãy tải lại.", "Someone changed it; reload.")
NOT_MANAGER = (
    "Chỉ Bộ, lãnh đạo đơn vị của hội đồng hoặc thư ký hội đồng được làm việc này.",
    "Only the Ministry, the council's unit admin or the council's secretary may do this.",
)


# -- who may do what ---------------------------------------------------------------------------


def target(council: Council) -> Target:
    return NATIONAL if council.level == "bo" else Target.of_unit(council.unit_id or "")


def _membership(session: Session, council: Council) -> CouncilMember | None:
    return councils.member_of(session, council.council_id, principal().subject)


def may_read(session: Session, council: Council) -> bool:
    caller = principal()
    if allows(caller, "council.read", target(council)):
        return True
    return holds(caller, "council.vote") and _membership(session, council) is not None


def may_manage(session: Session, council: Council) -> bool:
    caller = principal()
    if allows(caller, "council.manage", target(council)):
        return True
    member = _membership(session, council)
    today = datetime.now(councils.LOCAL).date()
    return (
        member is not None
        and member.function == councils.SECRETARY
        and councils.in_term(member, today)
        and holds(caller, "council.vote")
    )


def readable(session: Session, council_id: str, *, lock: bool = False) -> Council:
    council = councils.load(session, council_id, lock=lock)
    if not may_read(session, council):
        raise NotFound(COUNCIL, council_id)
    return council


def managed(session: Session, council_id: str) -> Council:
    council = readable(session, council_id, lock=True)
    if not may_manage(session, council):
        raise Forbidden(NOT_MANAGER)
    return council


def readable_session(
    session: Session, session_id: str, *, lock: bool = False
) -> tuple[Council, CouncilSession]:
    sitting = councils.load_session(session, session_id, lock=lock)
    council = councils.load(session, sitting.council_id)
    if not may_read(session, council):
        raise NotFound(SESSION, session_id)
    return council, sitting


def managed_session(session: Session, session_id: str, sent: str) -> tuple[Council, CouncilSession]:
    council, sitting = readable_session(session, session_id, lock=True)
    if not may_manage(session, council):
        raise Forbidden(NOT_MANAGER)
    require_match(councils.etag(sitting), sent, stale=STALE)
    return council, sitting


# -- representations ---------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def member_view(member: CouncilMember) -> dict[str, Any]:
    return {
        "user_id": member.user_id,
        "full_name": member.full_name,
        "function": member.function,
        "term_from": _day(member.term_from),
        "term_to": _day(member.term_to),
    }


def council_view(session: Session, council: Council) -> dict[str, Any]:
    return {
        "council_id": council.council_id,
        "level": council.level,
        "unit_id": council.unit_id,
        "name": council.name,
        "members": [member_view(m) for m in councils.members(session, council.council_id)],
        "revision": council.revision,
        "created_at": council.created_at.isoformat(),
        "you_manage": may_manage(session, council),
    }


def _award(session: Session, code: str, year: int) -> dict[str, Any]:
    try:
        return packs.in_force(session, code, year)[1]
    except (NotFound, Conflict):
        return {"code": code, "name": code}


def session_view(session: Session, council: Council, sitting: CouncilSession) -> dict[str, Any]:
    """The session as the secretary and the members see it: who may vote and who is present,
    how many have voted on each nominee (never who, nor how), and for the caller, which
    nominees they have voted on."""
    caller = principal().subject
    names = {m.user_id: m for m in councils.members(session, council.council_id)}
    mine = ballots.voted_by(session, sitting.session_id, caller)
    agenda = []
    for nomination in councils.agenda(session, sitting.session_id):
        award = _award(session, nomination.award_code, nomination.year)
        agenda.append(
            {
                "nomination_id": nomination.nomination_id,
                "unit_id": nomination.unit_id,
                "award": nomination.award_code,
                "award_name": award.get("name"),
                "council_rule": award.get("council"),
                "year": nomination.year,
                "title": nomination.title,
                "state": nomination.state,
                "nominees": [
                    {
                        "subject_id": n.subject_id,
                        "subject_kind": n.subject_kind,
                        "subject_name": n.subject_name,
                        "report_summary": n.report_summary,
                        "voted": ballots.voted_count(session, sitting.session_id, n.id),
                        "you_voted": n.id in mine,
                        "public_comment": _comment(
                            public_comment.nominee_status(session, award, n)
                        ),
                        "council_outcome": n.council_outcome,
                    }
                    for n in nomination.nominees
                ],
            }
        )
    live = (
        [q.to_data() for q in councils.quorum(session, sitting)]
        if sitting.state != "closed"
        else (sitting.quorum or {}).get("checks", [])
    )
    return {
        "session_id": sitting.session_id,
        "council_id": council.council_id,
        "council_name": council.name,
        "title": sitting.title,
        "starts_at": sitting.starts_at.isoformat(),
        "location": sitting.location,
        "state": sitting.state,
        "electorate": [
            {
                "user_id": u,
                "full_name": names[u].full_name if u in names else u,
                "function": names[u].function if u in names else None,
                "present": u in (sitting.present or []),
            }
            for u in sitting.electorate
        ],
        "members": len(sitting.electorate),
        "present": list(sitting.present or []),
        "quorum": live,
        "agenda": agenda,
        "you_vote": caller in sitting.electorate and holds(principal(), "council.vote"),
        "you_manage": may_manage(session, council),
        "opened_at": sitting.opened_at.isoformat() if sitting.opened_at else None,
        "closed_at": sitting.closed_at.isoformat() if sitting.closed_at else None,
        "tally_published": sitting.state == "closed",
        "revision": sitting.revision,
    }


def _comment(status: dict[str, Any] | None) -> dict[str, Any] | None:
    if status is None:
        return None
    return {"posted": status["posted"], "ends_on": _day(status["ends_on"])}


def _etagged(body: dict[str, Any], etag: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    return body, 200, {"ETag": etag}


# -- councils and members ----------------------------------------------------------------------


@blueprint.route("", methods=["POST"])
@blueprint.arguments(CouncilIn)
@blueprint.response(201)
def create_council(payload: dict[str, Any]) -> Any:
    """A council of the Ministry (``bo``) or of a unit (``unit`` with ``unit_id``)."""
    caller = principal()
    where = NATIONAL if payload["level"] == "bo" else Target.of_unit(payload["unit_id"] or "")
    if not allows(caller, "council.manage", where):
        if payload["level"] == "unit" and allows(caller, "council.read", where):
            raise Forbidden(NOT_MANAGER)
        raise NotFound(COUNCIL)
    with database().transaction() as session:
        council = councils.create(
            session,
            caller.subject,
            level=payload["level"],
            unit_id=payload["unit_id"],
            name=payload["name"],
        )
        return council_view(session, council), 201, {"ETag": councils.council_etag(council)}


def _visible_clause(session: Session) -> Any:
    caller = principal()
    clauses = []
    for grant in grants_for(caller, "council.read"):
        if grant.scope == "national":
            return None
        if grant.scope == "unit" and grant.scope_id:
            clauses.append(Council.unit_id == grant.scope_id)
    if holds(caller, "council.vote"):
        clauses.append(
            Council.council_id.in_(
                select(CouncilMember.council_id).where(CouncilMember.user_id == caller.subject)
            )
        )
    return or_(*clauses) if clauses else false()


@blueprint.route("", methods=["GET"])
@blueprint.arguments(CouncilArgs, location="query")
@blueprint.response(200)
def list_councils(args: dict[str, Any]) -> Any:
    """The councils the caller may see; paginated."""
    with database().read() as session:
        query = select(Council).order_by(Council.level, Council.name, Council.council_id)
        clause = _visible_clause(session)
        if clause is not None:
            query = query.where(clause)
        if args["level"] is not None:
            query = query.where(Council.level == args["level"])
        if args["unit_id"] is not None:
            query = query.where(Council.unit_id == args["unit_id"])
        page = paginate(session, query, args)
        page["items"] = [council_view(session, c) for c in page["items"]]
        return page


@blueprint.route("/<council_id>", methods=["GET"])
@blueprint.response(200)
def get_council(council_id: str) -> Any:
    with database().read() as session:
        council = readable(session, council_id)
        return _etagged(council_view(session, council), councils.council_etag(council))


@blueprint.route("/<council_id>/members", methods=["POST"])
@blueprint.arguments(MemberIn)
@blueprint.response(201)
@takes_if_match
def add_member(payload: dict[str, Any], council_id: str) -> Any:
    """Add a member: a platform account (its user id), name, function and term."""
    sent = if_match()
    with database().transaction() as session:
        council = managed(session, council_id)
        require_match(councils.council_etag(council), sent, stale=STALE_COUNCIL)
        councils.add_member(session, principal().subject, council, **payload)
        return council_view(session, council), 201, {"ETag": councils.council_etag(council)}


@blueprint.route("/<council_id>/members/<user_id>", methods=["DELETE"])
@blueprint.response(200)
@takes_if_match
def remove_member(council_id: str, user_id: str) -> Any:
    sent = if_match()
    with database().transaction() as session:
        council = managed(session, council_id)
        require_match(councils.council_etag(council), sent, stale=STALE_COUNCIL)
        councils.remove_member(session, council, user_id)
        return _etagged(council_view(session, council), councils.council_etag(council))


# -- sessions --------------------------------------------------------------------------------


@blueprint.route("/<council_id>/sessions", methods=["POST"])
@blueprint.arguments(SessionIn)
@blueprint.response(201)
def schedule(payload: dict[str, Any], council_id: str) -> Any:
    """Schedule a session with its agenda (forwarded files); emits
    awards.council.session_scheduled to the members called."""
    with database().transaction() as session:
        council = managed(session, council_id)
        sitting = councils.schedule(session, principal().subject, council, **payload)
        return session_view(session, council, sitting), 201, {"ETag": councils.etag(sitting)}


@blueprint.route("/<council_id>/sessions", methods=["GET"])
@blueprint.arguments(SessionArgs, location="query")
@blueprint.response(200)
def list_sessions(args: dict[str, Any], council_id: str) -> Any:
    with database().read() as session:
        council = readable(session, council_id)
        query = (
            select(CouncilSession)
            .where(CouncilSession.council_id == council.council_id)
            .order_by(CouncilSession.starts_at.desc(), CouncilSession.session_id)
        )
        if args["state"] is not None:
            query = query.where(CouncilSession.state == args["state"])
        page = paginate(session, query, args)
        page["items"] = [session_view(session, council, s) for s in page["items"]]
        return page


@blueprint.route("/sessions/<session_id>", methods=["GET"])
@blueprint.response(200)
def get_session(session_id: str) -> Any:
    with database().read() as session:
        council, sitting = readable_session(session, session_id)
        return _etagged(session_view(session, council, sitting), councils.etag(sitting))


@blueprint.route("/sessions/<session_id>", methods=["PATCH"])
@blueprint.arguments(SessionPatch)
@blueprint.response(200)
@takes_if_match
def edit_session(payload: dict[str, Any], session_id: str) -> Any:
    """Title, time or place of a scheduled session."""
    sent = if_match()
    with database().transaction() as session:
        council, sitting = managed_session(session, session_id, sent)
        councils.update(sitting, payload, session)
        return _etagged(session_view(session, council, sitting), councils.etag(sitting))


@blueprint.route("/sessions/<session_id>/agenda", methods=["POST"])
@blueprint.arguments(AgendaIn)
@blueprint.response(200)
@takes_if_match
def add_agenda(payload: dict[str, Any], session_id: str) -> Any:
    """Add forwarded files to a scheduled session (409 for a file not forwarded)."""
    sent = if_match()
    with database().transaction() as session:
        council, sitting = managed_session(session, session_id, sent)
        councils.add_to_agenda(
            session, principal().subject, council, sitting, payload["nomination_ids"]
        )
        return _etagged(session_view(session, council, sitting), councils.etag(sitting))


@blueprint.route("/sessions/<session_id>/present", methods=["PUT"])
@blueprint.arguments(PresentIn)
@blueprint.response(200)
@takes_if_match
def mark_present(payload: dict[str, Any], session_id: str) -> Any:
    """The members present (the whole list)."""
    sent = if_match()
    with database().transaction() as session:
        council, sitting = managed_session(session, session_id, sent)
        councils.mark_present(sitting, payload["present"])
        return _etagged(session_view(session, council, sitting), councils.etag(sitting))


@blueprint.route("/sessions/<session_id>/open", methods=["POST"])
@blueprint.response(200)
@takes_if_match
def open_session(session_id: str) -> Any:
    """Open the session: 409 ``no_quorum`` with each award's check when the quorum fails."""
    sent = if_match()
    with database().transaction() as session:
        council, sitting = managed_session(session, session_id, sent)
        councils.open_session(session, principal().subject, sitting)
        return _etagged(session_view(session, council, sitting), councils.etag(sitting))


@blueprint.route("/sessions/<session_id>/close", methods=["POST"])
@blueprint.response(200)
@takes_if_match
def close_session(session_id: str) -> Any:
    """Close the session: publish the tally and move every file on the agenda."""
    sent = if_match()
    with database().transaction() as session:
        council, sitting = managed_session(session, session_id, sent)
        councils.close(session, principal().subject, sitting)
        return _etagged(session_view(session, council, sitting), councils.etag(sitting))


# -- the ballot --------------------------------------------------------------------------------


@blueprint.route("/sessions/<session_id>/ballots", methods=["POST"])
@keeps_no_answer
@blueprint.arguments(BallotPaperIn)
@blueprint.response(201)
def vote(payload: dict[str, Any], session_id: str) -> Any:
    """The caller's secret ballots on nominees of the agenda, in the open session or in
    writing while it is scheduled: one per nominee, never a second (409). Answers each
    receipt, this once."""
    caller = principal()
    with database().transaction() as session:
        _, sitting = readable_session(session, session_id, lock=True)
        if caller.subject not in sitting.electorate or not holds(caller, "council.vote"):
            raise Forbidden(
                (
                    "Chỉ thành viên hội đồng được triệu tập cho phiên họp này được bỏ phiếu.",
                    "Only the council members called to this session may vote.",
                )
            )
        cast = ballots.cast(
            session,
            sitting,
            caller.subject,
            [ballots.Vote(**v) for v in payload["votes"]],
            public_comment.today(),
        )
        return {
            "session_id": sitting.session_id,
            "ballots": cast,
            "note": {
                "vi": "Hãy giữ mã biên nhận: nó chỉ hiện một lần, và là cách duy nhất để kiểm "
                "tra lá phiếu của bạn trong kết quả kiểm phiếu.",
                "en": "Keep the receipts: they are shown only this once, and are the only way "
                "to find your ballot in the published tally.",
            },
        }, 201


@blueprint.route("/sessions/<session_id>/tally", methods=["GET"])
@blueprint.response(200)
def tally(session_id: str) -> Any:
    """The published tally (after closing): per nominee the counts, the threshold as an exact
    fraction of all members, approved or not, and every receipt with its ballot."""
    with database().read() as session:
        council, sitting = readable_session(session, session_id)
        if sitting.state != "closed":
            raise Conflict(
                (
                    "Kết quả kiểm phiếu chỉ công bố khi phiên họp bế mạc.",
                    "The tally is published when the session closes.",
                ),
                code="tally_not_published",
                status_now=sitting.state,
            )
        return {
            "session_id": sitting.session_id,
            "council_id": council.council_id,
            "title": sitting.title,
            "members": len(sitting.electorate),
            "closed_at": sitting.closed_at.isoformat() if sitting.closed_at else None,
            "nominees": sitting.tally or [],
        }


@receipts.route("/receipts/check", methods=["POST"])
@keeps_no_answer
@receipts.arguments(ReceiptIn)
@receipts.response(200)
def check_receipt(payload: dict[str, Any]) -> Any:
    """Whether the ballot of a receipt is counted, and once the session is closed, as what.

    The code goes in the body, never in the address: addresses are logged (here and at the
    gateway, with the caller), and a member checking their own receipt would leave their
    name next to their ballot. Nothing of it is kept (no Idempotency-Key answer either)."""
    code = payload["receipt"]
    with database().read() as session:
        ballot = ballots.receipt_of(session, code)
        sitting = councils.load_session(session, ballot.session_id)
        council = councils.load(session, sitting.council_id)
        if not may_read(session, council):
            raise NotFound(ballots.RECEIPT, code)
        nominee = next(
            (
                (n, m)
                for n in councils.agenda(session, sitting.session_id)
                for m in n.nominees
                if m.id == ballot.nominee_id
            ),
            None,
        )
        closed = sitting.state == "closed"
        return {
            "receipt": ballot.receipt,
            "session_id": sitting.session_id,
            "session_state": sitting.state,
            "nomination_id": nominee[0].nomination_id if nominee else None,
            "subject_id": nominee[1].subject_id if nominee else None,
            "subject_name": nominee[1].subject_name if nominee else None,
            "counted": True,
            "choice": ballot.choice if closed else None,
        }
