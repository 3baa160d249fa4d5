"""The two stacks every integration test runs on.

``embedded``: SQLite files and the local bus in a temporary folder (no servers).
``infra``: a fresh PostgreSQL database per service and a private RabbitMQ namespace (a bus
prefix of its own), all removed afterwards, so test runs never see each other's data.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path

import requests
from kombu import Exchange, Queue

from kit import migrate
from kit.config import Settings, database_url_variable
from kit.db import Database
from kit.events import bus
from kit.service import Service
from tests.support import infra
from tests.support.processes import Process, gunicorn, wait_until


class Stack:
    def __init__(self, kind: str, root: Path) -> None:
        self.kind = kind
        self.root = root
        self.prefix = f"t{uuid.uuid4().hex[:10]}"
        self.bus_url = infra.AMQP_URL if kind == "infra" else f"local://{root / 'bus'}"
        self._database_urls: dict[str, str] = {}
        self._databases: list[Database] = []
        self._processes: list[Process] = []
        self._services: set[str] = set()
        self.extra_queues: list[str] = []

    # -- configuration --------------------------------------------------------------------

    def database_url(self, service: str) -> str:
        if service not in self._database_urls:
            if self.kind == "infra":
                self._database_urls[service] = infra.create_database(
                    f"{self.prefix}_{service.replace('-', '_')}"
                )
            else:
                self._database_urls[service] = f"sqlite:///{self.root}/db/{service}.sqlite3"
        return self._database_urls[service]

    def settings(self, service: str, max_attempts: int = 5) -> Settings:
        return Settings(
            service=service,
            database_url=self.database_url(service),
            bus_url=self.bus_url,
            bus_prefix=self.prefix,
            max_body_bytes=1024 * 1024,
            event_max_attempts=max_attempts,
            confirm_timeout_s=10,
        )

    def env(self, *services: str) -> dict[str, str]:
        """Environment for a child process that runs these services."""
        env = {
            "THIDUA_VAR": str(self.root),
            "THIDUA_BUS_PREFIX": self.prefix,
            "AMQP_URL": self.bus_url if self.kind == "infra" else "",
            "LOG_LEVEL": "INFO",
        }
        for service in services:
            env[database_url_variable(service)] = self.database_url(service)
        return env

    # -- resources ------------------------------------------------------------------------

    def prepare(self, service: Service) -> Database:
        """Migrate the service's database and declare its queues; return the database."""
        settings = self.settings(service.name)
        migrate.upgrade(service, settings.database_url)
        with bus.connect(self.bus_url) as connection:
            bus.declare(connection, bus.Topology(self.prefix), service.name, service.subscriptions)
        self._services.add(service.name)
        db = Database(settings.database_url, service.name)
        self._databases.append(db)
        return db

    def tap(self, pattern: str) -> str:
        """A queue nobody consumes, bound to ``pattern``: it counts what was published."""
        name = f"{self.prefix}.tap.{uuid.uuid4().hex[:6]}"
        topology = bus.Topology(self.prefix)
        with bus.connect(self.bus_url) as connection:
            bus.declare(connection, topology, "tap", [])
            Queue(name, exchange=topology.events, routing_key=pattern, durable=True)(
                connection.default_channel
            ).declare()
        self.extra_queues.append(name)
        return name

    def queue_size(self, name: str) -> int:
        with bus.connect(self.bus_url) as connection:
            _, count, _ = Queue(name, durable=True)(connection.default_channel).queue_declare(
                passive=True
            )
        return count

    def spawn(self, name: str, args: list[str], *services: str, **extra: str) -> Process:
        process = Process(name, args, {**self.env(*services), **extra}, self.root / "logs")
        self._processes.append(process)
        return process

    def serve(self, service: str, port: int, **extra: str) -> Process:
        """The service's API under gunicorn (one worker) on ``port``, once it answers /readyz."""
        process = self.spawn(
            service,
            gunicorn(f"services.{service}.app:create_app()"),
            service,
            PORT=str(port),
            WEB_CONCURRENCY="1",
            **extra,
        )
        wait_until(
            lambda: requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200,
            timeout=60,
            what=f"{service} to be ready",
        )
        return process

    def close(self) -> None:
        for process in self._processes:
            process.stop(timeout=5)
        for db in self._databases:
            db.dispose()
        if self.kind == "infra":
            self._delete_bus_objects()
            for service in self._database_urls:
                infra.drop_database(f"{self.prefix}_{service.replace('-', '_')}")
        shutil.rmtree(self.root, ignore_errors=True)

    def _delete_bus_objects(self) -> None:
        topology = bus.Topology(self.prefix)
        queues = [f"{self.prefix}.{s}{suffix}" for s in self._services for suffix in ("", ".dead")]
        with bus.connect(self.bus_url) as connection:
            for name in queues + self.extra_queues:
                with contextlib.suppress(Exception):
                    Queue(name)(connection.channel()).delete()
            for exchange in (topology.events, topology.retry, topology.dead):
                with contextlib.suppress(Exception):
                    Exchange(exchange.name)(connection.channel()).delete()
