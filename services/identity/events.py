"""The events identity publishes: its public contract, one dataclass each in contracts.identity
(documented in docs/events.md, JSON Schemas in docs/events/).

Identity builds every payload through those dataclasses and ``publish`` puts one in the outbox,
so no payload is assembled from string keys here and what others read back with
``from_data`` is what was sent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from contracts.identity import Event
from kit.events import CloudEvent, emit


def publish(session: Session, event: Event) -> CloudEvent:
    """Emit ``event`` in the session's transaction (the outbox); return the envelope."""
    return emit(session, event.TYPE, subject=event.subject, data=event.to_data())
