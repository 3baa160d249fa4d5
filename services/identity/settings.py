"""Identity's own settings, read with the kit's (``kit.config.Settings.from_env``).

``service.py`` names the class, so the app's ``runtime().settings`` and the commands' context
object are ``IdentitySettings``. The domain code that signs (``domain.keys``, ``domain.tokens``)
runs outside requests too (commands, start-up), so it takes them from ``current()``: the same
reading of the same environment, once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kit.config import Settings, secret, var_dir

SERVICE_NAME = "identity"


@dataclass(frozen=True)
class IdentitySettings(Settings):
    # Encrypts the private signing keys in the database (IDENTITY_KEY_PASSPHRASE). Unset, in
    # embedded mode, a random passphrase is kept in ``key_passphrase_file`` (domain.keys).
    key_passphrase: str | None = field(default=None, repr=False)
    key_passphrase_file: Path = field(
        default_factory=lambda: var_dir() / "secrets" / "identity-key-passphrase"
    )
    # The password ``admin create`` gives the administrator (IDENTITY_ADMIN_PASSWORD); unset,
    # the command asks for it.
    admin_password: str | None = field(default=None, repr=False)

    @classmethod
    def read_own(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            # Either may be given as a file (IDENTITY_KEY_PASSPHRASE_FILE: a mounted Secret).
            "key_passphrase": secret(env, "IDENTITY_KEY_PASSPHRASE"),
            "key_passphrase_file": var_dir(env) / "secrets" / "identity-key-passphrase",
            "admin_password": secret(env, "IDENTITY_ADMIN_PASSWORD"),
        }


@cache
def current() -> IdentitySettings:
    """Identity's settings for code that has no request to ask (read once per process)."""
    return IdentitySettings.from_env(SERVICE_NAME)
