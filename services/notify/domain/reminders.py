"""What notify does by the clock: deadline reminders and the daily digest.

Rounds. Notify copies each scoring round from ``scoring.round.phase_changed`` (its year, unit
kind, phase and, since that event carries them, its ``deadlines``); phases only move forward,
so a late event of an earlier phase changes nothing. Three days and one day before the
deadline of the phase a round is in, everyone in the round hears of it (``rules.REMINDER``):
the people of its units (those of its kind in force on 31 December, the rule scoring opens
rounds with) and the region leads of its year. A round whose phase moves on is reminded of
the next deadline, never of a passed one.

Digest. From ``digest_hour`` (Vietnam time) each day, each person with notifications they
want by digest and not yet digested gets one message listing them.

Both are made once however many schedulers run (``python -m services.notify remind`` on every
replica is safe): a reminder is a row ``(round, phase, days before)`` and a digest a row
``(user, day)``, each inserted in the transaction that files the notifications or queues the
message; a second scheduler's insert fails on the key and its transaction does nothing.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kit import heartbeat
from kit.db import Database, utcnow
from kit.events import CloudEvent
from services.notify.domain import mail, recipients, rules
from services.notify.models import DigestDay, Notification, Person, ReminderSent, RoundCopy

log = logging.getLogger(__name__)

PHASES = ["draft", "self_assessment", "region_review", "appraisal", "closed", "published"]
REMINDED_PHASES = ("self_assessment", "region_review", "appraisal")
DAYS_BEFORE = (1, 3)  # the nearest window first
VIETNAM = timezone(timedelta(hours=7))


def copy_round(session: Session, event: CloudEvent) -> None:
    """scoring.round.phase_changed: the round's phase (forward only) and deadlines."""
    data = event.data
    at = datetime.fromisoformat(event.time).astimezone(UTC)
    round_ = session.get(RoundCopy, data["round_id"])
    if round_ is None:
        round_ = RoundCopy(round_id=data["round_id"], phase=data["to"], deadlines={}, as_of=at)
        session.add(round_)
    elif PHASES.index(data["to"]) < PHASES.index(round_.phase):
        return  # older news
    round_.year, round_.unit_kind, round_.phase = int(data["year"]), data["unit_kind"], data["to"]
    if data.get("deadlines"):
        round_.deadlines = dict(data["deadlines"])
    round_.as_of = max(at, round_.as_of)


def _window(due: datetime, now: datetime) -> int | None:
    for days in DAYS_BEFORE:
        if due - timedelta(days=days) <= now < due:
            return days
    return None


def round_people(session: Session, round_: RoundCopy) -> list[Person]:
    """Everyone in a round: the people of its units and its year's region leads."""
    units = recipients.round_units(session, round_.year, round_.unit_kind)
    regions = [r.region_id for r in recipients.regions_of_year(session, round_.year)]
    return recipients.together(
        recipients.unit_people(session, units), recipients.region_leads(session, regions)
    )


def remind(session: Session, now: datetime) -> list[tuple[str, str, int]]:
    """File every reminder due now and not yet made; (round, phase, days) of each made."""
    made = []
    query = select(RoundCopy).where(RoundCopy.phase.in_(REMINDED_PHASES))
    for round_ in session.execute(query.order_by(RoundCopy.round_id)).scalars().all():
        due_text = (round_.deadlines or {}).get(round_.phase)
        if not due_text:
            continue  # a round announced before events carried deadlines
        due = datetime.fromisoformat(due_text).astimezone(UTC)
        days = _window(due, now)
        if days is None:
            continue
        ledger = ReminderSent(
            round_id=round_.round_id,
            phase=round_.phase,
            days_before=days,
            due=due,
            sent_at=now,
            recipients=0,
        )
        try:
            with session.begin_nested():
                session.add(ledger)
                session.flush()
        except IntegrityError:
            continue  # made already, by this scheduler or another
        facts: dict[str, Any] = {
            "round_id": round_.round_id,
            "year": round_.year,
            "unit_kind": round_.unit_kind,
            "days": days,
            "phase_name": rules.PHASE_NAMES[round_.phase],
            "due_local": due.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y"),
        }
        key = f"deadline:{round_.round_id}:{round_.phase}:{days}"
        people = round_people(session, round_)
        ledger.recipients = rules.deliver(
            session, rules.REMINDER, facts, people, key=key, event_type=None
        )
        made.append((round_.round_id, round_.phase, days))
    return made


def digest(session: Session, now: datetime, hour: int) -> int:
    """Queue today's digest of each person who has one waiting, once a day; how many."""
    local = now.astimezone(VIETNAM)
    if local.hour < hour:
        return 0
    day = local.date()
    waiting = select(Notification).where(
        Notification.email_mode == "digest", Notification.digest_id.is_(None)
    )
    by_user: dict[str, list[Notification]] = {}
    for notification in session.execute(waiting.order_by(Notification.id)).scalars():
        by_user.setdefault(notification.user_id, []).append(notification)
    queued = 0
    for user_id, items in sorted(by_user.items()):
        person = session.get(Person, user_id)
        if person is None or not person.active or not person.email:
            continue
        try:
            with session.begin_nested():
                session.add(DigestDay(user_id=user_id, day=day, items=len(items)))
                session.flush()
        except IntegrityError:
            continue  # today's digest is made; these wait for tomorrow's
        message = mail.queue(
            session,
            key=f"digest:{user_id}:{day.isoformat()}",
            person=person,
            subject=f"Tóm tắt thông báo ngày {day:%d/%m/%Y}: {len(items)} thông báo mới",
            template="digest",
            context={
                "day": f"{day:%d/%m/%Y}",
                "items": [{"title": n.title, "body": n.body, "link": n.link} for n in items],
            },
        )
        if message is not None:
            for notification in items:
                notification.digest_id = message.id
            queued += 1
    return queued


def tick(db: Database, digest_hour: int, now: datetime | None = None) -> dict[str, int]:
    """One pass, each part in its own transaction."""
    now = now or utcnow()
    with db.transaction() as session:
        made = remind(session, now)
    with db.transaction() as session:
        digests = digest(session, now, digest_hour)
    for round_id, phase, days in made:
        log.info("reminded round %s: %s due in %d day(s)", round_id, phase, days)
    return {"reminders": len(made), "digests": digests}


def run(db: Database, digest_hour: int, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        heartbeat.beat()  # the process's /livez (kit.heartbeat)
        try:
            tick(db, digest_hour)
        except Exception:
            log.exception("remind: pass failed")
        stop.wait(interval * random.uniform(0.8, 1.2))
