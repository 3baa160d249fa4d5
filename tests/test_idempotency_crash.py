"""An Idempotency-Key survives a crash (issue 15).

A real identity process under gunicorn is SIGKILLed (a failpoint, so the moment is exact)
either just before its request's transaction commits or just after, while creating a user with
``POST /users`` and an Idempotency-Key. The client sees its connection drop and retries with
the same key once identity is back: it gets an answer (the request executed once, or the kept
answer replayed), never "in progress" for ever, and exactly one user exists.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import func, select

from kit.app import create_app, runtime
from services.identity.domain import users
from services.identity.domain.demo import OPERATOR
from services.identity.models import User
from services.identity.service import SERVICE as IDENTITY
from services.identity.tests.test_users import seed_org
from tests.support.processes import free_port
from tests.support.stack import Stack

PASSWORD = "mật-khẩu-quản-trị-3"
pytestmark = pytest.mark.processes


@pytest.mark.parametrize(
    "moment, replayed",
    [("idempotency.before_commit", False), ("idempotency.after_commit", True)],
)
def test_a_post_killed_around_its_commit_is_answered_on_retry_and_done_once(
    stack: Stack, moment: str, replayed: bool
) -> None:
    stack.prepare(IDENTITY)
    seeding = create_app(IDENTITY, stack.settings("identity"))
    seed_org(seeding)
    with seeding.app_context(), runtime().db.transaction() as session:
        admin = users.create_user(
            session,
            OPERATOR,
            username="quan.tri",
            full_name="Hoàng Văn Em",
            email=None,
            unit_id="stp-01",
            password=PASSWORD,
        )
        users.assign_role(session, OPERATOR, admin.id, "system_admin", "national")
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    doomed = stack.serve("identity", port, THIDUA_FAILPOINTS=f"{moment}=kill")
    token = requests.post(
        f"{base}/oauth/token",
        data={"grant_type": "password", "username": "quan.tri", "password": PASSWORD},
        timeout=10,
    ).json()["access_token"]
    username = f"moi{uuid.uuid4().hex[:6]}"
    request = {
        "url": f"{base}/users",
        "json": {"username": username, "full_name": "Đỗ Thị Giang", "unit_id": "stp-01"},
        "headers": {"Authorization": f"Bearer {token}", "Idempotency-Key": f"tao-{username}"},
        "timeout": 10,
    }
    with pytest.raises(requests.ConnectionError):
        requests.post(**request)  # the worker died at the failpoint: no answer
    doomed.stop()

    stack.serve("identity", port)
    retried = requests.post(**request)
    assert retried.status_code == 201, retried.text
    assert retried.json()["username"] == username
    assert (retried.headers.get("Idempotent-Replayed") == "true") is replayed
    again = requests.post(**request)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == retried.json()["id"]

    with seeding.app_context(), runtime().db.read() as session:
        count = session.execute(
            select(func.count()).select_from(User).where(User.username == username)
        ).scalar()
    assert count == 1
