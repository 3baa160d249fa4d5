"""Criteria refuses a deactivated user's token, or a withdrawn role, as soon as it has consumed
identity's event (kit.principals, decision 0010). The consumer runs in-process on the real
handlers; tokens are the tests' own, with the ``iat`` each case needs. Both stacks.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from conftest import service_app
from kit import principals
from kit.app import runtime
from kit.auth import Grant
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from kit.events.tables import principal_states
from services.criteria.events import SUBSCRIPTIONS
from services.criteria.models import CriteriaTable
from services.criteria.service import SERVICE
from services.criteria.tests.test_tables import SAMPLE
from tests.support.stack import Stack
from tests.support.tokens import bearer, mint

USER = "3f6c1f0e-5d7a-4c1e-9a57-0d0f5e0c2b11"
OFFICER = Grant("ministry_officer", "national", valid_from=date(2020, 1, 1))
AUDITOR = Grant("auditor", "national", valid_from=date(2020, 1, 1))
NOW = int(time.time())


@pytest.fixture
def app(stack: Stack) -> Flask:
    return service_app(stack, SERVICE)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def consumer(app: Flask) -> Consumer:
    """Criteria's consumer with its real subscriptions, on the app's database."""
    with app.app_context():
        return Consumer(runtime().settings, runtime().db, SUBSCRIPTIONS)


def user_event(kind: str, at: int, *grants: Grant) -> CloudEvent:
    """``identity.user.<kind>`` as identity emits it, at the unix time ``at``."""
    return CloudEvent(
        type=f"identity.user.{kind}",
        source="/thidua/identity",
        subject=f"user/{USER}",
        time=datetime.fromtimestamp(at, UTC).isoformat(timespec="microseconds"),
        data={
            "schema_version": 1,
            "user_id": USER,
            "unit_id": "vu-tdkt",
            "username": "nguyen.thi.thu",
            "roles": [g.as_claim() for g in grants],
        },
    )


def token(issued: int, *grants: Grant, subject: str = USER) -> dict[str, str]:
    return {
        **bearer(mint(subject, unit="vu-tdkt", grants=grants, iat=issued)),
        "Accept-Language": "en",
    }


def create_table(client: FlaskClient, headers: dict[str, str]) -> int:
    response = client.post(
        "/tables",
        headers=headers,
        json={"year": 2024, "unit_kind": "so-tu-phap", "document": SAMPLE},
    )
    return response.status_code


def tables(app: Flask) -> int:
    with app.app_context(), runtime().db.read() as session:
        return session.execute(select(func.count()).select_from(CriteriaTable)).scalar_one()


def state(app: Flask) -> tuple | None:
    with app.app_context(), runtime().db.read() as session:
        row = session.execute(select(principal_states)).first()
        return tuple(row) if row else None


def assert_refused(response: object, words: str) -> None:
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response.headers["Content-Type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert words in response.get_json()["detail"]  # type: ignore[attr-defined]


def test_a_deactivated_users_token_is_refused_once_the_event_is_consumed(
    app: Flask, client: FlaskClient
) -> None:
    headers = token(NOW - 60, OFFICER)
    assert client.get("/tables", headers=headers).status_code == 200
    assert create_table(client, headers) == 201  # before: it writes

    assert consumer(app).apply(user_event("deactivated", NOW - 1, OFFICER))

    assert_refused(client.get("/tables", headers=headers), "deactivated")
    assert create_table(client, headers) == 401
    assert tables(app) == 1  # the refused write changed nothing
    # Nobody else is affected.
    assert (
        client.get("/tables", headers=token(NOW - 60, OFFICER, subject="someone-else")).status_code
        == 200
    )


def test_a_reactivated_user_works_again_with_a_new_token_only(
    app: Flask, client: FlaskClient
) -> None:
    old = token(NOW - 60, OFFICER)
    consume = consumer(app)
    consume.apply(user_event("deactivated", NOW - 30, OFFICER))
    consume.apply(user_event("reactivated", NOW - 20, OFFICER))

    assert_refused(client.get("/tables", headers=old), "before the account was deactivated")
    assert client.get("/tables", headers=token(NOW - 10, OFFICER)).status_code == 200
    assert create_table(client, token(NOW - 10, OFFICER)) == 201


def test_a_withdrawn_role_stops_granting_and_a_granted_one_disturbs_nothing(
    app: Flask, client: FlaskClient
) -> None:
    both, auditor_only = token(NOW - 60, OFFICER, AUDITOR), token(NOW - 60, AUDITOR)
    consume = consumer(app)
    # Granting a role: tokens issued before carry only roles still held, and keep working.
    council = Grant("council_member", "national", valid_from=date(2020, 1, 1))
    consume.apply(user_event("roles_changed", NOW - 40, OFFICER, AUDITOR, council))
    assert client.get("/tables", headers=both).status_code == 200

    consume.apply(user_event("roles_changed", NOW - 30, AUDITOR, council))
    assert_refused(client.get("/tables", headers=both), "withdrawn")
    assert create_table(client, both) == 401
    assert client.get("/tables", headers=auditor_only).status_code == 200  # nothing withdrawn
    # The refreshed token carries the current roles and works, with what they allow.
    refreshed = token(NOW - 20, AUDITOR, council)
    assert client.get("/tables", headers=refreshed).status_code == 200
    assert create_table(client, refreshed) == 403
    # A grant that had ended anyway is no reason to refuse: it grants nothing today.
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    ended = Grant("ministry_officer", "national", valid_from=date(2020, 1, 1), valid_to=yesterday)
    assert client.get("/tables", headers=token(NOW - 60, AUDITOR, ended)).status_code == 200


def test_a_token_newer_than_the_news_is_trusted(app: Flask, client: FlaskClient) -> None:
    """A role granted a moment ago may be in a token before its event is consumed here."""
    consumer(app).apply(user_event("roles_changed", NOW - 30, AUDITOR))
    assert client.get("/tables", headers=token(NOW - 10, OFFICER, AUDITOR)).status_code == 200


def test_replayed_duplicated_or_late_events_change_nothing(app: Flask, client: FlaskClient) -> None:
    consume = consumer(app)
    events = [
        user_event("roles_changed", NOW - 50, OFFICER, AUDITOR),
        user_event("deactivated", NOW - 40, OFFICER, AUDITOR),
        user_event("reactivated", NOW - 30, OFFICER, AUDITOR),
        user_event("roles_changed", NOW - 20, AUDITOR),
    ]
    for event in events:
        assert consume.apply(event)
    final = state(app)
    assert final is not None

    # The same deliveries again: the inbox acknowledges them and nothing runs.
    assert not any(consume.apply(event) for event in events)
    # Replayed after a reset of the inbox, or delivered late by a second consumer in any
    # order: the handlers themselves keep only the newest news.
    shuffled = events * 2
    random.Random(8).shuffle(shuffled)
    with app.app_context(), runtime().db.transaction() as session:
        for event in shuffled:
            principals.record(session, event)
    assert state(app) == final
    with app.app_context(), runtime().db.transaction() as session:
        session.execute(principal_states.delete())
        for event in reversed(events):
            principals.record(session, event)
    assert state(app) == final

    # A late deactivation, older than the reactivation, does not lock the user out again.
    assert client.get("/tables", headers=token(NOW - 10, AUDITOR)).status_code == 200
    assert_refused(client.get("/tables", headers=token(NOW - 45, AUDITOR)), "before")
    assert_refused(client.get("/tables", headers=token(NOW - 25, OFFICER, AUDITOR)), "withdrawn")
