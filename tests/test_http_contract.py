"""The HTTP contract every service keeps: problem+json errors, request ids, ops endpoints.

Run against each service's real app factory (in-process, embedded stack).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from flask import Flask

from kit.app import create_app
from kit.service import Service
from services.awards.service import SERVICE as AWARDS
from services.criteria.service import SERVICE as CRITERIA
from services.identity.service import SERVICE as IDENTITY
from services.notify.service import SERVICE as NOTIFY
from services.scoring.service import SERVICE as SCORING
from tests.support.stack import Stack
from tests.support.tokens import TEST_KEYS, ministry_officer

ALL = [IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY]
PROBLEM = "application/problem+json"


@pytest.fixture
def embedded(tmp_path: Path):
    s = Stack("embedded", tmp_path / "stack")
    yield s
    s.close()


def app_for(stack: Stack, service: Service) -> Flask:
    stack.prepare(service)
    return create_app(service, stack.settings(service.name), keys=TEST_KEYS)


@pytest.mark.parametrize("service", ALL, ids=lambda s: s.name)
def test_ops_endpoints_answer(embedded: Stack, service: Service) -> None:
    client = app_for(embedded, service).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "service": service.name}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "broker": "ok"}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert f'outbox_backlog{{service="{service.name}"}} 0.0' in metrics.text
    assert "http_requests_total" in metrics.text
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/healthz", "/readyz", "/metrics"} <= set(spec["paths"])


@pytest.mark.parametrize("service", ALL, ids=lambda s: s.name)
def test_unknown_route_and_wrong_method_are_problems_with_the_request_id(
    embedded: Stack, service: Service
) -> None:
    client = app_for(embedded, service).test_client()
    missing = client.get("/no/such/thing", headers={"X-Request-ID": "abc-123"})
    assert missing.status_code == 404
    assert missing.mimetype == PROBLEM
    assert missing.headers["X-Request-ID"] == "abc-123"
    body = missing.get_json()
    assert body["type"] == "urn:thidua:problem:not-found"
    assert body["request_id"] == "abc-123"
    assert body["title"] == "Không tìm thấy"

    wrong = client.post("/healthz", data="{}", content_type="application/json")
    assert wrong.status_code == 405
    assert wrong.mimetype == PROBLEM
    assert "GET" in wrong.headers["Allow"]


def test_request_id_is_generated_when_missing_or_unsafe(embedded: Stack) -> None:
    client = app_for(embedded, IDENTITY).test_client()
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 36
    unsafe = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert unsafe.headers["X-Request-ID"] != "<script>alert(1)</script>"


def test_bad_bodies_get_precise_problems_and_change_nothing(embedded: Stack) -> None:
    client = app_for(embedded, IDENTITY).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = ministry_officer()["Authorization"]

    malformed = client.post("/announcements", data='{"title": ', content_type="application/json")
    assert (malformed.status_code, malformed.mimetype) == (400, PROBLEM)
    assert malformed.get_json()["type"] == "urn:thidua:problem:malformed-json"

    wrong_type = client.post("/announcements", data="title=x", content_type="text/plain")
    assert (wrong_type.status_code, wrong_type.mimetype) == (415, PROBLEM)
    assert "application/json" in wrong_type.get_json()["detail"]

    huge = client.post(
        "/announcements",
        data=b'{"body": "' + b"x" * (1024 * 1024) + b'"}',
        content_type="application/json",
    )
    assert (huge.status_code, huge.mimetype) == (413, PROBLEM)
    # Sent chunked (no Content-Length), the same body must not arrive cut short.
    huge_chunked = client.post(
        "/announcements",
        input_stream=io.BytesIO(b'{"title": "t", "body": "' + b"x" * (1024 * 1024) + b'"}'),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
    )
    assert (huge_chunked.status_code, huge_chunked.mimetype) == (413, PROBLEM)

    invalid = client.post(
        "/announcements", json={"title": 5}, headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert (invalid.status_code, invalid.mimetype) == (422, PROBLEM)
    problem = invalid.get_json()
    assert problem["title"] == "Validation failed"
    assert invalid.headers["Content-Language"] == "en"
    assert problem["errors"] == {
        "title": ["Not a valid string."],
        "body": ["Missing data for required field."],
    }

    assert client.get("/announcements").get_json()["total"] == 0


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(embedded: Stack) -> None:
    embedded.prepare(IDENTITY)
    settings = dataclasses.replace(
        embedded.settings("identity"),
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/unreachable?connect_timeout=2",
    )
    response = create_app(IDENTITY, settings, keys=TEST_KEYS).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["checks"]["database"].startswith("down")
    assert body["checks"]["broker"] == "ok"
    assert "database" in body["detail"]
