"""Awards refuses a deactivated user's token, or a token carrying a withdrawn role, as soon as
its consumer has handled identity's event (kit.principals, decision 0010): reads and writes
alike, and a refused write changes nothing. The consumer runs in-process on awards' real
subscriptions; tokens are the tests' own, with the ``iat`` each case needs. Both stacks.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kit.app import runtime
from kit.auth import Grant
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from kit.events.tables import outbox
from services.awards.events import SUBSCRIPTIONS
from services.awards.models import Achievement, Nomination, Person, RulePack
from services.awards.tests.seed import HISTORY, PACK, seeded
from tests.support.stack import Stack
from tests.support.tokens import bearer, mint

USER = "7b2d4c9e-1f3a-4e8b-a6d2-5c0e9f1b3a77"
OFFICER = Grant("ministry_officer", "national", valid_from=date(2020, 1, 1))
AUDITOR = Grant("auditor", "national", valid_from=date(2020, 1, 1))
UNIT_OFFICER = Grant("unit_officer", "unit", "stp-01", valid_from=date(2020, 1, 1))
NOW = int(time.time())


def consumer(app: Flask) -> Consumer:
    with app.app_context():
        return Consumer(runtime().settings, runtime().db, SUBSCRIPTIONS)


def user_event(kind: str, at: int, unit: str, *grants: Grant) -> CloudEvent:
    """``identity.user.<kind>`` as identity emits it, at the unix time ``at``."""
    return CloudEvent(
        type=f"identity.user.{kind}",
        source="/thidua/identity",
        subject=f"user/{USER}",
        time=datetime.fromtimestamp(at, UTC).isoformat(timespec="microseconds"),
        data={
            "schema_version": 1,
            "user_id": USER,
            "unit_id": unit,
            "username": "tran.van.hung",
            "roles": [g.as_claim() for g in grants],
        },
    )


def token(issued: int, unit: str, *grants: Grant, subject: str = USER) -> dict[str, str]:
    return {**bearer(mint(subject, unit=unit, grants=grants, iat=issued)), "Accept-Language": "en"}


def counts(app: Flask) -> tuple[int, ...]:
    with app.app_context(), runtime().db.read() as session:
        return tuple(
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (RulePack, Person, Achievement, Nomination, outbox)
        )


def assert_refused(response: object, words: str) -> None:
    assert response.status_code == 401, response.get_json()  # type: ignore[attr-defined]
    assert response.headers["Content-Type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert words in response.get_json()["detail"]  # type: ignore[attr-defined]


def new_pack(client: FlaskClient, headers: dict[str, str]) -> int:
    return client.post(
        "/rule-packs", json=json.loads(PACK.read_text()), headers=headers
    ).status_code


def new_file(client: FlaskClient, headers: dict[str, str]) -> int:
    body = {
        "kind": "cong-trang",
        "award": "LDTT",
        "year": 2024,
        "title": "Đề nghị",
        "unit": "stp-01",
    }
    return client.post("/nominations", json=body, headers=headers).status_code


def test_a_deactivated_officers_token_is_refused_on_reads_and_writes(stack: Stack) -> None:
    app, client = seeded(stack)
    headers = token(NOW - 60, "vu-tdkt", OFFICER)
    assert client.get("/rule-packs", headers=headers).status_code == 200
    assert client.get("/people/cb-027-0001", headers=headers).status_code == 200

    assert consumer(app).apply(user_event("deactivated", NOW - 1, "vu-tdkt", OFFICER))
    before = counts(app)

    for path in ("/rule-packs", "/people?q=an", "/people/cb-027-0001", "/nominations"):
        assert_refused(client.get(path, headers=headers), "deactivated")
    assert_refused(
        client.get("/eligibility?award=LDTT&year=2024&subject=cb-027-0001", headers=headers),
        "deactivated",
    )
    assert new_pack(client, headers) == 401
    history = json.loads(HISTORY.read_text())
    assert client.post("/registry/import", json=history, headers=headers).status_code == 401
    assert counts(app) == before, "a refused write changes nothing"
    # Nobody else is affected.
    other = token(NOW - 60, "vu-tdkt", OFFICER, subject="someone-else")
    assert client.get("/rule-packs", headers=other).status_code == 200


def test_a_reactivated_user_works_again_with_a_new_token_only(stack: Stack) -> None:
    app, client = seeded(stack)
    consume = consumer(app)
    consume.apply(user_event("deactivated", NOW - 30, "vu-tdkt", OFFICER))
    consume.apply(user_event("reactivated", NOW - 20, "vu-tdkt", OFFICER))

    old = token(NOW - 60, "vu-tdkt", OFFICER)
    assert_refused(client.get("/rule-packs", headers=old), "before the account was deactivated")
    fresh = token(NOW - 10, "vu-tdkt", OFFICER)
    assert client.get("/rule-packs", headers=fresh).status_code == 200
    assert new_pack(client, fresh) == 201


def test_a_withdrawn_unit_role_stops_granting_on_awards(stack: Stack) -> None:
    app, client = seeded(stack)
    both = token(NOW - 60, "stp-01", UNIT_OFFICER, AUDITOR)
    assert client.get("/nominations", headers=both).status_code == 200
    consume = consumer(app)
    consume.apply(user_event("roles_changed", NOW - 30, "stp-01", AUDITOR))
    before = counts(app)

    assert_refused(client.get("/nominations", headers=both), "withdrawn")
    assert_refused(client.get("/people/cb-027-0001", headers=both), "withdrawn")
    assert new_file(client, both) == 401
    assert counts(app) == before
    # The refreshed token carries what is still held: reads, not a unit's file.
    refreshed = token(NOW - 20, "stp-01", AUDITOR)
    assert client.get("/nominations", headers=refreshed).status_code == 200
    assert new_file(client, refreshed) == 403  # an auditor reads the unit, files nothing
    assert counts(app) == before
    # A token with only the roles still held, issued before the change, was never refused.
    assert client.get("/nominations", headers=token(NOW - 60, "stp-01", AUDITOR)).status_code == 200
