"""Dead letters: list what a service could not handle, and redrive it once it is fixed.

Listing takes every message off the dead-letter queue without acknowledging it and puts it
back; redrive publishes the chosen ones to the service's queue through the retry exchange with
a fresh attempt count, and removes them from dead letters only after the broker confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kombu import Producer

from kit.config import Settings
from kit.events import bus
from kit.events.envelope import CloudEvent, InvalidEvent


@dataclass(frozen=True)
class DeadLetter:
    event_id: str | None
    type: str
    attempts: int
    error: str
    dead_lettered_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _describe(body: Any, headers: dict[str, Any]) -> DeadLetter:
    try:
        event_id: str | None = CloudEvent.from_json(body).id
    except InvalidEvent:
        event_id = None
    return DeadLetter(
        event_id=event_id,
        type=str(headers.get("x-event-type", "unknown")),
        attempts=int(headers.get("x-attempt", 0)),
        error=str(headers.get("x-last-error", "")),
        dead_lettered_at=headers.get("x-dead-lettered-at"),
    )


def _walk(settings: Settings, choose: Any) -> list[DeadLetter]:
    """Fetch every dead letter; ``choose(letter)`` True means redrive it, else put it back."""
    topology = bus.Topology(settings.bus_prefix)
    chosen: list[DeadLetter] = []
    seen: list[DeadLetter] = []
    with bus.connect(settings.bus_url) as connection:
        connection.ensure_connection(max_retries=1)
        bus.declare(connection, topology, settings.service, [])
        channel = connection.channel()
        queue = topology.dead_letter_queue(settings.service)(channel)
        queue.declare()
        producer = Producer(connection.channel())
        held = []
        while (message := queue.get(no_ack=False)) is not None:
            headers = dict(message.headers or {})
            letter = _describe(message.body, headers)
            seen.append(letter)
            if choose(letter):
                producer.publish(
                    message.body,
                    exchange=topology.retry,
                    routing_key=settings.service,
                    headers={**headers, "x-attempt": 0, "x-redriven": True},
                    content_type="application/cloudevents+json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    confirm_timeout=settings.confirm_timeout_s,
                )
                message.ack()
                chosen.append(letter)
            else:
                held.append(message)
        for message in held:
            message.reject(requeue=True)
    return chosen if choose is not _never else seen


def _never(_: DeadLetter) -> bool:
    return False


def list_dead_letters(settings: Settings) -> list[DeadLetter]:
    return _walk(settings, _never)


def redrive(settings: Settings, event_ids: Iterable[str] | None = None) -> list[DeadLetter]:
    """Redrive the dead letters with these event ids, or all of them when None."""
    wanted = None if event_ids is None else set(event_ids)
    return _walk(settings, lambda letter: wanted is None or letter.event_id in wanted)
