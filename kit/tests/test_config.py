"""Settings: the kit's, read from the environment once, and extended by a service's own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.config import DEFAULT_ISSUER, Settings


@dataclass(frozen=True)
class OwnSettings(Settings):
    folder: Path = Path("unset")
    limit: int = 10

    @classmethod
    def read_own(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "folder": Path(env.get("OWN_FOLDER", "default")),
            "limit": int(env.get("OWN_LIMIT", "10")),
        }


def test_the_kits_settings_have_embedded_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env("notify", {"THIDUA_VAR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/db/notify.sqlite3"
    assert settings.bus_url == f"local://{tmp_path}/bus"
    assert settings.embedded_bus
    assert settings.token_issuer == DEFAULT_ISSUER
    assert settings.metrics_port is None


def test_a_service_reads_its_own_settings_with_the_kits() -> None:
    env = {
        "AMQP_URL": "amqp://broker",
        "OWN_FOLDER": "/data",
        "OWN_LIMIT": "3",
        "THIDUA_METRICS_PORT": "9100",
        "THIDUA_TOKEN_AUDIENCE": "urn:elsewhere",
    }
    settings = OwnSettings.from_env("own", env)
    assert isinstance(settings, OwnSettings)
    assert (settings.folder, settings.limit) == (Path("/data"), 3)
    assert (settings.bus_url, settings.metrics_port) == ("amqp://broker", 9100)
    assert settings.token_audience == "urn:elsewhere"


def test_the_kits_settings_extended_keep_their_values_and_read_the_services() -> None:
    base = Settings.from_env("own", {"AMQP_URL": "amqp://test-stack"})
    extended = base.extended(OwnSettings, {"OWN_LIMIT": "7"})
    assert isinstance(extended, OwnSettings)
    assert (extended.bus_url, extended.limit) == ("amqp://test-stack", 7)
    assert extended.extended(OwnSettings, {"OWN_LIMIT": "1"}) is extended  # already extended
