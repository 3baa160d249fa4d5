"""Issues: what is wrong, where (a JSON Pointer), in Vietnamese and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem found in a table document or a scoresheet.

    ``pointer`` is an RFC 6901 JSON Pointer into the checked document ("" is the whole
    document, "/parts/0/children/2/method/bands/1" a band); ``code`` is stable and meant for
    programs; ``vi`` and ``en`` are for people.
    """

    pointer: str
    code: str
    vi: str
    en: str

    def as_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "code": self.code, "vi": self.vi, "en": self.en}


def pointer(base: str, *tokens: str | int) -> str:
    """``base`` extended by ``tokens``, escaped per RFC 6901 (``~`` → ``~0``, ``/`` → ``~1``)."""
    escaped = (str(t).replace("~", "~0").replace("/", "~1") for t in tokens)
    return base + "".join("/" + t for t in escaped)


class Invalid(ValueError):
    """Raised by :func:`scoringrules.score` when the table or the sheet has issues."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        first = issues[0] if issues else None
        summary = f"{first.pointer or '/'}: {first.en}" if first else "invalid"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(summary + more)
