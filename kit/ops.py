"""The endpoints operators and orchestrators use: health, readiness and metrics."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from kit.events import bus
from kit.events.outbox import backlog
from kit.metrics import OutboxCollector, exposition
from kit.problems import problem_response
from kit.runtime import runtime

log = logging.getLogger(__name__)

__all__ = ["blueprint"]

blueprint = Blueprint("ops", __name__, description="Health, readiness and metrics")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    service = fields.String()


class ReadySchema(Schema):
    status = fields.String(metadata={"example": "ready"})
    checks = fields.Dict(keys=fields.String(), values=fields.String())


@blueprint.route("/healthz")
class Health(MethodView):
    public = True

    @blueprint.doc(security=[])
    @blueprint.response(200, HealthSchema)
    def get(self) -> dict[str, str]:
        """The process is alive (it does not look at the database or the broker)."""
        return {"status": "ok", "service": runtime().service.name}


def _check(probe: Any) -> str:
    try:
        probe()
    except Exception as error:
        return f"down: {type(error).__name__}: {error}"[:300]
    return "ok"


@blueprint.route("/readyz")
class Ready(MethodView):
    public = True

    @blueprint.doc(security=[])
    @blueprint.response(200, ReadySchema)
    @blueprint.alt_response(503, description="A dependency is unreachable (problem+json)")
    def get(self) -> Any:
        """Ready to serve: its database and the broker are both reachable."""
        rt = runtime()
        checks = {
            "database": _check(rt.db.ping),
            "broker": _check(lambda: bus.ping(rt.settings.bus_url)),
        }
        down = sorted(name for name, state in checks.items() if state != "ok")
        if down:
            return problem_response(
                503,
                "service-unavailable",
                (f"Không kết nối được: {', '.join(down)}.", f"Unreachable: {', '.join(down)}."),
                checks=checks,
            )
        return {"status": "ready", "checks": checks}


class _SafeBacklog:
    """The outbox gauges must not break a scrape when the database is away."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def __call__(self) -> tuple[int, float]:
        try:
            return backlog(self.db)
        except Exception:
            log.warning("outbox backlog unavailable for /metrics", exc_info=True)
            return -1, -1.0


@blueprint.route("/metrics")
class Metrics(MethodView):
    public = True

    @blueprint.doc(security=[], responses={200: {"description": "Prometheus text format"}})
    def get(self) -> Response:
        """Prometheus metrics of every process of this service."""
        rt = runtime()
        body, content_type = exposition(OutboxCollector(rt.service.name, _SafeBacklog(rt.db)))
        return Response(body, content_type=content_type)
