"""The event bus: outbox, relay, inbox consumer and dead letters (see docs/events.md).

What a service uses, all from here: ``emit`` and ``emit_many`` (events into the outbox, in
the business transaction), ``CloudEvent`` and ``Handler`` (what a subscription's handler
takes), and ``forget_handled`` (a read model's reset before a replay). The submodules are the
kit's own: the relay, the consumer, the bus topology and the tables run from ``kit.cli`` and
``kit.app``, and import-linter keeps services out of them.
"""

from kit.events.consumer import Handler
from kit.events.envelope import CloudEvent
from kit.events.outbox import emit, emit_many
from kit.events.replay import forget_handled

__all__ = ["CloudEvent", "Handler", "emit", "emit_many", "forget_handled"]
