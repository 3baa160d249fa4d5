"""What the webhook tests share: a real HTTP receiver, a clock the test moves, the notify app
with its consumer and deliverer on the test's stack, and tokens of API clients."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from conftest import service_app
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.notify.deliverer import Deliverer
from services.notify.service import SERVICE
from services.notify.settings import NotifySettings
from tests.support.stack import Stack
from tests.support.tokens import bearer, mint


def client_token(client_id: str, scope: str = "webhooks:manage") -> dict[str, str]:
    """Headers of an API client (client_credentials) holding ``scope``."""
    return bearer(mint(client_id, kind="client", scope=scope))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Receiver:
    """A small threaded HTTP server on 127.0.0.1 that records every POST and answers from a
    script (then 200 for ever)."""

    script: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status, headers, answer = (
                    receiver.script.pop(0)
                    if receiver.script
                    else (
                        200,
                        {},
                        b"ok",
                    )
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    """The real time plus the jumps the test makes (so signatures are fresh until it jumps,
    and what the consumer schedules "now" is due at once)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    @property
    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def award_granted(unit_id: str = "stp-01", award_id: str | None = None) -> CloudEvent:
    """awards.award.granted, valid against its schema (docs/events/)."""
    award_id = award_id or str(uuid.uuid4())
    return CloudEvent(
        type="awards.award.granted",
        source="/thidua/awards",
        subject=f"award/{award_id}",
        data={
            "schema_version": 1,
            "award_id": award_id,
            "recipient": {
                "kind": "collective",
                "id": unit_id,
                "name": "Sở Tư pháp",
                "unit_id": unit_id,
                "province_code": "01",
            },
            "unit_id": unit_id,
            "name": "Sở Tư pháp",
            "award": "BKBT",
            "award_name": "Bằng khen của Bộ trưởng Bộ Tư pháp",
            "year": 2026,
            "decision": {
                "decision_id": str(uuid.uuid5(uuid.NAMESPACE_URL, award_id)),
                "number": "123/QĐ-BTP",
                "date": "2026-11-30",
            },
            "bonus_vnd": 0,
            "serial": f"BK-{award_id[:8]}",
        },
    )


PHASES = ("draft", "self_assessment", "region_review", "appraisal", "closed", "published")


def phase_changed(round_id: str, to: str) -> CloudEvent:
    """scoring.round.phase_changed of one round (``round_id`` of hex digits and dashes):
    several events of one subject."""
    return CloudEvent(
        type="scoring.round.phase_changed",
        source="/thidua/scoring",
        subject=f"round/{round_id}",
        data={
            "schema_version": 1,
            "round_id": round_id,
            "year": 2026,
            "unit_kind": "so-tu-phap",
            "from": PHASES[PHASES.index(to) - 1],
            "to": to,
            "actor": "system:scheduler",
            "reason": None,
        },
    )


class Notify:
    """The notify app on the stack, its consumer, and a deliverer on the test's clock."""

    def __init__(
        self,
        stack: Stack,
        *,
        embedded: bool = True,
        resolve: Callable[[str, int], list[str]] | None = None,
        **settings: Any,
    ) -> None:
        self.stack = stack
        # The app reads notify's settings from the environment as it is built.
        env = {
            "NOTIFY_WEBHOOK_EMBEDDED": "true" if embedded else "false",
            "NOTIFY_FEED_SETTLE": "0",
        }
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            self.app: Flask = service_app(stack, SERVICE)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        with self.app.app_context():
            self.db = runtime().db
            self.consumer = Consumer(stack.settings("notify"), self.db, SERVICE.subscriptions)
        base = stack.settings("notify").extended(NotifySettings, {})
        fields = {**vars(base), "webhook_embedded": embedded, "feed_settle_s": 0.0, **settings}
        self.settings = NotifySettings(**fields)
        self.clock = Clock()
        extra = {} if resolve is None else {"resolve": resolve}
        self.deliverer = Deliverer(
            self.db, self.settings, clock=self.clock, jitter=lambda: 0.5, **extra
        )
        self.http: FlaskClient = self.app.test_client()

    def publish(self, event: CloudEvent) -> CloudEvent:
        assert self.consumer.apply(event) is True
        return event

    def endpoint(
        self, headers: dict[str, str], url: str, types: list[str] | None = None
    ) -> dict[str, Any]:
        answer = self.http.post(
            "/webhooks/endpoints",
            json={"url": url, "event_types": types or ["awards.award.granted"]},
            headers=headers,
        )
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def deliveries(self, headers: dict[str, str], endpoint_id: int, **query: Any) -> Any:
        answer = self.http.get(
            f"/webhooks/endpoints/{endpoint_id}/deliveries", query_string=query, headers=headers
        )
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def close(self) -> None:
        self.deliverer.close()
