"""Scoring methods: how a unit's inputs for one criterion become points.

A method is one class, registered with :func:`register` into :data:`METHODS` (type → instance).
It says what it is (:meth:`Method.describe`, published in the criteria snapshot), checks the
table's parameters (:meth:`Method.check_params`) and a unit's inputs
(:meth:`Method.check_inputs`), and computes the criterion's points (:meth:`Method.points`,
pure; the inputs must have been checked). The "not applicable" declaration
(``when_not_applicable: "full"``) is handled here for every method.

To add a method: subclass :class:`Method`, fill in the class attributes, implement
``check_method``, ``check_values`` and ``exact``, decorate with ``@register``, add its worked
example to docs/scoring-rules.md and bump ``scoringrules.RULES_VERSION``.

Compiled tables (:mod:`scoringrules.compiled`) ask each criterion's method for a
:class:`Scorer` once per table (:meth:`Method.compile`): one pass that gives the points of
inputs only when the full check would accept them (None on any doubt), with the node's
parameters already parsed. A method that implements ``compile_scores`` gets such a scorer; one
that does not still works through the generic scorer, which calls ``check_inputs`` and
``points`` as before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, TypeVar

from scoringrules.issues import Issue
from scoringrules.issues import pointer as join
from scoringrules.numbers import (
    comparable_float,
    exact_decimal,
    float_for,
    is_number,
    is_whole,
    number_value,
    round_points,
    round_ratio,
    to_decimal,
    to_fraction,
)

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"

Node = Mapping[str, Any]
Inputs = Mapping[str, Any]

#: Inputs declaring that a criterion did not arise this year ("không phát sinh"); accepted only
#: when the table's node says ``"when_not_applicable": "full"``, and then worth its max_points.
NOT_APPLICABLE_INPUTS: dict[str, Any] = {
    "title": "not applicable (không phát sinh)",
    "description": 'Only for a criterion with "when_not_applicable": "full"; gives max_points.',
    "type": "object",
    "required": ["not_applicable", "note"],
    "additionalProperties": False,
    "properties": {
        "not_applicable": {"const": True},
        "note": {"type": "string", "minLength": 1, "pattern": r"\S"},
    },
}

#: Keys every method's inputs may carry besides its own.
COMMON_INPUTS: dict[str, Any] = {
    "note": {"type": "string"},
    "not_applicable": {"const": False},
}


def show(value: Fraction) -> str:
    """A rational from the table (always a terminating decimal) as text, for messages."""
    try:
        return format(exact_decimal(value), "f")
    except ValueError:
        return str(value)


def max_points(node: Node) -> Fraction | None:
    """The node's standard points, or None when the table has no valid number there."""
    value = node.get("max_points")
    return to_fraction(value) if is_number(value) else None


# -- issue builders shared by the methods ------------------------------------------------------


def param_missing(at: str, key: str) -> Issue:
    return Issue(join(at, key), "param_missing", f"Thiếu tham số «{key}»", f"Missing “{key}”")


def param_type(at: str, key: str | int, vi: str, en: str) -> Issue:
    return Issue(join(at, key), "param_type", f"«{key}» phải là {vi}", f"“{key}” must be {en}")


def param_unknown(at: str, key: str) -> Issue:
    return Issue(
        join(at, key),
        "param_unknown",
        f"Tham số «{key}» không được hỗ trợ",
        f"Unknown parameter “{key}”",
    )


def number_param(
    obj: Mapping[str, Any], key: str, at: str, issues: list[Issue], *, required: bool
) -> Fraction | None:
    if key not in obj:
        if required:
            issues.append(param_missing(at, key))
        return None
    value = obj[key]
    if not is_number(value):
        issues.append(param_type(at, key, "một số", "a number"))
        return None
    return to_fraction(value)


def number_input(inputs: Inputs, key: str, at: str, issues: list[Issue]) -> Fraction | None:
    if key not in inputs:
        issues.append(
            Issue(join(at, key), "input_missing", f"Thiếu «{key}»", f"“{key}” is missing")
        )
        return None
    value = inputs[key]
    if not is_number(value):
        issues.append(
            Issue(
                join(at, key),
                "input_not_number",
                f"«{key}» phải là một số (không phải chuỗi hay true/false)",
                f"“{key}” must be a number (not a string or a boolean)",
            )
        )
        return None
    return to_fraction(value)


def blank_note(inputs: Inputs) -> bool:
    """No note, or only blanks (a note that is not a string is reported as note_invalid)."""
    note = inputs.get("note")
    return "note" not in inputs or (isinstance(note, str) and not note.strip())


def out_of_range(at: str, key: str, vi: str, en: str) -> Issue:
    return Issue(join(at, key), "input_out_of_range", f"«{key}» {vi}", f"“{key}” {en}")


# -- compiled criteria -----------------------------------------------------------------------

#: The keys of an accepted "not applicable" declaration.
NOT_APPLICABLE_KEYS = frozenset({"not_applicable", "note"})

#: A manual criterion with at most this many allowed points (multiples of its step) keeps them
#: in a table, found by the float a client sends.
MANUAL_MULTIPLES = 1000

#: A method's compiled step: the points of inputs whose keys are the method's own and whose
#: ``not_applicable`` is absent or false (those are handled around it), or None when it cannot
#: vouch that ``check_values`` finds no issue.
ValuesScores = Callable[[Inputs], Decimal | None]


@dataclass(frozen=True)
class Scorer:
    """One criterion compiled for its table.

    ``scores(inputs)`` is the criterion's points, in one pass, when :meth:`Method.check_inputs`
    finds no issue in ``inputs``, and None otherwise; it may say None to valid inputs (a type it
    has no short way for), and the caller then runs the full check, which gives the issues, or
    none. ``accepts(inputs)`` is ``scores(inputs) is not None``. ``points(inputs)`` is
    :meth:`Method.points` for inputs the full check accepts. ``rounded`` says every points value
    is already rounded to the table's places (so sums of them are exact at those places).
    """

    scores: Callable[[object], Decimal | None]
    points: Callable[[Inputs], Decimal]
    rounded: bool

    def accepts(self, inputs: object) -> bool:
        return self.scores(inputs) is not None


#: What a compiled step stands in for: a subclass overriding one of these below the class that
#: defines ``compile_scores`` falls back to the generic scorer.
COMPILED_HOOKS = (
    "check_inputs",
    "_check_not_applicable",
    "check_values",
    "exact",
    "points",
    "bounds",
    "_band_points",
)


def _defining_class(cls: type, name: str) -> type:
    """The class of ``cls``'s MRO that defines ``name`` (object when none does)."""
    return next((klass for klass in cls.__mro__ if name in vars(klass)), object)


def _never(inputs: object) -> None:
    """The generic scorer's one pass: always ask the method's full check."""
    return None


# -- the registry ----------------------------------------------------------------------------


class Method:
    """One scoring method. Subclasses fill in the class attributes and three hooks."""

    type: ClassVar[str]
    version: ClassVar[int]
    title: ClassVar[dict[str, str]]  # {"vi": ..., "en": ...}
    description: ClassVar[dict[str, str]]
    #: JSON Schema of the table node's ``method`` object.
    parameters_schema: ClassVar[dict[str, Any]]
    #: JSON Schema of a unit's inputs (without the not-applicable alternative, added by describe).
    inputs_schema: ClassVar[dict[str, Any]]

    # -- what it is --

    def describe(self) -> dict[str, Any]:
        """The JSON-serialisable definition published in the criteria snapshot."""
        inputs = copy.deepcopy(self.inputs_schema)
        return {
            "type": self.type,
            "version": self.version,
            "title": dict(self.title),
            "description": dict(self.description),
            "parameters_schema": {"$schema": JSON_SCHEMA, **copy.deepcopy(self.parameters_schema)},
            "inputs_schema": {
                "$schema": JSON_SCHEMA,
                "oneOf": [inputs, copy.deepcopy(NOT_APPLICABLE_INPUTS)],
            },
        }

    def ceiling(self, node: Node) -> Fraction:
        """The most points the criterion can earn (its max_points, unless over-achievement)."""
        return to_fraction(node["max_points"])

    # -- the table --

    def check_params(self, node: Node, pointer: str) -> list[Issue]:
        """Issues with the ``method`` of the table node at JSON Pointer ``pointer``."""
        method = node["method"]
        where = join(pointer, "method")
        allowed = self.parameters_schema["properties"]
        issues = [param_unknown(where, key) for key in method if key not in allowed]
        issues.extend(self.check_method(node, method, where))
        return issues

    def check_method(self, node: Node, method: Mapping[str, Any], at: str) -> list[Issue]:
        """Method-specific checks of the parameters; ``at`` points at the method object."""
        return []

    # -- a unit's inputs --

    def check_inputs(self, node: Node, inputs: object, pointer: str) -> list[Issue]:
        """Issues with a unit's inputs for the criterion ``node``, at JSON Pointer ``pointer``."""
        if not isinstance(inputs, Mapping):
            return [
                Issue(
                    pointer,
                    "inputs_not_object",
                    "Dữ liệu của tiêu chí phải là một đối tượng JSON",
                    "A criterion's inputs must be a JSON object",
                )
            ]
        issues: list[Issue] = []
        note = inputs.get("note")
        if "note" in inputs and not isinstance(note, str):
            issues.append(
                Issue(
                    join(pointer, "note"),
                    "note_invalid",
                    "Ghi chú phải là chuỗi ký tự",
                    "The note must be a string",
                )
            )
        declared = inputs.get("not_applicable", False)
        if not isinstance(declared, bool):
            issues.append(
                Issue(
                    join(pointer, "not_applicable"),
                    "not_applicable_invalid",
                    "«not_applicable» phải là true hoặc false",
                    "“not_applicable” must be true or false",
                )
            )
            return issues
        if declared:
            return issues + self._check_not_applicable(node, inputs, pointer)
        own = self.inputs_schema["properties"]
        issues.extend(
            Issue(
                join(pointer, key),
                "input_unknown",
                f"«{key}» không phải là dữ liệu của phương pháp {self.type}",
                f"“{key}” is not an input of the {self.type} method",
            )
            for key in inputs
            if key not in own
        )
        issues.extend(self.check_values(node, inputs, pointer))
        return issues

    def _check_not_applicable(self, node: Node, inputs: Inputs, at: str) -> list[Issue]:
        issues: list[Issue] = []
        if node.get("when_not_applicable") != "full":
            issues.append(
                Issue(
                    join(at, "not_applicable"),
                    "not_applicable_refused",
                    "Tiêu chí này không cho phép khai báo «không phát sinh»",
                    "This criterion may not be declared not applicable",
                )
            )
        if blank_note(inputs):
            issues.append(
                Issue(
                    join(at, "note"),
                    "note_required",
                    "Cần ghi chú khi khai báo «không phát sinh»",
                    "A note is required when declaring the criterion not applicable",
                )
            )
        issues.extend(
            Issue(
                join(at, key),
                "input_unexpected",
                f"Không nhập «{key}» khi đã khai báo «không phát sinh»",
                f"“{key}” is not expected when the criterion is declared not applicable",
            )
            for key in inputs
            if key not in ("not_applicable", "note")
        )
        return issues

    def check_values(self, node: Node, inputs: Inputs, at: str) -> list[Issue]:
        """Method-specific checks of the inputs (not-applicable already handled)."""
        raise NotImplementedError

    # -- points --

    def exact(self, node: Node, inputs: Inputs) -> Fraction:
        """The criterion's points before rounding."""
        raise NotImplementedError

    def points(self, node: Node, inputs: Inputs, places: int = 2) -> Decimal:
        """The criterion's points, rounded half-up to ``places``. Inputs must be checked."""
        if inputs.get("not_applicable") is True:
            return round_points(to_fraction(node["max_points"]), places)
        return round_points(self.exact(node, inputs), places)

    # -- compiled --

    def compile(self, node: Node, places: int) -> Scorer:
        """The criterion ``node`` (of a valid table) compiled: see :class:`Scorer`.

        Built from :meth:`compile_scores` when the method has one; otherwise the generic scorer,
        which always runs :meth:`check_inputs` and calls :meth:`points` (correct, not faster).
        """
        values = self.compile_scores(node, places) if self._compiled_step_applies() else None
        if values is None:

            def generic_points(inputs: Inputs) -> Decimal:
                return self.points(node, inputs, places)

            return Scorer(scores=_never, points=generic_points, rounded=False)
        own_keys = frozenset(self.inputs_schema["properties"])
        may_be_not_applicable = node.get("when_not_applicable") == "full"
        full_points = round_points(to_fraction(node["max_points"]), places)

        def scores(inputs: object) -> Decimal | None:
            # The conditions under which check_inputs returns no issue, cheapest first.
            if type(inputs) is not dict:
                return None
            declared = inputs.get("not_applicable", False)
            if declared is False:
                if inputs.keys() <= own_keys and isinstance(inputs.get("note", ""), str):
                    return values(inputs)
                return None
            if declared is True and may_be_not_applicable and inputs.keys() <= NOT_APPLICABLE_KEYS:
                note = inputs.get("note")
                if isinstance(note, str) and note.strip():
                    return full_points
            return None

        def points(inputs: Inputs) -> Decimal:
            found = scores(inputs)
            return self.points(node, inputs, places) if found is None else found

        return Scorer(scores=scores, points=points, rounded=True)

    def _compiled_step_applies(self) -> bool:
        """False when a subclass changed a check or the arithmetic below the class whose
        ``compile_scores`` it inherits (that step would not know): the generic scorer is used."""
        owner = _defining_class(type(self), "compile_scores")
        return all(issubclass(owner, _defining_class(type(self), hook)) for hook in COMPILED_HOOKS)

    def compile_scores(self, node: Node, places: int) -> ValuesScores | None:
        """The method's own part of a compiled criterion, or None (the generic scorer is used).

        ``scores(inputs)`` is ``round_points(self.exact(node, inputs), places)`` when
        :meth:`check_values` finds no issue in ``inputs``, and None when it may find one. It
        gets a dict whose keys are the method's own and whose ``not_applicable`` is absent or
        false.
        """
        return None


M = TypeVar("M", bound=type[Method])

#: Every known method by type, in registration order.
METHODS: dict[str, Method] = {}


def register(cls: M) -> M:
    """Class decorator: make the method known under its ``type``."""
    if cls.type in METHODS:
        raise ValueError(f"method {cls.type!r} is registered twice")
    METHODS[cls.type] = cls()
    return cls


# -- graded bands ----------------------------------------------------------------------------


def _input_spec_schema(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"const": name},
            "unit": {"type": "string"},
            "min": {"type": "number"},
            "max": {"type": "number"},
        },
    }


BANDS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["threshold", "points"],
        "additionalProperties": False,
        "properties": {
            "threshold": {"type": "number"},
            "points": {"type": "number", "minimum": 0},
        },
    },
}


class Bands(Method):
    """Shared by the two band methods: an ``input`` spec and an ordered list of bands."""

    input_name: ClassVar[str]
    descending: ClassVar[bool]  # thresholds descend (at least) or ascend (at most)

    def bounds(self, node: Node) -> tuple[Fraction | None, Fraction | None]:
        spec = node["method"].get("input") or {}
        low, high = spec.get("min"), spec.get("max")
        return (
            to_fraction(low) if is_number(low) else None,
            to_fraction(high) if is_number(high) else None,
        )

    def check_method(self, node: Node, method: Mapping[str, Any], at: str) -> list[Issue]:
        issues: list[Issue] = []
        if "input" in method:
            issues.extend(self._check_input_spec(method["input"], join(at, "input")))
        if "bands" not in method:
            issues.append(param_missing(at, "bands"))
        elif not isinstance(method["bands"], list):
            issues.append(param_type(at, "bands", "một danh sách", "a list"))
        elif not method["bands"]:
            issues.append(
                Issue(
                    join(at, "bands"),
                    "bands_empty",
                    "Phải có ít nhất một mức",
                    "At least one band is required",
                )
            )
        else:
            issues.extend(self._check_bands(node, method["bands"], join(at, "bands")))
        return issues

    def _check_input_spec(self, spec: object, at: str) -> list[Issue]:
        if not isinstance(spec, Mapping):
            return [
                Issue(
                    at, "param_type", "«input» phải là một đối tượng", "“input” must be an object"
                )
            ]
        allowed = ("name", "unit", "min", "max")
        issues = [param_unknown(at, key) for key in spec if key not in allowed]
        if "name" in spec and spec["name"] != self.input_name:
            issues.append(
                Issue(
                    join(at, "name"),
                    "input_name_invalid",
                    f"Phương pháp {self.type} nhận dữ liệu «{self.input_name}»",
                    f"The {self.type} method's input is “{self.input_name}”",
                )
            )
        if "unit" in spec and not isinstance(spec["unit"], str):
            issues.append(param_type(at, "unit", "chuỗi ký tự", "a string"))
        low = number_param(spec, "min", at, issues, required=False)
        high = number_param(spec, "max", at, issues, required=False)
        if low is not None and high is not None and low > high:
            issues.append(
                Issue(
                    join(at, "max"),
                    "input_range_invalid",
                    "«max» phải lớn hơn hoặc bằng «min»",
                    "“max” must be at least “min”",
                )
            )
        return issues

    def _check_bands(self, node: Node, bands: list[Any], at: str) -> list[Issue]:
        issues: list[Issue] = []
        top = max_points(node)
        previous: tuple[Fraction, Fraction] | None = None
        for i, band in enumerate(bands):
            here = join(at, i)
            if not isinstance(band, Mapping):
                issues.append(
                    Issue(
                        here,
                        "param_type",
                        "Mỗi mức phải là một đối tượng {threshold, points}",
                        "Each band must be an object {threshold, points}",
                    )
                )
                previous = None
                continue
            issues.extend(param_unknown(here, k) for k in band if k not in ("threshold", "points"))
            threshold = number_param(band, "threshold", here, issues, required=True)
            points = number_param(band, "points", here, issues, required=True)
            if points is not None and (points < 0 or (top is not None and points > top)):
                ceiling = show(top) if top is not None else "?"
                issues.append(
                    Issue(
                        join(here, "points"),
                        "band_points_out_of_range",
                        f"Điểm của mức phải từ 0 đến điểm chuẩn {ceiling}",
                        f"A band's points must be between 0 and the standard points {ceiling}",
                    )
                )
            if threshold is None or points is None:
                previous = None
                continue
            if previous is not None:
                issues.extend(self._check_order(previous, (threshold, points), here))
            previous = (threshold, points)
        return issues

    def _check_order(
        self, previous: tuple[Fraction, Fraction], band: tuple[Fraction, Fraction], at: str
    ) -> list[Issue]:
        issues = []
        (t0, p0), (t1, p1) = previous, band
        if (t1 >= t0) if self.descending else (t1 <= t0):
            vi = "giảm dần" if self.descending else "tăng dần"
            en = "descending" if self.descending else "ascending"
            issues.append(
                Issue(
                    at,
                    "bands_not_ordered",
                    f"Các mức phải xếp theo ngưỡng {vi} nghiêm ngặt "
                    f"(ngưỡng {show(t1)} đứng sau {show(t0)})",
                    f"Bands must be in strictly {en} order of threshold "
                    f"({show(t1)} follows {show(t0)})",
                )
            )
        if p1 > p0:
            issues.append(
                Issue(
                    join(at, "points"),
                    "band_points_increase",
                    f"Điểm các mức không được tăng theo thứ tự ({show(p1)} đứng sau {show(p0)})",
                    f"Band points must not increase down the list ({show(p1)} follows {show(p0)})",
                )
            )
        return issues

    def _compile_bands(self, node: Node, places: int) -> ValuesScores:
        """Both band methods' compiled step (each subclass's compile_scores calls it).

        A float (or an int within ±2**53) is compared as a float with thresholds and bounds
        that are floats' shortest reprs (``numbers.comparable_float``, ``float_for``): the
        same order as the Decimals'. Any other number, or a table with a threshold or bound
        no float prints as, is compared as a Decimal."""
        spec = node["method"].get("input") or {}
        low, high = (
            to_decimal(spec[key]) if is_number(spec.get(key)) else None for key in ("min", "max")
        )
        if not self.descending:  # days late: never below 0, whatever input.min says
            low = max(low, Decimal(0)) if low is not None else Decimal(0)
        bands = [
            (to_decimal(band["threshold"]), round_points(to_fraction(band["points"]), places))
            for band in node["method"]["bands"]
        ]
        nothing = round_points(Fraction(0), places)
        name = self.input_name
        whole_only = not self.descending
        descending = self.descending
        low_f, high_f = (None if d is None else float_for(d) for d in (low, high))
        float_bands = [(float_for(threshold), points) for threshold, points in bands]
        by_float = (
            (low is None or low_f is not None)
            and (high is None or high_f is not None)
            and all(threshold is not None for threshold, _ in float_bands)
        )

        def by_decimal(given: object) -> Decimal | None:
            value = number_value(given)
            if value is None:
                return None
            if whole_only and value.as_integer_ratio()[1] != 1:
                return None
            if (low is not None and value < low) or (high is not None and value > high):
                return None
            for threshold, band_points in bands:
                if (threshold <= value) if descending else (threshold >= value):
                    return band_points
            return nothing

        if not by_float:

            def scores(inputs: Inputs) -> Decimal | None:
                return by_decimal(inputs.get(name))

            return scores

        def scores_by_float(inputs: Inputs) -> Decimal | None:
            given = inputs.get(name)
            value = comparable_float(given)
            if value is None:
                return by_decimal(given)
            if whole_only and not value.is_integer():
                return None
            if (low_f is not None and value < low_f) or (high_f is not None and value > high_f):
                return None
            if descending:
                for threshold, band_points in float_bands:
                    if threshold <= value:  # type: ignore[operator]
                        return band_points
            else:
                for threshold, band_points in float_bands:
                    if threshold >= value:  # type: ignore[operator]
                        return band_points
            return nothing

        return scores_by_float

    def _band_points(self, node: Node, reached: Fraction) -> Fraction:
        """Points of the first band (in list order) whose threshold ``reached`` satisfies."""
        for band in node["method"]["bands"]:
            threshold = to_fraction(band["threshold"])
            if (threshold <= reached) if self.descending else (threshold >= reached):
                return to_fraction(band["points"])
        return Fraction(0)


@register
class BandsAtLeast(Bands):
    type = "bands_at_least"
    version = 1
    input_name = "value"
    descending = True
    title: ClassVar[dict[str, str]] = {
        "vi": "Theo mức, đạt từ ngưỡng trở lên",
        "en": "Graded bands, at least the threshold",
    }
    description: ClassVar[dict[str, str]] = {
        "vi": (
            "Đơn vị nhập «value» (thường là tỷ lệ %, trong khoảng input.min – input.max nếu có). "
            "Điểm là điểm của mức có ngưỡng cao nhất ≤ value; thấp hơn mọi ngưỡng thì 0 điểm. "
            "Các mức xếp theo ngưỡng giảm dần nghiêm ngặt, điểm không tăng, trong khoảng 0 đến "
            "điểm chuẩn. Điểm được làm tròn half-up theo bảng."
        ),
        "en": (
            "The unit enters “value” (usually a percentage, within input.min – input.max when "
            "given). Points are those of the band with the highest threshold ≤ value; 0 below "
            "every band. Bands are listed by strictly descending threshold, points "
            "non-increasing, between 0 and the standard points. Rounded half-up as the table says."
        ),
    }
    parameters_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["type", "bands"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "bands_at_least"},
            "input": _input_spec_schema("value"),
            "bands": BANDS_SCHEMA,
        },
    }
    inputs_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["value"],
        "additionalProperties": False,
        "properties": {
            "value": {"type": "number", "description": "within the node's input.min/max"},
            **COMMON_INPUTS,
        },
    }

    def check_values(self, node: Node, inputs: Inputs, at: str) -> list[Issue]:
        issues: list[Issue] = []
        value = number_input(inputs, "value", at, issues)
        if value is not None:
            low, high = self.bounds(node)
            if (low is not None and value < low) or (high is not None and value > high):
                lo = show(low) if low is not None else "−∞"
                hi = show(high) if high is not None else "+∞"
                issues.append(
                    out_of_range(at, "value", f"phải từ {lo} đến {hi}", f"must be in [{lo}, {hi}]")
                )
        return issues

    def exact(self, node: Node, inputs: Inputs) -> Fraction:
        return self._band_points(node, to_fraction(inputs["value"]))

    def compile_scores(self, node: Node, places: int) -> ValuesScores:
        return self._compile_bands(node, places)


@register
class BandsAtMost(Bands):
    type = "bands_at_most"
    version = 1
    input_name = "days_late"
    descending = False
    title: ClassVar[dict[str, str]] = {
        "vi": "Theo mức, chậm không quá ngưỡng (số ngày)",
        "en": "Graded bands, at most the threshold (days late)",
    }
    description: ClassVar[dict[str, str]] = {
        "vi": (
            "Đơn vị nhập «days_late»: số ngày chậm, số nguyên ≥ 0 (≤ input.max nếu có). Điểm là "
            "điểm của mức có ngưỡng thấp nhất ≥ days_late; chậm hơn mọi ngưỡng thì 0 điểm. Các "
            "mức xếp theo ngưỡng tăng dần nghiêm ngặt, điểm không tăng, trong khoảng 0 đến điểm "
            "chuẩn."
        ),
        "en": (
            "The unit enters “days_late”: whole days, ≥ 0 (≤ input.max when given). Points are "
            "those of the band with the lowest threshold ≥ days_late; 0 when later than every "
            "band. Bands are listed by strictly ascending threshold, points non-increasing, "
            "between 0 and the standard points."
        ),
    }
    parameters_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["type", "bands"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "bands_at_most"},
            "input": _input_spec_schema("days_late"),
            "bands": BANDS_SCHEMA,
        },
    }
    inputs_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["days_late"],
        "additionalProperties": False,
        "properties": {
            "days_late": {"type": "integer", "minimum": 0},
            **COMMON_INPUTS,
        },
    }

    def check_values(self, node: Node, inputs: Inputs, at: str) -> list[Issue]:
        issues: list[Issue] = []
        days = number_input(inputs, "days_late", at, issues)
        if days is None:
            return issues
        if not is_whole(inputs["days_late"]):
            issues.append(
                Issue(
                    join(at, "days_late"),
                    "input_not_whole",
                    "«days_late» phải là số ngày nguyên",
                    "“days_late” must be a whole number of days",
                )
            )
        low, high = self.bounds(node)
        low = max(low, Fraction(0)) if low is not None else Fraction(0)
        if days < low or (high is not None and days > high):
            hi = show(high) if high is not None else "+∞"
            issues.append(
                out_of_range(
                    at,
                    "days_late",
                    f"phải từ {show(low)} đến {hi}",
                    f"must be in [{show(low)}, {hi}]",
                )
            )
        return issues

    def exact(self, node: Node, inputs: Inputs) -> Fraction:
        return self._band_points(node, to_fraction(inputs["days_late"]))

    def compile_scores(self, node: Node, places: int) -> ValuesScores:
        return self._compile_bands(node, places)


# -- proportional ----------------------------------------------------------------------------


@register
class Proportional(Method):
    type = "proportional"
    version = 1
    title: ClassVar[dict[str, str]] = {
        "vi": "Tỷ lệ theo chỉ tiêu",
        "en": "Proportional to a target",
    }
    description: ClassVar[dict[str, str]] = {
        "vi": (
            "Đơn vị nhập «achieved» (kết quả, ≥ 0) và «target» (chỉ tiêu, > 0). Điểm = điểm "
            "chuẩn × min(achieved / target, over_achievement_cap), làm tròn half-up. "
            "over_achievement_cap ≥ 1 (mặc định 1); lớn hơn 1 thì vượt chỉ tiêu được cộng điểm "
            "vượt điểm chuẩn."
        ),
        "en": (
            "The unit enters “achieved” (≥ 0) and “target” (> 0). Points = standard points × "
            "min(achieved / target, over_achievement_cap), rounded half-up. "
            "over_achievement_cap ≥ 1 (default 1); above 1, over-achievement earns more than the "
            "standard points."
        ),
    }
    parameters_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "proportional"},
            "inputs": {"const": ["achieved", "target"]},
            "over_achievement_cap": {"type": "number", "minimum": 1, "default": 1},
        },
    }
    inputs_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["achieved", "target"],
        "additionalProperties": False,
        "properties": {
            "achieved": {"type": "number", "minimum": 0},
            "target": {"type": "number", "exclusiveMinimum": 0},
            **COMMON_INPUTS,
        },
    }

    def cap(self, node: Node) -> Fraction:
        return to_fraction(node["method"].get("over_achievement_cap", 1))

    def ceiling(self, node: Node) -> Fraction:
        return to_fraction(node["max_points"]) * self.cap(node)

    def check_method(self, node: Node, method: Mapping[str, Any], at: str) -> list[Issue]:
        issues: list[Issue] = []
        if "inputs" in method and method["inputs"] != ["achieved", "target"]:
            issues.append(
                param_type(at, "inputs", '["achieved", "target"]', '["achieved", "target"]')
            )
        cap = number_param(method, "over_achievement_cap", at, issues, required=False)
        if cap is not None and cap < 1:
            issues.append(
                Issue(
                    join(at, "over_achievement_cap"),
                    "cap_below_one",
                    "«over_achievement_cap» phải ≥ 1",
                    "“over_achievement_cap” must be at least 1",
                )
            )
        return issues

    def check_values(self, node: Node, inputs: Inputs, at: str) -> list[Issue]:
        issues: list[Issue] = []
        achieved = number_input(inputs, "achieved", at, issues)
        target = number_input(inputs, "target", at, issues)
        if achieved is not None and achieved < 0:
            issues.append(out_of_range(at, "achieved", "phải ≥ 0", "must be ≥ 0"))
        if target is not None and target <= 0:
            issues.append(out_of_range(at, "target", "phải > 0", "must be > 0"))
        return issues

    def exact(self, node: Node, inputs: Inputs) -> Fraction:
        ratio = to_fraction(inputs["achieved"]) / to_fraction(inputs["target"])
        return to_fraction(node["max_points"]) * min(ratio, self.cap(node))

    def compile_scores(self, node: Node, places: int) -> ValuesScores:
        top_n, top_d = to_fraction(node["max_points"]).as_integer_ratio()
        cap_n, cap_d = self.cap(node).as_integer_ratio()
        at_cap = round_points(self.ceiling(node), places)

        def scores(inputs: Inputs) -> Decimal | None:
            achieved, target = inputs.get("achieved"), inputs.get("target")
            if type(achieved) is int and type(target) is int:  # counts, the usual inputs
                if achieved < 0 or target <= 0:
                    return None
                a_n, a_d, t_n, t_d = achieved, 1, target, 1
            else:
                a, t = number_value(achieved), number_value(target)
                if a is None or t is None or a < 0 or t <= 0:
                    return None
                (a_n, a_d), (t_n, t_d) = a.as_integer_ratio(), t.as_integer_ratio()
            # max_points × min(a/t, cap) in integers: every denominator here is positive.
            if a_n * t_d * cap_d >= cap_n * a_d * t_n:
                return at_cap
            return round_ratio(top_n * a_n * t_d, top_d * a_d * t_n, places)

        return scores


# -- boolean ---------------------------------------------------------------------------------


@register
class Boolean(Method):
    type = "boolean"
    version = 1
    title: ClassVar[dict[str, str]] = {"vi": "Có / không", "en": "Done or not"}
    description: ClassVar[dict[str, str]] = {
        "vi": "Đơn vị nhập «done» (true/false). Điểm = điểm chuẩn nếu true, 0 nếu false.",
        "en": "The unit enters “done” (true/false). Points = the standard points if true, else 0.",
    }
    parameters_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {"type": {"const": "boolean"}},
    }
    inputs_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["done"],
        "additionalProperties": False,
        "properties": {"done": {"type": "boolean"}, **COMMON_INPUTS},
    }

    def check_values(self, node: Node, inputs: Inputs, at: str) -> list[Issue]:
        if "done" not in inputs:
            return [Issue(join(at, "done"), "input_missing", "Thiếu «done»", "“done” is missing")]
        if not isinstance(inputs["done"], bool):
            return [
                Issue(
                    join(at, "done"),
                    "input_not_boolean",
                    "«done» phải là true hoặc false",
                    "“done” must be true or false",
                )
            ]
        return []

    def exact(self, node: Node, inputs: Inputs) -> Fraction:
        return to_fraction(node["max_points"]) if inputs["done"] else Fraction(0)

    def compile_scores(self, node: Node, places: int) -> ValuesScores:
        done_points = round_points(to_fraction(node["max_points"]), places)
        nothing = round_points(Fraction(0), places)

        def scores(inputs: Inputs) -> Decimal | None:
            done = inputs.get("done")
            if done is True:
                return done_points
            return nothing if done is False else None

        return scores


# -- manual ----------------------------------------------------------------------------------


@register
class Manual(Method):
    type = "manual"
    version = 1
    title: ClassVar[dict[str, str]] = {"vi": "Chấm trực tiếp", "en": "Points given directly"}
    description: ClassVar[dict[str, str]] = {
        "vi": (
            "Nhập trực tiếp «points»: bội số của step, từ 0 đến điểm chuẩn. Khi "
            "note_required_below_max là true (mặc định false), phải có «note» nếu chấm dưới "
            "điểm chuẩn. Điểm chuẩn phải là bội số của step."
        ),
        "en": (
            "“points” are entered directly: a multiple of step, from 0 to the standard points. "
            "When note_required_below_max is true (default false), a “note” is required below "
            "the standard points. The standard points must be a multiple of step."
        ),
    }
    parameters_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["type", "step"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "manual"},
            "step": {"type": "number", "exclusiveMinimum": 0},
            "note_required_below_max": {"type": "boolean", "default": False},
        },
    }
    inputs_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["points"],
        "additionalProperties": False,
        "properties": {
            "points": {
                "type": "number",
                "minimum": 0,
                "description": "a multiple of step, at most the node's max_points",
            },
            **COMMON_INPUTS,
        },
    }

    def check_method(self, node: Node, method: Mapping[str, Any], at: str) -> list[Issue]:
        issues: list[Issue] = []
        step = number_param(method, "step", at, issues, required=True)
        if step is not None and step <= 0:
            issues.append(
                Issue(
                    join(at, "step"),
                    "step_not_positive",
                    "«step» phải lớn hơn 0",
                    "“step” must be greater than 0",
                )
            )
        elif step is not None and (top := max_points(node)) is not None and (top / step) % 1:
            issues.append(
                Issue(
                    join(at, "step"),
                    "step_not_divisor",
                    f"Điểm chuẩn {show(top)} phải là bội số của «step» {show(step)}",
                    f"The standard points {show(top)} must be a multiple of “step” {show(step)}",
                )
            )
        flag = method.get("note_required_below_max", False)
        if not isinstance(flag, bool):
            issues.append(param_type(at, "note_required_below_max", "true/false", "a boolean"))
        return issues

    def check_values(self, node: Node, inputs: Inputs, at: str) -> list[Issue]:
        issues: list[Issue] = []
        points = number_input(inputs, "points", at, issues)
        if points is None:
            return issues
        top = to_fraction(node["max_points"])
        step = to_fraction(node["method"]["step"])
        if points < 0 or points > top:
            issues.append(
                out_of_range(
                    at, "points", f"phải từ 0 đến {show(top)}", f"must be in [0, {show(top)}]"
                )
            )
        elif (points / step) % 1:
            issues.append(
                Issue(
                    join(at, "points"),
                    "points_not_multiple",
                    f"«points» phải là bội số của {show(step)}",
                    f"“points” must be a multiple of {show(step)}",
                )
            )
        if (
            node["method"].get("note_required_below_max") is True
            and points < top
            and blank_note(inputs)
        ):
            issues.append(
                Issue(
                    join(at, "note"),
                    "note_required",
                    "Cần ghi chú lý do khi chấm dưới điểm chuẩn",
                    "A note is required when the points are below the standard points",
                )
            )
        return issues

    def exact(self, node: Node, inputs: Inputs) -> Fraction:
        return to_fraction(inputs["points"])

    def compile_scores(self, node: Node, places: int) -> ValuesScores:
        top = to_decimal(node["max_points"])
        step = to_fraction(node["method"]["step"])
        step_n, step_d = step.as_integer_ratio()
        note_below_max = node["method"].get("note_required_below_max") is True
        # The allowed points (multiples of step up to top) that some float prints as, by that
        # float: a JSON number found here is accepted without Decimal arithmetic.
        multiples = int(to_fraction(node["max_points"]) / step)  # whole: the table is valid
        allowed: dict[float, tuple[Decimal, bool]] = {}
        if multiples <= MANUAL_MULTIPLES:
            for k in range(multiples + 1):
                exact = exact_decimal(step * k)
                as_float = float_for(exact)
                if as_float is not None:
                    allowed[as_float] = (round_points(exact, places), exact < top)

        def by_decimal(inputs: Inputs) -> Decimal | None:
            given = number_value(inputs.get("points"))
            if given is None or given < 0 or given > top:
                return None
            given_n, given_d = given.as_integer_ratio()
            if (given_n * step_d) % (given_d * step_n):  # points / step is not whole
                return None
            if note_below_max and given < top and blank_note(inputs):
                return None
            return round_ratio(given_n, given_d, places)

        def scores(inputs: Inputs) -> Decimal | None:
            value = comparable_float(inputs.get("points"))
            found = None if value is None else allowed.get(value)
            if found is None:
                return by_decimal(inputs)
            points, below_top = found
            if note_below_max and below_top and blank_note(inputs):
                return None
            return points

        return scores
