"""A council session (phiên họp Hội đồng Thi đua – Khen thưởng): the agenda, who is called and
present, the quorum checks, open and close for the secretary, the member's secret ballot with
its receipts shown once, and the published tally with every receipt; and the page where a
member checks a receipt. Awards' ``/councils/sessions/...`` and ``/ballots/receipts/<code>``
(docs/awards.md, "Part 2").

The receipts are only in the answer to the ballot's POST (``no-store``, never flashed nor in
the session): the platform keeps no link from a member to a ballot, so neither may we.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web import labels
from web.api import ApiError, NotFound, PreconditionFailed, client
from web.views import require_user
from web.views.awards import blueprint, problem_text

CHOICES = tuple(labels.BALLOT_CHOICE)


def _session(session_id: str) -> tuple[dict[str, Any], str]:
    reply = client().get(f"/awards/councils/sessions/{session_id}")
    return reply.data, reply.etag or ""


def _tally(session: dict[str, Any]) -> dict[str, Any] | None:
    if session.get("state") != "closed":
        return None
    return client().get(f"/awards/councils/sessions/{session['session_id']}/tally").data


def _page(session_id: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    require_user()
    session, etag = _session(session_id)
    return render_template(
        "awards/council_session.html",
        item=session,
        etag=etag,
        tally=_tally(session),
        choices=CHOICES,
        notice=extra.get("notice"),
        receipts=extra.get("receipts"),
    ), status


@blueprint.get("/council/sessions/<session_id>")
def council_session(session_id: str) -> tuple[str, int]:
    return _page(session_id)


def _refused(session_id: str, error: ApiError) -> tuple[str, int]:
    if isinstance(error, PreconditionFailed):
        notice = _(
            "The session was changed after you opened it, so nothing was done. It is shown "
            "below as it is now: try again."
        )
        return _page(session_id, 412, notice=notice)
    if error.status in (403, 409, 422):
        return _page(session_id, error.status, notice=problem_text(error))
    raise error


def _manage(session_id: str, path: str, message: str, **kwargs: Any) -> Any:
    require_user()
    headers = {"If-Match": request.form.get("etag", "")}
    try:
        client().call(
            kwargs.pop("method", "POST"),
            f"/awards/councils/sessions/{session_id}{path}",
            headers=headers,
            **kwargs,
        )
    except ApiError as error:
        return _refused(session_id, error)
    flash(message, "success")
    return redirect(url_for("awards.council_session", session_id=session_id))


@blueprint.post("/council/sessions/<session_id>/present")
def council_present(session_id: str) -> Response | tuple[str, int]:
    present = request.form.getlist("present")
    return _manage(
        session_id,
        "/present",
        _("The members present have been saved."),
        method="PUT",
        json={"present": present},
    )


@blueprint.post("/council/sessions/<session_id>/open")
def council_open(session_id: str) -> Response | tuple[str, int]:
    return _manage(session_id, "/open", _("The session is open."))


@blueprint.post("/council/sessions/<session_id>/close")
def council_close(session_id: str) -> Response | tuple[str, int]:
    return _manage(session_id, "/close", _("The session is closed and the tally published."))


@blueprint.post("/council/sessions/<session_id>/ballots")
def council_vote(session_id: str) -> tuple[str, int]:
    """The member's ballot paper: one choice per nominee they have not voted on yet."""
    require_user()
    votes = []
    for key, choice in request.form.items():
        if key.startswith("vote|") and choice in CHOICES:
            _, nomination_id, subject_id = key.split("|", 2)
            votes.append(
                {"nomination_id": nomination_id, "subject_id": subject_id, "choice": choice}
            )
    if not votes:
        return _page(session_id, 422, notice=_("Choose for at least one nominee."))
    try:
        reply = client().post(
            f"/awards/councils/sessions/{session_id}/ballots", json={"votes": votes}
        )
    except ApiError as error:
        return _refused(session_id, error)
    return _page(session_id, 201, receipts=reply.data.get("ballots") or [])


@blueprint.route("/ballots/receipt", methods=["GET", "POST"])
def receipt() -> tuple[str, int]:
    """A member checks that the ballot of a receipt was counted (and, once the session is
    closed, as what). The code is posted, to awards too: an address is logged with the
    caller, and would pair a member with their ballot."""
    require_user()
    code = (request.form.get("code") or request.args.get("code") or "").strip()
    found, status, error = None, 200, None
    if code:
        try:
            found = client().post("/awards/ballots/receipts/check", json={"receipt": code}).data
        except NotFound:
            status, error = 404, _("No ballot has this receipt (or you may not see its session).")
    return render_template("awards/receipt.html", code=code, found=found, error=error), status
