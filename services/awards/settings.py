"""Awards' own settings, read with the kit's (``kit.config.Settings.from_env``) once, when the
app or a command starts; ``service.py`` names the class, so ``runtime().settings`` is one.

``public_base_url`` is where the public verification page lives: every certificate's QR code
points to ``<public_base_url>/verify/<serial>``, so it must be the address people reach from
outside (docs/operations.md, "Configuration"). ``print_offsets`` move every element of an
issuer's certificates by (x, y) mm, right and down positive, to fit the issuer's pre-printed
blanks: ``AWARDS_PRINT_OFFSETS="BTP=1.5,-2;STP-01=0,3"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kit.config import Settings

DEFAULT_PUBLIC_BASE_URL = "http://localhost:8080"
MAX_OFFSET_MM = 50.0


def parse_offsets(text: str) -> dict[str, tuple[float, float]]:
    """``ISSUER=x,y;...`` as {issuer: (x, y)}; a malformed entry fails the start, loudly."""
    offsets: dict[str, tuple[float, float]] = {}
    for entry in filter(None, (e.strip() for e in text.split(";"))):
        issuer, _, pair = entry.partition("=")
        parts = pair.split(",")
        if not issuer.strip() or len(parts) != 2:
            raise ValueError(f"AWARDS_PRINT_OFFSETS: {entry!r} is not ISSUER=x,y")
        x, y = (float(p) for p in parts)
        if abs(x) > MAX_OFFSET_MM or abs(y) > MAX_OFFSET_MM:
            raise ValueError(f"AWARDS_PRINT_OFFSETS: {entry!r} moves more than {MAX_OFFSET_MM} mm")
        offsets[issuer.strip()] = (x, y)
    return offsets


@dataclass(frozen=True)
class AwardsSettings(Settings):
    # The public address of the verification page (no trailing slash).
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    # Per issuer (a decision's ``issuer``, e.g. "BTP"): the certificate's offset in mm.
    print_offsets: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def read_own(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "public_base_url": (
                env.get("AWARDS_PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL
            ).rstrip("/"),
            "print_offsets": parse_offsets(env.get("AWARDS_PRINT_OFFSETS") or ""),
        }

    def print_offset(self, issuer: str) -> tuple[float, float]:
        return self.print_offsets.get(issuer, (0.0, 0.0))
