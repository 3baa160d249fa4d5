"""The repository's copy of the reference data: the sample table and the worked examples."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "services" / "criteria" / "data"


@cache
def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def table() -> dict[str, Any]:
    """A fresh copy of the sample criteria table (tests may change it)."""
    return copy.deepcopy(_load("sample-criteria-table.json"))


def examples() -> list[dict[str, Any]]:
    """A fresh copy of the worked examples: [{name, sheet, expected}]."""
    return copy.deepcopy(_load("sample-scoresheets.json"))


def example(name: str) -> dict[str, Any]:
    return next(e for e in examples() if e["name"] == name)


def node(document: dict[str, Any], code: str) -> dict[str, Any]:
    """The node with ``code`` (any depth), for tests that change one criterion."""

    def find(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
        for n in nodes:
            if n["code"] == code:
                return n
            found = find(n.get("children", []))
            if found is not None:
                return found
        return None

    found = find(document["parts"])
    assert found is not None, code
    return found
