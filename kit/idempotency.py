"""Idempotency-Key: a client that retries a POST gets the first answer, not a second effect.

A client sends ``Idempotency-Key: <unique string>`` with a POST it may have to retry (a
timeout on a flaky provincial link, say). The first request with that key, from that caller,
runs and its answer is kept; a retry with the same key and the same request gets the kept
answer (with ``Idempotent-Replayed: true``) and changes nothing. The same key with a different
request is refused (422), and a retry while the first is still running waits for its answer.
A request that failed on our side (5xx) is forgotten, so it may be retried. The claim, the
request's effect and its kept answer commit in one transaction (``begin``), so a process that
dies midway leaves either nothing (the retry runs) or all of it (the retry is answered):
never a key stuck "in progress" (docs/decisions/0014). Keys are kept per service
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
import logging
import re
from datetime import timedelta

from flask import Response, g, request
from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from kit import failpoints
from kit.db import Database, unavailable_cause, utcnow
from kit.errors import Unavailable
from kit.events.tables import idempotency_keys
from kit.metrics import IDEMPOTENCY_KEYS_EXPIRED
from kit.problems import Problem, error_response
from kit.runtime import runtime

log = logging.getLogger(__name__)

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
    """Before the view: replay a kept answer, or claim the key for this request.

    The claim is made inside the request's own transaction (``Database.begin_request_
    transaction``), which the view's work joins and ``finish`` commits with the answer: the
    claim, the effect and the kept answer are committed together or not at all. A process
    killed anywhere before that commit leaves nothing, so the retry runs as new; killed after
    it, the retry gets the kept answer. A twin sent while the first still runs waits for the
    first's commit on the key's row (at most the lock timeout, then 503) and gets its answer.
    """
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
    this_key = (idempotency_keys.c.caller == caller) & (idempotency_keys.c.key == key)
    session = db.begin_request_transaction()
    try:
        kept = session.execute(select(idempotency_keys).where(this_key)).first()
        if kept is not None and (kept.created_at < expired_before or kept.status is None):
            # Past its TTL the key is forgotten, as the retention job would have done. A key
            # without an answer was claimed by the earlier design, whose claim committed on
            # its own: its request never finished, so it is forgotten too.
            session.execute(
                delete(idempotency_keys).where(
                    this_key, idempotency_keys.c.created_at == kept.created_at
                )
            )
            kept = None
        if kept is None:
            try:
                with session.begin_nested():
                    # On PostgreSQL a twin's uncommitted claim makes this wait for its end.
                    session.execute(
                        insert(idempotency_keys).values(
                            caller=caller, key=key, fingerprint=fingerprint, created_at=utcnow()
                        )
                    )
            except IntegrityError:
                # The twin committed its answer meanwhile: read it (a new statement sees it).
                kept = session.execute(select(idempotency_keys).where(this_key)).first()
            else:
                g.idempotency_key = key
                return None
    except BaseException:
        db.end_request_transaction(commit=False)
        raise
    db.end_request_transaction(commit=False)
    if kept is None or kept.status is None:  # the twin's row vanished again: say so plainly
        raise Problem(
            409,
            "conflict",
            ("Yêu cầu với khóa này đang được xử lý.", "A request with this key is in progress."),
        )
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
    replay = Response(kept.body, status=kept.status, mimetype=kept.mimetype)
    for name, value in json.loads(kept.headers or "{}").items():
        replay.headers[name] = value
    replay.headers["Idempotent-Replayed"] = "true"
    return replay


KEPT_HEADERS = ("Location", "ETag", "Content-Language")


def finish(db: Database, response: Response) -> Response:
    """After the view: commit its effect with the answer kept, in the request's transaction;
    after a failure of ours (5xx) roll both back, so the key may be used again."""
    key = g.pop("idempotency_key", None)
    session = db.request_session()
    if key is None or session is None:
        return response
    if response.status_code >= 500:
        db.end_request_transaction(commit=False)
        return response
    where = (idempotency_keys.c.caller == _caller()) & (idempotency_keys.c.key == key)
    try:
        if response.direct_passthrough:  # a streamed answer is not kept: the key is forgotten
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
        failpoints.hit("idempotency.before_commit")
        db.end_request_transaction(commit=True)
    except Exception as error:
        # Nothing of the request was committed: tell the caller, who may retry the same key.
        db.end_request_transaction(commit=False)
        log.warning("the request's transaction did not commit", exc_info=True)
        cause = unavailable_cause(error) or "commit_failed"
        return error_response(
            Unavailable(
                (
                    "Yêu cầu chưa được ghi nhận; hãy gửi lại với cùng Idempotency-Key.",
                    "The request was not recorded; send it again with the same Idempotency-Key.",
                ),
                cause=cause,
                retry_after=2,
            )
        )
    failpoints.hit("idempotency.after_commit")
    return response


def abandon(db: Database) -> None:
    """At the end of every request: a request transaction still open (a view or a hook that
    failed before ``finish``) is rolled back, so the next request on this thread starts clean."""
    db.end_request_transaction(commit=False)


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
