"""Idempotency-Key: a client that retries a POST gets the first answer, not a second effect.

A client sends ``Idempotency-Key: <unique string>`` with a POST it may have to retry (a
timeout on a flaky provincial link, say). The first request with that key, from that caller,
runs and its answer is kept; a retry with the same key and the same request gets the kept
answer (with ``Idempotent-Replayed: true``) and changes nothing. The same key with a different
request is refused (422), and a retry while the first is still running gets 409. A request
that failed on our side (5xx) is forgotten, so it may be retried. Keys are kept per service
in its own database (``idempotency_keys``, the kit's migration branch). JSON (or empty)
bodies only: an upload's or a form's body is not fingerprinted, so the key is ignored there.
"""

from __future__ import annotations

import hashlib
import json
import re

from flask import Response, g, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from kit.db import Database, utcnow
from kit.events.tables import idempotency_keys
from kit.problems import Problem

HEADER = "Idempotency-Key"
_ACCEPTABLE = re.compile(r"\A[\x21-\x7e]{1,200}\Z")


def _caller() -> str:
    principal = g.get("principal")
    return principal.subject if principal is not None else "anonymous"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.full_path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def begin(db: Database) -> Response | None:
    """Before the view: replay a kept answer, or claim the key for this request."""
    key = request.headers.get(HEADER)
    json_or_empty = not request.content_length or request.is_json
    if request.method != "POST" or key is None or not json_or_empty:
        return None  # uploads and forms are not replayed: their bodies are not kept
    if not _ACCEPTABLE.match(key):
        raise Problem(
            400,
            "bad-request",
            (
                "Idempotency-Key phải có 1–200 ký tự in được.",
                "Idempotency-Key must be 1–200 printable characters.",
            ),
        )
    caller, fingerprint = _caller(), _fingerprint()
    with db.transaction() as session:
        kept = session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
            )
        ).first()
        if kept is None:
            try:
                with session.begin_nested():
                    session.execute(
                        insert(idempotency_keys).values(
                            caller=caller, key=key, fingerprint=fingerprint, created_at=utcnow()
                        )
                    )
            except IntegrityError as twin:  # a concurrent twin claimed it a moment ago
                raise Problem(
                    409,
                    "conflict",
                    (
                        "Yêu cầu với khóa này đang được xử lý.",
                        "A request with this key is in progress.",
                    ),
                ) from twin
            g.idempotency_key = key
            return None
    if kept.fingerprint != fingerprint:
        raise Problem(
            422,
            "validation-failed",
            (
                "Idempotency-Key đã dùng cho một yêu cầu khác.",
                "This Idempotency-Key was used for a different request.",
            ),
            errors={HEADER: ["Dùng khóa mới cho yêu cầu mới. / Use a new key."]},
        )
    if kept.status is None:
        raise Problem(
            409,
            "conflict",
            ("Yêu cầu với khóa này đang được xử lý.", "A request with this key is in progress."),
        )
    replay = Response(kept.body, status=kept.status, mimetype=kept.mimetype)
    for name, value in json.loads(kept.headers or "{}").items():
        replay.headers[name] = value
    replay.headers["Idempotent-Replayed"] = "true"
    return replay


KEPT_HEADERS = ("Location", "ETag", "Content-Language")


def finish(db: Database, response: Response) -> Response:
    """After the view: keep the answer (or forget the key after a failure of ours)."""
    key = g.pop("idempotency_key", None)
    if key is None:
        return response
    caller = _caller()
    where = (idempotency_keys.c.caller == caller) & (idempotency_keys.c.key == key)
    with db.transaction() as session:
        if response.status_code >= 500 or response.direct_passthrough:
            session.execute(delete(idempotency_keys).where(where))
        else:
            headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
            session.execute(
                update(idempotency_keys)
                .where(where)
                .values(
                    status=response.status_code,
                    mimetype=response.mimetype,
                    body=response.get_data(as_text=True),
                    headers=json.dumps(headers),
                )
            )
    return response
