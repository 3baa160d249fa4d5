"""Deadlines that act by themselves: a round whose self-assessment is due moves on.

``close_overdue`` moves every round still in self-assessment past its ``self_assessment_due``
to region review, exactly as a Ministry officer's move would (``rounds.advance``: the round's
revision, one ``scoring.round.phase_changed`` event, here with the actor
``system:scheduler`` and the reason ``deadline``). Sheets still in draft stay drafts; the
phase gate of the sheets (``lifecycle.ALLOWED``) is what stops them being edited or submitted.

Several scheduler processes may run (one per replica is fine): on PostgreSQL each claims its
rounds with ``SELECT … FOR UPDATE SKIP LOCKED``, so a round being moved by one is skipped by
the others, and the phase is checked in the same transaction, so a later run finds nothing
left to do. SQLite has one writer at a time (``BEGIN IMMEDIATE``), which gives the same.

``run`` repeats it every ``interval`` seconds (jittered, so replicas do not wake together)
until stopped: ``python -m services.scoring scheduler``.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kit import heartbeat
from kit.db import Database, utcnow
from services.scoring.domain import rounds
from services.scoring.models import Round

log = logging.getLogger(__name__)

ACTOR = "system:scheduler"
REASON = "deadline"


def close_overdue(session: Session, now: datetime) -> list[str]:
    """Move every overdue round from self-assessment to region review; their ids."""
    query = (
        select(Round)
        .where(Round.phase == "self_assessment", Round.self_assessment_due <= now)
        .order_by(Round.self_assessment_due, Round.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    moved = []
    for round_ in session.execute(query).scalars().all():
        rounds.advance(session, ACTOR, round_, "region_review", REASON)
        moved.append(round_.id)
    session.flush()
    return moved


def tick(db: Database, now: datetime | None = None) -> list[str]:
    """One pass in its own transaction."""
    with db.transaction() as session:
        moved = close_overdue(session, now or utcnow())
    for round_id in moved:
        log.info(
            "self-assessment closed at its deadline",
            extra={"round_id": round_id, "to": "region_review", "actor": ACTOR},
        )
    return moved


def run(db: Database, stop: threading.Event, interval: float = 30) -> None:
    """Pass every ``interval`` seconds (±20 %) until ``stop`` is set; a failed pass is
    logged and retried at the next one."""
    log.info("scheduler started", extra={"interval_s": interval})
    while not stop.is_set():
        heartbeat.beat()  # the process's /livez (kit.heartbeat)
        try:
            tick(db)
        except Exception:
            log.exception("scheduler pass failed")
        stop.wait(interval * random.uniform(0.8, 1.2))
    log.info("scheduler stopped")
