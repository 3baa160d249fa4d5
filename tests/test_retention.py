"""Retention: published outbox events past the retention move to the archive, where `events
replay` still finds them in their order, and Idempotency-Keys past their TTL are forgotten, by
`python -m services.<name> prune` or by the first request that reuses one. Both stacks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import CliRunner
from kombu import Queue
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from conftest import service_app
from kit.cli import make_cli
from kit.config import Settings
from kit.db import Database, utcnow
from kit.events import bus, emit
from kit.events.outbox import archive
from kit.events.relay import Relay
from kit.events.tables import archive as archive_table
from kit.events.tables import idempotency_keys, outbox
from kit.idempotency import expire
from services.identity.domain import org
from services.identity.service import SERVICE as IDENTITY
from services.scoring.commands import add_commands
from services.scoring.service import SERVICE as SCORING
from tests.support.processes import wait_until
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer
from tests.test_replay import consuming, copies

RETENTION = timedelta(days=7)
LONG_AGO = timedelta(days=30)


def emit_events(db: Database, count: int, start: int = 0) -> list[str]:
    """``count`` events on subjects of their own; their ids, in the order emitted."""
    with db.transaction() as session:
        return [
            emit(session, "identity.probe.noted", f"probe/{n}", {"n": n}).id
            for n in range(start, start + count)
        ]


def publish_all(stack: Stack, db: Database) -> None:
    relay = Relay(stack.settings(db.service), db)
    while relay.run_once():
        pass
    relay.close()


def age(db: Database, event_ids: list[str], by: timedelta, column: str = "published_at") -> None:
    """Make these outbox rows look ``by`` older (published, or emitted, that long ago)."""
    with db.transaction() as session:
        session.execute(
            update(outbox).where(outbox.c.event_id.in_(event_ids)).values({column: utcnow() - by})
        )


def in_outbox(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.execute(select(outbox.c.event_id).order_by(outbox.c.id)).scalars())


def in_archive(db: Database) -> list[str]:
    with db.read() as session:
        return list(
            session.execute(select(archive_table.c.event_id).order_by(archive_table.c.id)).scalars()
        )


def probe_queue(stack: Stack) -> str:
    """A consuming service "probe" that no event type reaches: only a replay to it does."""
    with bus.connect(stack.bus_url) as connection:
        queue = bus.declare(connection, bus.Topology(stack.prefix), "probe", ["probe.none.none"])
    assert queue is not None
    stack.extra_queues += [queue.name, f"{queue.name}.dead"]
    return queue.name


def received(stack: Stack, name: str, count: int) -> list[str]:
    """The ids of the first ``count`` events waiting in queue ``name``, in queue order."""
    ids: list[str] = []
    with bus.connect(stack.bus_url) as connection:
        queue = Queue(name, durable=True)(connection.default_channel)

        def take() -> bool:
            while (message := queue.get(no_ack=False)) is not None:
                ids.append(json.loads(message.body)["id"])
                message.ack()
            return len(ids) >= count

        wait_until(take, what=f"{count} events in {name}")
    return ids


def test_published_events_past_the_retention_move_to_the_archive(stack: Stack) -> None:
    db = stack.prepare(IDENTITY)
    old = emit_events(db, 5)
    publish_all(stack, db)
    age(db, old, LONG_AGO)
    recent = emit_events(db, 2, start=5)
    publish_all(stack, db)
    waiting = emit_events(db, 1, start=7)  # never published: the relay has not run since
    age(db, waiting, LONG_AGO, column="created_at")
    with db.read() as session:
        envelopes = dict(session.execute(select(outbox.c.event_id, outbox.c.envelope)).all())

    assert archive(db, RETENTION, batch_size=2) == 5
    assert in_archive(db) == old
    assert in_outbox(db) == recent + waiting, "recent and unpublished events stay"
    with db.read() as session:
        kept = dict(
            session.execute(select(archive_table.c.event_id, archive_table.c.envelope)).all()
        )
    assert kept == {event_id: envelopes[event_id] for event_id in old}, "moved whole"
    assert archive(db, RETENTION) == 0, "nothing is archived twice"


def test_replay_reads_the_archive_and_the_outbox_in_the_order_events_were_emitted(
    stack: Stack,
) -> None:
    db = stack.prepare(IDENTITY)
    first = emit_events(db, 4)
    publish_all(stack, db)
    age(db, first, LONG_AGO)
    # The newest row of the outbox stays even when it is old (its id must never be reused).
    assert archive(db, RETENTION) == 3
    later = emit_events(db, 2, start=4)
    publish_all(stack, db)
    emit_events(db, 1, start=6)  # not published yet: not replayed either
    queue = probe_queue(stack)

    replayed = CliRunner().invoke(
        make_cli(IDENTITY), ["events", "replay", "--to", "probe"], env=stack.env("identity")
    )
    assert replayed.exit_code == 0, replayed.output
    assert "replayed to probe: 6" in replayed.output
    assert received(stack, queue, 6) == first + later
    with db.read() as session:
        newest_archived = session.execute(select(func.max(archive_table.c.id))).scalar()
        oldest_in_outbox = session.execute(select(func.min(outbox.c.id))).scalar()
    assert newest_archived < oldest_in_outbox, "new events get ids after the archived ones"


def test_archiving_twice_at_once_beside_the_relay_moves_each_event_once(stack: Stack) -> None:
    db = stack.prepare(IDENTITY)
    old = emit_events(db, 60)
    publish_all(stack, db)
    age(db, old, LONG_AGO)
    unpublished = emit_events(db, 30, start=60)

    # Two jobs as two processes would run them, each with its own engine, and the relay.
    jobs = [Database(stack.database_url("identity"), "identity") for _ in range(2)]
    results: list[object] = []
    threads = [
        in_thread(lambda job=job: archive(job, RETENTION, batch_size=7), results) for job in jobs
    ]
    threads.append(in_thread(lambda: publish_all(stack, db), results))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for job in jobs:
        job.dispose()

    errors = [r for r in results if isinstance(r, BaseException)]
    counts = [r for r in results if isinstance(r, int)]
    assert errors == []
    assert sum(counts) == 60, counts
    assert in_archive(db) == old
    assert in_outbox(db) == unpublished
    with db.read() as session:
        waiting = session.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        ).scalar()
    assert waiting == 0, "the relay published the rest meanwhile"
    assert archive(db, RETENTION) == 0


def in_thread(work: Callable[[], object], results: list[object]) -> threading.Thread:
    """A thread that adds what ``work`` returns, or the error it raised, to ``results``."""

    def run() -> None:
        try:
            results.append(work())
        except BaseException as error:  # handed to the test, which names it
            results.append(error)

    return threading.Thread(target=run)


def keys(db: Database) -> set[str]:
    with db.read() as session:
        return set(session.execute(select(idempotency_keys.c.key)).scalars())


def age_key(db: Database, key: str, by: timedelta) -> None:
    with db.transaction() as session:
        session.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.key == key)
            .values(created_at=utcnow() - by)
        )


def test_an_expired_idempotency_key_runs_as_new_and_prune_deletes_the_old_ones(
    stack: Stack,
) -> None:
    client = service_app(stack, IDENTITY).test_client()
    db = stack.prepare(IDENTITY)
    body = {"title": "Thông báo", "body": "Lịch họp tổng kết năm."}

    def post(key: str) -> TestResponse:
        return client.post(
            "/announcements", json=body, headers={**ministry_officer(), "Idempotency-Key": key}
        )

    first = post("year-end")
    age_key(db, "year-end", timedelta(hours=25))
    again = post("year-end")
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers, "a key past its TTL is a new key"
    assert again.get_json()["id"] != first.get_json()["id"]
    assert post("year-end").headers["Idempotent-Replayed"] == "true", "the new one is kept"

    for key in ("old-1", "old-2", "fresh"):
        assert post(key).status_code == 201
    age_key(db, "old-1", timedelta(hours=30))
    age_key(db, "old-2", timedelta(days=3))
    assert expire(db, timedelta(hours=24), batch_size=1) == 2
    assert keys(db) == {"year-end", "fresh"}
    assert expire(db, timedelta(hours=24)) == 0


def test_the_prune_command_archives_and_expires_and_replay_still_rebuilds_a_read_model(
    stack: Stack,
) -> None:
    identity, scoring = stack.prepare(IDENTITY), stack.prepare(SCORING)
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
    publish_all(stack, identity)
    with consuming(stack, scoring):
        wait_until(lambda: len(copies(scoring)) == 3, what="the copies")
    before = copies(scoring)
    units = in_outbox(identity)
    age(identity, units, LONG_AGO)
    keep_going = emit_events(identity, 1)  # the newest row, which stays in the outbox
    publish_all(stack, identity)
    with identity.transaction() as session:
        session.execute(
            idempotency_keys.insert().values(
                caller="someone", key="k", fingerprint="0" * 64, created_at=utcnow() - LONG_AGO
            )
        )

    env = stack.env("identity")
    cli = make_cli(IDENTITY)
    longer = {"THIDUA_OUTBOX_RETENTION_DAYS": "60", "THIDUA_IDEMPOTENCY_TTL_HOURS": "1000"}
    kept_longer = CliRunner().invoke(cli, ["prune"], env={**env, **longer})
    assert kept_longer.exit_code == 0, kept_longer.output
    assert kept_longer.output == (
        "identity: archived 0 events published over 60 days ago; "
        "expired 0 Idempotency-Keys over 1000 hours old\n"
    )
    pruned = CliRunner().invoke(cli, ["prune"], env=env)
    assert pruned.exit_code == 0, pruned.output
    assert f"identity: archived {len(units)} events published over 7 days ago" in pruned.output
    assert "expired 1 Idempotency-Keys over 24 hours old" in pruned.output
    assert in_archive(identity) == units
    assert in_outbox(identity) == keep_going
    assert keys(identity) == set()

    scoring_cli = make_cli(SCORING)
    add_commands(scoring_cli)
    both = stack.env("scoring", "identity")
    reset = CliRunner().invoke(scoring_cli, ["read-models", "reset", "--yes"], env=both)
    assert reset.exit_code == 0, reset.output
    assert copies(scoring) == []
    replayed = CliRunner().invoke(
        cli, ["events", "replay", "--to", "scoring", "--type", "identity.org.#"], env=both
    )
    assert replayed.exit_code == 0, replayed.output
    assert f"replayed to scoring: {len(units)}" in replayed.output
    with consuming(stack, scoring):
        wait_until(lambda: copies(scoring) == before, what="the copies to come back")


def test_the_retention_settings_are_read_once_and_refuse_a_negative_duration() -> None:
    """A negative retention would archive, or a negative TTL forget, what has not happened."""
    settings = Settings.from_env(
        "identity", {"THIDUA_OUTBOX_RETENTION_DAYS": "30", "THIDUA_IDEMPOTENCY_TTL_HOURS": "0.5"}
    )
    assert (settings.outbox_retention_days, settings.idempotency_ttl_hours) == (30, 0.5)
    defaults = Settings.from_env("identity", {})
    assert (defaults.outbox_retention_days, defaults.idempotency_ttl_hours) == (7, 24)
    for name in ("THIDUA_OUTBOX_RETENTION_DAYS", "THIDUA_IDEMPOTENCY_TTL_HOURS"):
        with pytest.raises(ValueError, match=name):
            Settings.from_env("identity", {name: "-1"})
