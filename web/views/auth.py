"""Signing in and out, and the language switch.

Sign-in is identity's password grant, done by the web application on the user's behalf; the
tokens go into the session cookie and never reach the page's scripts. Sign-out ends the
refresh family at identity (``POST /identity/logout``), so the cookie, if copied, is worth
nothing afterwards. A session that ended on its own comes back here with ``expired=1`` and
``next``: the page says so, and signing in returns to where the user was.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from web import session as web_session
from web.api import ApiError, client
from web.errors import safe_next

log = logging.getLogger(__name__)

blueprint = Blueprint("auth", __name__)

ONE_YEAR = 365 * 24 * 3600


def _sign_in_error(error: ApiError) -> str:
    """What to tell someone whose sign-in was refused, in plain words."""
    if error.status == 429:
        seconds = error.headers.get("Retry-After", "")
        if seconds.isdigit():
            return _(
                "Too many failed sign-ins: signing in to this account is blocked for now. "
                "Try again in %(seconds)s seconds, or ask your administrator to unlock it.",
                seconds=seconds,
            )
        return _("Too many failed sign-ins: signing in is blocked for now. Try again later.")
    if error.status in (400, 401):
        return _("Wrong username or password.")
    return _("Signing in is not possible right now; try again in a few minutes.")


@blueprint.get("/sign-in")
def sign_in() -> str | Response:
    target = safe_next(request.args.get("next"))
    if web_session.user() is not None and not request.args.get("expired"):
        return redirect(target or url_for("home.home"))
    return render_template(
        "auth/sign_in.html",
        next=target,
        expired=request.args.get("expired") == "1",
        signed_out=request.args.get("signed_out") == "1",
        error=None,
        username="",
    )


@blueprint.post("/sign-in")
def sign_in_post() -> str | Response | tuple[str, int]:
    target = safe_next(request.form.get("next"))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        error = _("Enter your username and password.")
    else:
        try:
            tokens = client().sign_in(username, password)
            me = client().me(tokens)
        except ApiError as refused:
            error = _sign_in_error(refused)
        else:
            web_session.begin(tokens, me)
            return redirect(target or url_for("home.home"))
    page = render_template(
        "auth/sign_in.html",
        next=target,
        expired=False,
        signed_out=False,
        error=error,
        username=username,
    )
    return page, 400 if not (username and password) else 401


@blueprint.post("/sign-out")
def sign_out() -> Response:
    try:
        client().sign_out()
    except ApiError:
        # Signed out here all the same; the refresh token expires on its own at worst.
        log.warning("sign-out could not reach identity", exc_info=True)
    web_session.end()
    return redirect(url_for("auth.sign_in", signed_out="1"))


@blueprint.post("/language")
def choose_language() -> Response:
    chosen = request.form.get("lang", "")
    web_session.choose_language(chosen)
    response = make_response(redirect(safe_next(request.form.get("next")) or url_for("home.home")))
    if chosen in web_session.LANGUAGES:
        response.set_cookie(
            web_session.LANGUAGE_COOKIE,
            chosen,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["WEB_SETTINGS"].secure_cookies,
        )
    return response
