"""The OAuth 2.0 token endpoint (RFC 6749), revocation (RFC 7009), logout and the JWKS.

Errors keep RFC 6749's ``error`` and ``error_description`` members, inside the platform's
problem+json body, so OAuth clients and the platform's own clients both read them.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from flask import Response, jsonify, request
from flask_smorest import Blueprint

from kit.app import accepts, database, principal, public
from kit.problems import problem_response
from services.identity.domain import audit, keys, tokens
from services.identity.schemas import LogoutIn, RevokeForm, TokenForm, TokenResponse

blueprint = Blueprint("oauth", __name__, description="Tokens: sign-in, refresh, sign-out, keys")

FORM = "application/x-www-form-urlencoded"
GRANTS = ("password", "refresh_token", "client_credentials")


def _oauth_error(error: tokens.OAuthError, vietnamese_first: bool = True) -> Response:
    headers = {"Cache-Control": "no-store"}
    if error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="thidua"'
    slug = {400: "bad-request", 401: "unauthorized", 429: "too-many-requests"}[error.status]
    return problem_response(
        error.status,
        slug,
        error.description,
        headers=headers,
        error=error.error,
        error_description=error.description[1],
    )


def _missing(*names: str) -> tokens.OAuthError:
    return tokens.OAuthError(
        "invalid_request",
        (f"Thiếu tham số: {', '.join(names)}.", f"Missing parameters: {', '.join(names)}."),
    )


def _client_credentials(form: dict[str, Any]) -> tuple[str | None, str | None]:
    """HTTP Basic (RFC 6749 2.3.1) or the form's client_id/client_secret."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
            return unquote(client_id), unquote(secret)
        except (binascii.Error, UnicodeDecodeError):
            return None, None
    return form.get("client_id"), form.get("client_secret")


@blueprint.route("/oauth/token", methods=["POST"])
@public
@accepts(FORM)
@blueprint.arguments(TokenForm, location="form")
@blueprint.response(200, TokenResponse)
def token(form: dict[str, Any]) -> Any:
    """Issue tokens: ``password`` (platform users), ``refresh_token`` (rotating, reuse
    revokes the family) and ``client_credentials`` (external systems, with scopes)."""
    grant = form["grant_type"]
    if grant not in GRANTS:
        return _oauth_error(
            tokens.OAuthError(
                "unsupported_grant_type",
                (
                    f"Loại cấp quyền không được hỗ trợ; dùng: {', '.join(GRANTS)}.",
                    f"Unsupported grant type; use one of: {', '.join(GRANTS)}.",
                ),
            )
        )
    if grant == "password":
        if not form.get("username") or not form.get("password"):
            return _oauth_error(_missing("username", "password"))
        result = tokens.password_grant(
            database(), form["username"], form["password"], audit.source_address()
        )
    elif grant == "refresh_token":
        if not form.get("refresh_token"):
            return _oauth_error(_missing("refresh_token"))
        with database().transaction() as session:
            result = tokens.refresh_grant(session, form["refresh_token"])
    else:
        client_id, secret = _client_credentials(form)
        if not client_id or not secret:
            return _oauth_error(tokens.INVALID_CLIENT)
        with database().transaction() as session:
            result = tokens.client_credentials_grant(session, client_id, secret, form.get("scope"))
    # The transaction has committed: failed logins and revoked families are recorded.
    if isinstance(result, tokens.OAuthError):
        return _oauth_error(result)
    response = jsonify(result.as_response())
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/oauth/revoke", methods=["POST"])
@public
@accepts(FORM)
@blueprint.arguments(RevokeForm, location="form")
@blueprint.response(200)
def revoke(form: dict[str, Any]) -> Response:
    """RFC 7009: revoke a refresh token (and its family). Always 200, known token or not."""
    with database().transaction() as session:
        tokens.revoke_refresh_token(session, form["token"])
    return Response(status=200)


@blueprint.route("/logout", methods=["POST"])
@blueprint.arguments(LogoutIn)
@blueprint.response(204)
def logout(payload: dict[str, Any]) -> Response:
    """Sign out: this access token stops working here at once, and the refresh family ends.

    Other services accept an access token until it expires (at most 15 minutes); they do not
    ask identity on every request.
    """
    with database().transaction() as session:
        tokens.logout(session, principal(), payload.get("refresh_token"))
    return Response(status=204)


@blueprint.route("/.well-known/jwks.json", methods=["GET"])
@public
@blueprint.response(200)
def jwks() -> Response:
    """The public keys that verify access tokens: the next, the active and recent previous
    ones. Never empty: identity publishes its first key when it starts, or here at the latest."""
    with database().read() as session:
        body = keys.jwks(session)
    if not body["keys"]:  # identity started before its database was ready
        keys.publish_first_key(database())
        with database().read() as session:
            body = keys.jwks(session)
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
