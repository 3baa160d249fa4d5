"""``/healthz``, ``/readyz`` and ``/metrics``, like every process of the platform.

``/healthz`` says only that the process answers. ``/readyz`` says whether the gateway does
(the web application can show nothing without it); it does not ask the services behind it,
which the gateway's own ``/readyz`` reports.
"""

from __future__ import annotations

from typing import Any

import requests
from flask import Blueprint, Response, current_app, jsonify

from kit.metrics import exposition
from web.api import client

blueprint = Blueprint("ops", __name__)


def gateway_root(api_url: str) -> str:
    """``http://gw:8080/api/v1`` → ``http://gw:8080``, where the gateway's /healthz is."""
    return api_url[: -len("/api/v1")] if api_url.endswith("/api/v1") else api_url


@blueprint.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok", "service": "web"}


@blueprint.get("/readyz")
def ready() -> Any:
    settings = current_app.config["WEB_SETTINGS"]
    try:
        reply = client().http.get(
            gateway_root(settings.api_url) + "/healthz", timeout=settings.ready_timeout
        )
        state = "ready" if reply.status_code == 200 else f"not ready ({reply.status_code})"
    except requests.RequestException:
        state = "unreachable"
    if state != "ready":
        response = jsonify(
            {
                "type": "urn:thidua:problem:service-unavailable",
                "title": "Service Unavailable",
                "status": 503,
                "detail": f"The gateway is {state}.",
                "gateway": state,
            }
        )
        response.status_code = 503
        response.content_type = "application/problem+json"
        return response
    return {"status": "ready", "gateway": state}


@blueprint.get("/metrics")
def metrics() -> Response:
    body, content_type = exposition()
    return Response(body, content_type=content_type)
