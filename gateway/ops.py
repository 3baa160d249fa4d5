"""The gateway's endpoints for operators: ``/healthz`` and ``/readyz``.

``/healthz`` says only that the process answers, so an orchestrator never restarts the gateway
because a service behind it is down. ``/readyz`` asks every upstream at once, with a short
timeout, so one hanging service cannot make the probe itself hang. The metrics are not here,
on the public port, but on a port of their own (gateway.metrics).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextvars import copy_context
from typing import Any

from flask import Blueprint, current_app, g

from gateway.upstreams import Upstream
from kit.problems import problem_response

blueprint = Blueprint("ops", __name__)

READY = "ready"
UNREACHABLE = "unreachable"


def _probe(upstream: Upstream, timeout: float, request_id: str) -> str:
    try:
        reply = upstream.session.get(
            upstream.url("/readyz"),
            headers={"X-Request-ID": request_id, "Accept": "application/json"},
            timeout=timeout,
            allow_redirects=False,
        )
    except Exception:  # whatever went wrong, the probe's answer is the same
        return UNREACHABLE
    return READY if reply.status_code == 200 else f"not ready ({reply.status_code})"


def probe_all(upstreams: Mapping[str, Upstream], timeout: float, request_id: str) -> dict[str, str]:
    """Each upstream's readiness, asked at once; no answer within ``timeout`` is unreachable."""
    pool = ThreadPoolExecutor(max_workers=len(upstreams), thread_name_prefix="readyz")
    # Each probe runs in a copy of this request's context, so its log lines carry the request id.
    futures = {
        name: pool.submit(copy_context().run, _probe, up, timeout, request_id)
        for name, up in upstreams.items()
    }
    # requests' timeout bounds each socket operation, not the whole exchange: bound that here.
    wait(futures.values(), timeout=timeout + 0.25)
    pool.shutdown(wait=False, cancel_futures=True)
    return {
        name: future.result() if future.done() and not future.cancelled() else UNREACHABLE
        for name, future in futures.items()
    }


@blueprint.get("/healthz")
def health() -> dict[str, str]:
    """The gateway process is alive (it does not ask the services)."""
    return {"status": "ok", "service": "gateway"}


@blueprint.get("/readyz")
def ready() -> Any:
    """Ready when every service behind the gateway says it is ready."""
    gateway = current_app.extensions["gateway"]
    states = probe_all(gateway.upstreams, gateway.settings.ready_timeout, g.request_id)
    down = [name for name, state in states.items() if state != READY]
    if down:
        return problem_response(
            503,
            "service-unavailable",
            (
                f"Các dịch vụ chưa sẵn sàng: {', '.join(down)}.",
                f"Services not ready: {', '.join(down)}.",
            ),
            upstreams=states,
        )
    return {"status": "ready", "upstreams": states}
