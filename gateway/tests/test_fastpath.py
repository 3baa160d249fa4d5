"""The fast path (gateway.fastpath) answers exactly as the Flask app does.

Two gateways in front of the same upstreams, one as built (the fast path first) and one with
the Flask app alone, get the same requests in the same order. Each answer must be the same
byte for byte (status, headers in order but ``Date``, body), with the same log lines (but
their timing fields) and the same metric increments; and the fast path must have answered
the requests it is for and left the others to the Flask app.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway import ratelimit
from gateway.fastpath import FastPath
from gateway.tests.conftest import MakeGateway, Servers, echo_service, metrics_text
from gateway.tests.test_ops import _samples
from kit.logs import JsonFormatter
from tests.support.tokens import mint

Sample = tuple[str, frozenset[tuple[str, str]]]
TIMING_FIELDS = frozenset({"time", "duration_ms"})


@dataclass(frozen=True)
class Step:
    """One request: its path and headers, and whether the fast path is to answer it."""

    path: str
    headers: dict[str, str]
    fast: bool
    method: str = "GET"


@dataclass
class Seen:
    """What a request changed: its answer, its log lines and the metrics it moved."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    logs: list[dict[str, Any]]
    metrics: dict[Sample, float]
    fast: bool


class _Lines(logging.Handler):
    """Every log record as the gateway writes it (JSON, formatted while the request runs)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter("gateway"))
        self.lines: list[dict[str, Any]] = []
        self.thread = threading.get_ident()  # the test client's: not the upstreams' servers

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        line = json.loads(self.format(record))
        self.lines.append({k: v for k, v in line.items() if k not in TIMING_FIELDS})


@pytest.fixture
def lines() -> Iterator[_Lines]:
    handler = _Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def _counted(metrics: dict[Sample, float]) -> dict[Sample, float]:
    """The requests' samples that count (not a histogram's buckets or sum: durations)."""
    return {
        key: value
        for key, value in metrics.items()
        if key[0].startswith(("http_", "gateway_"))
        and not key[0].endswith(("_bucket", "_sum", "_created"))
    }


def _increments(before: dict[Sample, float], after: dict[Sample, float]) -> dict[Sample, float]:
    return {
        key: value - before.get(key, 0.0)
        for key, value in _counted(after).items()
        if value != before.get(key, 0.0)
    }


class _Fallbacks:
    """The Flask app behind a fast path, counting the requests left to it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.calls += 1
        return self.app(environ, start_response)


def _with_fast_path(client: FlaskClient) -> _Fallbacks:
    fast_path = client.application.wsgi_app
    assert isinstance(fast_path, FastPath)
    fallbacks = fast_path.app = _Fallbacks(fast_path.app)
    return fallbacks


def _flask_only(client: FlaskClient) -> _Fallbacks:
    fast_path = client.application.wsgi_app
    assert isinstance(fast_path, FastPath)
    fallbacks = _Fallbacks(fast_path.app)
    client.application.wsgi_app = fallbacks  # type: ignore[method-assign]
    return fallbacks


def _run(
    client: FlaskClient, fallbacks: _Fallbacks, lines: _Lines, steps: list[Step]
) -> list[Seen]:
    seen = []
    for step in steps:
        before, calls = _samples(metrics_text()), fallbacks.calls
        lines.lines.clear()
        response = client.open(step.path, method=step.method, headers=step.headers)
        seen.append(
            Seen(
                response.status,
                [(k, v) for k, v in response.headers.items() if k != "Date"],
                response.get_data(),
                list(lines.lines),
                _increments(before, _samples(metrics_text())),
                fast=fallbacks.calls == calls,
            )
        )
    return seen


def _compare(gateway: MakeGateway, lines: _Lines, steps: list[Step], **env: Any) -> list[Seen]:
    """Run ``steps`` through a gateway with its fast path and one without; both must see the
    same, and the fast path must have answered exactly the steps marked ``fast``."""
    upstreams = env.pop("upstreams", {})
    fast = gateway(upstreams, signed_in=False, **env)
    full = gateway(upstreams, signed_in=False, **env)
    through_fast = _run(fast, _with_fast_path(fast), lines, steps)
    through_flask = _run(full, _flask_only(full), lines, steps)
    for step, one, other in zip(steps, through_fast, through_flask, strict=True):
        assert one.fast is step.fast, step
        assert other.fast is False
        assert (one.status, one.headers, one.body) == (other.status, other.headers, other.body)
        assert one.logs == other.logs, step
        assert one.metrics == other.metrics, step
    return through_fast


def _bearer(token: str, request_id: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Request-ID": request_id, **headers}


def test_forwarded_reads_are_answered_alike(
    gateway: MakeGateway, servers: Servers, lines: _Lines
) -> None:
    criteria = servers.start(echo_service().app).url
    token, fresh = mint("officer-1"), mint("officer-2")
    steps = [
        # A token not yet remembered: Flask's (the full check), which remembers it.
        Step("/api/v1/criteria/tables?page=2", _bearer(token, "first"), fast=False),
        Step("/api/v1/criteria/tables?page=2", _bearer(token, "success"), fast=True),
        Step("/api/v1/criteria/tables", _bearer(token, "head"), fast=True, method="HEAD"),
        Step(
            "/api/v1/criteria/tables/t-1",
            _bearer(token, "upstream-404", **{"X-Answer-Status": "404"}),
            fast=True,
        ),
        Step("/api/v1/awards/decisions", _bearer(token, "upstream-down"), fast=True),
        Step("/api/v1/criteria/openapi.json", {"X-Request-ID": "public"}, fast=True),
        Step("/api/v1/criteria/tables", _bearer(fresh, "unknown-token"), fast=False),
        Step("/api/v1/criteria/tables", _bearer(fresh, "now-known"), fast=True),
        Step("/api/v1/criteria/tables", {"X-Request-ID": "no-token"}, fast=False),
        Step("/api/v1/criteria/metrics", _bearer(token, "not-forwarded"), fast=False),
        Step("/api/v1/criteria/tables", _bearer(token, "a-write"), fast=False, method="DELETE"),
    ]

    seen = _compare(gateway, lines, steps, upstreams={"criteria": criteria})

    by_id = {dict(s.headers)["X-Request-ID"]: s for s in seen}
    assert by_id["success"].status == "200 OK"
    assert by_id["upstream-404"].status == "404 NOT FOUND"
    assert by_id["upstream-down"].status == "503 SERVICE UNAVAILABLE"
    assert [line["message"] for line in by_id["upstream-down"].logs] == [
        "upstream awards failed: unavailable",
        "request",
    ]
    assert by_id["unknown-token"].status == "200 OK"
    assert by_id["no-token"].status == "401 UNAUTHORIZED"


def test_a_forged_token_is_refused_alike(
    gateway: MakeGateway, servers: Servers, lines: _Lines
) -> None:
    criteria = servers.start(echo_service().app).url
    forged = mint("officer-1", kid="not-a-key-of-identity")
    steps = [Step("/api/v1/criteria/tables", _bearer(forged, "forged"), fast=False)] * 2

    seen = _compare(gateway, lines, steps, upstreams={"criteria": criteria})

    assert [s.status for s in seen] == ["401 UNAUTHORIZED"] * 2


def test_rate_limit_refusals_are_alike_and_a_hit_is_counted_once(
    gateway: MakeGateway, servers: Servers, lines: _Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client limit refuses the second request: the fast path leaves it to the Flask app
    with its address hit counted, so the third is refused by the client limit again, and only
    the fourth by the address limit (counted twice, the third would be)."""
    # The limits' clock stands still, so each Retry-After is the same whatever the machine's
    # speed (60 s: the whole window).
    now = time.time()
    monkeypatch.setattr(
        ratelimit, "time", SimpleNamespace(time=lambda: now, monotonic=time.monotonic)
    )
    criteria = servers.start(echo_service().app).url
    token = mint("officer-1")
    steps = [
        Step("/api/v1/criteria/tables", _bearer(token, f"limited-{n}"), fast=False)
        for n in range(1, 5)
    ]

    seen = _compare(
        gateway,
        lines,
        steps,
        upstreams={"criteria": criteria},
        GATEWAY_RATE_LIMIT_ADDRESS="3/minute",
        GATEWAY_RATE_LIMIT_CLIENT="1/minute",
    )

    assert [s.status for s in seen] == ["200 OK"] + ["429 TOO MANY REQUESTS"] * 3
    assert [json.loads(s.body)["limit"] for s in seen[1:]] == ["client", "client", "address"]
    assert {dict(s.headers)["Retry-After"] for s in seen[1:]} == {"60"}


def test_the_fast_path_knows_every_hook_of_the_flask_app(gateway: MakeGateway) -> None:
    """The fast path does what these hooks do for the requests it answers (kit.web's request
    id, answer headers, metrics and log line; admission's checks; the upload limit does not
    apply to a request without a body). A hook added to the app must be added to it too."""
    app = gateway().application

    def names(hooks: dict[Any, list[Callable[..., Any]]]) -> dict[Any, list[str]]:
        return {key: [f"{f.__module__}.{f.__qualname__}" for f in fs] for key, fs in hooks.items()}

    assert names(app.before_request_funcs) == {
        None: [
            "kit.web._begin_request",
            "gateway.app.create_app.<locals>._uploads_may_be_larger",
            "gateway.admission.admit",
        ]
    }
    assert names(app.after_request_funcs) == {None: ["kit.web._finish_request"]}
    assert names(app.teardown_request_funcs) == {None: ["kit.web._end_request"]}
    assert not any(app.url_value_preprocessors.values())
