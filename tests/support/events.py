"""Checks an emitted event against its published JSON Schema in docs/events/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "events"


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def assert_valid_event(envelope: dict[str, Any]) -> None:
    """Fail with every violation when the event does not match its type's schema."""
    path = SCHEMAS / f"{envelope['type']}.schema.json"
    assert path.exists(), f"no JSON Schema for {envelope['type']} in docs/events/"
    validator = Draft202012Validator(
        json.loads(path.read_text()), registry=_registry(), format_checker=FormatChecker()
    )
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(envelope)]
    assert not errors, errors
