"""Public comment (lấy ý kiến nhân dân): the public page's list and form, without sign-in, and
the Ministry's postings and the comments received, for the Ministry and the council.

The public paths (``/public/comment-postings``, ``/public/comments``) are ``@public`` here
and listed in the gateway's public routes: they show only what a nomination makes public
(name, unit, award, summary) and take comments, rate-limited per client address
(``kit.app.client_address``, which believes the gateway's ``X-Real-IP`` only).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import false, select

from kit.app import client_address, database, principal, public
from kit.errors import NotFound
from kit.pagination import paginate
from kit.policy import allows, require
from services.awards.domain import public_comment
from services.awards.domain.public_comment import POSTING
from services.awards.models import CommentEntry, CommentPosting, PublicComment
from services.awards.schemas_councils import CommentArgs, CommentIn, PostingArgs, PostingIn

blueprint = Blueprint(
    "public-comment",
    __name__,
    url_prefix="",
    description="Public comment on nominees: the public list and form, the council's comments",
)


def _posting_view(session: Any, posting: CommentPosting) -> dict[str, Any]:
    body = public_comment.public_view(session, posting)
    day = public_comment.today()
    return {
        **body,
        "starts_on": posting.starts_on.isoformat(),
        "ends_on": posting.ends_on.isoformat(),
        "working_days": posting.working_days,
        "open": public_comment.is_open(posting, day),
        "over": day > posting.ends_on,
        "comments": public_comment.comment_count(session, posting.posting_id),
        "posted_by": posting.posted_by,
        "posted_at": posting.posted_at.isoformat(),
        "nominees": [
            {**n, "nomination_id": e.nomination_id}
            for n, e in zip(
                body["nominees"], public_comment.entries(session, posting.posting_id), strict=True
            )
        ],
    }


# -- the public page ---------------------------------------------------------------------------


@blueprint.route("/public/comment-postings", methods=["GET"])
@public
@blueprint.response(200)
def open_postings() -> Any:
    """The lists open for comment today: name, unit, award and summary of each nominee."""
    with database().read() as session:
        items = []
        for posting in public_comment.open_postings(session, public_comment.today()):
            body = public_comment.public_view(session, posting)
            items.append(
                {
                    **body,
                    "starts_on": posting.starts_on.isoformat(),
                    "ends_on": posting.ends_on.isoformat(),
                }
            )
        return {"items": items}


@blueprint.route("/public/comments", methods=["POST"])
@public
@blueprint.arguments(CommentIn)
@blueprint.response(202)
def leave_comment(payload: dict[str, Any]) -> Any:
    """A comment on a posted nominee: kept for the council, never shown publicly."""
    with database().transaction() as session:
        public_comment.comment(
            session,
            entry_id=payload["entry_id"],
            text=payload["text"],
            author=payload["author"],
            contact=payload["contact"],
            address=client_address(),
            day=public_comment.today(),
        )
    return {
        "received": True,
        "message": {
            "vi": "Cảm ơn bạn: ý kiến đã được gửi tới Hội đồng Thi đua - Khen thưởng.",
            "en": "Thank you: your comment has been passed to the council.",
        },
    }, 202


# -- the Ministry's postings -------------------------------------------------------------------


@blueprint.route("/comment-postings", methods=["POST"])
@blueprint.arguments(PostingIn)
@blueprint.response(201)
def post_list(payload: dict[str, Any]) -> Any:
    """Post the forwarded nominees of an award for public comment from ``starts_on``."""
    caller = principal()
    require(caller, "comment.manage")
    with database().transaction() as session:
        posting = public_comment.post(
            session,
            caller.subject,
            award_code=payload["award"],
            year=payload["year"],
            starts_on=payload["starts_on"],
            nomination_ids=payload["nomination_ids"],
            day=public_comment.today(),
        )
        return _posting_view(session, posting), 201


@blueprint.route("/comment-postings", methods=["GET"])
@blueprint.arguments(PostingArgs, location="query")
@blueprint.response(200)
def list_postings(args: dict[str, Any]) -> Any:
    """Every posting, latest first (the Ministry and the council)."""
    with database().read() as session:
        query = select(CommentPosting).order_by(
            CommentPosting.starts_on.desc(), CommentPosting.posting_id
        )
        if args["award"] is not None:
            query = query.where(CommentPosting.award_code == args["award"])
        if args["year"] is not None:
            query = query.where(CommentPosting.year == args["year"])
        if not allows(principal(), "comment.read"):
            query = query.where(false())  # nothing the caller may see
        page = paginate(session, query, args)
        page["items"] = [_posting_view(session, p) for p in page["items"]]
        return page


def _readable(session: Any, posting_id: str) -> CommentPosting:
    if not allows(principal(), "comment.read"):
        raise NotFound(POSTING, posting_id)
    return public_comment.load(session, posting_id)


@blueprint.route("/comment-postings/<posting_id>", methods=["GET"])
@blueprint.response(200)
def get_posting(posting_id: str) -> Any:
    with database().read() as session:
        return _posting_view(session, _readable(session, posting_id))


@blueprint.route("/comment-postings/<posting_id>/comments", methods=["GET"])
@blueprint.arguments(CommentArgs, location="query")
@blueprint.response(200)
def list_comments(args: dict[str, Any], posting_id: str) -> Any:
    """The comments received, oldest first (the Ministry and the council only)."""
    with database().read() as session:
        posting = _readable(session, posting_id)
        page = paginate(session, public_comment.comments(session, posting.posting_id), args)
        entries = {e.id: e for e in public_comment.entries(session, posting.posting_id)}
        page["items"] = [_comment_view(c, entries[c.entry_id]) for c in page["items"]]
        return page


def _comment_view(comment: PublicComment, entry: CommentEntry) -> dict[str, Any]:
    return {
        "id": comment.id,
        "entry_id": entry.id,
        "nomination_id": entry.nomination_id,
        "name": entry.name,
        "text": comment.text,
        "author": comment.author,
        "contact": comment.contact,
        "received_at": comment.received_at.isoformat(),
    }
