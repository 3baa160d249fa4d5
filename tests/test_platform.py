"""The whole platform as it runs: every service and the gateway under gunicorn, relays and
consumers as separate processes, on both stacks. What a user of `make up` would touch.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kit import dates
from kit.db import Database
from services.awards.service import SERVICE as AWARDS
from services.criteria.service import SERVICE as CRITERIA
from services.identity.domain import demo, reference
from services.identity.service import SERVICE as IDENTITY
from services.notify.service import SERVICE as NOTIFY
from services.scoring.service import SERVICE as SCORING
from tests.support import infra
from tests.support.processes import free_port, gunicorn, python, wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.processes

SERVICES = [IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY]
PROBLEM = "application/problem+json"


class Platform:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.ports = {s.name: free_port() for s in SERVICES}
        self.gateway_port = free_port()
        self.gateway_metrics_port = free_port()

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def upstream_env(self) -> dict[str, str]:
        return {f"GATEWAY_UPSTREAM_{name.upper()}": self.url(name) for name in self.ports}

    def metrics_env(self, name: str) -> dict[str, str]:
        folder = self.stack.root / "metrics" / name
        folder.mkdir(parents=True, exist_ok=True)
        return {"PROMETHEUS_MULTIPROC_DIR": str(folder)}

    def login(self, username: str) -> dict[str, str]:
        response = requests.post(
            f"{self.gateway}/api/v1/identity/oauth/token",
            data={"grant_type": "password", "username": username, "password": demo.PASSWORD},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    # Services whose relay runs: the others emit nothing these tests wait for.
    RELAYED: tuple[str, ...] = ("identity",)

    def load(self, name: str, db: Database) -> None:
        """The data a service starts with: identity's reference data and demo accounts."""
        if name == "identity":
            with db.transaction() as session:
                reference.load(session, last_year=dates.this_year() + 1)
                demo.seed(session)

    def gateway_env(self) -> dict[str, str]:
        return {
            "PORT": str(self.gateway_port),
            "GATEWAY_METRICS_PORT": str(self.gateway_metrics_port),
            **self.upstream_env(),
            **self.metrics_env("gateway"),
        }

    def start_more(self) -> None:
        """Processes beyond the services and the gateway (none here)."""

    def ready(self) -> bool:
        return requests.get(f"{self.gateway}/readyz", timeout=2).status_code == 200

    def start(self) -> None:
        jwks = f"{self.url('identity')}/.well-known/jwks.json"
        for service in SERVICES:
            name = service.name
            self.load(name, self.stack.prepare(service))
            env = {
                "PORT": str(self.ports[name]),
                "WEB_CONCURRENCY": "2",
                "THIDUA_JWKS_URL": jwks,
                **self.metrics_env(name),
            }
            self.stack.spawn(name, gunicorn(f"services.{name}.app:create_app()"), name, **env)
            processes = [
                ("relay", "relay", name in self.RELAYED),
                ("consumer", "consume", bool(service.subscriptions)),
            ]
            for kind, command, wanted in processes:
                if wanted:
                    self.stack.spawn(
                        f"{name}-{kind}",
                        python("-m", f"services.{name}", command),
                        name,
                        **self.metrics_env(name),
                    )
        self.stack.spawn("gateway", gunicorn("gateway.app:create_app()"), **self.gateway_env())
        self.start_more()
        wait_until(self.ready, timeout=90, what="the platform to be ready")


@pytest.fixture(scope="module", params=["embedded", "infra"])
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    if request.param == "infra":
        infra.require()
    stack = Stack(request.param, tmp_path_factory.mktemp(request.param))
    p = Platform(stack)
    try:
        p.start()
        yield p
    finally:
        stack.close()


def test_every_process_is_alive_ready_measured_and_documented(platform: Platform) -> None:
    for name in platform.ports:
        base = platform.url(name)
        assert requests.get(f"{base}/healthz", timeout=5).json()["service"] == name
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        assert "http_requests_total" in requests.get(f"{base}/metrics", timeout=5).text
        assert requests.get(f"{base}/openapi.json", timeout=5).json()["openapi"].startswith("3.")

    gateway = platform.gateway
    assert requests.get(f"{gateway}/healthz", timeout=5).status_code == 200
    ready = requests.get(f"{gateway}/readyz", timeout=5).json()
    assert set(ready["upstreams"]) == set(platform.ports)
    spec = requests.get(f"{gateway}/api/openapi.json", timeout=10).json()
    assert "/api/v1/identity/announcements" in spec["paths"]
    assert "/api/v1/notify/inbox" in spec["paths"]
    docs = requests.get(f"{gateway}/api/docs", timeout=5)
    assert docs.headers["Content-Type"].startswith("text/html")
    # The gateway's metrics are on a port of their own; the public port has none.
    scraped = requests.get(f"http://127.0.0.1:{platform.gateway_metrics_port}/metrics", timeout=5)
    assert 'service="gateway"' in scraped.text
    assert requests.get(f"{gateway}/metrics", timeout=5).status_code == 404
    signed_in = platform.login("bo.tdkt")
    identity_metrics = requests.get(
        f"{gateway}/api/v1/identity/metrics", headers=signed_in, timeout=5
    )
    assert identity_metrics.status_code == 404


def test_an_announcement_reaches_notify_and_scoring_through_the_gateway_once(
    platform: Platform,
) -> None:
    gateway = platform.gateway
    officer, reader = platform.login("bo.tdkt"), platform.login("stp.hcm")
    created = requests.post(
        f"{gateway}/api/v1/identity/announcements",
        json={"title": "Tổng kết thi đua năm 2026", "body": "Hạn nộp hồ sơ: 15/12/2026."},
        headers={"X-Request-ID": "e2e-announcement-1", **officer},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    assert created.headers["X-Request-ID"] == "e2e-announcement-1"
    title = created.json()["title"]

    def titles(path: str) -> list[str]:
        items = requests.get(f"{gateway}{path}?page_size=200", headers=reader, timeout=5).json()[
            "items"
        ]
        return [item["title"] for item in items]

    wait_until(lambda: title in titles("/api/v1/notify/inbox"), what="notify's inbox item")
    wait_until(lambda: title in titles("/api/v1/scoring/announcements"), what="scoring's copy")
    assert titles("/api/v1/notify/inbox").count(title) == 1
    assert titles("/api/v1/scoring/announcements").count(title) == 1

    # Counters written by the relay and consumer processes show on the service's /metrics.
    published = requests.get(f"{platform.url('identity')}/metrics", timeout=5).text
    assert (
        'events_published_total{service="identity",type="identity.announcement.published"}'
        in published
    )
    consumed = requests.get(f"{platform.url('notify')}/metrics", timeout=5).text
    assert (
        'events_consumed_total{service="notify",type="identity.announcement.published"}' in consumed
    )


def test_gateway_problems_reach_the_caller(platform: Platform) -> None:
    gateway = platform.gateway
    bad = requests.post(
        f"{gateway}/api/v1/identity/announcements",
        data="{oops",
        headers={"Content-Type": "application/json", **platform.login("bo.tdkt")},
        timeout=5,
    )
    assert (bad.status_code, bad.headers["Content-Type"]) == (400, PROBLEM)
    unknown = requests.get(f"{gateway}/api/v1/nosuchservice/x", timeout=5)
    assert (unknown.status_code, unknown.headers["Content-Type"]) == (404, PROBLEM)


def _black_hole() -> tuple[socket.socket, int]:
    """A server that accepts connections and never answers: a hung upstream."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return listener, listener.getsockname()[1]


def test_gateway_times_out_reports_stopped_upstreams_and_readiness_follows(
    stack: Stack,
    tmp_path: Path,
) -> None:
    stack.prepare(AWARDS)
    awards_port, gateway_port, nothing_port = free_port(), free_port(), free_port()
    hole, hole_port = _black_hole()
    awards = stack.spawn(
        "awards",
        gunicorn("services.awards.app:create_app()"),
        "awards",
        PORT=str(awards_port),
        WEB_CONCURRENCY="1",
    )
    upstreams = {
        "GATEWAY_UPSTREAM_AWARDS": f"http://127.0.0.1:{awards_port}",
        "GATEWAY_UPSTREAM_CRITERIA": f"http://127.0.0.1:{hole_port}",
        "GATEWAY_UPSTREAM_SCORING": f"http://127.0.0.1:{nothing_port}",
    }
    stack.spawn(
        "gateway",
        gunicorn("gateway.app:create_app()"),
        PORT=str(gateway_port),
        GATEWAY_READ_TIMEOUT="1",
        WEB_CONCURRENCY="1",
        **upstreams,
    )
    gateway = f"http://127.0.0.1:{gateway_port}"
    wait_until(
        lambda: requests.get(f"{gateway}/api/v1/awards/healthz", timeout=5).ok,
        what="awards through the gateway",
    )

    slow = requests.get(f"{gateway}/api/v1/criteria/healthz", timeout=10)
    assert (slow.status_code, slow.headers["Content-Type"]) == (504, PROBLEM)
    assert slow.json()["type"] == "urn:thidua:problem:gateway-timeout"
    down = requests.get(f"{gateway}/api/v1/scoring/healthz", timeout=10)
    assert down.status_code in (502, 503) and down.headers["Content-Type"] == PROBLEM

    awards.stop()
    stopped = requests.get(f"{gateway}/api/v1/awards/healthz", timeout=10)
    assert stopped.status_code in (502, 503)
    ready = requests.get(f"{gateway}/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["upstreams"]["awards"] != "ready"
    hole.close()


def test_service_under_gunicorn_is_not_ready_without_its_database(stack: Stack) -> None:
    port = free_port()
    stack.spawn(
        "identity",
        gunicorn("services.identity.app:create_app()"),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        IDENTITY_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/none",
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).ok, what="identity to start")
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert (ready.status_code, ready.headers["Content-Type"]) == (503, PROBLEM)
    assert ready.json()["checks"]["database"].startswith("down")
