"""The registry as an .xlsx workbook: the template, reading an import, writing an export.

(Being written: the reader and the writer land with the registry's pages.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Locate = Callable[[str], str | None]


def read_registry_workbook(content: bytes) -> tuple[dict[str, Any], Locate]:
    """The import document a workbook holds, and a function giving the Excel address
    (``'Cán bộ'!C5``) of a JSON pointer into that document, so that the import's errors
    can be reported where the user typed them. Raises ``kit.errors.Invalid`` (keyed by
    Excel address) for cells that cannot be read at all."""
    raise NotImplementedError
