"""What a service tells the kit about itself, in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask_smorest import Blueprint
from sqlalchemy import MetaData

from kit.auth import KeySource
from kit.config import Settings
from kit.db import Database
from kit.events.consumer import Handler
from kit.policy import Actions, adopt

__all__ = ["Service"]


@dataclass(frozen=True)
class Service:
    """A service of the platform.

    ``subscriptions`` maps routing-key patterns (``identity.#``) to the handler that applies
    such an event to this service's own tables; an empty mapping means the service consumes
    nothing and gets no queue.

    ``actions`` are the actions it checks and the roles that grant each (its ``actions.py``,
    kit.policy): its app checks these in its requests, and building the descriptor makes the
    process check them outside requests too (commands, scripts).

    ``retired_subscriptions`` are patterns it no longer consumes, unbound by ``bus setup``.

    ``settings`` is the class of its settings: ``kit.config.Settings``, or a subclass that adds
    the service's own (read with the kit's by ``from_env``, once, as the app or command starts).
    """

    name: str
    title: str
    description: str
    metadata: MetaData
    migrations: Path
    blueprints: Sequence[Blueprint]
    subscriptions: Mapping[str, Handler] = field(default_factory=dict)
    # Where this service finds the keys of access tokens; None: identity's JWKS over HTTP.
    key_source: Callable[[Database], KeySource] | None = None
    # Called with the app after it is built (e.g. to register extras).
    on_app: Callable[..., None] | None = None
    actions: Actions = field(default_factory=Actions)
    settings: type[Settings] = Settings
    # Patterns an earlier release subscribed to and this one does not: ``bus setup`` unbinds
    # them from the queue (declaring never removes a binding). Kept for as long as a cluster
    # may be upgraded from such a release.
    retired_subscriptions: Sequence[str] = ()

    def __post_init__(self) -> None:
        adopt(self.actions)
