"""The two deployments a bus benchmark runs on, each isolated from everything else.

- embedded: SQLite files and the local bus under a temporary THIDUA_VAR, as ``make up`` runs;
- infra: PostgreSQL and RabbitMQ, as production runs, with databases and a bus prefix that
  carry a random token and are removed at the end.

A ``Stack`` gives the parent process its ``Settings`` and ``Database`` objects and the child
processes (relay, consumer) the environment that makes ``Settings.from_env`` agree with them.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import infra
from kit.config import Settings
from kit.db import Database

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Stack:
    name: str
    label: str
    var: Path
    bus_url: str
    bus_prefix: str
    database_urls: dict[str, str]

    @property
    def embedded(self) -> bool:
        return self.bus_url.startswith("local://")

    def settings(self, service: str) -> Settings:
        return dataclasses.replace(
            Settings.from_env(service),
            database_url=self.database_urls[service],
            bus_url=self.bus_url,
            bus_prefix=self.bus_prefix,
        )

    def database(self, service: str) -> Database:
        return Database(self.database_urls[service], service)

    def env(self) -> dict[str, str]:
        """The environment of a relay or consumer process of this stack."""
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(
            {f"{service.upper()}_DATABASE_URL": url for service, url in self.database_urls.items()}
        )
        env.update(
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            THIDUA_VAR=str(self.var),
            THIDUA_BUS_PREFIX=self.bus_prefix,
            AMQP_URL="" if self.embedded else self.bus_url,
            LOG_LEVEL="WARNING",
        )
        return env


@contextmanager
def _var_folder(token: str, stack: str) -> Iterator[Path]:
    var = Path(tempfile.mkdtemp(prefix=f"thidua-bench-{token}-{stack}-"))
    try:
        yield var
    finally:
        shutil.rmtree(var, ignore_errors=True)


@contextmanager
def embedded(token: str, services: Sequence[str]) -> Iterator[Stack]:
    with _var_folder(token, "embedded") as var:
        yield Stack(
            name="embedded",
            label="SQLite + local bus",
            var=var,
            bus_url=f"local://{var / 'bus'}",
            bus_prefix=f"bench{token}",
            database_urls={s: f"sqlite:///{var / 'db' / s}.sqlite3" for s in services},
        )


@contextmanager
def infrastructure(
    token: str, services: Sequence[str], consumers: Sequence[str]
) -> Iterator[Stack]:
    """PostgreSQL databases ``bench_<token>_<service>`` and the bus prefix ``bench<token>``.

    Raises ``infra.Unavailable`` before creating anything when a server does not answer.
    """
    infra.check()
    names = {s: f"bench_{token}_{s}" for s in services}
    prefix = f"bench{token}"
    with _var_folder(token, "infra") as var:
        try:
            infra.create_databases(names.values())
            yield Stack(
                name="infra",
                label="PostgreSQL + RabbitMQ",
                var=var,
                bus_url=infra.amqp_url(),
                bus_prefix=prefix,
                database_urls={s: infra.database_url(n) for s, n in names.items()},
            )
        finally:
            try:
                infra.delete_bus_objects(prefix, consumers)
            finally:
                infra.drop_databases(names.values())
