"""The bulk steps (``sheets.submit_many``, ``set_points_many``, ``finalise_many``) refuse what
the single steps refuse, with the same issues under ``/sheets/<unit>`` and nothing written,
and record each sheet's own old status when the sheets of one call leave different ones.
Both stacks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.app import database
from kit.errors import Conflict, Error, Invalid, NotFound
from scoringrules.issues import pointer
from services.scoring.domain import sheets
from services.scoring.models import Change, Round, Sheet
from services.scoring.tests.test_workflow import EXAMPLE, HANOI, HCM, Scoring, fill, open_round
from tests.support.stack import Stack
from tests.support.tokens import unit_officer

CODE = next(iter(EXAMPLE["sheet"]["entries"]))
UNITS = {"stp-01": HANOI, "stp-79-2025": HCM, "stp-31-2025": unit_officer("stp-31-2025")}


@pytest.fixture
def scoring(stack: Stack) -> Scoring:
    fed = Scoring(stack)
    fed.feed()
    return fed


def _filled(scoring: Scoring, round_id: str) -> dict[str, str]:
    """Every unit's sheet filled as the worked example (unit -> sheet id)."""
    return {
        unit: fill(scoring, scoring.sheet_of(round_id, unit, headers), headers)["id"]
        for unit, headers in UNITS.items()
    }


def _refusal(scoring: Scoring, round_id: str, work: Callable[[Session, Round], Any]) -> Error:
    """What ``work`` raises, in a transaction of its own (rolled back by the raise)."""
    with (
        pytest.raises(Error) as raised,
        scoring.app.app_context(),
        database().transaction() as session,
    ):
        round_ = session.get(Round, round_id)
        assert round_ is not None
        work(session, round_)
    return raised.value


def _run(scoring: Scoring, round_id: str, work: Callable[[Session, Round], Any]) -> None:
    with scoring.app.app_context(), database().transaction() as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        work(session, round_)


def _sheet(session: Session, sheet_id: str) -> Sheet:
    sheet = session.get(Sheet, sheet_id)
    assert sheet is not None
    return sheet


def _state(scoring: Scoring) -> dict[str, tuple[str, int, int]]:
    """Each sheet's status, revision and history length: what a refused call must not change."""
    with scoring.app.app_context(), database().read() as session:
        history = {
            sheet_id: len(
                list(session.execute(select(Change.id).where(Change.sheet_id == sheet_id)))
            )
            for sheet_id in session.execute(select(Sheet.id)).scalars()
        }
        return {
            sheet.id: (sheet.status, sheet.revision, history[sheet.id])
            for sheet in session.execute(select(Sheet)).scalars()
        }


def _under(unit: str, single: Invalid) -> list[dict[str, Any]]:
    """The single step's issues as a bulk call names them (under ``/sheets/<unit>``)."""
    return [
        {**issue, "pointer": pointer("/sheets", unit) + issue["pointer"]}
        for issue in single.extra["issues"]
    ]


def test_a_bulk_submission_refuses_an_incomplete_sheet_as_submit_does(scoring: Scoring) -> None:
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    ids = _filled(scoring, round_id)
    # Hồ Chí Minh clears one criterion's inputs: the sheet is no longer complete.
    sheet = scoring.get(ids["stp-79-2025"], HCM)
    entry = next(e for e in sheet["entries"] if e["code"] == CODE)
    cleared = scoring.client.put(
        f"/sheets/{sheet['id']}/entries/{CODE}",
        json={"inputs": None},
        headers={**HCM, "If-Match": entry["etag"]},
    )
    assert cleared.status_code == 200, cleared.get_json()
    before = _state(scoring)

    single = _refusal(
        scoring, round_id, lambda s, r: sheets.submit(s, "actor", _sheet(s, ids["stp-79-2025"]), r)
    )
    bulk = _refusal(
        scoring, round_id, lambda s, r: sheets.submit_many(s, "actor", r, list(ids.values()))
    )

    assert isinstance(single, Invalid) and isinstance(bulk, Invalid)
    assert single.extra["issues"] and bulk.extra["issues"] == _under("stp-79-2025", single)
    assert _state(scoring) == before  # all or none: the complete sheets stay drafts


def test_bulk_points_are_refused_as_single_points_are(scoring: Scoring) -> None:
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    ids = _filled(scoring, round_id)
    _run(scoring, round_id, lambda s, r: sheets.submit_many(s, "actor", r, list(ids.values())))
    sheet_id = ids["stp-01"]

    def single(points: Any, code: str = CODE) -> Error:
        return _refusal(
            scoring,
            round_id,
            lambda s, r: sheets.set_points(
                s, "actor", _sheet(s, sheet_id), r, code, points, "Điều chỉnh", "appraisal"
            ),
        )

    def bulk(points: Any, code: str = CODE) -> Error:
        others = [
            (ids[u], CODE, Decimal("0"), "Điều chỉnh") for u in ("stp-79-2025", "stp-31-2025")
        ]
        return _refusal(
            scoring,
            round_id,
            lambda s, r: sheets.set_points_many(
                s, "actor", r, "appraisal", [(sheet_id, code, points, "Điều chỉnh"), *others]
            ),
        )

    # Not in the appraisal yet: the same 409.
    refused = (single(Decimal("1")), bulk(Decimal("1")))
    assert all(isinstance(e, Conflict) for e in refused)
    assert refused[0].detail == refused[1].detail and refused[0].extra == refused[1].extra
    scoring.phase(round_id, "region_review")
    scoring.phase(round_id, "appraisal")
    before = _state(scoring)
    for points in (Decimal("1000"), Decimal("-1"), "many"):
        one, many = single(points), bulk(points)
        assert isinstance(one, Invalid) and isinstance(many, Invalid), points
        assert one.extra["issues"] and many.extra["issues"] == _under("stp-01", one), points
    one, many = single(Decimal("1"), "Z.9.9"), bulk(Decimal("1"), "Z.9.9")
    assert isinstance(one, NotFound) and isinstance(many, NotFound)
    assert one.detail == many.detail
    assert _state(scoring) == before


def test_a_bulk_finalisation_records_each_sheets_own_old_status(scoring: Scoring) -> None:
    """Sheets reviewed and sheets only submitted, finalised in one call: each history row says
    what its sheet left, as ``finalise`` of that sheet alone does."""
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    ids = _filled(scoring, round_id)
    _run(scoring, round_id, lambda s, r: sheets.submit_many(s, "actor", r, list(ids.values())))
    scoring.phase(round_id, "region_review")
    for unit in ("stp-01", "stp-79-2025"):
        _run(
            scoring,
            round_id,
            lambda s, r, unit=unit: sheets.mark_reviewed(s, "actor", _sheet(s, ids[unit]), r),
        )
    scoring.phase(round_id, "appraisal")
    _run(scoring, round_id, lambda s, r: sheets.finalise(s, "actor", _sheet(s, ids["stp-01"]), r))
    _run(
        scoring,
        round_id,
        lambda s, r: sheets.finalise_many(s, "actor", r, [ids["stp-31-2025"], ids["stp-79-2025"]]),
    )

    with scoring.app.app_context(), database().read() as session:
        history = {
            unit: [
                (c.code, c.stage, c.field, c.old, c.new, c.reason, c.actor_id)
                for c in session.execute(
                    select(Change)
                    .where(Change.sheet_id == sheet_id, Change.field == "status")
                    .order_by(Change.id)
                ).scalars()
            ]
            for unit, sheet_id in ids.items()
        }
        statuses = {s.unit_id: s.status for s in session.execute(select(Sheet)).scalars()}
    assert history["stp-79-2025"] == history["stp-01"]
    assert [row[3:5] for row in history["stp-01"]] == [
        ("draft", "submitted"),
        ("submitted", "reviewed"),
        ("reviewed", "final"),
    ]
    assert [row[3:5] for row in history["stp-31-2025"]] == [
        ("draft", "submitted"),
        ("submitted", "final"),
    ]
    assert set(statuses.values()) == {"final"}
