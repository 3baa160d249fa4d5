"""No transaction can hold the platform hostage (issue 15): every wait on PostgreSQL is bounded.

A lock held by a stuck transaction makes the requests that need that row answer 503, naming
the cause, within the lock timeout, while every other request goes on; a transaction whose
client vanished is ended by the server, which releases its locks.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy import text

from kit.app import create_app, runtime
from kit.db import POSTGRES_WAITS, Database
from services.criteria.service import SERVICE as CRITERIA
from services.identity.domain import users
from services.identity.domain.demo import OPERATOR
from services.identity.service import SERVICE as IDENTITY
from services.identity.tests.test_users import seed_org, use_cheap_hashing
from tests.support import infra
from tests.support.processes import free_port
from tests.support.stack import Stack
from tests.support.tokens import TEST_KEYS, as_role

PASSWORD = "mật-khẩu-thử-nghiệm-1"
LOCK_TIMEOUT_MS = 800


@pytest.fixture
def database_name() -> Iterator[str]:
    infra.require()
    name = f"waits_{uuid.uuid4().hex[:10]}"
    infra.create_database(name)
    try:
        yield name
    finally:
        infra.drop_database(name)


def _admin_url(name: str) -> str:
    """A plain libpq URL to the database, for a second connection that is not the service's."""
    return infra.PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def test_every_connection_carries_the_bounded_waits_and_a_url_may_set_its_own(
    database_name: str,
) -> None:
    url = f"{infra.PG_HOST_URL}/{database_name}"
    defaults = Database(url, "waits")
    tuned = Database(url + "?options=-c%20lock_timeout%3D700", "waits")
    try:
        with defaults.read() as session:
            shown = {n: session.execute(text(f"SHOW {n}")).scalar() for n in POSTGRES_WAITS}
        assert shown["lock_timeout"] == "5s"
        assert shown["statement_timeout"] == "1min"
        assert shown["idle_in_transaction_session_timeout"] == "1min"
        assert shown["tcp_keepalives_idle"] == "30"
        with tuned.read() as session:
            assert session.execute(text("SHOW lock_timeout")).scalar() == "700ms"
            assert session.execute(text("SHOW statement_timeout")).scalar() == "1min"
    finally:
        defaults.dispose()
        tuned.dispose()


def test_a_transaction_left_idle_is_ended_by_the_server_and_its_lock_released(
    database_name: str,
) -> None:
    url = f"{infra.PG_HOST_URL}/{database_name}"
    setup = Database(url, "waits")
    # The holder behaves like a process killed inside its transaction: it takes a row lock
    # and then says nothing more, while its connection stays open.
    holder = Database(url + "?options=-c%20idle_in_transaction_session_timeout%3D1000", "waits")
    try:
        with setup.transaction() as session:
            session.execute(text("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)"))
            session.execute(text("INSERT INTO counters VALUES (1, 0)"))
        stuck = holder.engine.connect()
        stuck.begin()
        stuck.execute(text("UPDATE counters SET n = n + 1 WHERE id = 1"))
        # Without the server's timeout this update would wait for ever (well, for the 5 s
        # lock timeout); the server ends the idle holder after 1 s and the update goes on.
        with setup.transaction() as session:
            session.execute(text("UPDATE counters SET n = n + 10 WHERE id = 1"))
        with setup.read() as session:
            assert session.execute(text("SELECT n FROM counters")).scalar() == 10
        with pytest.raises(Exception, match=r"idle-in-transaction|terminat|closed"):
            stuck.execute(text("SELECT 1"))
        stuck.invalidate()
    finally:
        setup.dispose()
        holder.dispose()


def _sign_in(client, username: str) -> tuple[int, dict, dict]:
    response = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": username, "password": PASSWORD},
    )
    return response.status_code, response.get_json(), dict(response.headers)


def _identity_with_users(stack: Stack, lock_timeout_ms: int, *usernames: str) -> Flask:
    """Identity on the infra stack with a short lock timeout, and users who can sign in."""
    stack.prepare(IDENTITY)
    base = stack.database_url("identity")
    settings = replace(
        stack.settings("identity"),
        database_url=f"{base}?options=-c%20lock_timeout%3D{lock_timeout_ms}",
    )
    app = create_app(IDENTITY, settings, keys=TEST_KEYS)
    app.config["TESTING"] = True
    seed_org(app)
    with app.app_context(), runtime().db.transaction() as session:
        for username in usernames:
            users.create_user(
                session,
                OPERATOR,
                username=username,
                full_name="Trần Thị Bình",
                email=None,
                unit_id="stp-01",
                password=PASSWORD,
            )
    return app


def _hold_user_row(stack: Stack, username: str) -> psycopg.Connection:
    """Another connection that holds the user's row, as a transaction stuck in mid-air would."""
    holder = psycopg.connect(_admin_url(stack.database_url("identity").rsplit("/", 1)[1]))
    holder.execute("SELECT id FROM users WHERE username = %s FOR UPDATE", (username,))
    return holder


def test_a_held_user_row_refuses_that_user_with_503_and_no_one_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    infra.require()
    use_cheap_hashing(monkeypatch)
    stack = Stack("infra", tmp_path / "stack")
    try:
        names = {"held": f"held{uuid.uuid4().hex[:6]}", "free": f"free{uuid.uuid4().hex[:6]}"}
        app = _identity_with_users(stack, LOCK_TIMEOUT_MS, *names.values())
        client = app.test_client()

        holder = _hold_user_row(stack, names["held"])
        try:
            assert _sign_in(client, names["free"])[0] == 200  # other users are not held up

            started = time.monotonic()
            status, body, headers = _sign_in(client, names["held"])
            waited = time.monotonic() - started
            assert status == 503, body
            assert headers["Content-Type"].startswith("application/problem+json")
            assert body["type"] == "urn:thidua:problem:service-unavailable"
            assert body["cause"] == "lock_timeout"
            assert "thử lại" in body["detail"]
            assert int(headers["Retry-After"]) > 0
            # It answered once the lock wait ran out, not when the holder let go.
            assert waited < 30

            english = client.post(
                "/oauth/token",
                data={"grant_type": "password", "username": names["held"], "password": PASSWORD},
                headers={"Accept-Language": "en"},
            ).get_json()
            assert "retry" in english["detail"]
        finally:
            holder.rollback()
            holder.close()

        # The holder gone, the same sign-in works at once.
        assert _sign_in(client, names["held"])[0] == 200
    finally:
        stack.close()


def test_sign_ins_of_other_users_go_on_while_one_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one sign-in waits on a held row, other users' sign-ins on other threads answer."""
    infra.require()
    use_cheap_hashing(monkeypatch)
    stack = Stack("infra", tmp_path / "stack")
    try:
        held, free = f"held{uuid.uuid4().hex[:6]}", f"free{uuid.uuid4().hex[:6]}"
        app = _identity_with_users(stack, 5000, held, free)
        holder = _hold_user_row(stack, held)
        waiting: list[int] = []
        try:
            thread = threading.Thread(
                target=lambda: waiting.append(_sign_in(app.test_client(), held)[0])
            )
            thread.start()
            others = [_sign_in(app.test_client(), free)[0] for _ in range(3)]
            assert thread.is_alive()  # the held user's sign-in is still waiting on the lock
            assert others == [200, 200, 200]
            thread.join(timeout=30)
            assert waiting == [503]
        finally:
            holder.rollback()
            holder.close()
    finally:
        stack.close()


def test_a_database_out_of_reach_is_a_503_not_a_500(tmp_path: Path) -> None:
    """A request that finds the database gone (a partition, a restart) is told to retry."""
    infra.require()
    stack = Stack("infra", tmp_path / "stack")
    try:
        stack.prepare(CRITERIA)
        url = stack.database_url("criteria")
        nowhere = url.replace(f":{infra.PG_PORT}/", f":{free_port()}/")
        app = create_app(
            CRITERIA, replace(stack.settings("criteria"), database_url=nowhere), keys=TEST_KEYS
        )
        answer = app.test_client().get("/tables", headers=as_role("ministry_officer"))
        assert answer.status_code == 503, answer.get_json()
        assert answer.get_json()["cause"] == "database_unavailable"
        assert int(answer.headers["Retry-After"]) > 0
        reachable = create_app(CRITERIA, stack.settings("criteria"), keys=TEST_KEYS)
        assert (
            reachable.test_client().get("/tables", headers=as_role("ministry_officer")).status_code
            == 200
        )
    finally:
        stack.close()
