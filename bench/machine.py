"""The machine and software the figures were measured on.

Benchmark figures mean nothing without the machine behind them, and a shared machine's load
at the start is part of that: the runner records it rather than pretending to be alone.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import kombu
import psycopg
import sqlalchemy

from bench import infra


def _nproc() -> int:
    """What ``nproc`` says: the cores this process may run on, not the machine's total."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _cpuinfo_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _filesystem(path: str) -> str:
    """The device and filesystem under ``path``: SQLite and the local bus live there."""
    best = ("", "unknown", "unknown")
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            device, mount, kind, *_ = line.split()
            if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) > len(
                best[0]
            ):
                best = (mount, kind, device)
    except OSError:
        pass
    return f"{best[1]} on {best[2]} (mounted at {best[0] or '?'})"


def _postgres_version() -> str:
    try:
        with psycopg.connect(infra.postgres_admin_url(), connect_timeout=3) as connection:
            row = connection.execute("SELECT version()").fetchone()
        return row[0] if row else "unknown"
    except psycopg.Error as error:
        return f"unreachable ({type(error).__name__})"


def _rabbitmq_version() -> str:
    """``rabbitmqctl version`` when the CLI is here and allowed to talk to the node."""
    if not shutil.which("rabbitmqctl"):
        return "unknown (no rabbitmqctl on this machine)"
    try:
        done = subprocess.run(
            ["rabbitmqctl", "version"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({type(error).__name__})"
    version = done.stdout.strip()
    return version if done.returncode == 0 and version else "unknown (rabbitmqctl failed)"


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def facts() -> list[tuple[str, str]]:
    """The machine, as (name, value) pairs."""
    return [
        ("CPU", f"{_nproc()} logical cores (nproc), {_cpuinfo_model()}"),
        ("Memory", _memory()),
        ("OS", platform.platform()),
        (f"Filesystem of {tempfile.gettempdir()}", _filesystem(tempfile.gettempdir())),
        ("Python", platform.python_version()),
        ("PostgreSQL", _postgres_version()),
        ("RabbitMQ", _rabbitmq_version()),
        ("kombu", kombu.__version__),
        ("SQLAlchemy", sqlalchemy.__version__),
        ("psycopg", psycopg.__version__),
        ("SQLite", sqlite3.sqlite_version),
        ("Load average at start (1, 5, 15 min)", load_average()),
    ]


def markdown(pairs: list[tuple[str, str]]) -> str:
    return "## Machine\n\n" + "\n".join(f"- {name}: {value}" for name, value in pairs)
