"""The event bus: outbox, relay, inbox consumer and dead letters (see docs/events.md)."""

from kit.events.envelope import CloudEvent
from kit.events.outbox import emit

__all__ = ["CloudEvent", "emit"]
