"""A read model rebuilt from scratch: scoring forgets its copies, identity replays its events
to scoring alone, and the copies come back exactly. Both stacks."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date

from click.testing import CliRunner
from sqlalchemy import select

from kit.cli import make_cli
from kit.db import Database
from kit.events.consumer import Consumer
from kit.events.relay import Relay
from services.identity.domain import org
from services.identity.service import SERVICE as IDENTITY
from services.notify.service import SERVICE as NOTIFY
from services.scoring.commands import add_commands
from services.scoring.models import UnitCopy
from services.scoring.service import SERVICE as SCORING
from tests.support.processes import wait_until
from tests.support.stack import Stack


@contextmanager
def consuming(stack: Stack, db: Database):
    consumer = Consumer(stack.settings("scoring"), db, SCORING.subscriptions)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def copies(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        return [
            (u.unit_id, u.name)
            for u in session.execute(select(UnitCopy).order_by(UnitCopy.unit_id)).scalars()
        ]


def test_scoring_rebuilds_its_unit_copies_from_identitys_replay(stack: Stack) -> None:
    identity, scoring = stack.prepare(IDENTITY), stack.prepare(SCORING)
    stack.prepare(NOTIFY)  # another consumer of identity's events: a replay must not reach it
    with identity.transaction() as session:
        org.create_unit(
            session, None, id="bo-tu-phap", code="BTP", kind="ministry", name="Bộ Tư pháp"
        )
        for code in ("01", "79"):
            org.create_unit(
                session,
                None,
                id=f"stp-{code}",
                code=f"STP-{code}",
                kind="so-tu-phap",
                name=f"Sở Tư pháp {code}",
                parent_id="bo-tu-phap",
                province_code=code,
            )
        org.change_unit(
            session,
            None,
            org.get_unit(session, "stp-79"),
            effective=date(2025, 7, 1),
            name="Sở Tư pháp Thành phố Hồ Chí Minh",
        )
    Relay(stack.settings("identity"), identity).run_once()
    with consuming(stack, scoring):
        wait_until(lambda: len(copies(scoring)) == 3, what="the copies")
    before = copies(scoring)
    notify_queue = f"{stack.prefix}.notify"
    notify_waiting = stack.queue_size(notify_queue)

    env = stack.env("scoring", "identity")
    scoring_cli = make_cli(SCORING)
    add_commands(scoring_cli)
    reset = CliRunner().invoke(scoring_cli, ["read-models", "reset", "--yes"], env=env)
    assert reset.exit_code == 0, reset.output
    assert copies(scoring) == []

    replayed = CliRunner().invoke(
        make_cli(IDENTITY),
        ["events", "replay", "--to", "scoring", "--type", "identity.org.#"],
        env=env,
    )
    assert replayed.exit_code == 0, replayed.output
    assert "replayed to scoring: 4" in replayed.output
    with consuming(stack, scoring):
        wait_until(lambda: copies(scoring) == before, what="the copies to come back")
    assert stack.queue_size(notify_queue) == notify_waiting, "the replay went to scoring alone"
