"""The serif the documents are set in, found on disk and checked for every Vietnamese letter.

Nghị định 30/2020/NĐ-CP sets administrative documents in Times New Roman. The PDFs embed a
metric-compatible free font instead (Liberation Serif, Debian's ``fonts-liberation2``; or Tinos,
the same design), so a page breaks where Word would break it; Noto Serif (``fonts-noto-core``)
is the last resort, same coverage but other widths. A font is used only when its four styles
are all there and each one has every Vietnamese letter: a font that would print "Nguyen" for
"Nguyễn" is an error naming what is missing, never a silent fallback.

``AWARDS_FONT_DIR`` (a folder, or several separated by ``:``) says where to look; unset, the
system's ``/usr/share/fonts`` and ``/usr/local/share/fonts`` are searched.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

__all__ = [
    "DEFAULT_FONT_DIRS",
    "FAMILIES",
    "STYLES",
    "VIETNAMESE_LETTERS",
    "FontMissing",
    "FontSet",
    "find_fonts",
]

DEFAULT_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")

# fpdf2's style names: "" regular, "B" bold, "I" italic, "BI" bold italic.
STYLES = ("", "B", "I", "BI")

# Each family: its name and the file of each style, in the order of preference.
FAMILIES: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "Liberation Serif",
        {
            "": "LiberationSerif-Regular.ttf",
            "B": "LiberationSerif-Bold.ttf",
            "I": "LiberationSerif-Italic.ttf",
            "BI": "LiberationSerif-BoldItalic.ttf",
        },
    ),
    (
        "Tinos",
        {
            "": "Tinos-Regular.ttf",
            "B": "Tinos-Bold.ttf",
            "I": "Tinos-Italic.ttf",
            "BI": "Tinos-BoldItalic.ttf",
        },
    ),
    (
        "Noto Serif",
        {
            "": "NotoSerif-Regular.ttf",
            "B": "NotoSerif-Bold.ttf",
            "I": "NotoSerif-Italic.ttf",
            "BI": "NotoSerif-BoldItalic.ttf",
        },
    ),
)

_BASE = "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
VIETNAMESE_LETTERS = _BASE + _BASE.lower() + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class FontMissing(RuntimeError):
    """No usable font: a deployment fault (install the package), not the caller's."""


@dataclass(frozen=True)
class FontSet:
    """One family's four style files, with what they can print and how wide."""

    family: str
    paths: dict[str, Path]

    def missing(self, text: str, style: str = "") -> list[str]:
        """The distinct characters of ``text`` the style has no glyph for (spaces aside)."""
        cmap = _cmap(self.paths[style])
        return sorted({c for c in text if not c.isspace() and ord(c) not in cmap})

    def width_pt(self, text: str, style: str, size_pt: float) -> float:
        """How wide ``text`` sets at ``size_pt``, in points (to size the rules under headings)."""
        advances, units = _advances(self.paths[style])
        cmap = _cmap(self.paths[style])
        total = sum(advances.get(cmap.get(ord(c), ".notdef"), 0) for c in text)
        return total * size_pt / units


def _directories() -> list[Path]:
    configured = os.environ.get("AWARDS_FONT_DIR", "").strip()
    names = configured.split(":") if configured else DEFAULT_FONT_DIRS
    return [Path(name) for name in names if name]


def find_fonts() -> FontSet:
    """The first family whose four styles are on disk and print every Vietnamese letter."""
    return _find(tuple(str(d) for d in _directories()))


@functools.lru_cache(maxsize=8)
def _find(directories: tuple[str, ...]) -> FontSet:
    index: dict[str, Path] = {}
    for directory in directories:
        root = Path(directory)
        if root.is_dir():
            for path in sorted(root.rglob("*.ttf")):
                index.setdefault(path.name, path)
    problems: list[str] = []
    for family, files in FAMILIES:
        absent = [name for name in files.values() if name not in index]
        if absent:
            problems.append(f"{family}: {', '.join(absent)} not found")
            continue
        fonts = FontSet(family, {style: index[name] for style, name in files.items()})
        lacking = {s: fonts.missing(VIETNAMESE_LETTERS, s) for s in STYLES}
        lacking = {s: chars for s, chars in lacking.items() if chars}
        if lacking:
            detail = "; ".join(f"{files[s]} lacks {''.join(c)}" for s, c in lacking.items())
            problems.append(f"{family}: {detail}")
            continue
        return fonts
    where = ":".join(directories) or "(none)"
    raise FontMissing(
        "No serif font with every Vietnamese letter for the award documents in "
        f"AWARDS_FONT_DIR={where}. Install Debian's fonts-liberation2 (Liberation Serif) or "
        f"point AWARDS_FONT_DIR at a folder holding LiberationSerif-Regular.ttf, "
        f"LiberationSerif-Bold.ttf, LiberationSerif-Italic.ttf and "
        f"LiberationSerif-BoldItalic.ttf. Looked for: {' | '.join(problems)}."
    )


@functools.lru_cache(maxsize=32)
def _cmap(path: Path) -> dict[int, str]:
    with TTFont(path, lazy=True) as font:
        return dict(font.getBestCmap())


@functools.lru_cache(maxsize=32)
def _advances(path: Path) -> tuple[dict[str, int], int]:
    with TTFont(path, lazy=True) as font:
        advances = {name: metric[0] for name, metric in font["hmtx"].metrics.items()}
        return advances, font["head"].unitsPerEm
