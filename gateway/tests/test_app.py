"""The gateway's own answers: problem+json for its errors, request ids in logs, the docs page."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from gateway.config import Settings
from gateway.tests.conftest import MakeGateway, assert_problem
from kit.logs import JsonFormatter


def test_unknown_address_and_wrong_method_are_problems_in_the_callers_language(
    gateway: MakeGateway,
) -> None:
    client = gateway()
    body = assert_problem(client.get("/api/no/such/page"), 404, "not-found")
    assert body["title"] == "Không tìm thấy"
    assert body["instance"] == "/api/no/such/page"

    response = client.post("/healthz", headers={"Accept-Language": "en-GB,en;q=0.9"})
    body = assert_problem(response, 405, "method-not-allowed")
    assert body["title"] == "Method not allowed"
    assert response.headers["Content-Language"] == "en"
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_a_500_problem_without_internals(gateway: MakeGateway) -> None:
    client = gateway()

    def broken() -> str:
        raise RuntimeError("database password is hunter2")

    client.application.add_url_rule("/broken", view_func=broken)
    response = client.get("/broken", headers={"X-Request-ID": "boom-1"})

    body = assert_problem(response, 500, "internal-error")
    assert body["request_id"] == "boom-1"
    assert "hunter2" not in response.get_data(as_text=True)


def test_every_log_line_of_a_request_carries_its_id(gateway: MakeGateway) -> None:
    client = gateway()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("gateway"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        client.get("/api/v1/identity/announcements", headers={"X-Request-ID": "trace-42"})
        client.get("/api/openapi.json", headers={"X-Request-ID": "trace-43"})
    finally:
        root.removeHandler(handler)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    forwarded = [line for line in lines if line["request_id"] == "trace-42"]
    documented = [line for line in lines if line["request_id"] == "trace-43"]
    assert len(forwarded) + len(documented) == len(lines)
    [warning] = [line for line in forwarded if line["level"] == "warning"]
    assert (warning["upstream"], warning["kind"]) == ("identity", "unavailable")
    [request] = [line for line in forwarded if line["message"] == "request"]
    assert (request["status"], request["upstream"]) == (503, "identity")
    # The five documents are fetched in parallel threads; their warnings keep the id too.
    assert {line.get("upstream") for line in documented if line["level"] == "warning"} == {
        "identity",
        "criteria",
        "scoring",
        "awards",
        "notify",
    }


def test_docs_page_is_self_contained(gateway: MakeGateway) -> None:
    response = gateway().get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'fetch("openapi.json"' in page
    assert "Tài liệu API" in page and "(API documentation)" in page
    assert not re.search(r"(?i)https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page)
    assert not re.search(r"(?i)<(script|link|img)[^>]+(src|href)=", page)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_settings_refuse_a_timeout_that_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="GATEWAY_READ_TIMEOUT"):
        Settings.from_env({"GATEWAY_READ_TIMEOUT": "fast"})
    settings = Settings.from_env({"GATEWAY_UPSTREAM_SCORING": "http://scoring.internal:80/"})
    assert settings.upstreams["scoring"] == "http://scoring.internal:80"
    assert settings.upstreams["identity"] == "http://127.0.0.1:8101"
    assert (settings.connect_timeout, settings.read_timeout) == (2.0, 15.0)


def test_settings_for_tokens_and_rate_limits() -> None:
    settings = Settings.from_env({"GATEWAY_UPSTREAM_IDENTITY": "http://identity.internal:8000"})
    assert settings.jwks_url == "http://identity.internal:8000/.well-known/jwks.json"
    assert (settings.jwks_ttl, settings.jwks_cooldown) == (300.0, 30.0)
    assert settings.trusted_proxies == 0
    assert settings.rate_limit_storage == "memory://"
    assert (
        settings.rate_limit_client,
        settings.rate_limit_address,
        settings.rate_limit_token,
    ) == ("600/minute", "1200/minute", "20/minute")
    tuned = Settings.from_env(
        {"GATEWAY_TRUSTED_PROXIES": "2", "GATEWAY_RATE_LIMIT_CLIENT": "10/second;600/minute"}
    )
    assert (tuned.trusted_proxies, tuned.rate_limit_client) == (2, "10/second;600/minute")

    for name, value in [
        ("GATEWAY_TRUSTED_PROXIES", "-1"),
        ("GATEWAY_TRUSTED_PROXIES", "one"),
        ("GATEWAY_RATE_LIMIT_ADDRESS", "lots"),
        ("GATEWAY_RATE_LIMIT_TOKEN", "20/fortnight"),
        ("GATEWAY_JWKS_COOLDOWN", "0"),
    ]:
        with pytest.raises(ValueError, match=name):
            Settings.from_env({name: value})
