"""What a running service app holds, and how code serving a request reaches it.

``kit.app`` builds the ``Runtime`` and re-exports ``runtime()`` and ``database()``, which is
where services take them from; ``kit.ops`` reads it here, so the two never import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from kit.auth import KeySource
from kit.config import Settings
from kit.db import Database
from kit.service import Service

__all__ = ["EXTENSION", "Runtime", "database", "runtime"]

EXTENSION = "thidua"  # the key of the Runtime in ``app.extensions``


@dataclass(frozen=True)
class Runtime:
    """What a running service app holds: its settings, its database, its description."""

    service: Service
    settings: Settings  # an instance of ``service.settings``
    db: Database
    keys: KeySource


def runtime() -> Runtime:
    """The current app's runtime, inside a request or an app context."""
    return current_app.extensions[EXTENSION]


def database() -> Database:
    """The current service's database, for use inside a request."""
    return runtime().db
