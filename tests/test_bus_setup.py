"""``bus setup`` removes the bindings a service's earlier release had and this one does not.

Declaring a queue only ever adds bindings, so after an upgrade the broker (or the local bus's
exchange file) went on routing retired event types to the queue, where the consumer
acknowledged and ignored each one. A pattern named in ``Service.retired_subscriptions`` is
unbound; the current ones keep flowing.
"""

from __future__ import annotations

from kombu import Producer

from kit.events import bus
from services.scoring.service import SERVICE as SCORING
from tests.support.stack import Stack

SERVICE = "setup-probe"
CURRENT, RETIRED = "probe.kept", "probe.retired"


def _publish(stack: Stack, routing_key: str) -> None:
    topology = bus.Topology(stack.prefix)
    with bus.connect(stack.bus_url) as connection:
        Producer(connection.default_channel, exchange=topology.events).publish(
            {"type": routing_key}, routing_key=routing_key, serializer="json"
        )


def _setup(stack: Stack, patterns: list[str], retired: tuple[str, ...] = ()) -> str:
    topology = bus.Topology(stack.prefix)
    with bus.connect(stack.bus_url) as connection:
        queue = bus.declare(connection, topology, SERVICE, patterns, retired=retired)
    assert queue is not None
    stack.extra_queues += [queue.name, f"{queue.name}.dead"]
    return queue.name


def _received(stack: Stack, name: str) -> list[str]:
    with bus.connect(stack.bus_url) as connection:
        queue = bus.Topology(stack.prefix).service_queue(SERVICE, [])(connection.default_channel)
        types = []
        while (message := queue.get(no_ack=True)) is not None:
            types.append(message.payload["type"])
    return sorted(types)


def test_setup_unbinds_a_retired_pattern_and_keeps_the_current_ones(stack: Stack) -> None:
    # The earlier release's setup bound both; this release's names one as retired.
    name = _setup(stack, [CURRENT, RETIRED])
    _setup(stack, [CURRENT], retired=(RETIRED,))

    _publish(stack, RETIRED)
    _publish(stack, CURRENT)

    assert _received(stack, name) == [CURRENT]


def test_a_retired_pattern_that_is_still_current_stays_bound(stack: Stack) -> None:
    name = _setup(stack, [CURRENT], retired=(CURRENT,))
    _publish(stack, CURRENT)
    assert _received(stack, name) == [CURRENT]


def test_setting_up_twice_after_the_unbind_changes_nothing(stack: Stack) -> None:
    name = _setup(stack, [CURRENT, RETIRED])
    _setup(stack, [CURRENT], retired=(RETIRED,))
    _setup(stack, [CURRENT], retired=(RETIRED,))
    _publish(stack, RETIRED)
    _publish(stack, CURRENT)
    assert _received(stack, name) == [CURRENT]


def test_scoring_retires_the_submission_job_binding() -> None:
    assert "scoring.sheet.submitted" in SCORING.retired_subscriptions
    assert "scoring.sheet.submitted" not in SCORING.subscriptions
