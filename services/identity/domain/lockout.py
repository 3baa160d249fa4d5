"""Throttling failed logins, per account and per source address (the ``login_throttles`` table).

Per account (key ``account:<username, lowercased>``), counting *consecutive* failures; a
successful login or an administrator's unlock clears the count:

- from the 3rd failure on, the account is blocked for ``min(2 ** (failures - 3), 60)``
  seconds after each failure (1, 2, 4, 8, 16, 32, 60 s): online guessing slows to a crawl
  while a user who mistyped twice notices nothing;
- at the 10th failure it is *locked* for 15 minutes (``locked``), which administrators see
  (``GET /lockouts``) and can lift (``POST /users/<id>/unlock``). The count is not reset when
  the lock expires: every further failure locks it for another 15 minutes, so an attacker gets
  about one guess per 15 minutes (under 100 a day, NIST SP 800-63B §5.2.2) until the real user
  signs in or an administrator unlocks.

Unknown usernames are throttled the same way, so the answers do not reveal which exist.

Per source address (key ``address:<ip>``), against password spraying across many accounts:
50 failures, each less than 15 minutes after the previous one, block the address for 15
minutes. A success does not clear it (a sprayer may know one password of its own); a quiet
gap of 15 minutes does.

The clock is the module function ``now`` (tests replace it). Counting is an upsert on the
row's key (``INSERT … ON CONFLICT DO UPDATE``), so concurrent failures neither lose counts
nor collide creating the row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kit.db import utcnow
from services.identity.domain import audit
from services.identity.models import LoginThrottle

DELAY_FROM_FAILURE = 3  # the failure that starts the progressive delay
MAX_DELAY_SECONDS = 60
LOCK_AFTER_FAILURES = 10
LOCK_DURATION = timedelta(minutes=15)
ADDRESS_FAILURE_LIMIT = 50
ADDRESS_BLOCK_DURATION = timedelta(minutes=15)
ADDRESS_WINDOW = timedelta(minutes=15)  # a gap this long starts an address's count afresh

ACCOUNT_PREFIX = "account:"
ADDRESS_PREFIX = "address:"


def now() -> datetime:
    """The clock (replaced in tests)."""
    return utcnow()


class LoginBlocked(Exception):
    """Sign-in is refused for now, without checking the password."""

    def __init__(self, retry_after_seconds: int, locked: bool) -> None:
        super().__init__(f"login blocked for {retry_after_seconds} s (locked={locked})")
        self.retry_after_seconds = retry_after_seconds
        self.locked = locked


@dataclass(frozen=True)
class State:
    """An account's throttling as administrators see it."""

    failures: int = 0
    blocked_until: datetime | None = None  # only while in the future
    locked: bool = False  # only while the lock is in force
    last_failure_at: datetime | None = None


def account_key(username: str) -> str:
    return ACCOUNT_PREFIX + username.strip().lower()


def address_key(address: str) -> str:
    return ADDRESS_PREFIX + address.strip()


def account_delay(failures: int) -> timedelta | None:
    """How long an account stays blocked after its ``failures``-th consecutive failure."""
    if failures >= LOCK_AFTER_FAILURES:
        return LOCK_DURATION
    if failures >= DELAY_FROM_FAILURE:
        return timedelta(seconds=min(2 ** (failures - DELAY_FROM_FAILURE), MAX_DELAY_SECONDS))
    return None


def _blocked(row: LoginThrottle | None, at: datetime) -> bool:
    return row is not None and row.blocked_until is not None and row.blocked_until > at


def check(session: Session, username: str, address: str | None) -> None:
    """Raise ``LoginBlocked`` when the account or the address may not try to sign in now."""
    at = now()
    account = session.get(LoginThrottle, account_key(username))
    source = session.get(LoginThrottle, address_key(address)) if address else None
    waits = [r.blocked_until for r in (account, source) if r is not None and _blocked(r, at)]
    if not waits:
        return
    seconds = max(math.ceil((until - at).total_seconds()) for until in waits if until)
    locked = account is not None and _blocked(account, at) and account.locked
    raise LoginBlocked(max(seconds, 1), locked=bool(locked))


def _count_failure(session: Session, key: str, at: datetime, window: timedelta | None) -> int:
    """Add one failure to ``key`` (creating its row) and return the count, atomically."""
    table = LoginThrottle.__table__
    failures = table.c.failures + 1
    if window is not None:  # an old series is forgotten
        failures = case((table.c.last_failure_at <= at - window, 1), else_=table.c.failures + 1)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(key=key, failures=1, last_failure_at=at, blocked_until=None, locked=False)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"failures": failures, "last_failure_at": at},
        )
        .returning(table.c.failures)
    )
    count = session.execute(statement).scalar_one()
    loaded = session.identity_map.get(session.identity_key(LoginThrottle, key))
    if loaded is not None:
        session.expire(loaded)  # the ORM's copy of the row is stale now
    return count


def record_failure(session: Session, username: str, address: str | None) -> None:
    """Count a failed sign-in against the account and the address; block them as due."""
    at = now()
    key = account_key(username)
    failures = _count_failure(session, key, at, window=None)
    delay = account_delay(failures)
    if delay is not None:
        locking = failures >= LOCK_AFTER_FAILURES
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(blocked_until=at + delay, locked=locking)
        )
        if locking:
            audit.record(
                session,
                "lockout.locked",
                actor_id=None,
                target_type="account",
                target_id=key.removeprefix(ACCOUNT_PREFIX),
                failures=failures,
                until=(at + delay).isoformat(),
            )
    if address:
        key = address_key(address)
        failures = _count_failure(session, key, at, window=ADDRESS_WINDOW)
        if failures >= ADDRESS_FAILURE_LIMIT:
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(blocked_until=at + ADDRESS_BLOCK_DURATION)
            )
            if failures == ADDRESS_FAILURE_LIMIT:
                audit.record(
                    session,
                    "lockout.address_blocked",
                    actor_id=None,
                    target_type="address",
                    target_id=address.strip(),
                    failures=failures,
                    until=(at + ADDRESS_BLOCK_DURATION).isoformat(),
                )


def record_success(session: Session, username: str, address: str | None) -> None:
    """A successful sign-in clears the account's count (not the address's)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(username)))


def unlock(session: Session, username: str) -> bool:
    """Clear the account's failures, delay and lock; True when there was something to clear."""
    result = session.execute(
        delete(LoginThrottle).where(LoginThrottle.key == account_key(username))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def state(session: Session, username: str) -> State:
    """The account's failures, and its block and lock while they are in force."""
    row = session.get(LoginThrottle, account_key(username))
    if row is None:
        return State()
    at = now()
    blocked = _blocked(row, at)
    return State(
        failures=row.failures,
        blocked_until=row.blocked_until if blocked else None,
        locked=blocked and row.locked,
        last_failure_at=row.last_failure_at,
    )


def blocked_query() -> Select[tuple[LoginThrottle]]:
    """Every row (account or address) blocked right now, longest block first."""
    return (
        select(LoginThrottle)
        .where(LoginThrottle.blocked_until > now())
        .order_by(LoginThrottle.blocked_until.desc(), LoginThrottle.key)
    )


def prune(session: Session, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete rows not blocked whose last failure is older than ``older_than``; the count.

    For a periodic job: address rows are never cleared by a success, and probes of unknown
    usernames leave rows behind. Accounts that reached the lock keep their count (only a
    success or an unlock clears it); smaller counts are forgotten after ``older_than``.
    """
    at = now()
    result = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < at - older_than,
            (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until <= at),
            ~(
                LoginThrottle.key.startswith(ACCOUNT_PREFIX)
                & (LoginThrottle.failures >= LOCK_AFTER_FAILURES)
            ),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
