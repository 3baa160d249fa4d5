"""The benchmark runner: which benchmarks exist, the command line, and the document.

A benchmark is a module with ``TITLE`` and ``run(options) -> bench.report.Section``; add it
to ``BENCHMARKS`` (and nothing else) to have ``make bench`` run it and document it.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine, report

# name -> module, in the order of the document.
BENCHMARKS: dict[str, str] = {
    "bus": "bench.bus",
    "gateway": "bench.gateway",
    "identity": "bench.identity",
    "revocation": "bench.revocation",
    "scoring": "bench.scoring",
    "national": "bench.national",
    "awards": "bench.awards",
    "webhooks": "bench.webhooks",
    "mail": "bench.mail",
    "web": "bench.web",
    "chaos": "bench.chaos",
}
DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
FULL_COMMAND = "make bench"


@dataclass(frozen=True)
class Options:
    quick: bool = False
    started: float = field(default_factory=time.monotonic)

    def progress(self, message: str) -> None:
        """A line on stderr, so a long run shows where it is."""
        print(f"[{time.monotonic() - self.started:6.1f} s] {message}", file=sys.stderr, flush=True)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=f"Measure the platform and write {DOCUMENT.name} (make bench).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny smoke run: every path once, figures meaningless; writes no document "
        "unless --output is given",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        help="run only this benchmark (repeatable); the others' sections are kept",
    )
    parser.add_argument("--output", type=Path, help=f"the document to write (default {DOCUMENT})")
    return parser.parse_args(argv)


def _command(args: argparse.Namespace) -> str:
    if args.quick or args.only:
        parts = ["python -m bench"] + (["--quick"] if args.quick else [])
        parts += [f"--only {name}" for name in args.only or []]
        return " ".join(parts)
    return FULL_COMMAND


def _raise_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every started process and database is cleaned up."""

    def handler(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    _raise_on_sigterm()
    options = Options(quick=args.quick)
    names = args.only or list(BENCHMARKS)
    output: Path | None = args.output or (None if args.quick else DOCUMENT)
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = _command(args)

    options.progress("describing the machine")
    machine_facts = machine.facts()
    sections: dict[str, str] = {}
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        options.progress(f"{name}: {module.TITLE}")
        section: report.Section = module.run(options)
        sections[name] = section.markdown(f"Measured {date} with `{command}`.")
        print(sections[name], end="\n\n", flush=True)

    machine_facts.append(("Load average at end", machine.load_average()))
    machine_text = machine.markdown(machine_facts)
    if output is not None:
        previous = output.read_text(encoding="utf-8") if output.exists() else ""
        output.write_text(
            report.render_document(
                names=BENCHMARKS,
                sections=sections,
                machine=machine_text,
                date=date,
                command=command,
                previous=previous,
            ),
            encoding="utf-8",
        )
        options.progress(f"wrote {output}")
    options.progress("done")
    return 0
