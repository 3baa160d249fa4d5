"""Every string of the web application is translated into Vietnamese, with the same
placeholders, and the catalogues are up to date with the code and templates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[1]
TRANSLATIONS = WEB / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def test_every_message_has_a_vietnamese_translation_with_the_same_placeholders() -> None:
    missing, mismatched = [], []
    for message in _catalog("vi"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(ids[0])
            continue
        wanted = set(PLACEHOLDER.findall(ids[0]))
        if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
            mismatched.append(ids[0])
    assert missing == [], f"untranslated or fuzzy in vi: {missing}"
    assert mismatched == [], f"placeholders differ in vi: {mismatched}"


def test_the_catalogues_hold_every_string_of_the_code(tmp_path: Path) -> None:
    """Extract again: a new ``_("…")`` that is not in the catalogues fails here (docs/web.md
    says how to update them)."""
    template = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
    options = ["-F", "babel.cfg", "-k", "_l", "-o", str(template), "--no-location", "."]
    subprocess.run([*command, *options], cwd=WEB, check=True)
    with template.open("rb") as source:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}
    for language in ("vi", "en"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        assert extracted - known == set(), f"{language}: run the update step of docs/web.md"
