"""The gateway forwards every path that is not the API's or its own to the web application."""

from __future__ import annotations

import json

from flask import Flask, Response, request

from gateway.tests.conftest import MakeGateway, Servers, assert_problem


def web_echo() -> tuple[Flask, list[dict]]:
    """A stand-in for the web application that answers with what it received (any path,
    /static/... too: it has no static folder of its own)."""
    app = Flask("web-echo", static_folder=None)
    seen: list[dict] = []

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def echo(path: str) -> Response:
        entry = {
            "method": request.method,
            "raw_uri": request.environ.get("RAW_URI") or request.full_path.rstrip("?"),
            "headers": dict(request.headers),
        }
        seen.append(entry)
        if path == "x":
            return Response(status=302, headers={"Location": "/sign-in"})
        return Response(json.dumps(entry), mimetype="application/json")

    return app, seen


def test_pages_go_to_the_web_application_as_they_are(
    gateway: MakeGateway, servers: Servers
) -> None:
    app, _ = web_echo()
    client = gateway(GATEWAY_UPSTREAM_WEB=servers.start(app).url, signed_in=False)

    home = client.get("/")
    assert home.status_code == 200
    assert home.get_json()["raw_uri"] == "/"
    page = client.get("/sheets/s-1?tab=history", headers={"Cookie": "thidua_session=abc"})
    seen = page.get_json()
    assert seen["raw_uri"] == "/sheets/s-1?tab=history"
    assert seen["headers"]["Cookie"] == "thidua_session=abc"  # the session goes through
    assert "X-Forwarded-Prefix" not in seen["headers"]
    assert seen["headers"]["X-Request-Id"]
    assert client.get("/static/css/site.css").get_json()["raw_uri"] == "/static/css/site.css"
    posted = client.post("/sign-in", data={"username": "a"})
    assert posted.get_json()["method"] == "POST"

    # A redirect of the web application stays a path on the gateway's address.
    moved = client.get(
        "/x", headers={"X-Answer-Status": "302", "X-Answer-Header": "Location: /sign-in"}
    )
    assert moved.headers["Location"] == "/sign-in"


def test_the_api_and_the_gateways_own_paths_are_not_the_web_applications(
    gateway: MakeGateway, servers: Servers
) -> None:
    app, seen = web_echo()
    client = gateway(GATEWAY_UPSTREAM_WEB=servers.start(app).url, signed_in=False)
    assert_problem(client.get("/api/nothing/here"), 404, "not-found")
    assert_problem(client.get("/api"), 404, "not-found")
    for spelling in ("/metrics", "/./metrics", "/x/../metrics", "/x/%2e%2e/metrics"):
        assert_problem(client.get(spelling), 404, "not-found")
    assert client.get("/healthz").get_json()["service"] == "gateway"
    assert_problem(client.post("/healthz"), 405, "method-not-allowed")
    assert seen == []


def test_a_stopped_web_application_is_a_503_problem(gateway: MakeGateway, closed_url: str) -> None:
    client = gateway(GATEWAY_UPSTREAM_WEB=closed_url, signed_in=False)
    body = assert_problem(client.get("/"), 503, "service-unavailable")
    assert "web" in body["detail"]
