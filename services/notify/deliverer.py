"""The deliverer: ``python -m services.notify deliver`` POSTs the delivery outbox to endpoints.

Each round claims the due heads of their subjects (domain/deliveries.claim, leased so several
deliverers may run), sends them in parallel, and records the attempts in one transaction. A
send checks the address on every attempt (domain/ssrf: resolved, checked, then connected to
*that* address with the name kept for Host and TLS), reads at most
``webhook_response_cap`` bytes of the answer, follows no redirect and gives up after
``webhook_timeout_s``. An endpoint gets at most ``webhook_rate_per_s`` attempts a second.

The clock, the jitter and the resolver are parameters, so tests move time by days without
sleeping and point names at the addresses they want.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import urllib3
from prometheus_client import Counter, Gauge

from kit import heartbeat
from kit.db import Database, utcnow
from services.notify.domain import deliveries
from services.notify.domain.deliveries import Claimed, Outcome
from services.notify.domain.ssrf import RefusedAddress, Resolver, destination, system_resolver
from services.notify.domain.webhooks import signature_header
from services.notify.settings import NotifySettings

log = logging.getLogger(__name__)

DELIVERIES = Counter(
    "webhook_deliveries_total", "Webhook delivery attempts by outcome", ["service", "outcome"]
)
RETRY_DEPTH = Gauge(
    "webhook_retry_queue_depth",
    "Webhook deliveries waiting for a retry",
    ["service"],
    multiprocess_mode="livemax",
)
OLDEST_AGE = Gauge(
    "webhook_oldest_undelivered_age_seconds",
    "Age of the oldest undelivered message, per endpoint",
    ["service", "endpoint"],
    multiprocess_mode="livemax",
)
USER_AGENT = "thidua-webhooks/1"
CONTENT_TYPE = "application/cloudevents+json"


class RateLimit:
    """A token bucket per endpoint, on the deliverer's clock."""

    def __init__(self, per_second: float, clock: Callable[[], datetime]) -> None:
        self.rate = per_second
        self.clock = clock
        self.buckets: dict[int, tuple[float, datetime]] = {}

    def take(self, endpoint_id: int) -> bool:
        now = self.clock()
        tokens, at = self.buckets.get(endpoint_id, (self.rate, now))
        tokens = min(self.rate, tokens + (now - at).total_seconds() * self.rate)
        if tokens < 1:
            self.buckets[endpoint_id] = (tokens, now)
            return False
        self.buckets[endpoint_id] = (tokens - 1, now)
        return True


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(timedelta(0), when - now) if when.tzinfo else None


class Deliverer:
    def __init__(
        self,
        db: Database,
        settings: NotifySettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        jitter: Callable[[], float] = random.random,
        resolve: Resolver = system_resolver,
        batch_size: int = 100,
        workers: int = 16,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.jitter = jitter
        self.resolve = resolve
        self.batch_size = batch_size
        self.limits = RateLimit(settings.webhook_rate_per_s, clock)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver")
        self.pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
        self.lock = threading.Lock()
        self.endpoints_seen: set[int] = set()

    # -- one round

    def run_once(self) -> int:
        """Claim what is due, send it, record it; returns how many attempts were made."""
        now = self.clock()
        lease = timedelta(seconds=self.settings.webhook_timeout_s * 2 + 30)
        with self.db.transaction() as session:
            batch = deliveries.claim(
                session, now, limit=self.batch_size, lease=lease, budget=self.limits.take
            )
        if batch:
            # One transaction records the whole batch; if it fails, the leases run out and
            # the batch is sent again (at least once: receivers deduplicate on webhook-id).
            # Each attempt is bounded by the webhook timeout, a batch is not: every finished
            # attempt counts as progress for the process's /livez (kit.heartbeat).
            results = []
            for result in self.pool.map(self.send, batch):
                heartbeat.beat()
                results.append(result)
            with self.db.transaction() as session:
                deliveries.record_all(
                    session, list(zip(batch, results, strict=True)), self.clock(), self.jitter
                )
            for result in results:
                DELIVERIES.labels(self.settings.service, result.outcome).inc()
        return len(batch)

    def drain(self, rounds: int = 50) -> int:
        """Rounds until nothing is due (tests): the attempts made."""
        total = 0
        for _ in range(rounds):
            made = self.run_once()
            total += made
            if not made:
                break
        return total

    def measure(self) -> None:
        with self.db.read() as session:
            depth, ages = deliveries.backlog(session, self.clock())
        RETRY_DEPTH.labels(self.settings.service).set(depth)
        for endpoint_id in self.endpoints_seen - ages.keys():
            OLDEST_AGE.labels(self.settings.service, str(endpoint_id)).set(0)
        for endpoint_id, age in ages.items():
            OLDEST_AGE.labels(self.settings.service, str(endpoint_id)).set(age)
        self.endpoints_seen |= ages.keys()

    def run(self, stop: threading.Event, idle_wait: float = 0.5) -> None:
        last_measure = 0.0
        while not stop.is_set():
            heartbeat.beat()  # the process's /livez (kit.heartbeat)
            try:
                made = self.run_once()
                if time.monotonic() - last_measure > 10:
                    self.measure()
                    last_measure = time.monotonic()
            except Exception:  # the database or a bug: log, back off, go on
                log.exception("delivery round failed")
                made = 0
                stop.wait(5)
            if not made:
                stop.wait(idle_wait)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for pool in self.pools.values():
            pool.close()

    # -- one attempt

    def _pool(self, scheme: str, address: str, port: int, host: str) -> urllib3.HTTPConnectionPool:
        key = (scheme, address, port, host)
        with self.lock:
            pool = self.pools.get(key)
            if pool is None:
                timeout = urllib3.Timeout(
                    connect=self.settings.webhook_timeout_s, read=self.settings.webhook_timeout_s
                )
                if scheme == "https":
                    pool = urllib3.HTTPSConnectionPool(
                        address,
                        port,
                        timeout=timeout,
                        maxsize=4,
                        retries=False,
                        server_hostname=host,
                        assert_hostname=host,
                        cert_reqs="CERT_REQUIRED",
                    )
                else:
                    pool = urllib3.HTTPConnectionPool(
                        address, port, timeout=timeout, maxsize=4, retries=False
                    )
                self.pools[key] = pool
            return pool

    def send(self, claimed: Claimed) -> Outcome:
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            target = destination(
                claimed.url, embedded=self.settings.webhook_embedded, resolve=self.resolve
            )
        except RefusedAddress as refused:
            return Outcome("refused-address", None, took(), "", refused.reason)
        now = self.clock()
        timestamp = int(now.timestamp())
        default_port = 443 if target.scheme == "https" else 80
        host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
        if ":" in target.host and not host_header.startswith("["):
            host_header = f"[{target.host}]" + host_header[len(target.host) :]
        headers = {
            "Host": host_header,
            "Content-Type": CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            "webhook-id": claimed.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(
                claimed.secrets, claimed.message_id, timestamp, claimed.body
            ),
            "webhook-sequence": str(claimed.sequence),
        }
        pool = self._pool(target.scheme, target.address, target.port, target.host)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=claimed.body,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except (urllib3.exceptions.TimeoutError, TimeoutError) as error:
            return Outcome("timeout", None, took(), "", f"no answer in time: {error}")
        except (urllib3.exceptions.HTTPError, OSError) as error:
            return Outcome("connection-error", None, took(), "", f"{type(error).__name__}: {error}")
        try:
            cap = self.settings.webhook_response_cap
            data = response.read(cap + 1, decode_content=False) or b""
            if len(data) > cap:
                data = data[:cap]
                response.close()  # not worth reading on; the connection is not reused
        except (urllib3.exceptions.HTTPError, OSError) as error:
            data = b""
            log.info("reading the answer failed: %s", error)
        finally:
            response.release_conn()
        excerpt = data[: deliveries.EXCERPT_CHARS].decode("utf-8", "replace")
        status = response.status
        if 200 <= status < 300:
            return Outcome("delivered", status, took(), excerpt)
        if status == 410:
            return Outcome("gone", status, took(), excerpt, "410 Gone")
        return Outcome(
            "http-error",
            status,
            took(),
            excerpt,
            f"HTTP {status}",
            retry_after(response.headers.get("Retry-After"), now),
        )
