"""A criterion of the self-assessment form: which inputs its scoring method needs, how the
form's text becomes the method's inputs, and how the platform's issues become field errors.

The methods and their inputs are scoringrules' (docs/scoring-rules.md); the web application
does not compute points (the scoring service does, on every save) but it must ask for the
right inputs and read what people type the way they write it (``95,5``). A new method needs a
``FIELDS`` entry, a hint in :func:`hint`, and its inputs in templates/sheets/_criterion.html.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.formatting import format_number, parse_number

NUMBER, WHOLE, CHOICE = "number", "whole", "choice"

# What the drop zones accept before anything is sent: scoring's evidence types and its default
# size limit (SCORING_EVIDENCE_MAX_BYTES). The platform checks again (and the file's bytes).
EVIDENCE_EXTENSIONS = (
    *(".pdf", ".jpg", ".jpeg", ".png"),
    *(".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods"),
)
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Field:
    key: str  # the input's name in the method's inputs (scoringrules)
    label: Any  # lazy: translated when shown
    kind: str  # NUMBER, WHOLE or CHOICE


FIELDS: dict[str, tuple[Field, ...]] = {
    "bands_at_least": (Field("value", _l("Result achieved"), NUMBER),),
    "bands_at_most": (Field("days_late", _l("Days late"), WHOLE),),
    "proportional": (
        Field("achieved", _l("Achieved"), NUMBER),
        Field("target", _l("Target"), NUMBER),
    ),
    "boolean": (Field("done", _l("Carried out"), CHOICE),),
    "manual": (Field("points", _l("Points you give"), NUMBER),),
}
NOTE = Field("note", _l("Note"), "text")


def method_type(node: Mapping[str, Any]) -> str:
    return str(node.get("method", {}).get("type", ""))


def supported(node: Mapping[str, Any]) -> bool:
    return method_type(node) in FIELDS


def fields(node: Mapping[str, Any]) -> tuple[Field, ...]:
    return FIELDS.get(method_type(node), ())


def allows_not_applicable(node: Mapping[str, Any]) -> bool:
    return node.get("when_not_applicable") == "full"


def needs_note(node: Mapping[str, Any]) -> bool:
    """Whether the form shows a note: manual points (required below the maximum) and every
    criterion that may be declared "không phát sinh" (required then)."""
    return method_type(node) == "manual" or allows_not_applicable(node)


def slug(code: str) -> str:
    """A criterion code as an HTML id and CSS selector: ``A.I.1`` → ``A-I-1``."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", code)


def unit_of(node: Mapping[str, Any]) -> str:
    return str((node.get("method", {}).get("input") or {}).get("unit") or "")


def hint(node: Mapping[str, Any], language: str) -> str:
    """How the criterion is scored, in a line the officer can check their figure against."""
    method = node.get("method", {})
    kind = method_type(node)
    top = format_number(node.get("max_points"), language)
    unit = unit_of(node)

    def n(value: Any) -> str:
        return format_number(value, language)

    if kind == "bands_at_least":
        bands = " · ".join(
            _(
                "from %(threshold)s%(unit)s: %(points)s",
                threshold=n(b["threshold"]),
                unit=unit,
                points=n(b["points"]),
            )
            for b in method.get("bands", [])
        )
        return _("Points by band: %(bands)s; below every band: 0.", bands=bands)
    if kind == "bands_at_most":
        bands = " · ".join(
            _(
                "up to %(threshold)s days late: %(points)s",
                threshold=n(b["threshold"]),
                points=n(b["points"]),
            )
            for b in method.get("bands", [])
        )
        return _("Points by days late: %(bands)s; later: 0.", bands=bands)
    if kind == "proportional":
        cap = Decimal(str(method.get("over_achievement_cap", 1)))
        if cap > 1:
            return _(
                "Points = %(max)s × achieved ÷ target; over-achievement counts up to "
                "%(cap)s%% of the target.",
                max=top,
                cap=n(cap * 100),
            )
        return _("Points = %(max)s × achieved ÷ target, at most %(max)s.", max=top)
    if kind == "boolean":
        return _("%(max)s points when carried out, 0 otherwise.", max=top)
    if kind == "manual":
        text = _("A multiple of %(step)s, from 0 to %(max)s.", step=n(method.get("step")), max=top)
        if method.get("note_required_below_max"):
            text += " " + _("Below %(max)s, say why in the note.", max=top)
        return text
    return ""


def _plain_number(value: Decimal) -> int | float:
    """A Decimal as the JSON number the API expects (no trailing zeros, no exponent)."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Reading:
    """What the criterion's form says: the inputs to save (None: clear the entry), the field
    errors found reading it, and whether figures are still missing (nothing saved yet)."""

    inputs: dict[str, Any] | None
    errors: dict[str, str]
    incomplete: bool = False

    @property
    def savable(self) -> bool:
        return not self.errors and not self.incomplete


def inputs_from_form(node: Mapping[str, Any], form: Mapping[str, str], language: str) -> Reading:
    """The method's inputs from the criterion's form.

    An empty form clears the entry. A number the way Vietnamese writes it is read (``95,5``,
    ``1.234``); what is not a number is an error next to its field, never sent. A form with
    some figures still missing is not saved yet (the officer is probably typing the next).
    """
    note = (form.get("note") or "").strip()
    if allows_not_applicable(node) and form.get("not_applicable") == "true":
        if not note:
            return Reading(None, {"note": _("Say why the criterion did not arise this year.")})
        return Reading({"not_applicable": True, "note": note}, {})
    inputs: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields(node):
        raw = (form.get(field.key) or "").strip()
        if not raw:
            continue
        if field.kind == CHOICE:
            if raw in ("true", "false"):
                inputs[field.key] = raw == "true"
            continue
        number = parse_number(raw, language)
        example = format_number(Decimal("95.5") if field.kind == NUMBER else 3, language)
        if number is None:
            errors[field.key] = _("Enter a number, for example %(example)s.", example=example)
        elif field.kind == WHOLE and number != number.to_integral_value():
            errors[field.key] = _("Enter a whole number of days.")
        else:
            inputs[field.key] = _plain_number(number)
    if errors:
        return Reading(None, errors)
    if not inputs:
        return Reading(None, {}, incomplete=bool(note))
    if any(f.key not in inputs for f in fields(node)):
        return Reading(None, {}, incomplete=True)
    if note:
        inputs["note"] = note
    return Reading(inputs, {})


def shown_value(inputs: Mapping[str, Any] | None, key: str, language: str) -> str:
    """An input as the form shows it again (``95,5`` in Vietnamese)."""
    if not inputs or key not in inputs or isinstance(inputs[key], bool):
        return ""
    return format_number(inputs[key], language)


def field_errors(
    code: str, problem_body: Mapping[str, Any], node: Mapping[str, Any], language: str
) -> dict[str, str]:
    """The platform's 422 issues for criterion ``code`` → {field key or "": message}, in the
    page's language, naming fields by their labels instead of the methods' input keys."""
    labels = {f.key: str(f.label) for f in (*fields(node), NOTE)}
    labels["not_applicable"] = _("Did not arise")
    out: dict[str, str] = {}
    prefix = f"/entries/{code.replace('~', '~0').replace('/', '~1')}"
    for issue in problem_body.get("issues", []):
        pointer = str(issue.get("pointer", ""))
        if pointer != prefix and not pointer.startswith(prefix + "/"):
            continue
        key = pointer[len(prefix) + 1 :] if pointer != prefix else ""
        text = str(issue.get(language) or issue.get("vi") or issue.get("en") or "")
        for name, label in labels.items():
            text = text.replace(f"«{name}»", f"«{label}»").replace(f"“{name}”", f"“{label}”")
        out[key] = f"{out[key]} {text}" if key in out else text
    return out
