"""Scoring's own settings, read with the kit's (``kit.config.Settings.from_env``) once, when the
app or a command starts; ``service.py`` names the class, so ``runtime().settings`` is one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit.config import Settings, var_dir

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ScoringSettings(Settings):
    # Where evidence files live (storage.LocalDiskStore); one shared volume for every replica.
    evidence_dir: Path = field(default_factory=lambda: var_dir() / "evidence")
    # The largest evidence file accepted (413 above).
    evidence_max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def read_own(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "evidence_dir": Path(
                env.get("SCORING_EVIDENCE_DIR") or var_dir(env) / "evidence"
            ).resolve(),
            "evidence_max_bytes": int(env.get("SCORING_EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES),
        }
