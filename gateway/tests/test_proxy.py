"""Forwarding /api/v1/<service>/<path> to the service, and what the client sees when it fails."""

from __future__ import annotations

import gzip
import io
import time
import uuid
from typing import Any

from gateway.config import SERVICES
from gateway.tests.conftest import (
    KeepAliveServer,
    MakeGateway,
    Servers,
    assert_problem,
    echo_service,
)
from tests.support.tokens import mint


def test_request_reaches_the_service_as_sent_and_the_answer_comes_back(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service()
    upstream = servers.start(echo.app)
    client = gateway({"identity": upstream.url})
    token = mint("officer-7")

    response = client.post(
        "/api/v1/identity/units/a%2Fb/members?page=2&q=%20x",
        data=b'{"name": "Ph\xc3\xb2ng T\xc6\xb0 ph\xc3\xa1p"}',
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "X-Request-ID": "req-forward-1",
            "X-Forwarded-For": "10.0.0.7",
            "X-Real-IP": "10.0.0.8",
            "Connection": "X-Only-For-This-Hop",
            "X-Only-For-This-Hop": "secret",
            "Keep-Alive": "timeout=5",
            "Proxy-Authorization": "Basic c2VjcmV0",
            "X-Answer-Status": "201",
            "X-Answer-Header": "X-From-Service: yes | Keep-Alive: timeout=9",
        },
    )

    assert response.status_code == 201
    assert response.headers["X-From-Service"] == "yes"
    assert "Keep-Alive" not in response.headers
    assert response.headers["X-Request-ID"] == "req-forward-1"
    assert response.mimetype == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.get_data())

    [seen] = echo.seen
    assert response.get_json() == seen
    assert seen["method"] == "POST"
    assert seen["raw_uri"] == "/units/a%2Fb/members?page=2&q=%20x"
    assert seen["query"] == "page=2&q=%20x"
    assert seen["body"] == '{"name": "Phòng Tư pháp"}'
    headers = seen["headers"]
    assert headers["Host"] == upstream.url.removeprefix("http://")
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == f"Bearer {token}"  # unchanged: the service checks it too
    assert headers["X-Request-Id"] == "req-forward-1"
    assert headers["X-Forwarded-For"] == "10.0.0.7, 127.0.0.1"
    assert headers["X-Real-Ip"] == "127.0.0.1"  # no trusted proxies: the client's claims ignored
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Host"] == "localhost"
    assert headers["X-Forwarded-Prefix"] == "/api/v1/identity"
    for hop in ("X-Only-For-This-Hop", "Keep-Alive", "Proxy-Authorization"):
        assert hop not in headers
    assert "gzip" not in headers.get("Accept-Encoding", "")  # nothing the client did not ask


def test_request_id_is_generated_when_missing_or_unsafe_and_the_service_gets_the_same(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service()
    client = gateway({"criteria": servers.start(echo.app).url})

    for given in (None, "spaces are not allowed", "x" * 129):
        headers = {"X-Request-ID": given} if given else {}
        response = client.get("/api/v1/criteria/things", headers=headers)
        assert response.status_code == 200
        generated = response.headers["X-Request-ID"]
        assert str(uuid.UUID(generated)) == generated
        assert echo.seen[-1]["headers"]["X-Request-Id"] == generated


def test_each_http_method_and_the_service_root_are_forwarded(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service()
    client = gateway({"awards": servers.start(echo.app).url})

    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = client.open("/api/v1/awards/decisions/9", method=method)
        assert response.status_code == 200
        assert (echo.seen[-1]["method"], echo.seen[-1]["raw_uri"]) == (method, "/decisions/9")
    for root in ("/api/v1/awards", "/api/v1/awards/"):
        assert client.get(root).status_code == 200
        assert echo.seen[-1]["raw_uri"] == "/"


def test_connections_to_a_service_are_reused(
    gateway: MakeGateway, keep_alive_server: KeepAliveServer
) -> None:
    client = gateway({"notify": keep_alive_server.url})
    for _ in range(3):
        assert client.get("/api/v1/notify/inbox").get_json() == {"path": "/inbox"}
    assert len({port for _, port in keep_alive_server.seen}) == 1


def test_cookies_set_for_one_caller_are_not_sent_for_the_next(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service()
    client = gateway({"identity": servers.start(echo.app).url})
    first = client.get(
        "/api/v1/identity/login",
        headers={"X-Answer-Header": "Set-Cookie: a=1; Path=/ | Set-Cookie: b=2; Path=/"},
    )
    assert first.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]

    client.get("/api/v1/identity/me")
    assert "Cookie" not in echo.seen[-1]["headers"]


def test_redirects_to_the_service_become_addresses_on_the_gateway(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service()
    upstream = servers.start(echo.app)
    client = gateway({"identity": upstream.url})
    for location in ("/announcements/7", f"{upstream.url}/announcements/7"):
        response = client.post(
            "/api/v1/identity/announcements",
            json={},
            headers={"X-Answer-Status": "201", "X-Answer-Header": f"Location: {location}"},
        )
        assert response.headers["Location"] == "/api/v1/identity/announcements/7"
    elsewhere = client.get(
        "/api/v1/identity/x",
        headers={"X-Answer-Status": "302", "X-Answer-Header": "Location: https://example.org/"},
    )
    assert elsewhere.status_code == 302
    assert elsewhere.headers["Location"] == "https://example.org/"


def test_compressed_answers_and_head_pass_through_unchanged(
    gateway: MakeGateway, servers: Servers
) -> None:
    from flask import Flask, Response

    packed = gzip.compress("Bằng khen của Bộ trưởng ".encode() * 200)
    app = Flask("packed")

    @app.get("/report")
    def report() -> Response:
        response = Response(packed, mimetype="text/plain")
        response.headers["Content-Encoding"] = "gzip"
        return response

    client = gateway({"awards": servers.start(app).url})
    response = client.get("/api/v1/awards/report", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.get_data() == packed
    head = client.head("/api/v1/awards/report", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == str(len(packed))


def test_unknown_service_is_a_problem_listing_the_services(gateway: MakeGateway) -> None:
    client = gateway()
    response = client.get("/api/v1/payroll/employees", headers={"Accept-Language": "en"})
    body = assert_problem(response, 404, "not-found")
    assert body["title"] == "Not found"
    assert "identity, criteria, scoring, awards, notify" in body["detail"]


def test_slow_service_gives_504_after_the_read_timeout_without_asking_twice(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service(slow_seconds=2.0)
    client = gateway({"scoring": servers.start(echo.app).url}, GATEWAY_READ_TIMEOUT="0.5")

    started = time.monotonic()
    response = client.get("/api/v1/scoring/slow", headers={"X-Request-ID": "slow-1"})
    elapsed = time.monotonic() - started

    body = assert_problem(response, 504, "gateway-timeout")
    assert body["request_id"] == "slow-1"
    assert body["service"] == "scoring"
    assert "scoring" in body["detail"]
    assert 0.5 <= elapsed < 1.8
    assert len(echo.seen) == 1


def test_stopped_service_gives_503_naming_it(
    gateway: MakeGateway, keep_alive_server: KeepAliveServer
) -> None:
    client = gateway({"criteria": keep_alive_server.url})
    assert client.get("/api/v1/criteria/criteria").status_code == 200  # a pooled connection

    keep_alive_server.stop()
    vietnamese = client.get("/api/v1/criteria/criteria")
    english = client.get("/api/v1/criteria/criteria", headers={"Accept-Language": "en"})

    body = assert_problem(vietnamese, 503, "service-unavailable")
    assert body["service"] == "criteria"
    assert body["title"] == "Dịch vụ tạm thời không sẵn sàng"
    assert "criteria" in body["detail"] and "không kết nối được" in body["detail"]
    assert vietnamese.headers["Content-Language"] == "vi"
    body = assert_problem(english, 503, "service-unavailable")
    assert body["title"] == "Service unavailable"
    assert body["detail"].startswith("The criteria service cannot be reached")


def test_garbage_from_a_service_gives_502_and_only_safe_requests_are_retried(
    gateway: MakeGateway, raw_server
) -> None:
    garbage = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    client = gateway({"notify": garbage.url})

    body = assert_problem(client.post("/api/v1/notify/messages", json={}), 502, "bad-gateway")
    assert body["service"] == "notify"
    assert garbage.connections == 1  # a POST may have been acted on: never sent twice

    assert_problem(client.get("/api/v1/notify/inbox"), 502, "bad-gateway")
    assert garbage.connections == 3  # a GET is tried once more on a fresh connection


def test_answer_cut_short_is_a_502_not_a_truncated_success(
    gateway: MakeGateway, raw_server
) -> None:
    cut = raw_server(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"items": [')
    client = gateway({"scoring": cut.url})
    assert_problem(client.post("/api/v1/scoring/results", json={}), 502, "bad-gateway")


def test_body_over_the_limit_is_refused_before_reaching_the_service(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service()
    client = gateway({"identity": servers.start(echo.app).url}, THIDUA_MAX_BODY_BYTES="64")

    body = assert_problem(
        client.post("/api/v1/identity/announcements", data=b"x" * 65), 413, "payload-too-large"
    )
    assert "64" in body["detail"]
    assert echo.seen == []
    assert client.post("/api/v1/identity/announcements", data=b"x" * 64).status_code == 200
    assert echo.seen[-1]["body"] == "x" * 64


def test_uploads_have_a_limit_of_their_own(gateway: MakeGateway, servers: Servers) -> None:
    """Evidence files are larger than any JSON body: multipart has GATEWAY_UPLOAD_MAX_BYTES."""
    echo = echo_service()
    client = gateway(
        {"scoring": servers.start(echo.app).url},
        THIDUA_MAX_BODY_BYTES="64",
        GATEWAY_UPLOAD_MAX_BYTES="4096",
    )
    url = "/api/v1/scoring/sheets/s/entries/A.1/evidence"
    upload = client.post(
        url,
        data={"file": (io.BytesIO(b"%PDF" + b"x" * 1000), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200 and len(echo.seen) == 1
    too_big = client.post(
        url, data={"file": (io.BytesIO(b"x" * 5000), "a.pdf")}, content_type="multipart/form-data"
    )
    body = assert_problem(too_big, 413, "payload-too-large")
    # The limit that applied to this upload, not the general one.
    assert body["max_bytes"] == 4096
    assert body["detail"] == "Nội dung vượt quá giới hạn 4096 byte (4 KiB)."
    english = client.post(
        url,
        data={"file": (io.BytesIO(b"x" * 5000), "a.pdf")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert english.get_json()["detail"] == "The body exceeds the limit of 4096 bytes (4 KiB)."
    json_body = assert_problem(
        client.post(url, data=b"x" * 65, content_type="application/json"), 413, "payload-too-large"
    )
    assert json_body["max_bytes"] == 64
    assert len(echo.seen) == 1


def test_chunked_body_over_the_limit_is_refused_not_truncated(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service()
    client = gateway({"identity": servers.start(echo.app).url}, THIDUA_MAX_BODY_BYTES="64")

    def chunked(body: bytes) -> Any:
        # No Content-Length, and a server (like gunicorn) that ends the stream itself.
        return client.post(
            "/api/v1/identity/announcements",
            input_stream=io.BytesIO(body),
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    assert assert_problem(chunked(b"y" * 100), 413, "payload-too-large")["max_bytes"] == 64
    assert echo.seen == []
    assert chunked(b"y" * 64).status_code == 200
    assert echo.seen[-1]["body"] == "y" * 64


def test_answers_are_not_sniffed_and_answers_to_a_token_not_stored(
    gateway: MakeGateway, servers: Servers
) -> None:
    """The gateway marks answers as the services do (kit.web), whatever the service sent."""
    echo = echo_service()
    client = gateway(dict.fromkeys(SERVICES, servers.start(echo.app).url))

    forwarded = client.get(
        "/api/v1/scoring/rounds", headers={"X-Answer-Header": "Cache-Control: public, max-age=60"}
    )
    assert forwarded.status_code == 200
    assert forwarded.headers.getlist("Cache-Control") == ["no-store"]
    assert forwarded.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    # The gateway's own refusal of a token, too.
    refused = client.get("/api/v1/scoring/rounds", headers={"Authorization": "Bearer forged"})
    assert refused.status_code == 401
    assert (refused.headers["Cache-Control"], refused.headers["X-Content-Type-Options"]) == (
        "no-store",
        "nosniff",
    )
    # Without a token: not sniffed, and cached as the service says (identity's JWKS).
    anonymous = gateway(dict.fromkeys(SERVICES, servers.start(echo.app).url), signed_in=False)
    jwks = anonymous.get(
        "/api/v1/identity/.well-known/jwks.json",
        headers={"X-Answer-Header": "Cache-Control: public, max-age=300"},
    )
    assert jwks.headers["Cache-Control"] == "public, max-age=300"
    assert jwks.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"
