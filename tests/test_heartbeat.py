"""Workers say whether their loop still goes round (issue 15, item 3).

A relay stuck mid-round looks alive from outside: its process runs and its metrics port
answers. Its heartbeat stops, though, and /livez on the same port turns 503, which is what
Kubernetes' livenessProbe restarts it on. Proven here with real processes on both stacks:

1. an idle relay and an idle consumer answer /livez and /readyz 200 for longer than the max
   age (their waits between beats are shorter), and /metrics as before;
2. a relay hung mid-round (a failpoint sleeps after the broker's confirm) answers /livez 503,
   with the age of its last beat, once the max age has passed, while /metrics still answers;
3. the probes' answers follow the heartbeat: not ready before the first beat, not live once
   the last beat is older than the max age (a fake clock, no process);
4. each of the services' own loops (scoring's scheduler, notify's mailer and reminder) beats
   on every turn, a failing pass included.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from kit import heartbeat
from kit.db import Database
from kit.events import emit
from kit.heartbeat import Heartbeat
from kit.metrics import worker_app
from tests.support.probe import EVENT_TYPE, service
from tests.support.processes import free_port, python, wait_until
from tests.support.stack import Stack

SOURCE, A = "probe-src", "probe-a"
# Above the longest wait between two beats of an idle relay (the Waker's 5 s safety poll on
# PostgreSQL) and of an idle consumer (its 1 s drain timeout), small enough for a test.
MAX_AGE_S = 8.0


def probe(port: int, path: str) -> tuple[int, dict[str, Any] | str]:
    """GET a worker's probe or metrics: (status, the JSON body, or the text of /metrics)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            status, body = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, (json.loads(body) if path != "/metrics" else body)


def worker(stack: Stack, name: str, command: str, **env: str) -> int:
    """Start ``python -m tests.support.probe <name> <command>`` with its metrics port."""
    port = free_port()
    stack.spawn(
        f"{name}-{command}",
        python("-m", "tests.support.probe", name, command),
        name,
        THIDUA_METRICS_PORT=str(port),
        THIDUA_HEARTBEAT_MAX_AGE_S=str(MAX_AGE_S),
        **env,
    )
    return port


@pytest.mark.processes
def test_idle_relay_and_consumer_stay_live_and_ready(stack: Stack) -> None:
    stack.prepare(service(SOURCE))
    stack.prepare(service(A))
    ports = {"relay": worker(stack, SOURCE, "relay"), "consumer": worker(stack, A, "consume")}
    for port in ports.values():
        wait_until(lambda port=port: probe(port, "/readyz")[0] == 200, what="the first beat")

    # Idle for longer than the max age: every answer is still 200, the age stays below it.
    answers: list[tuple[str, int, Any]] = []
    deadline = time.monotonic() + MAX_AGE_S + 2
    while time.monotonic() < deadline:
        for name, port in ports.items():
            status, body = probe(port, "/livez")
            answers.append((name, status, body))
        time.sleep(0.5)
    unhealthy = [answer for answer in answers if answer[1] != 200]
    assert unhealthy == [], "an idle worker was reported dead"
    assert all(body["heartbeat_age_s"] < MAX_AGE_S for _, _, body in answers)

    status, text = probe(ports["relay"], "/metrics")
    assert status == 200 and "# HELP" in str(text), "/metrics is served as before"


@pytest.mark.processes
def test_relay_hung_mid_round_is_reported_dead(stack: Stack) -> None:
    source = stack.prepare(service(SOURCE))
    with source.transaction() as session:
        emit(session, EVENT_TYPE, "thing/1", {"seq": 1})
    port = worker(stack, SOURCE, "relay", THIDUA_FAILPOINTS="relay.after_publish=sleep:3600")
    wait_until(lambda: probe(port, "/readyz")[0] == 200, what="the relay's first beat")

    # The failpoint holds the first round for an hour: the beats stop, the port does not.
    _, body = wait_until(
        lambda: (answer := probe(port, "/livez"))[0] == 503 and answer,
        timeout=MAX_AGE_S * 4,
        what="/livez to report the hung relay",
    )
    assert isinstance(body, dict)
    assert body["status"] == "unavailable" and body["heartbeat_age_s"] > MAX_AGE_S
    assert body["max_age_s"] == MAX_AGE_S
    assert probe(port, "/readyz")[0] == 200, "it did start: readiness is not liveness"
    assert probe(port, "/metrics")[0] == 200, "the scrape still answers"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def call(app: Callable[..., Any], path: str) -> tuple[str, dict[str, Any]]:
    seen: list[str] = []
    body = b"".join(app({"PATH_INFO": path}, lambda status, headers: seen.append(status)))
    return seen[0], json.loads(body)


def test_probes_follow_the_heartbeat() -> None:
    clock = FakeClock()
    beats = Heartbeat(clock)
    metrics_seen: list[str] = []

    def metrics(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        metrics_seen.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"{}"]

    app = worker_app(metrics, beats, max_age_s=60)
    assert call(app, "/readyz")[0].startswith("503"), "not ready before the loop begins"
    assert call(app, "/livez")[0].startswith("200"), "a process just started is live"
    clock.now += 61
    status, body = call(app, "/livez")
    assert status.startswith("503"), "stuck before its first beat: restart it"
    assert body["started"] is False and body["heartbeat_age_s"] == 61

    beats.beat()
    assert call(app, "/readyz")[0].startswith("200")
    clock.now += 59
    assert call(app, "/livez")[0].startswith("200")
    clock.now += 2
    status, body = call(app, "/livez")
    assert status.startswith("503") and body["heartbeat_age_s"] == 61
    assert call(app, "/readyz")[0].startswith("200"), "readiness does not come and go"

    call(app, "/metrics")
    assert metrics_seen == ["/metrics"], "every other path is prometheus_client's"


class OneTurn(threading.Event):
    """A stop event whose first wait ends the loop: the loop runs exactly once."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


def _scheduler(db: Database, stop: threading.Event) -> None:
    from services.scoring.domain import scheduler

    scheduler.run(db, stop, interval=30)


def _mailer(db: Database, stop: threading.Event) -> None:
    from services.notify import mailer
    from services.notify.settings import NotifySettings

    mailer.run(db, NotifySettings.from_env("notify", {}), stop, interval=2)


def _reminder(db: Database, stop: threading.Event) -> None:
    from services.notify.domain import reminders

    reminders.run(db, 7, stop, interval=60)


@pytest.mark.parametrize("loop", [_scheduler, _mailer, _reminder], ids=lambda f: f.__name__[1:])
def test_every_service_loop_beats_even_when_its_pass_fails(
    loop: Callable[[Database, threading.Event], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = Heartbeat()
    monkeypatch.setattr(heartbeat, "HEARTBEAT", fresh)
    unreachable = Database("sqlite:////nonexistent/folder/db.sqlite3", "probe")
    try:
        loop(unreachable, OneTurn())  # the pass fails (no database), is logged, the loop goes on
    finally:
        unreachable.dispose()
    assert fresh.health().started, f"{loop.__name__[1:]} never beat"
