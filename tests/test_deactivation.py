"""A deactivated user's token stops working in another service once identity's event has
travelled: identity's commit, its relay, the bus, criteria's consumer, criteria's API. Real
processes (gunicorn, relay, consumer) on both stacks. The refusal is polled for with a generous
deadline, not timed; the time it took is printed, and measured properly by
``make bench`` (bench/revocation.py, docs/benchmarks.md).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from kit import principals
from kit.db import utcnow
from services.criteria.service import SERVICE as CRITERIA
from services.identity.domain import demo, users
from services.identity.models import OrgUnit, OrgUnitVersion
from services.identity.service import SERVICE as IDENTITY
from tests.support.processes import free_port, gunicorn, python, wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.processes

PASSWORD = "trống đồng Ngọc Lũ 1893"


@dataclass
class Running:
    identity: str
    criteria: str
    officer_id: str

    def sign_in(self, username: str) -> dict[str, str]:
        response = requests.post(
            f"{self.identity}/oauth/token",
            data={"grant_type": "password", "username": username, "password": PASSWORD},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


def seed_identity(stack: Stack) -> str:
    """One unit, an administrator and a ministry officer; the officer's id."""
    db = stack.prepare(IDENTITY)
    with db.transaction() as session:
        session.add(OrgUnit(id="vu-tdkt", code="VU-TDKT", kind="department", created_at=utcnow()))
        session.flush()
        session.add(OrgUnitVersion(unit_id="vu-tdkt", name="Vụ Thi đua - Khen thưởng"))
        people = {}
        for username, role in (("admin.thu", "system_admin"), ("officer.thu", "ministry_officer")):
            user = users.create_user(
                session,
                demo.OPERATOR,
                username=username,
                full_name="Người Thử",
                email=None,
                unit_id="vu-tdkt",
                password=PASSWORD,
            )
            users.assign_role(session, demo.OPERATOR, user.id, role, "national")
            people[role] = user.id
    return people["ministry_officer"]


@pytest.fixture
def running(stack: Stack) -> Iterator[Running]:
    officer_id = seed_identity(stack)
    stack.prepare(CRITERIA)  # declares criteria's queue: the event waits there for its consumer
    ports = {"identity": free_port(), "criteria": free_port()}
    jwks = f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json"
    for name in ("identity", "criteria"):
        env = {"PORT": str(ports[name]), "WEB_CONCURRENCY": "1", "THIDUA_JWKS_URL": jwks}
        stack.spawn(name, gunicorn(f"services.{name}.app:create_app()"), name, **env)
    stack.spawn("identity-relay", python("-m", "services.identity", "relay"), "identity")
    stack.spawn("criteria-consumer", python("-m", "services.criteria", "consume"), "criteria")
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for url in urls.values():
        wait_until(
            lambda url=url: requests.get(f"{url}/readyz", timeout=2).status_code == 200,
            timeout=60,
            what=f"{url} to be ready",
        )
    yield Running(urls["identity"], urls["criteria"], officer_id)


def test_a_deactivated_users_token_is_refused_by_another_service_within_the_bus_latency(
    running: Running, stack: Stack
) -> None:
    officer, admin = running.sign_in("officer.thu"), running.sign_in("admin.thu")
    tables = f"{running.criteria}/tables"
    # Criteria takes the token (once it has fetched identity's keys).
    wait_until(lambda: requests.get(tables, headers=officer, timeout=5).status_code == 200)

    off = requests.post(
        f"{running.identity}/users/{running.officer_id}/deactivate", headers=admin, timeout=10
    )
    committed = time.monotonic()
    assert off.status_code == 200, off.text
    # Identity refuses at once: its copy was written in the deactivation's transaction.
    assert requests.get(f"{running.identity}/me", headers=officer, timeout=5).status_code == 401

    def refusal() -> list[requests.Response]:
        response = requests.get(tables, headers=officer, timeout=5)
        return [response] if response.status_code == 401 else []  # a 401 Response is falsy

    [refused] = wait_until(
        refusal, timeout=60, interval=0.01, what="criteria to refuse the deactivated user's token"
    )
    latency = time.monotonic() - committed
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "vô hiệu hóa" in refused.json()["detail"]
    # A write is refused as well, and other users are not affected.
    write = requests.post(tables, json={}, headers=officer, timeout=5)
    assert write.status_code == 401
    assert requests.get(tables, headers=admin, timeout=5).status_code == 200
    print(f"\n{stack.kind}: deactivation to refusal in criteria: {latency * 1000:.0f} ms")


def test_every_service_but_identity_subscribes_to_identitys_user_events() -> None:
    """Awards and notify too: a service that skipped them would honour deactivated tokens."""
    for name in ("criteria", "scoring", "awards", "notify"):
        subscriptions = importlib.import_module(f"services.{name}.events").SUBSCRIPTIONS
        for event_type in principals.EVENT_TYPES:
            handler = subscriptions.get(event_type)
            # notify runs principals' handler together with its own (events.chain)
            runs = getattr(handler, "handlers", (handler,))
            assert principals.record in runs, (name, event_type)
