"""Idempotency-Key: a client that retries a POST gets the first answer, not a second effect.

A client sends ``Idempotency-Key: <unique string>`` with a POST it may have to retry (a
timeout on a flaky provincial link, say). The first request with that key, from that caller,
runs and its answer is kept; a retry with the same key and the same request gets the kept
answer (with ``Idempotent-Replayed: true``) and changes nothing. The same key with a different
request is refused (422), and a retry while the first is still running gets 409. A request
that failed on our side (5xx) is forgotten, so it may be retried. Keys are kept per service
in its own database (``idempotency_keys``, the kit's migration branch). JSON (or empty)
bodies only: an upload's or a form's body is not fingerprinted, so the key is ignored there.

Keys expire: one older than ``THIDUA_IDEMPOTENCY_TTL_HOURS`` (24 by default) counts as never
seen, so a request that reuses it runs as new, whether or not the retention job
(``python -m services.<name> prune``, which calls ``expire``) has deleted it yet. A client
retries within minutes; a day keeps every honest retry and bounds the table.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from flask import Response, g, request
from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from kit.db import Database, utcnow
from kit.events.tables import idempotency_keys
from kit.metrics import IDEMPOTENCY_KEYS_EXPIRED
from kit.problems import Problem
from kit.runtime import runtime

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
    expired_before = utcnow() - timedelta(hours=runtime().settings.idempotency_ttl_hours)
    with db.transaction() as session:
        kept = session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
            )
        ).first()
        if kept is not None and kept.created_at < expired_before:
            # Past its TTL the key is forgotten, as the retention job would have done.
            session.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.caller == caller,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.created_at == kept.created_at,
                )
            )
            kept = None
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


def expire(db: Database, older_than: timedelta, batch_size: int = 500) -> int:
    """Delete the keys made more than ``older_than`` ago, oldest first, in transactions of at
    most ``batch_size`` keys (a long one would hold back the APIs' own writes); return how
    many. Safe to run beside the APIs and beside itself: a key deleted twice counts once."""
    cutoff = utcnow() - older_than
    primary_key = tuple_(idempotency_keys.c.caller, idempotency_keys.c.key)
    oldest = (
        select(idempotency_keys.c.caller, idempotency_keys.c.key)
        .where(idempotency_keys.c.created_at < cutoff)
        .order_by(idempotency_keys.c.created_at)
        .limit(batch_size)
    )
    total = 0
    while True:
        with db.transaction() as session:
            deleted = session.execute(
                delete(idempotency_keys).where(primary_key.in_(oldest))
            ).rowcount
        if deleted:
            IDEMPOTENCY_KEYS_EXPIRED.labels(db.service).inc(deleted)
        total += deleted
        if deleted < batch_size:
            return total
