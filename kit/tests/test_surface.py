"""The kit's surface is declared in code, and import-linter guards the rest (issue 9)."""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

import kit

ROOT = Path(__file__).resolve().parents[2]


def every_module() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(kit.__path__, "kit.")]
    return sorted(m for m in found if not m.startswith("kit.tests"))


def is_internal(module: str) -> bool:
    return any(fnmatch.fnmatchcase(module, f"kit.{pattern}") for pattern in kit.INTERNAL)


def test_every_module_of_the_kit_is_public_or_internal() -> None:
    public = {f"kit.{name}" for name in kit.__all__}
    unclassified = [m for m in every_module() if m not in public and not is_internal(m)]
    assert unclassified == [], "add them to kit.__all__ or kit.INTERNAL"
    assert not [m for m in public if is_internal(m)]


@pytest.mark.parametrize("name", kit.__all__)
def test_every_public_module_declares_its_names(name: str) -> None:
    module = importlib.import_module(f"kit.{name}")
    declared = getattr(module, "__all__", None)
    assert declared, f"kit.{name} declares no __all__"
    assert [n for n in declared if not hasattr(module, n)] == []


def test_import_linter_keeps_services_out_of_exactly_the_internal_modules() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = (
        c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "protected"
    )
    assert sorted(contract["protected_modules"]) == sorted(f"kit.{m}" for m in kit.INTERNAL)
    assert "kit" in contract["allowed_importers"]
