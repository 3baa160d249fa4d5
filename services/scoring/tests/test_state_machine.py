"""Every move of a sheet that its status and its round's phase do not allow is refused (409,
naming what is allowed), and changes nothing."""

from __future__ import annotations

import itertools

import pytest

from kit.errors import Conflict
from services.scoring.domain import lifecycle
from services.scoring.domain.rounds import PHASES
from services.scoring.models import Round, Sheet

STATUSES = ["draft", "submitted", "returned", "reviewed", "final"]
STEPS = ["edit", "submit", "review", "return", "mark_reviewed", "appraise", "finalise"]
CASES = list(itertools.product(STATUSES, PHASES, STEPS))


def test_the_table_of_allowed_moves_is_what_the_workflow_needs() -> None:
    assert lifecycle.ALLOWED[("draft", "self_assessment")] == ["edit", "submit"]
    assert lifecycle.ALLOWED[("submitted", "region_review")] == [
        "review",
        "return",
        "mark_reviewed",
    ]
    assert ("final", "appraisal") not in lifecycle.ALLOWED, "a final sheet never changes"
    assert not any(phase in ("draft", "closed", "published") for _, phase in lifecycle.ALLOWED)


@pytest.mark.parametrize(
    ("status", "phase", "step"), CASES, ids=[f"{s}-{p}-{t}" for s, p, t in CASES]
)
def test_each_step_is_allowed_exactly_where_the_table_says(
    status: str, phase: str, step: str
) -> None:
    sheet = Sheet(id="s", status=status, revision=3)
    round_ = Round(id="r", phase=phase)
    permitted = step in lifecycle.ALLOWED.get((status, phase), [])
    if permitted:
        lifecycle.require_step(sheet, round_, step)
        return
    with pytest.raises(Conflict) as refused:
        lifecycle.require_step(sheet, round_, step)
    assert refused.value.status == 409
    assert refused.value.extra["allowed"] == lifecycle.ALLOWED.get((status, phase), [])
    assert (sheet.status, sheet.revision) == (status, 3)
