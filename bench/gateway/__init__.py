"""Gateway benchmark: what the gateway adds to a call, and what verifying the token costs.

Side by side (issue 14): a real service (criteria's ``GET /tables`` under gunicorn on SQLite,
which checks the token itself) is called with the same token by the same client, alternately
straight on its port and through the gateway (bench.gateway.sidebyside), one request at a time
and a few at a time; the target is a gateway median at most 1.30 times the direct one.

Token verification: an earlier issue asked for "token verification cost at the gateway (requests
per second with and without auth on a trivial upstream route, as a ratio)". A real gateway runs
under gunicorn (one worker, the kit's threads) in front of a trivial upstream
(bench.gateway.ping), and of criteria for the side by side. The same GET is measured two ways
through it: ``/api/v1/awards/ping`` with a bearer token (verified, then counted by the per-
client limit) and ``/api/v1/awards/healthz``, a route the gateway forwards without a token. Both
reach the same handler upstream and pass the per-address limit, so the difference is the token:
parsing it, one RS256 signature check and the client limit. No flag in the gateway changes for
the benchmark: its keys come from the trivial upstream, which sits where identity's JWKS is by
default, and the limits are raised so they count but never refuse.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import g
from jwt.algorithms import RSAAlgorithm
from werkzeug.test import EnvironBuilder

from bench import cpu, stacks
from bench.gateway.load import Run, hammer
from bench.gateway.ping import PONG
from bench.gateway.sidebyside import Pairs, interleave
from bench.procs import Running, python_module
from bench.report import Section, Table
from bench.runner import Options
from bench.stats import ms
from gateway import admission
from gateway.app import create_app
from gateway.config import SERVICES, Settings
from gateway.fastpath import FastPath
from kit import auth
from kit.logs import JsonFormatter

TITLE = "The gateway: its overhead on a service, and token verification"
REPO = Path(__file__).resolve().parent.parent.parent
SERVICE = "awards"  # any service: every upstream is the trivial one
AUTHENTICATED = f"/api/v1/{SERVICE}/ping"
PUBLIC = f"/api/v1/{SERVICE}/healthz"
UNLIMITED = "1000000/minute"
DIRECT_PATH = "/tables"  # criteria's, token-checked: signature, refusal lookup, the query
THROUGH_GATEWAY = f"/api/v1/criteria{DIRECT_PATH}"
TARGET_RATIO = 1.30  # issue 14: the gateway adds at most 30% to the direct median
GATEWAY_THREADS = int(os.environ.get("GUNICORN_THREADS", "4"))  # kit.gunicorn_conf's default


@dataclass(frozen=True)
class Plan:
    requests: int
    concurrency: int
    trials: int
    warmup: int
    verifications: int  # in-process calls for the per-request figures
    pairs: int  # side by side: pairs of GETs (direct, through the gateway) per concurrency
    side_by_side: tuple[int, ...]  # the concurrencies side by side


FULL = Plan(
    requests=2000,
    concurrency=8,
    trials=3,
    warmup=300,
    verifications=2000,
    pairs=2000,
    side_by_side=(1, 4),
)
QUICK = Plan(
    requests=100,
    concurrency=4,
    trials=1,
    warmup=20,
    verifications=50,
    pairs=100,
    side_by_side=(1, 4),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_answering(url: str, watch: list[Running], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment between us and 127.0.0.1
        while True:
            for process in watch:
                process.check()
            try:
                if session.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {seconds:g} s")
            time.sleep(0.1)


def _signing_key() -> tuple[Any, str, str]:
    """A key pair of the benchmark's own: the private key, its kid, and the JWKS to serve."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = f"bench-{secrets.token_hex(3)}"
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwks = json.dumps({"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]})
    return key, kid, jwks


def _token(key: Any, kid: str) -> str:
    now = int(time.time())
    claims = {
        "iss": auth.issuer(),
        "aud": auth.audience(),
        "sub": "bench-user",
        "iat": now,
        "exp": now + 3600,
        "jti": secrets.token_hex(8),
        "kind": "user",
        "roles": [],
    }
    return auth.sign(claims, key, kid)


def _verify_seconds(token: str, key: Any, kid: str, count: int) -> float:
    """The median time of one ``kit.auth.verify`` in this process, keys already at hand."""
    keys = auth.StaticKeys({kid: key.public_key()})
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        auth.verify(token, keys)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _rsa_seconds(token: str, key: Any, count: int) -> float:
    """The median time of the RS256 signature check alone (what is left without PyJWT)."""
    signed, _, signature = token.rpartition(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    public_key = key.public_key()
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        public_key.verify(raw, signed.encode(), padding.PKCS1v15(), hashes.SHA256())
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _admission_seconds(env: dict[str, str], token: str, count: int) -> tuple[float, float]:
    """The median time of the gateway's checks (``gateway.admission.admit``) in this process,
    for the public route and for the authenticated one, on an app built from ``env``."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        app = create_app(Settings.from_env(env))  # keys from the running trivial upstream
    finally:
        root.handlers[:], root.level = saved  # the app would make this process log JSON

    def median(path: str, headers: dict[str, str]) -> float:
        samples = []
        for _ in range(count):
            with app.test_request_context(path, headers=headers):
                g.request_id = "bench"
                began = time.perf_counter()
                refused = admission.admit()
                samples.append(time.perf_counter() - began)
            if refused is not None:
                raise RuntimeError(f"{path} refused in process: {refused.status}")
        return statistics.median(samples)

    bearer = {"Authorization": f"Bearer {token}"}
    median(AUTHENTICATED, bearer)  # fetches the JWKS once, like the first request of a worker
    return median(PUBLIC, {}), median(AUTHENTICATED, bearer)


def _forwarding_cpu(env: dict[str, str], token: str, count: int) -> tuple[float, float]:
    """The median CPU time of this thread per forwarded GET with a remembered token, through
    the gateway's fast path and through its Flask app alone (gateway.fastpath), alternately,
    in this process: the app's whole work, without the front's and with the trivial upstream
    answering from its own process. Log lines go to /dev/null, formatted as in production."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        try:
            app = create_app(Settings.from_env(env))
            sink = logging.StreamHandler(devnull)
            sink.setFormatter(JsonFormatter("gateway"))
            root.handlers[:] = [sink]
            root.setLevel(logging.INFO)
            fast_path = app.wsgi_app
            assert isinstance(fast_path, FastPath)
            environ = EnvironBuilder(
                path=AUTHENTICATED,
                headers={"Authorization": f"Bearer {token}"},
                environ_base={"CONTENT_LENGTH": "0", "REMOTE_ADDR": "127.0.0.1"},  # as served
            ).get_environ()

            def cpu(wsgi: Callable[..., Iterable[bytes]]) -> float:
                statuses: list[str] = []
                began = time.thread_time()
                body = b"".join(wsgi(dict(environ), lambda status, *_: statuses.append(status)))
                spent = time.thread_time() - began
                if not statuses[0].startswith("200") or body != PONG:
                    raise RuntimeError(f"{AUTHENTICATED} in process: {statuses[0]} {body[:200]!r}")
                return spent

            cpu(fast_path.app)  # verifies the token and fetches the JWKS, once
            fast, full = [], []
            for _ in range(count):
                fast.append(cpu(fast_path))
                full.append(cpu(fast_path.app))
        finally:
            root.handlers[:], root.level = saved
    return statistics.median(fast), statistics.median(full)


@dataclass(frozen=True)
class Result:
    public: list[Run]
    authenticated: list[Run]
    verify_s: float
    rsa_s: float
    admission_public_s: float
    admission_authenticated_s: float
    forward_fast_cpu_s: float  # the app's CPU per forwarded GET, fast path (in process)
    forward_flask_cpu_s: float  # the same through the Flask app alone
    header_bytes: int  # what the Authorization header adds to each request
    side_by_side: list[Pairs]  # one per concurrency of the plan
    cpu: str


def _median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.rps)[len(runs) // 2]


def _migrated_criteria(stack: stacks.Stack) -> None:
    from kit import migrate
    from services.criteria.service import SERVICE as CRITERIA

    migrate.upgrade(CRITERIA, stack.database_urls["criteria"])


def measure(plan: Plan, progress: Callable[[str], None]) -> Result:
    with stacks.embedded(secrets.token_hex(4), ["criteria"]) as stack:
        _migrated_criteria(stack)
        return _measure(plan, progress, stack)


def _measure(plan: Plan, progress: Callable[[str], None], stack: stacks.Stack) -> Result:
    key, kid, jwks = _signing_key()
    token = _token(key, kid)
    upstream_port, gateway_port, criteria_port = _free_port(), _free_port(), _free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    gateway = f"http://127.0.0.1:{gateway_port}"
    criteria = f"http://127.0.0.1:{criteria_port}"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    upstream_env = {
        **env,
        "PORT": str(upstream_port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": str(plan.concurrency),  # never the bottleneck
        "BENCH_JWKS": jwks,
    }
    gateway_env = {
        **{k: v for k, v in env.items() if not k.startswith("GATEWAY_")},
        "PORT": str(gateway_port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": str(GATEWAY_THREADS),
        "LOG_LEVEL": "INFO",  # one line per request, as in production
        "GATEWAY_RATE_LIMIT_ADDRESS": UNLIMITED,
        "GATEWAY_RATE_LIMIT_CLIENT": UNLIMITED,
        **{f"GATEWAY_UPSTREAM_{name.upper()}": upstream for name in SERVICES},
        "GATEWAY_UPSTREAM_CRITERIA": criteria,  # the real service, for the side by side
    }
    criteria_env = {
        **stack.env(),
        "PORT": str(criteria_port),
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",  # one line per request, as the gateway's
        "THIDUA_JWKS_URL": f"{upstream}/.well-known/jwks.json",  # the benchmark's key
    }
    conf = ["-c", "python:kit.gunicorn_conf"]
    cpu_before = cpu.Snapshot.take()
    with tempfile.TemporaryDirectory(prefix="thidua-bench-gateway-") as var:
        logs = Path(var) / "logs"
        with (
            python_module(
                "upstream", "gunicorn", [*conf, "bench.gateway.ping:app"], upstream_env, logs
            ) as up,
            python_module(
                "gateway", "gunicorn", [*conf, "gateway.app:create_app()"], gateway_env, logs
            ) as gw,
            python_module(
                "criteria",
                "gunicorn",
                [*conf, "services.criteria.app:create_app()"],
                criteria_env,
                logs,
            ) as service,
        ):
            watch = [up, gw, service]
            _wait_until_answering(f"{upstream}/ping", watch)
            _wait_until_answering(f"{gateway}/healthz", watch)
            _wait_until_answering(f"{criteria}/healthz", watch, seconds=60)
            bearer = {"Authorization": f"Bearer {token}"}
            with requests.Session() as session:
                session.trust_env = False
                anonymous = session.get(gateway + AUTHENTICATED, timeout=5)
            if anonymous.status_code != 401:
                raise RuntimeError(
                    f"the gateway let a request without a token through: {anonymous}"
                )
            progress("gateway: warming up")
            hammer(gateway + PUBLIC, {}, plan.warmup, plan.concurrency)
            hammer(gateway + AUTHENTICATED, bearer, plan.warmup, plan.concurrency)
            public: list[Run] = []
            authenticated: list[Run] = []
            for trial in range(plan.trials):
                progress(f"gateway: trial {trial + 1} of {plan.trials}")
                # Interleaved, so drift in the machine's load touches both alike.
                public.append(hammer(gateway + PUBLIC, {}, plan.requests, plan.concurrency))
                authenticated.append(
                    hammer(gateway + AUTHENTICATED, bearer, plan.requests, plan.concurrency)
                )
                for process in watch:
                    process.check()
            side_by_side = _side_by_side(plan, progress, criteria, gateway, bearer, watch)
            progress("gateway: the same checks in process")
            admitted = _admission_seconds(gateway_env, token, plan.verifications)
            progress("gateway: a forwarded GET's CPU in process, fast path and Flask")
            forwarding = _forwarding_cpu(gateway_env, token, plan.verifications)
    return Result(
        public=public,
        authenticated=authenticated,
        verify_s=_verify_seconds(token, key, kid, plan.verifications),
        rsa_s=_rsa_seconds(token, key, plan.verifications),
        admission_public_s=admitted[0],
        admission_authenticated_s=admitted[1],
        forward_fast_cpu_s=forwarding[0],
        forward_flask_cpu_s=forwarding[1],
        header_bytes=len(f"Authorization: Bearer {token}\r\n"),
        side_by_side=side_by_side,
        cpu=cpu.describe(cpu_before, cpu.Snapshot.take(), others="other work sharing the machine"),
    )


def _side_by_side(
    plan: Plan,
    progress: Callable[[str], None],
    criteria: str,
    gateway: str,
    bearer: dict[str, str],
    watch: list[Running],
) -> list[Pairs]:
    """The same token-checked GET, direct and through the gateway, interleaved."""
    direct, through = criteria + DIRECT_PATH, gateway + THROUGH_GATEWAY
    with requests.Session() as session:
        session.trust_env = False
        anonymous = session.get(through, timeout=5)
    if anonymous.status_code != 401:
        raise RuntimeError(f"the gateway let {THROUGH_GATEWAY} through without a token")
    progress("gateway: side by side, warming up")
    interleave(direct, through, bearer, plan.warmup, 1)
    runs = []
    for concurrency in plan.side_by_side:
        progress(f"gateway: side by side, {plan.pairs} pairs, {concurrency} at a time")
        runs.append(interleave(direct, through, bearer, plan.pairs, concurrency))
        for process in watch:
            process.check()
    return runs


def _verdict(ratio: float) -> str:
    return "**pass**" if ratio <= TARGET_RATIO else "**fail**"


def describe(result: Result, plan: Plan) -> Section:
    public, authed = _median_run(result.public), _median_run(result.authenticated)
    ratio = authed.rps / public.rps
    added_ms = (1 / authed.rps - 1 / public.rps) * 1000
    cpu_ratio = result.forward_fast_cpu_s / result.forward_flask_cpu_s
    section = Section(name="gateway", title=TITLE)
    section.conditions = [
        "Side by side: criteria's API under gunicorn (`-c python:kit.gunicorn_conf`, 1 worker, "
        "asyncio front and 4 app threads) on SQLite (embedded mode, migrated, no tables: the "
        f"answer is an empty page), `GET {DIRECT_PATH}` with an RS256 bearer token that criteria "
        "verifies itself (signature, then `kit.principals.refusal`'s lookup, then the query); "
        f"the same GET through the gateway is `GET {THROUGH_GATEWAY}`. One client sends the same "
        "request with the same token alternately to criteria's port and to the gateway's, the "
        "order of each pair alternating, every client thread with a keep-alive connection to "
        f"each; {plan.warmup} warm-up pairs first, then {plan.pairs:,} pairs at each "
        "concurrency. Both processes log one JSON line per request at INFO, as in production.",
        f"One gateway process under gunicorn (`-c python:kit.gunicorn_conf`, 1 worker, asyncio "
        f"front and {GATEWAY_THREADS} app threads), in front of a trivial upstream "
        f"(`bench.gateway.ping`, a bare WSGI callable under gunicorn, 1 worker, "
        f"{plan.concurrency} app threads) answering an "
        "11-byte JSON body; everything on 127.0.0.1, with the load generator on the same cores.",
        f"Load: {plan.requests:,} GETs per trial, {plan.concurrency} at a time, each thread with "
        "its own `requests.Session` (keep-alive) sending the next request as soon as the answer "
        f"is read; {plan.warmup} warm-up requests per route first, not counted; "
        f"{plan.trials} trial{'s' if plan.trials != 1 else ''}, the two routes interleaved, the "
        "median trial reported with the range. Every answer must be 200 or the run fails.",
        f"With auth: `GET {AUTHENTICATED}` with an RS256 bearer token (2048-bit key, kid found in "
        "the gateway's JWKS cache, fetched once before the clock starts): verified, then counted "
        "by the per-client limit. Without: `GET "
        f"{PUBLIC}`, which the gateway forwards without a token, to the same upstream handler. "
        "Both are counted by the per-address limit; the token makes each request "
        f"{result.header_bytes} bytes longer.",
        f"Rate limits in memory (`memory://`, moving window), raised to {UNLIMITED} so they "
        "count every request but refuse none. Logging as in production: one JSON line per "
        "request at INFO.",
        f"Percentiles are nearest-rank. CPU during the run: {result.cpu}.",
    ]
    rows = []
    for label, runs, chosen in (
        ("Without token (public route)", result.public, public),
        ("With bearer token (verified once, then remembered)", result.authenticated, authed),
    ):
        low, high = min(r.rps for r in runs), max(r.rps for r in runs)
        rows.append(
            [
                label,
                f"{chosen.requests:,}",
                str(plan.concurrency),
                f"{chosen.rps:,.0f}",
                f"{low:,.0f}–{high:,.0f}",
                ms(chosen.p50),
                ms(chosen.p99),
            ]
        )
    side_rows = [
        [
            str(pairs.concurrency),
            f"{len(pairs.direct):,}",
            ms(pairs.direct_p50),
            ms(pairs.gateway_p50),
            f"{pairs.ratio_p50:.2f}",
            ms(pairs.direct_p99),
            ms(pairs.gateway_p99),
            f"{pairs.ratio_p99:.2f}",
        ]
        for pairs in result.side_by_side
    ]
    section.tables = [
        Table(
            "Direct to the service and through the gateway, side by side",
            [
                "Concurrency",
                "Pairs",
                "Direct p50 ms",
                "Gateway p50 ms",
                "Ratio p50",
                "Direct p99 ms",
                "Gateway p99 ms",
                "Ratio p99",
            ],
            side_rows,
            caption=(
                f"`GET {THROUGH_GATEWAY}` through the gateway against `GET {DIRECT_PATH}` on "
                "criteria's own port, interleaved; ratio = through the gateway / direct."
            ),
        ),
        Table(
            "Requests per second through the gateway",
            [
                "Route",
                "Requests",
                "Concurrency",
                "Requests/s",
                "Range, requests/s",
                "p50 ms",
                "p99 ms",
            ],
            rows,
            caption=f"Ratio with/without auth: **{ratio:.2f}**.",
        ),
        Table(
            "A forwarded GET's CPU in the gateway's app, in process",
            ["Path", "Median CPU µs per request"],
            [
                [
                    "The fast path (`gateway.fastpath`: outside Flask, with the same functions)",
                    f"{result.forward_fast_cpu_s * 1e6:,.0f}",
                ],
                [
                    "The Flask app alone (`kit.web`'s hooks, `gateway.admission.admit`, the view)",
                    f"{result.forward_flask_cpu_s * 1e6:,.0f}",
                ],
            ],
            caption=(
                f"`GET {AUTHENTICATED}` with a remembered token, {plan.verifications:,} times "
                "each way, alternately, through the WSGI app in the benchmark process (one "
                "thread; CPU time of that thread, so the trivial upstream's own is not in it; "
                "the log line formatted and written to /dev/null): the app's work per request, "
                "without the front's, and less noisy than the latencies on a shared machine. "
                f"Fast path / Flask: **{cpu_ratio:.2f}**."
            ),
        ),
        Table(
            "The checks alone, in process",
            ["What", "Median µs"],
            [
                [
                    f"`gateway.admission.admit` for `GET {PUBLIC}` (per-address limit)",
                    f"{result.admission_public_s * 1e6:,.0f}",
                ],
                [
                    f"`gateway.admission.admit` for `GET {AUTHENTICATED}` with a remembered token "
                    "(per-address limit, token, per-client limit)",
                    f"{result.admission_authenticated_s * 1e6:,.0f}",
                ],
                ["`kit.auth.verify` alone (RS256, key at hand)", f"{result.verify_s * 1e6:,.0f}"],
                [
                    "The RSA signature check alone (`cryptography`, PKCS#1 v1.5, SHA-256)",
                    f"{result.rsa_s * 1e6:,.0f}",
                ],
            ],
            caption=(
                f"{plan.verifications:,} calls each in the benchmark process, one thread, no "
                "HTTP: what the token adds to a request's CPU time, without the contention of a "
                "loaded machine."
            ),
        ),
    ]
    checks_ms = (result.admission_authenticated_s - result.admission_public_s) * 1000
    one_at_a_time = result.side_by_side[0]
    section.reading = [
        f"Target (issue 14): through the gateway, the median of a token-checked GET is at most "
        f"{TARGET_RATIO:.2f}× the direct one, one request at a time: "
        f"{_verdict(one_at_a_time.ratio_p50)} ({one_at_a_time.ratio_p50:.2f}×: "
        f"{ms(one_at_a_time.gateway_p50)} ms against {ms(one_at_a_time.direct_p50)} ms, the "
        f"gateway adding {ms(one_at_a_time.gateway_p50 - one_at_a_time.direct_p50)} ms). "
        + " ".join(
            f"At {pairs.concurrency} at a time: {_verdict(pairs.ratio_p50)} "
            f"({pairs.ratio_p50:.2f}× the median, {pairs.ratio_p99:.2f}× the p99)."
            for pairs in result.side_by_side[1:]
        ),
        "What the gateway still does per request, on top of the service's own work: its "
        "asyncio front reads the request and hands it to a thread (the same front as the "
        "service's, so that cost is paid twice); the fast path (`gateway.fastpath`: a GET or "
        "HEAD with a remembered token, answered outside Flask with the Flask app's own "
        "functions) routes it, checks the limits and the token (a verified token is remembered "
        "until it expires, so a client's next requests cost a lookup, not a signature check), "
        "sends it to criteria on a kept-alive connection through the gateway's own small HTTP "
        "client and writes the request id, the metrics and the log line as `kit.web` does "
        f"({result.forward_fast_cpu_s * 1e6:,.0f} µs of CPU in process against "
        f"{result.forward_flask_cpu_s * 1e6:,.0f} µs through the Flask app; docs/decisions/0013 "
        "and its addenda on where the time goes). At more than one at a time the gateway, "
        "criteria and the load generator share the machine's cores, so the ratio also measures "
        "who waits for a core.",
        f"With a token the gateway serves {ratio:.0%} of the requests per second it serves "
        f"without one, about {added_ms:.2f} ms more per request at this concurrency. In "
        f"process, one thread, a remembered token adds {checks_ms:.2f} ms to the gateway's "
        f"checks (the per-client limit and the lookup); `kit.auth.verify`'s "
        f"{result.verify_s * 1000:.2f} ms is paid once per token and worker, at its first "
        "request. "
        + (
            "The figure under load is larger: that CPU time is spent where it hurts most, as "
            "the gateway's threads share one interpreter lock, and the gateway, the upstream "
            "and the load generator share the machine's few cores."
            if added_ms > 1.2 * checks_ms
            else "Under load the difference is about what the checks cost in process: the "
            "token's work adds to the gateway's time per request and little else."
        ),
        f"Of `kit.auth.verify`'s {result.verify_s * 1e6:,.0f} µs, the RSA check is "
        f"{result.rsa_s * 1e6:,.0f} µs; the rest is PyJWT's parsing: it validates the "
        "base64 of every segment character by character, and `verify` reads the header with "
        "`jwt.get_unverified_header` before `jwt.decode` parses the whole token again. "
        "Services still pay it on every request (each verifies the token again). The JWKS is "
        "fetched once per worker and cached, so no request waits for identity.",
        "Figures from a small machine shared with the load generator (and whatever else runs "
        "on it, see the CPU line) are for comparing the two routes, not for sizing production.",
    ]
    return section


def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    return describe(measure(plan, options.progress), plan)
