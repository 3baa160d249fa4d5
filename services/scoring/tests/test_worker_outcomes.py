"""The scoring workers' batch read and batch write: what a batch reads is what one row per
entry reads, and what it writes is, to the character, the JSON document SQLAlchemy's JSON type
would have stored for the result. Both stacks (the grouped read and the array write are
PostgreSQL's; SQLite runs the row-by-row paths they must equal)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import Text, cast, select, update

import scoringrules
from kit.app import database
from kit.events import CloudEvent
from kit.events.tables import outbox
from services.scoring import events
from services.scoring.domain import computation
from services.scoring.models import Entry, Sheet
from services.scoring.tests.test_sheet_events import submitted_sheets
from services.scoring.tests.test_workflow import (
    EXAMPLE,
    TABLE,
    Scoring,
)
from tests.support.stack import Stack


@pytest.fixture
def scoring(stack: Stack) -> Scoring:
    fed = Scoring(stack)
    fed.feed()
    return fed


def jobs(scoring: Scoring) -> list[CloudEvent]:
    with scoring.app.app_context(), database().read() as session:
        return [
            CloudEvent.from_json(envelope)
            for envelope in session.execute(
                select(outbox.c.envelope)
                .where(outbox.c.type == events.SHEET_COMPUTE_REQUESTED)
                .order_by(outbox.c.id)
            ).scalars()
        ]


def test_a_batch_stores_each_result_as_the_json_type_would(scoring: Scoring) -> None:
    ids = submitted_sheets(scoring)
    # A later revision of the second sheet: its job for the first one writes nothing.
    overridden = ids[1]
    code = next(iter(EXAMPLE["sheet"]["entries"]))
    with scoring.app.app_context(), database().transaction() as session:
        session.execute(
            update(Entry)
            .where(Entry.sheet_id == overridden, Entry.code == code)
            .values(final_points=Decimal("0.25"))
        )
        session.execute(
            update(Sheet).where(Sheet.id == overridden).values(revision=Sheet.revision + 1)
        )
    stale = jobs(scoring)
    later = [
        CloudEvent(
            type=job.type,
            source=job.source,
            subject=job.subject,
            data={**job.data, "revision": job.data["revision"] + 1},
        )
        for job in stale
        if job.data["sheet_id"] == overridden
    ]
    outcomes = scoring.consumer.apply_batch([*stale, *later])
    assert [o.error for o in outcomes] == [None] * 3
    want = {
        ids[0]: scoringrules.score(TABLE, EXAMPLE["sheet"]),
        overridden: scoringrules.score(TABLE, EXAMPLE["sheet"], {code: Decimal("0.25")}),
    }
    assert want[ids[0]].as_json() == EXAMPLE["expected"]
    assert want[overridden].total != want[ids[0]].total
    with scoring.app.app_context(), database().read() as session:
        stored = {
            row.id: row
            for row in session.execute(
                select(
                    Sheet.id,
                    cast(Sheet.result, Text).label("text"),
                    Sheet.total,
                    Sheet.band,
                    Sheet.compute_status,
                    Sheet.computed_revision,
                    Sheet.revision,
                )
            )
        }
    for sheet_id, result in want.items():
        row = stored[sheet_id]
        assert row.text == json.dumps(result.as_json())  # SQLAlchemy's JSON serialiser
        assert (row.total, row.band) == (result.total, result.band)
        assert (row.compute_status, row.computed_revision) == ("done", row.revision)


def test_a_batch_reads_what_one_row_per_entry_reads(scoring: Scoring) -> None:
    ids = submitted_sheets(scoring)
    codes = list(EXAMPLE["sheet"]["entries"])
    with scoring.app.app_context(), database().transaction() as session:
        # Later points on some entries (the appraisal's wins over the region's), and an entry
        # without inputs.
        for code, review, final in ((codes[0], "1.5", None), (codes[1], "2", "0.75")):
            session.execute(
                update(Entry)
                .where(Entry.sheet_id == ids[0], Entry.code == code)
                .values(review_points=Decimal(review), final_points=final and Decimal(final))
            )
        session.execute(
            update(Entry)
            .where(Entry.sheet_id == ids[1], Entry.code == codes[2])
            .values(inputs=None)
        )
    with scoring.app.app_context(), database().transaction() as session:
        revisions = dict(
            session.execute(select(Sheet.id, Sheet.revision).where(Sheet.id.in_(ids))).all()
        )
        read = computation.read_inputs(session, revisions, lock=True, every=True)
        rows = {
            sheet_id: computation.Inputs(**{**vars(inputs), "entries": {}, "overrides": {}})
            for sheet_id, inputs in read.items()
        }
        computation._read_entries(session, rows, ids)
    assert sorted(read) == sorted(ids)
    for sheet_id in ids:
        assert read[sheet_id].entries == rows[sheet_id].entries
        assert read[sheet_id].overrides == rows[sheet_id].overrides
    assert read[ids[0]].overrides == {codes[0]: Decimal("1.50"), codes[1]: Decimal("0.75")}
    assert codes[2] not in read[ids[1]].entries
    assert read[ids[1]].document()["entries"] == {
        code: inputs for code, inputs in EXAMPLE["sheet"]["entries"].items() if code != codes[2]
    }
