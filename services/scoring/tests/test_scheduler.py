"""The deadline scheduler: an overdue self-assessment closes once, whoever runs it and however
often. Both stacks."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kit.db import Database
from kit.events import CloudEvent
from kit.events.tables import outbox
from scoringrules import table as rules
from services.scoring import events
from services.scoring.domain import scheduler
from services.scoring.models import Entry, Round, Sheet, TableCopy
from services.scoring.service import SERVICE
from tests.support.stack import Stack

DATA = Path(__file__).resolve().parents[3] / "services" / "criteria" / "data"
TABLE = json.loads((DATA / "sample-criteria-table.json").read_text())
NOW = datetime(2026, 12, 15, 17, 0, tzinfo=UTC)


@pytest.fixture
def db(stack: Stack) -> Database:
    database = stack.prepare(SERVICE)
    with database.transaction() as session:
        session.add(
            TableCopy(
                table_id="table-2026-v1",
                year=2026,
                unit_kind="so-tu-phap",
                version=1,
                rules_version="2024.1",
                document={**TABLE, "year": 2026},
                published_at=NOW - timedelta(days=300),
            )
        )
    return database


def add_round(db: Database, name: str, due: datetime, phase: str = "self_assessment") -> str:
    round_id = str(uuid.uuid4())
    with db.transaction() as session:
        session.add(
            Round(
                id=round_id,
                year=2026,
                unit_kind="so-tu-phap",
                name=name,
                table_id="table-2026-v1",
                phase=phase,
                self_assessment_due=due,
                review_due=due + timedelta(days=10),
                appraisal_due=due + timedelta(days=20),
                revision=1,
                created_by="ministry_officer-all",
                created_at=NOW - timedelta(days=60),
            )
        )
        session.flush()
        sheet_id = str(uuid.uuid4())
        session.add(
            Sheet(
                id=sheet_id,
                round_id=round_id,
                unit_id="stp-01",
                region_id=None,
                status="draft",
                revision=1,
                compute_status="none",
                bonus_counts={},
                deduction_counts={},
                updated_at=NOW,
            )
        )
        session.flush()
        session.add_all(
            Entry(id=str(uuid.uuid4()), sheet_id=sheet_id, code=code, position=i)
            for i, code in enumerate(rules.leaves(TABLE))
        )
    return round_id


def phase_events(db: Database) -> list[CloudEvent]:
    with db.read() as session:
        rows = session.execute(
            select(outbox.c.envelope)
            .where(outbox.c.type == events.ROUND_PHASE_CHANGED)
            .order_by(outbox.c.id)
        ).scalars()
        return [CloudEvent.from_json(r) for r in rows]


def state(db: Database, round_id: str) -> tuple[str, int, list[str]]:
    with db.read() as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        statuses = session.execute(select(Sheet.status).where(Sheet.round_id == round_id))
        return round_.phase, round_.revision, list(statuses.scalars())


def test_an_overdue_round_moves_to_region_review_once(db: Database) -> None:
    overdue = add_round(db, "Đợt quá hạn", NOW - timedelta(minutes=1))
    due_now = add_round(db, "Đến hạn đúng lúc", NOW)
    not_yet = add_round(db, "Chưa đến hạn", NOW + timedelta(hours=1))
    drafted = add_round(db, "Còn nháp", NOW - timedelta(days=1), phase="draft")

    assert sorted(scheduler.tick(db, NOW)) == sorted([overdue, due_now])
    assert state(db, overdue) == ("region_review", 2, ["draft"])  # the sheet stays a draft
    assert state(db, due_now)[0] == "region_review"
    assert state(db, not_yet) == ("self_assessment", 1, ["draft"])
    assert state(db, drafted)[0] == "draft"

    moved = {e.data["round_id"]: e for e in phase_events(db)}
    assert set(moved) == {overdue, due_now}
    event = moved[overdue]
    assert event.subject == f"round/{overdue}"
    assert {k: event.data[k] for k in ("year", "unit_kind", "from", "to", "actor", "reason")} == {
        "year": 2026,
        "unit_kind": "so-tu-phap",
        "from": "self_assessment",
        "to": "region_review",
        "actor": "system:scheduler",
        "reason": "deadline",
    }

    # Running again changes nothing and says nothing.
    assert scheduler.tick(db, NOW) == []
    assert scheduler.tick(db, NOW + timedelta(minutes=30)) == []
    assert len(phase_events(db)) == 2
    # Later, the other deadline passes: only that round moves.
    assert scheduler.tick(db, NOW + timedelta(hours=2)) == [not_yet]
    assert len(phase_events(db)) == 3


def test_a_second_scheduler_skips_the_round_the_first_is_moving(db: Database) -> None:
    round_id = add_round(db, "Đợt quá hạn", NOW - timedelta(minutes=1))
    results: list[list[str]] = []
    second = threading.Thread(target=lambda: results.append(scheduler.tick(db, NOW)))
    with db.transaction() as first:
        assert scheduler.close_overdue(first, NOW) == [round_id]
        second.start()
        if db.dialect == "postgresql":
            # SKIP LOCKED: the second finds the round locked and passes over it at once.
            second.join(timeout=10)
            assert not second.is_alive()
            assert results == [[]]
        else:
            # SQLite: the second waits for the writer lock (BEGIN IMMEDIATE) ...
            second.join(timeout=0.5)
            assert second.is_alive()
    second.join(timeout=30)
    # ... and then finds the round already moved.
    assert results == [[]]
    assert state(db, round_id)[:2] == ("region_review", 2)
    assert [e.data["round_id"] for e in phase_events(db)] == [round_id]


def test_run_passes_until_stopped(db: Database) -> None:
    round_id = add_round(db, "Đợt quá hạn", datetime.now(UTC) - timedelta(minutes=1))
    stop = threading.Event()
    runner = threading.Thread(target=scheduler.run, args=(db, stop, 0.05))
    runner.start()
    try:
        for _ in range(200):
            if state(db, round_id)[0] == "region_review":
                break
            stop.wait(0.05)
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert state(db, round_id)[0] == "region_review"
    assert len(phase_events(db)) == 1
