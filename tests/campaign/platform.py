"""Scoring and its neighbours as supervised processes that reach their servers through proxies.

What runs, and why it is in the campaign:

| program | kind | why |
|---|---|---|
| ``identity-relay`` | relay | identity's units and regions reach scoring and awards as events |
| ``criteria-relay`` | relay | the 2026 criteria table reaches scoring as an event |
| ``scoring-api`` | api | gunicorn, 2 workers: every request of the scenario |
| ``scoring-relay`` | relay | sheets' jobs and public facts, the ranking |
| ``scoring-worker-1``, ``-2`` | worker | scoring's consumers: the computations, the copies |
| ``scoring-scheduler`` | scheduler | closes self-assessment at its deadline |
| ``awards-consumer`` | consumer | receives ``scoring.ranking.published`` |

Identity's and criteria's data are loaded by their own domain code into their own databases
before the processes start (identity's reference data, as ``make demo-data`` loads it, and the
sample criteria table published for 2026); their outboxes then hold the events the relays
publish under faults. CI scores a smaller table (``campaign_table``: the sample's first
criteria of each group, its points and bands scaled to match), so that the 34 sheets are
filled with a few hundred requests rather than 1,300; the long run scores the whole sample.
Neither identity's nor criteria's API is run: the scenario talks to scoring only, and directly
(no gateway: a connection refused is what the client sees of a dead API process).

Every process reaches PostgreSQL through one ``TcpProxy`` and RabbitMQ through another, so a
cut bites every connection at once. The test process itself (setup, the checks) talks to the
servers directly. Tokens are signed with the tests' key and served by a JWKS endpoint in the
test process, which no fault touches.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import text

from kit import migrate
from kit.config import database_url_variable
from kit.db import Database
from services.awards.service import SERVICE as AWARDS
from services.criteria.domain import tables as criteria_tables
from services.criteria.service import SERVICE as CRITERIA
from services.identity.service import SERVICE as IDENTITY
from services.scoring.service import SERVICE as SCORING
from tests.campaign import worker
from tests.support import infra
from tests.support.processes import Process, free_port, gunicorn, python, wait_until
from tests.support.stack import Stack
from tests.support.supervisor import Program, Supervisor
from tests.support.tcpproxy import TcpProxy
from tests.support.tokens import KID, PRIVATE_KEY

# Services whose outboxes the campaign publishes, and those whose consumers run.
SOURCES = ("identity", "criteria", "scoring")
CONSUMERS = {"scoring": SCORING, "awards": AWARDS}
KILLED_KINDS = ("relay", "worker", "consumer", "scheduler", "api")
YEAR = 2026
UNIT_KIND = "so-tu-phap"
API_WORKERS = 2
API_THREADS = 4
SCHEDULER_INTERVAL_S = 1.0


SAMPLE_TABLE = (
    Path(__file__).resolve().parents[2] / "services/criteria/data/sample-criteria-table.json"
)


def campaign_table(per_group: int | None) -> dict[str, Any]:
    """The sample criteria table for 2026, or (``per_group``) a valid smaller one: only the
    first ``per_group`` criteria of each group, every node's points the sum of what it kept,
    the rank bands scaled by the same ratio as the total."""
    document = json.loads(SAMPLE_TABLE.read_text(encoding="utf-8"))
    document["year"] = YEAR
    if per_group is None:
        return document

    def trimmed(node: dict[str, Any]) -> dict[str, Any]:
        if "children" not in node:
            return node
        kept: list[dict[str, Any]] = []
        leaves = 0
        for child in node["children"]:
            if "children" in child:
                kept.append(trimmed(child))
            elif leaves < per_group:
                kept.append(child)
                leaves += 1
        return {**node, "children": kept, "max_points": _sum(c["max_points"] for c in kept)}

    whole = document["max_points"]
    document["parts"] = [trimmed(part) for part in document["parts"]]
    document["max_points"] = _sum(part["max_points"] for part in document["parts"])
    for band in document["rank_bands"]:
        if band["min_total"] is not None:
            band["min_total"] = int(band["min_total"] * document["max_points"] / whole)
    return document


def _sum(points: Iterable[Any]) -> int | float:
    """Points summed exactly (they are decimals written as JSON numbers)."""
    total = sum((Decimal(str(p)) for p in points), Decimal(0))
    return int(total) if total == total.to_integral_value() else float(total)


class JwksServer:
    """The tests' public key as a JWKS document, served from a thread of this process."""

    def __init__(self) -> None:
        jwk = RSAAlgorithm.to_jwk(PRIVATE_KEY.public_key(), as_dict=True)
        body = json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # quiet: the test's output is the campaign's

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Platform:
    def __init__(
        self, root: Path, scoring_workers: int = 2, criteria_per_group: int | None = None
    ) -> None:
        self.root = root
        self.logs = root / "logs"  # outside the stack's folder, so kept after a failure
        self.criteria_per_group = criteria_per_group
        self.stack = Stack("infra", root / "stack")
        self.scoring_workers = scoring_workers
        self.api_port = free_port()
        pg = urlsplit(self.stack.database_url("scoring"))
        self.pg_target = (pg.hostname or "127.0.0.1", pg.port or 5432)
        self.database = TcpProxy(self.pg_target, free_port())
        self.broker = TcpProxy((infra.AMQP_HOST, int(infra.AMQP_PORT)), free_port())
        self.supervisor: Supervisor | None = None
        self.jwks: JwksServer | None = None
        self._direct: dict[str, Database] = {}
        self._loader: Process | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def proxies(self) -> dict[str, TcpProxy]:
        return {"database": self.database, "broker": self.broker}

    def db(self, service: str) -> Database:
        """A direct connection (no proxy) for the test's own reads."""
        if service not in self._direct:
            self._direct[service] = Database(self.stack.database_url(service), service)
        return self._direct[service]

    # -- before the processes -------------------------------------------------------------

    def prepare(self) -> None:
        """Databases migrated, queues declared, criteria's table published; identity's
        reference data is being loaded by a process of its own (``wait_loaded``), so the
        supervised processes can start meanwhile: its relay publishes the rows once they
        commit."""
        migrate.upgrade(IDENTITY, self.stack.database_url("identity"))
        self._loader = Process(
            "identity-reference-load",
            python("-m", "services.identity", "reference", "load", "--last-year", "2027"),
            self.stack.env("identity"),
            self.logs,
        )
        migrate.upgrade(CRITERIA, self.stack.database_url("criteria"))
        with self.db("criteria").transaction() as session:
            draft = criteria_tables.create_draft(
                session,
                "system:campaign",
                year=YEAR,
                unit_kind=UNIT_KIND,
                document=campaign_table(self.criteria_per_group),
            )
            criteria_tables.publish(session, "system:campaign", draft, None)
        for service in CONSUMERS.values():
            self.stack.prepare(service)
        with self.db("scoring").transaction() as session:
            session.execute(text(worker.CREATE))

    def wait_loaded(self) -> None:
        assert self._loader is not None, "prepare() first"
        code = self._loader.popen.wait(timeout=300)
        self._loader.stop()
        assert code == 0, f"identity's reference load failed:\n{self._loader.output()}"

    # -- the processes --------------------------------------------------------------------

    def env(self, *services: str) -> dict[str, str]:
        """A supervised process's environment: its databases and the broker via the proxies."""
        env = self.stack.env(*services)
        host, port = self.pg_target
        for service in services:
            variable = database_url_variable(service)
            env[variable] = env[variable].replace(f"@{host}:{port}/", f"@{self.database.url_host}/")
        env["AMQP_URL"] = f"amqp://guest:guest@{self.broker.url_host}//"
        assert self.jwks is not None
        env["THIDUA_JWKS_URL"] = self.jwks.url
        return env

    def programs(self) -> list[Program]:
        workers = [
            Program(
                f"scoring-worker-{n}",
                "worker",
                python("-m", "tests.campaign.worker", "consume", "--prefetch", "10"),
                self.env("scoring"),
            )
            for n in range(1, self.scoring_workers + 1)
        ]
        api_env = {
            **self.env("scoring"),
            "PORT": str(self.api_port),
            "WEB_CONCURRENCY": str(API_WORKERS),
            "GUNICORN_THREADS": str(API_THREADS),
        }
        return [
            Program(
                "identity-relay",
                "relay",
                python("-m", "services.identity", "relay"),
                self.env("identity"),
            ),
            Program(
                "criteria-relay",
                "relay",
                python("-m", "services.criteria", "relay"),
                self.env("criteria"),
            ),
            Program("scoring-api", "api", gunicorn("services.scoring.app:create_app()"), api_env),
            Program(
                "scoring-relay",
                "relay",
                python("-m", "services.scoring", "relay"),
                self.env("scoring"),
            ),
            *workers,
            Program(
                "scoring-scheduler",
                "scheduler",
                python(
                    "-m",
                    "services.scoring",
                    "scheduler",
                    "--interval",
                    str(SCHEDULER_INTERVAL_S),
                ),
                self.env("scoring"),
            ),
            Program(
                "awards-consumer",
                "consumer",
                python("-m", "services.awards", "consume"),
                self.env("awards"),
            ),
        ]

    def start(self) -> Supervisor:
        self.database.start()
        self.broker.start()
        self.jwks = JwksServer()
        self.supervisor = Supervisor(self.logs)
        for program in self.programs():
            self.supervisor.add(program)
        self.supervisor.wait_all_alive()
        return self.supervisor

    def wait_api(self, timeout: float = 90) -> None:
        wait_until(
            lambda: requests.get(f"{self.api}/readyz", timeout=2).status_code == 200,
            timeout=timeout,
            what="scoring's API to be ready",
        )

    def close(self) -> None:
        try:
            if self._loader is not None:
                self._loader.stop(timeout=5)
            if self.supervisor is not None:
                self.supervisor.stop(timeout=5)
        finally:
            self.database.stop()
            self.broker.stop()
            if self.jwks is not None:
                self.jwks.close()
            for database in self._direct.values():
                database.dispose()
            self.stack.close()


@contextmanager
def running(
    root: Path,
    progress: Callable[[str], None],
    scoring_workers: int = 2,
    criteria_per_group: int | None = None,
) -> Iterator[Platform]:
    """A prepared platform with every process started; everything removed afterwards."""
    platform = Platform(root, scoring_workers, criteria_per_group)
    try:
        platform.prepare()
        progress("databases ready; identity's reference data loading")
        platform.start()
        platform.wait_api()
        progress("every process started, the API ready")
        platform.wait_loaded()
        progress("identity's reference data loaded")
        yield platform
    finally:
        platform.close()
