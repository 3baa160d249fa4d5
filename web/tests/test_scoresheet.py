"""Reading the self-assessment form into each scoring method's inputs, and the totals preview."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel

from web.data import running_totals
from web.scoresheet import field_errors, inputs_from_form, slug

BANDS = {"code": "A.I.1", "max_points": 2, "method": {"type": "bands_at_least", "bands": []}}
LATE = {"code": "B.1", "max_points": 4, "method": {"type": "bands_at_most", "bands": []}}
RATIO = {
    "code": "A.II.2",
    "max_points": 5,
    "when_not_applicable": "full",
    "method": {"type": "proportional"},
}
DONE = {"code": "A.I.4", "max_points": 2, "method": {"type": "boolean"}}
MANUAL = {
    "code": "A.I.5",
    "max_points": 3,
    "method": {"type": "manual", "step": 0.5, "note_required_below_max": True},
}


@pytest.fixture(autouse=True)
def _babel() -> Any:
    app = Flask("t")
    Babel(app)
    with app.test_request_context():
        yield


def test_numbers_are_read_the_vietnamese_way() -> None:
    assert inputs_from_form(BANDS, {"value": "95,5"}, "vi").inputs == {"value": 95.5}
    assert inputs_from_form(LATE, {"days_late": "3"}, "vi").inputs == {"days_late": 3}
    assert inputs_from_form(DONE, {"done": "false"}, "vi").inputs == {"done": False}
    manual = inputs_from_form(MANUAL, {"points": "2,5", "note": " thiếu "}, "vi")
    assert manual.inputs == {"points": 2.5, "note": "thiếu"}


def test_what_is_not_a_number_is_an_error_next_to_its_field_and_nothing_is_sent() -> None:
    reading = inputs_from_form(BANDS, {"value": "chín mươi"}, "vi")
    assert not reading.savable and set(reading.errors) == {"value"}
    late = inputs_from_form(LATE, {"days_late": "1,5"}, "vi")
    assert late.errors == {"days_late": "Enter a whole number of days."}


def test_a_half_filled_criterion_waits_and_an_empty_one_clears() -> None:
    half = inputs_from_form(RATIO, {"achieved": "4"}, "vi")
    assert half.incomplete and not half.savable and half.errors == {}
    empty = inputs_from_form(RATIO, {"achieved": "", "target": ""}, "vi")
    assert empty.savable and empty.inputs is None


def test_not_applicable_needs_a_note_and_sends_only_it() -> None:
    refused = inputs_from_form(RATIO, {"not_applicable": "true", "achieved": "4"}, "vi")
    assert set(refused.errors) == {"note"}
    declared = inputs_from_form(RATIO, {"not_applicable": "true", "note": "Không có"}, "vi")
    assert declared.inputs == {"not_applicable": True, "note": "Không có"}
    # A criterion that may not be declared so ignores the box.
    assert inputs_from_form(BANDS, {"not_applicable": "true", "value": "1"}, "vi").inputs == {
        "value": 1
    }


def test_the_platforms_issues_land_on_their_fields_by_label() -> None:
    body = {
        "issues": [
            {"pointer": "/entries/A.I.5/note", "vi": "Cần «note»", "en": "“note” needed"},
            {"pointer": "/entries/A.I.5", "vi": "Chưa có dữ liệu", "en": "No inputs"},
            {"pointer": "/entries/A.I.6", "vi": "khác", "en": "other"},
        ]
    }
    assert field_errors("A.I.5", body, MANUAL, "vi") == {
        "note": "Cần «Note»",
        "": "Chưa có dữ liệu",
    }
    assert slug("A.I.5") == "A-I-5"


def test_the_running_totals_add_the_entries_and_cap_bonus_and_deduction() -> None:
    document = {
        "parts": [
            {"code": "A", "children": [{**BANDS}, {**DONE}]},
            {"code": "B", "children": [LATE]},
        ],
        "bonus": {"cap": 3, "items": [{"code": "E.1", "per_count": 2}]},
        "deduction": {"cap": 20, "items": [{"code": "F.1", "per_count": 5, "max_count": 1}]},
    }
    points = {"A.I.1": Decimal("1.75"), "A.I.4": Decimal("2"), "B.1": None}
    totals = running_totals(document, points, {"bonus": {"E.1": 2}, "deduction": {"F.1": 3}})
    assert totals["subtotals"] == {"A": Decimal("3.75"), "B": Decimal(0)}
    assert (totals["bonus"], totals["deduction"]) == (Decimal(3), Decimal(5))
    assert totals["total"] == Decimal("1.75")
    assert (totals["done"], totals["count"]) == (2, 3)
