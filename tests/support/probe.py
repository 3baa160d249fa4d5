"""A probe service for the bus tests: its handler does what each event asks of it.

The real services' handlers are plain; the fault tests need one that can be slow, or fail
until an operator fixes something, so they can kill or break a real consumer process at the
right moment. Everything else (queue, inbox, retries, dead letters) is the kit's, unchanged.

Run as ``python -m tests.support.probe <name> <command>`` (e.g. ``probe-a consume``).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kit.db import BigId, UTCDateTime, utcnow
from kit.events import CloudEvent
from kit.service import Service

EVENT_TYPE = "probe.effect.requested"


class Base(DeclarativeBase):
    pass


class Effect(Base):
    __tablename__ = "probe_effects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(default=0)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProbeFailure(RuntimeError):
    pass


def handle(session: Session, event: CloudEvent) -> None:
    """Sleep, fail or record, as the event's data asks."""
    data = event.data
    # Slow on the first delivery only: the marker outlives a killed process.
    marker = data.get("slow_once_marker")
    if marker and not Path(marker).exists():
        Path(marker).touch()
        time.sleep(float(data.get("sleep", 60)))
    if (broken := data.get("fail_while_exists")) and Path(broken).exists():
        raise ProbeFailure(f"probe is broken while {broken} exists")
    session.add(
        Effect(
            event_id=event.id, subject=event.subject, seq=data.get("seq", 0), handled_at=utcnow()
        )
    )


def service(name: str) -> Service:
    return Service(
        name=name,
        title=f"Probe {name}",
        description="Test-only consumer of probe events",
        metadata=Base.metadata,
        migrations=Path(__file__).parent / "probe_migrations",
        blueprints=[],
        subscriptions={EVENT_TYPE: handle},
    )


if __name__ == "__main__":
    from kit.cli import make_cli

    probe_name = sys.argv.pop(1)
    make_cli(service(probe_name))(prog_name=f"probe {probe_name}")
