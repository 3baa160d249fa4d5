"""Webhooks benchmark: the fan-out of 10,000 public events to 10 local receivers.

The issue asks: "webhook fan-out of 10,000 events to 10 local receivers (deliveries/s, p99
event-to-delivery latency)".

In process, on a fresh notify database of each stack (SQLite, and PostgreSQL when it answers):
10 endpoints, each a real HTTP receiver on 127.0.0.1 (a threaded ``http.server`` that answers
204 at once, keep-alive; all ten in one process of their own), subscribed to
``awards.award.granted``. A writer files the events in the feed as notify's consumer does
(``domain.feed.keep``, which queues one delivery per endpoint in the same transaction, 100
events per transaction) while one deliverer (``services.notify.deliverer``, the production
class, 32 sending threads, batches of 200) delivers them. Latency is from the commit of an
event's transaction to the receiver having read the POST; each delivery is signed
(HMAC-SHA256) and recorded with its attempt, as in production. The broker is not involved:
the consumer's own cost is the bus benchmark's.
"""

from __future__ import annotations

import multiprocessing
import secrets
import threading
import time
import uuid
from dataclasses import replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

from bench import infra, stacks
from bench.report import Section, Table
from bench.runner import Options
from bench.stats import ms, percentile
from contracts.awards import AwardGranted, DecisionRef, RecipientFact
from kit import migrate
from kit.db import utcnow
from kit.events import CloudEvent

TITLE = "Webhooks: fan-out to external systems"
RECEIVERS = 10
EVENTS, QUICK_EVENTS = 10_000, 200
PER_TRANSACTION = 100


def _serve(n: int, conn: Connection) -> None:
    """The receivers' process: ``n`` servers; answers "count" and "dump" on ``conn``."""
    arrivals: dict[tuple[int, str], float] = {}
    lock = threading.Lock()

    def server(index: int) -> ThreadingHTTPServer:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.monotonic()  # CLOCK_MONOTONIC: the same clock in every process
                with lock:
                    arrivals[(index, self.headers["webhook-id"])] = now
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        made = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        made.daemon_threads = True
        threading.Thread(target=made.serve_forever, daemon=True).start()
        return made

    servers = [server(i) for i in range(n)]
    conn.send([s.server_address[1] for s in servers])
    while True:
        asked = conn.recv()
        if asked == "count":
            conn.send(len(arrivals))
        else:
            with lock:
                conn.send(dict(arrivals))
            return


class Receivers:
    """``n`` HTTP receivers in a process of their own (as external systems are: they do not
    share the deliverer's interpreter); each notes when it read each webhook-id."""

    def __init__(self, n: int) -> None:
        self.conn, child = multiprocessing.get_context("spawn").Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(n, child), daemon=True
        )
        self.process.start()
        self.ports: list[int] = self.conn.recv()

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}/hook/{index}"

    def count(self) -> int:
        self.conn.send("count")
        return int(self.conn.recv())

    def arrivals(self) -> dict[tuple[int, str], float]:
        self.conn.send("dump")
        got: dict[tuple[int, str], float] = self.conn.recv()
        self.process.join(timeout=10)
        return got

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()


DAY = date(2026, 11, 30)


def granted(n: int) -> CloudEvent:
    """An awards.award.granted event as awards emits it (its contract), for the n-th award."""
    award_id = str(uuid.uuid4())
    unit_id = f"stp-{n % 60:02d}"
    fact = AwardGranted(
        award_id=award_id,
        recipient=RecipientFact(
            kind="collective", id=unit_id, name="Sở Tư pháp", unit_id=unit_id, province_code="01"
        ),
        unit_id=unit_id,
        name="Sở Tư pháp",
        award="BKBT",
        award_name="Bằng khen của Bộ trưởng Bộ Tư pháp",
        year=2026,
        decision=DecisionRef(
            decision_id=str(uuid.uuid5(uuid.NAMESPACE_URL, award_id)),
            number=f"{n}/QĐ-BTP",
            date=DAY,
        ),
        bonus_vnd=0,
        serial=f"BK-{award_id[:8]}",
    )
    return CloudEvent(
        type=AwardGranted.TYPE,
        source="/thidua/awards",
        subject=fact.subject,
        data={"schema_version": 1, **fact.to_data()},
    )


def _measure(stack: stacks.Stack, options: Options) -> dict[str, Any]:
    from services.notify.deliverer import Deliverer
    from services.notify.domain import feed, webhooks
    from services.notify.service import SERVICE
    from services.notify.settings import NotifySettings

    events = QUICK_EVENTS if options.quick else EVENTS
    url = stack.database_urls["notify"]
    migrate.upgrade(SERVICE, url)
    db = stack.database("notify")
    receivers = Receivers(RECEIVERS)
    base = stack.settings("notify").extended(NotifySettings, {})
    settings = replace(base, webhook_embedded=True, webhook_rate_per_s=1_000_000.0)
    deliverer = Deliverer(db, settings, batch_size=200, workers=32)
    stop = threading.Event()
    try:
        with db.transaction() as session:
            for i in range(RECEIVERS):
                webhooks.create(
                    session,
                    f"client:bench-{i}",
                    url=receivers.url(i),
                    event_types=["awards.award.granted"],
                    description=f"receiver {i}",
                    embedded=True,
                    now=utcnow(),
                )
        committed: dict[str, float] = {}
        worker = threading.Thread(target=deliverer.run, args=(stop, 0.01), daemon=True)
        options.progress(f"webhooks on {stack.label}: {events:,} events x {RECEIVERS} receivers")
        started = time.monotonic()
        worker.start()
        for first in range(0, events, PER_TRANSACTION):
            batch = [granted(n) for n in range(first, min(events, first + PER_TRANSACTION))]
            with db.transaction() as session:
                for event in batch:
                    feed.keep(session, event)
            now = time.monotonic()
            committed.update((event.id, now) for event in batch)
        written = time.monotonic() - started
        expected = events * RECEIVERS
        deadline = time.monotonic() + 1800
        while receivers.count() < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        arrivals = receivers.arrivals()
        last = max(arrivals.values(), default=started + elapsed)
        latencies = [at - committed[event_id] for (_, event_id), at in arrivals.items()]
        return {
            "label": stack.label,
            "events": events,
            "deliveries": len(arrivals),
            "expected": expected,
            "written": written,
            "elapsed": last - started,
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "max": max(latencies),
        }
    finally:
        stop.set()
        deliverer.close()
        receivers.close()
        db.dispose()


def run(options: Options) -> Section:
    token = secrets.token_hex(3)
    results = []
    skipped: list[str] = []
    with stacks.embedded(token, ["notify"]) as stack:
        results.append(_measure(stack, options))
    try:
        with stacks.infrastructure(token, ["notify"], consumers=[]) as stack:
            results.append(_measure(stack, options))
    except infra.Unavailable as error:
        skipped.append(f"the infra stack (PostgreSQL): {error}")
    return describe(results, skipped)


def describe(results: list[dict[str, Any]], skipped: list[str]) -> Section:
    first = results[0]
    section = Section(
        name="webhooks",
        title=TITLE,
        skipped=skipped,
        conditions=[
            f"{first['events']:,} `awards.award.granted` events, each to {RECEIVERS} endpoints "
            "(one HTTP receiver each on 127.0.0.1, answering 204 at once, keep-alive, the ten "
            "in a process of their own): "
            f"{first['expected']:,} signed POSTs.",
            f"Events filed as notify's consumer files them (`feed.keep`, {PER_TRANSACTION} per "
            "transaction), while one deliverer process-equivalent (32 sending threads, "
            "batches of 200, no rate limit) delivers them; `bench/webhooks.py`.",
            "Latency: from the commit of the event's transaction to the receiver having read "
            "the POST. Everything on one machine: receivers, deliverer and database share its "
            "cores.",
        ],
    )
    section.tables.append(
        Table(
            "Fan-out",
            [
                "stack",
                "deliveries",
                "deliveries/s",
                "events written in (s)",
                "p50 latency (ms)",
                "p99 latency (ms)",
                "max (ms)",
            ],
            [
                [
                    r["label"],
                    f"{r['deliveries']:,} / {r['expected']:,}",
                    f"{r['deliveries'] / r['elapsed']:,.0f}",
                    f"{r['written']:.1f}",
                    ms(r["p50"]),
                    ms(r["p99"]),
                    ms(r["max"]),
                ]
                for r in results
            ],
            caption="Deliveries/s: every delivery over the time from the first event written "
            "to the last delivery read.",
        )
    )
    section.reading.append(
        "Latency is mostly time queued, not the POST: whenever events come faster than one "
        "deliverer sends (each round claims up to 200 due deliveries, sends them in parallel, "
        "records them in one transaction), the backlog, and with it the latency, grows until "
        "the writer stops. On SQLite the writer and the deliverer also take turns at the one "
        "write lock, so both are slow and the backlog is the whole run; on PostgreSQL the "
        "deliverer keeps pace with the writer most of the time (the p50), and the writer, "
        "queueing ten deliveries per event, is what bounds the rate. More deliverer replicas "
        "share the outbox on PostgreSQL (FOR UPDATE SKIP LOCKED); SQLite is for one machine "
        "and one deliverer."
    )
    return section
