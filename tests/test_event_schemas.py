"""Every event schema in docs/events/ is a valid JSON Schema and is listed in docs/events.md."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.support.events import SCHEMAS

SCHEMA_FILES = sorted(SCHEMAS.glob("*.schema.json"))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_and_catalogued(path: Path) -> None:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    catalogue = (SCHEMAS.parent / "events.md").read_text()
    assert path.name in catalogue, f"docs/events.md does not mention {path.name}"
