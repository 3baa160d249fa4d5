"""Results as Markdown, and docs/benchmarks.md regenerated from bench/template.md.

Every benchmark's section sits between ``<!-- bench:<name> begin -->`` and ``... end -->``
markers. A run of only some benchmarks (``--only bus``) rewrites their sections and keeps the
others' from the current document, so one slow benchmark never has to be rerun to refresh
another. Everything outside the markers comes from the template: hand-written notes belong
there, not in the generated document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).with_name("template.md")


@dataclass(frozen=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str = ""

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.caption:
            lines += [self.caption, ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append(
            "|" + "|".join(":--" if i == 0 else "--:" for i in range(len(self.headers))) + "|"
        )
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class Section:
    """What one benchmark measured, under which conditions, and how to read it."""

    name: str
    title: str
    conditions: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def markdown(self, measured: str) -> str:
        parts = [f"## {self.title}", "", f"_{measured}_"]
        if self.skipped:
            parts += ["", *(f"> Skipped: {reason}" for reason in self.skipped)]
        if self.conditions:
            parts += ["", "### Conditions", "", *(f"- {c}" for c in self.conditions)]
        for table in self.tables:
            parts += ["", table.markdown()]
        if self.reading:
            parts += ["", "### Reading the numbers", ""]
            parts.append("\n\n".join(self.reading))
        return "\n".join(parts)


def _block(name: str, body: str) -> str:
    return f"<!-- bench:{name} begin -->\n{body.strip()}\n<!-- bench:{name} end -->"


def _existing_blocks(document: str) -> dict[str, str]:
    pattern = re.compile(r"<!-- bench:([\w-]+) begin -->\n(.*?)\n<!-- bench:\1 end -->", re.S)
    return {m.group(1): m.group(2) for m in pattern.finditer(document)}


def render_document(
    *,
    names: Iterable[str],
    sections: dict[str, str],
    machine: str,
    date: str,
    command: str,
    previous: str = "",
) -> str:
    """The whole document: fresh ``sections`` (name -> Markdown), the rest kept or stubbed."""
    kept = _existing_blocks(previous)
    blocks = []
    for name in names:
        if name in sections:
            body = sections[name]
        else:
            body = kept.get(name) or f"## {name}\n\n_Not measured yet: run `make bench`._"
        blocks.append(_block(name, body))
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        date=date,
        command=command,
        machine=_block("machine", machine),
        sections="\n\n".join(blocks),
    )
