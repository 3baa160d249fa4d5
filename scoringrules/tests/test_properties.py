"""Properties of every method and of the rounding, over generated tables and inputs."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoringrules import METHODS, round_points, score, validate
from scoringrules.tests import samples

# No example database: the suite leaves nothing behind in the working tree.
PROPERTY = settings(database=None, deadline=None, max_examples=150)

POINTS = st.decimals(min_value=Decimal("0.25"), max_value=20, places=2)
PERCENT = st.decimals(min_value=0, max_value=100, places=2)
NOTE = "ghi chú"


def check(node: dict[str, Any], inputs: dict[str, Any]) -> list[Any]:
    return METHODS[node["method"]["type"]].check_inputs(node, inputs, "")


def points(node: dict[str, Any], inputs: dict[str, Any]) -> Decimal:
    method = METHODS[node["method"]["type"]]
    assert method.check_inputs(node, inputs, "") == []
    return method.points(node, inputs)


def ceiling(node: dict[str, Any]) -> Decimal:
    return round_points(METHODS[node["method"]["type"]].ceiling(node))


@st.composite
def bands_nodes(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A valid band criterion: thresholds strictly ordered, points non-increasing ≤ max."""
    top = draw(POINTS)
    if kind == "bands_at_least":
        raw = draw(st.lists(PERCENT, min_size=1, max_size=6, unique=True))
        thresholds = sorted(raw, reverse=True)
        spec = {"name": "value", "unit": "%", "min": 0, "max": 100}
    else:
        raw = draw(st.lists(st.integers(0, 60), min_size=1, max_size=6, unique=True))
        thresholds = sorted(raw)
        spec = {"name": "days_late", "unit": "ngày", "min": 0}
    pts = sorted(
        draw(
            st.lists(
                st.decimals(0, top, places=2), min_size=len(thresholds), max_size=len(thresholds)
            )
        ),
        reverse=True,
    )
    node = {
        "code": "X",
        "title": "x",
        "max_points": top,
        "method": {
            "type": kind,
            "input": spec,
            "bands": [{"threshold": t, "points": p} for t, p in zip(thresholds, pts, strict=True)],
        },
    }
    assert METHODS[kind].check_params(node, "") == []
    return node


@st.composite
def proportional_nodes(draw: st.DrawFn) -> dict[str, Any]:
    cap = draw(st.one_of(st.just(1), st.decimals(1, 3, places=2)))
    node = {
        "code": "X",
        "title": "x",
        "max_points": draw(POINTS),
        "method": {"type": "proportional", "over_achievement_cap": cap},
    }
    assert METHODS["proportional"].check_params(node, "") == []
    return node


AMOUNTS = st.decimals(min_value=0, max_value=1000, places=3)
TARGETS = st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3)


@PROPERTY
@given(bands_nodes("bands_at_least"), PERCENT, PERCENT)
def test_bands_at_least(node: dict[str, Any], a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    p_low, p_high = points(node, {"value": low}), points(node, {"value": high})
    assert 0 <= p_low <= p_high <= ceiling(node)  # never negative, monotone, never above max


@PROPERTY
@given(bands_nodes("bands_at_least"), st.floats(0, 100, allow_nan=False))
def test_bands_at_least_is_the_highest_band_reached(node: dict[str, Any], value: float) -> None:
    reached = [b for b in node["method"]["bands"] if b["threshold"] <= Decimal(repr(value))]
    expected = max(reached, key=lambda b: b["threshold"])["points"] if reached else 0
    assert points(node, {"value": value}) == round_points(expected)


@PROPERTY
@given(bands_nodes("bands_at_most"), st.integers(0, 400), st.integers(0, 400))
def test_bands_at_most(node: dict[str, Any], a: int, b: int) -> None:
    early, late = sorted((a, b))
    p_early, p_late = points(node, {"days_late": early}), points(node, {"days_late": late})
    assert 0 <= p_late <= p_early <= ceiling(node)  # never negative, non-increasing, ≤ max


@PROPERTY
@given(bands_nodes("bands_at_most"), st.integers(0, 400))
def test_bands_at_most_is_the_lowest_band_not_exceeded(node: dict[str, Any], days: int) -> None:
    within = [b for b in node["method"]["bands"] if b["threshold"] >= days]
    expected = min(within, key=lambda b: b["threshold"])["points"] if within else 0
    assert points(node, {"days_late": days}) == round_points(expected)


@PROPERTY
@given(proportional_nodes(), AMOUNTS, AMOUNTS, TARGETS)
def test_proportional(node: dict[str, Any], a: Decimal, b: Decimal, target: Decimal) -> None:
    low, high = sorted((a, b))
    p_low = points(node, {"achieved": low, "target": target})
    p_high = points(node, {"achieved": high, "target": target})
    assert 0 <= p_low <= p_high <= ceiling(node)  # never negative, monotone, ≤ max × cap
    cap = Fraction(node["method"]["over_achievement_cap"])
    exact = Fraction(node["max_points"]) * min(Fraction(high) / Fraction(target), cap)
    assert p_high == round_points(exact)
    if Fraction(high) >= Fraction(target) * cap:
        assert p_high == ceiling(node)


@PROPERTY
@given(POINTS, st.booleans())
def test_boolean(top: Decimal, done: bool) -> None:
    node = {"code": "X", "title": "x", "max_points": top, "method": {"type": "boolean"}}
    assert points(node, {"done": done}) == (round_points(top) if done else 0)


STEPS = st.sampled_from(["0.01", "0.05", "0.1", "0.2", "0.25", "0.5", "1", "2"]).map(Decimal)


@PROPERTY
@given(STEPS, st.integers(1, 40), st.decimals(min_value=0, max_value=80, places=3))
def test_manual_accepts_exactly_the_multiples_of_step(
    step: Decimal, multiples: int, value: Decimal
) -> None:
    top = step * multiples
    assume(value <= top)
    node = {
        "code": "X",
        "title": "x",
        "max_points": top,
        "method": {"type": "manual", "step": step},
    }
    assert METHODS["manual"].check_params(node, "") == []
    issues = check(node, {"points": value, "note": NOTE})
    is_multiple = (value / step) == (value / step).to_integral_value()
    assert (issues == []) == is_multiple
    if is_multiple:
        assert points(node, {"points": value, "note": NOTE}) == round_points(value)
        assert 0 <= points(node, {"points": value, "note": NOTE}) <= top
    else:
        assert [i.code for i in issues] == ["points_not_multiple"]


@PROPERTY
@given(STEPS, st.integers(1, 40), st.integers(0, 40))
def test_manual_multiples_as_json_floats(step: Decimal, multiples: int, k: int) -> None:
    # 0.1 × 3 as a float is 0.30000000000000004, but the JSON number a client sends is 0.3.
    assume(k <= multiples)
    node = {
        "code": "X",
        "title": "x",
        "max_points": float(step * multiples),
        "method": {"type": "manual", "step": float(step)},
    }
    assert check(node, {"points": float(step * k), "note": NOTE}) == []


@PROPERTY
@given(st.decimals(min_value=-1000, max_value=1000, places=6), st.integers(0, 4))
def test_round_points_is_half_up(value: Decimal, places: int) -> None:
    exponent = Decimal(1).scaleb(-places)
    expected = value.quantize(exponent, rounding=ROUND_HALF_UP, context=Context(prec=50))
    assert round_points(value, places) == expected
    assert abs(round_points(value, places) - value) <= exponent / 2


def tiny_table(per_count: Decimal) -> dict[str, Any]:
    """One boolean criterion of 1 point and a bonus item of ``per_count``."""
    return {
        "title": "t",
        "year": 2024,
        "unit_kind": "so-tu-phap",
        "max_points": 1,
        "rounding": {"places": 2, "mode": "half_up"},
        "rank_bands": [{"code": "A", "min_total": 1}, {"code": "B", "min_total": None}],
        "parts": [{"code": "P", "title": "p", "max_points": 1, "method": {"type": "boolean"}}],
        "bonus": {
            "code": "E",
            "title": "e",
            "cap": 100,
            "items": [{"code": "E.1", "title": "e1", "per_count": per_count}],
        },
    }


def total(per_count: Decimal, done: bool, count: int = 1) -> Decimal:
    doc = tiny_table(per_count)
    assert validate(doc) == []
    return score(doc, {"entries": {"P": {"done": done}}, "bonus": {"E.1": count}}).total


def test_the_total_is_rounded_half_up() -> None:
    assert total(Decimal("0.125"), False) == Decimal("0.13")
    assert total(Decimal("0.124999"), False) == Decimal("0.12")
    assert total(Decimal("0.005"), True) == Decimal("1.01")
    assert total(Decimal("0.0049999"), True) == Decimal("1.00")


@PROPERTY
@given(
    st.decimals(min_value=Decimal("0.000001"), max_value=5, places=6),
    st.booleans(),
    st.integers(0, 7),
)
def test_the_total_is_the_exact_sum_rounded_half_up(
    per_count: Decimal, done: bool, count: int
) -> None:
    exact = (1 if done else 0) + per_count * count
    assert total(per_count, done, count) == exact.quantize(Decimal("0.01"), ROUND_HALF_UP)


@PROPERTY
@given(st.data())
def test_any_valid_sheet_for_the_sample_scores_within_bounds(data: st.DataObject) -> None:
    """Random valid inputs for every criterion: points within [0, ceiling], sums consistent."""
    doc = samples.table()
    entries: dict[str, Any] = {}
    for code, node in _leaves(doc).items():
        kind = node["method"]["type"]
        if node.get("when_not_applicable") == "full" and data.draw(st.booleans()):
            entries[code] = {"not_applicable": True, "note": NOTE}
        elif kind == "bands_at_least":
            entries[code] = {"value": data.draw(PERCENT)}
        elif kind == "bands_at_most":
            entries[code] = {"days_late": data.draw(st.integers(0, 60))}
        elif kind == "proportional":
            entries[code] = {"achieved": data.draw(AMOUNTS), "target": data.draw(TARGETS)}
        elif kind == "boolean":
            entries[code] = {"done": data.draw(st.booleans())}
        else:
            step = Decimal(str(node["method"]["step"]))
            k = data.draw(st.integers(0, int(Decimal(node["max_points"]) / step)))
            entries[code] = {"points": step * k, "note": NOTE}
    result = score(doc, {"entries": entries})
    for code, node in _leaves(doc).items():
        assert 0 <= result.leaf_points[code] <= ceiling(node)
    assert sum(result.subtotals[p["code"]] for p in doc["parts"]) == result.total
    assert result.total <= sum(ceiling(n) for n in _leaves(doc).values())


def _leaves(doc: dict[str, Any]) -> dict[str, Any]:
    from scoringrules import leaves

    return leaves(doc)
