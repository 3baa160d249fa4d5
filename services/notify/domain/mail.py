"""Notify's e-mail outbox: one row per message, sent by ``python -m services.notify send-mail``.

A message is queued in the transaction that makes its cause (a notification filed by the
consumer, a day's digest), keyed by that cause (``notification:<id>``, ``digest:<user>:<day>``),
so one cause never makes two messages. Its ``Message-ID`` is fixed then too.

Sending, per message (decision 0012): the sender *claims* it (``sending``, one more attempt,
an attempt row), commits, talks SMTP, and records the outcome in a second transaction. A
failure the server reported before it took the message (a refused connection, a 4xx reply
to MAIL, RCPT or DATA) is retried with backoff; a 5xx is final (``failed``). A sender that
dies between the server's acceptance and the record leaves the row ``sending``: once its
lease has passed, the next sender marks it ``uncertain`` (the attempt ``unknown``) and does
not send it again. Never twice beats at least once for a person's e-mail; the inbox has the
notification either way, and an operator can resend one on purpose.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kit.db import utcnow
from services.notify.models import MailAttempt, MailMessage, Notification, Person

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MAX_BACKOFF = timedelta(hours=6)
PENDING, SENDING, SENT, FAILED, UNCERTAIN = "pending", "sending", "sent", "failed", "uncertain"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, context: dict[str, Any], web_url: str) -> tuple[str, str]:
    """The message's plain-text and HTML bodies (the HTML autoescaped)."""
    facts = {**context, "web_url": web_url}
    text = _env.get_template(f"mail/{template}.txt").render(facts)
    html = _env.get_template(f"mail/{template}.html").render(facts)
    return text, html


def queue(
    session: Session,
    *,
    key: str,
    person: Person,
    subject: str,
    template: str,
    context: dict[str, Any],
) -> MailMessage | None:
    """Queue a message for ``key`` unless one exists; the new row, or None."""
    if not person.email:
        return None
    if session.execute(select(MailMessage.id).where(MailMessage.key == key)).first():
        return None
    now = utcnow()
    message = MailMessage(
        key=key,
        user_id=person.user_id,
        to_address=person.email,
        subject=subject[:300],
        template=template,
        context=context,
        message_id=f"<{uuid.uuid4()}@thidua.notify>",
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        return None
    return message


def queue_instant(session: Session, person: Person, notification: Notification) -> None:
    """The e-mail of one notification, for a person who wants it at once."""
    queue(
        session,
        key=f"notification:{notification.id}",
        person=person,
        subject=notification.title,
        template="notification",
        context={
            "title": notification.title,
            "body": notification.body,
            "link": notification.link,
        },
    )


# -- the sender's steps ----------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """What the sender needs of a claimed message, outside the claiming transaction."""

    mail_id: int
    attempt_id: int
    number: int
    to_address: str
    subject: str
    template: str
    context: dict[str, Any]
    message_id: str


def give_up_on_stale(session: Session, now: datetime, lease: float) -> int:
    """Messages left ``sending`` past the lease: their sender died, maybe after the server took
    them. Marked ``uncertain`` (the attempt ``unknown``), never resent; how many."""
    stale = list(
        session.execute(
            select(MailMessage).where(
                MailMessage.status == SENDING,
                MailMessage.claimed_at < now - timedelta(seconds=lease),
            )
        ).scalars()
    )
    for message in stale:
        message.status = UNCERTAIN
        message.last_error = "the sender stopped during this attempt; it may have been sent"
        session.execute(
            update(MailAttempt)
            .where(MailAttempt.mail_id == message.id, MailAttempt.outcome == SENDING)
            .values(outcome="unknown", finished_at=now, detail=message.last_error)
        )
    return len(stale)


def claim(session: Session, now: datetime, limit: int) -> list[Claimed]:
    """Take up to ``limit`` messages due by ``now`` (others skip them on PostgreSQL)."""
    query = (
        select(MailMessage)
        .where(MailMessage.status == PENDING, MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message in session.execute(query).scalars().all():
        message.status = SENDING
        message.attempts += 1
        message.claimed_at = utcnow()
        attempt = MailAttempt(
            mail_id=message.id,
            number=message.attempts,
            started_at=message.claimed_at,
            outcome=SENDING,
        )
        session.add(attempt)
        session.flush()
        claimed.append(
            Claimed(
                mail_id=message.id,
                attempt_id=attempt.id,
                number=message.attempts,
                to_address=message.to_address,
                subject=message.subject,
                template=message.template,
                context=dict(message.context),
                message_id=message.message_id,
            )
        )
    return claimed


def _finish(session: Session, claimed: Claimed, outcome: str, detail: str | None) -> MailMessage:
    now = utcnow()
    attempt = session.get(MailAttempt, claimed.attempt_id)
    if attempt is not None:
        attempt.outcome, attempt.finished_at, attempt.detail = outcome, now, detail
    message = session.get(MailMessage, claimed.mail_id)
    assert message is not None
    return message


def record_sent(session: Session, claimed: Claimed, reply: str) -> None:
    message = _finish(session, claimed, SENT, reply)
    message.status, message.sent_at, message.last_error = SENT, utcnow(), None


def record_failure(
    session: Session,
    claimed: Claimed,
    error: str,
    *,
    final: bool,
    max_attempts: int,
    backoff: float,
) -> None:
    """A refused attempt: retried after a doubling, jittered wait, or given up on."""
    message = _finish(session, claimed, "failed", error[:2000])
    message.last_error = error[:2000]
    if final or message.attempts >= max_attempts:
        message.status = FAILED
        return
    wait = timedelta(seconds=backoff * 2 ** (message.attempts - 1) * random.uniform(0.8, 1.2))
    message.status = PENDING
    message.next_attempt_at = utcnow() + min(wait, MAX_BACKOFF)


def record_uncertain(session: Session, claimed: Claimed, error: str) -> None:
    """The connection broke while the server may have been taking the message: not resent."""
    message = _finish(session, claimed, "unknown", error[:2000])
    message.status, message.last_error = UNCERTAIN, error[:2000]


def resend(session: Session, mail_id: int) -> bool:
    """An operator's deliberate resend of an uncertain or failed message (same Message-ID, so
    a mail client that got the first shows one)."""
    message = session.get(MailMessage, mail_id)
    if message is None or message.status not in (UNCERTAIN, FAILED):
        return False
    message.status, message.next_attempt_at = PENDING, utcnow()
    return True
