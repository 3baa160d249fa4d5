"""Login throttling with an injected clock: delays 1, 2, 4 … 60 s, the lock at 10 failures,
unlocking, the per-address block, and what administrators see of it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kit.app import runtime
from kit.db import utcnow
from services.identity.domain import lockout
from services.identity.domain.lockout import LoginBlocked
from services.identity.tests.test_users import (
    admin,
    audit_entries,
    identity_app,
    new_user,
    unit_admin,
    use_cheap_hashing,
)
from tests.support.stack import Stack
from tests.support.tokens import as_role, unit_officer


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


@pytest.fixture
def app(stack: Stack) -> Flask:
    return identity_app(stack)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Clock:
    def __init__(self) -> None:
        self.at = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(lockout, "now", clock)
    return clock


def fail(app: Flask, username: str, address: str | None = "198.51.100.1") -> None:
    with app.app_context(), runtime().db.transaction() as session:
        lockout.record_failure(session, username, address)


def blocked(app: Flask, username: str, address: str | None = "198.51.100.1") -> LoginBlocked | None:
    with app.app_context(), runtime().db.read() as session:
        try:
            lockout.check(session, username, address)
        except LoginBlocked as error:
            return error
    return None


def state(app: Flask, username: str) -> lockout.State:
    with app.app_context(), runtime().db.read() as session:
        return lockout.state(session, username)


def test_delays_grow_from_the_third_failure_then_the_account_locks(
    app: Flask, clock: Clock
) -> None:
    fail(app, "an")
    fail(app, "an")
    assert blocked(app, "an") is None  # two mistakes cost nothing
    delays = []
    for _ in range(7):  # failures 3..9
        fail(app, "An")  # the same account whatever the case
        error = blocked(app, "an")
        assert error is not None and error.locked is False
        delays.append(error.retry_after_seconds)
        clock.advance(error.retry_after_seconds - 0.5)
        assert blocked(app, "an") is not None
        clock.advance(0.5)
        assert blocked(app, "an") is None
    assert delays == [1, 2, 4, 8, 16, 32, 60]

    fail(app, "an")  # the 10th
    error = blocked(app, "an")
    assert error is not None
    assert (error.locked, error.retry_after_seconds) == (True, 900)
    assert state(app, "an").locked is True
    assert state(app, "an").failures == 10
    [locked] = audit_entries(app, action="lockout.locked")
    assert (locked.target_id, locked.details["failures"]) == ("an", 10)

    clock.advance(15 * 60)
    assert blocked(app, "an") is None
    assert state(app, "an") == lockout.State(
        failures=10, last_failure_at=state(app, "an").last_failure_at
    )
    fail(app, "an")  # one more failure after the lock ran out locks it again
    assert blocked(app, "an").locked is True


def test_success_clears_the_account_but_not_the_address(app: Flask, clock: Clock) -> None:
    for _ in range(4):
        fail(app, "binh", "198.51.100.7")
    assert blocked(app, "binh", "198.51.100.7") is not None
    with app.app_context(), runtime().db.transaction() as session:
        lockout.record_success(session, "binh", "198.51.100.7")
    assert blocked(app, "binh", "198.51.100.7") is None
    assert state(app, "binh").failures == 0
    with app.app_context(), runtime().db.read() as session:
        row = session.get(lockout.LoginThrottle, "address:198.51.100.7")
        assert row is not None and row.failures == 4


def test_unlock_clears_a_locked_account(app: Flask, clock: Clock) -> None:
    for _ in range(10):
        fail(app, "chi")
    assert blocked(app, "chi").locked
    with app.app_context(), runtime().db.transaction() as session:
        assert lockout.unlock(session, "CHI") is True
    assert blocked(app, "chi", None) is None
    assert state(app, "chi") == lockout.State()
    with app.app_context(), runtime().db.transaction() as session:
        assert lockout.unlock(session, "chi") is False


def test_an_address_spraying_many_accounts_is_blocked(app: Flask, clock: Clock) -> None:
    sprayer, neighbour = "203.0.113.66", "203.0.113.67"
    for n in range(49):
        fail(app, f"user{n}", sprayer)
        clock.advance(10)
    assert blocked(app, "someone", sprayer) is None
    fail(app, "user49", sprayer)  # the 50th
    error = blocked(app, "someone.else", sprayer)
    assert error is not None
    assert (error.locked, error.retry_after_seconds) == (False, 900)
    assert blocked(app, "someone.else", neighbour) is None
    assert blocked(app, "someone.else", None) is None
    [entry] = audit_entries(app, action="lockout.address_blocked")
    assert entry.target_id == sprayer

    clock.advance(15 * 60)
    assert blocked(app, "someone.else", sprayer) is None
    fail(app, "user0", sprayer)  # a quiet gap of 15 minutes started the count afresh
    assert blocked(app, "another", sprayer) is None


def test_a_slow_address_never_reaches_the_limit(app: Flask, clock: Clock) -> None:
    for n in range(60):
        fail(app, f"user{n}", "192.0.2.10")
        clock.advance(16 * 60)
    assert blocked(app, "x", "192.0.2.10") is None


def test_prune_forgets_old_rows_but_not_locked_accounts(app: Flask, clock: Clock) -> None:
    fail(app, "old", "192.0.2.20")
    for _ in range(10):
        fail(app, "locked.one", None)
    clock.advance(2 * 24 * 3600)
    with app.app_context(), runtime().db.transaction() as session:
        assert lockout.prune(session) == 2  # account:old, address:192.0.2.20
    assert state(app, "locked.one").failures == 10


# -- what administrators see and do ----------------------------------------------------------


def test_admins_see_lockouts_and_unlock_within_their_reach(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    hcm = new_user(client, "stp-79", "hcm.user")
    for _ in range(10):
        fail(app, "hn.user", "198.51.100.1")
        fail(app, "hcm.user", "198.51.100.2")
    for n in range(50):
        fail(app, f"ghost{n}", "203.0.113.99")

    everything = client.get("/lockouts?page_size=200", headers=admin()).get_json()
    keys = {(item["kind"], item["key"]) for item in everything["items"]}
    assert {("account", "hn.user"), ("account", "hcm.user"), ("address", "203.0.113.99")} <= keys
    hn_item = next(i for i in everything["items"] if i["key"] == "hn.user")
    assert (hn_item["user_id"], hn_item["unit_id"], hn_item["locked"]) == (hn["id"], "stp-01", True)

    hanoi = unit_admin("stp-01", subject="hn-admin")
    mine = client.get("/lockouts", headers=hanoi).get_json()
    assert [(i["kind"], i["key"]) for i in mine["items"]] == [("account", "hn.user")]
    for other in (unit_officer("stp-01"), as_role("auditor"), as_role("ministry_officer")):
        assert client.get("/lockouts", headers=other).status_code == 403

    detail = client.get(f"/users/{hn['id']}", headers=hanoi).get_json()
    assert detail["lockout"]["locked"] is True
    assert detail["lockout"]["failures"] == 10
    assert detail["lockout"]["blocked_until"] is not None

    assert client.post(f"/users/{hcm['id']}/unlock", headers=hanoi).status_code == 404
    assert blocked(app, "hcm.user", None) is not None
    unlocked = client.post(
        f"/users/{hn['id']}/unlock", headers={**hanoi, "X-Request-ID": "req-unlock"}
    )
    assert unlocked.status_code == 200
    assert unlocked.get_json()["lockout"] == {
        "failures": 0,
        "blocked_until": None,
        "locked": False,
        "last_failure_at": None,
    }
    assert blocked(app, "hn.user", None) is None
    [entry] = audit_entries(app, action="lockout.unlocked", outcome="success")
    assert (entry.actor_id, entry.target_id, entry.request_id) == (
        "hn-admin",
        hn["id"],
        "req-unlock",
    )
    assert entry.details["cleared"] is True
    [denied] = audit_entries(app, action="lockout.unlocked", outcome="denied")
    assert denied.target_id == hcm["id"]
