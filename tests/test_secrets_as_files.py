"""Secrets as files (kit.config.secret): what a Kubernetes Secret mounted as a volume gives.

A manifest sets ``NAME_FILE`` to the path of the mounted key instead of putting the value in
the environment; the database URL is written without its password, which comes from
``<SERVICE>_DATABASE_PASSWORD_FILE``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from kit.config import Settings, secret
from services.identity.settings import IdentitySettings
from services.notify.settings import NotifySettings
from web.settings import Settings as WebSettings


def written(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_a_secret_comes_from_its_file_without_the_trailing_newline(tmp_path: Path) -> None:
    path = written(tmp_path, "url", "amqp://relay:s3cr%40t@rabbitmq:5672/%2F\n")
    assert secret({"AMQP_URL_FILE": path}, "AMQP_URL") == "amqp://relay:s3cr%40t@rabbitmq:5672/%2F"
    assert secret({"AMQP_URL": "amqp://x"}, "AMQP_URL") == "amqp://x", "the variable still works"
    assert secret({}, "AMQP_URL") is None
    kept = written(tmp_path, "two", "line one\nline two\n\n")
    assert secret({"X_FILE": kept}, "X") == "line one\nline two\n", "one newline only"


def test_both_or_an_unreadable_file_stop_the_process_naming_the_setting(tmp_path: Path) -> None:
    path = written(tmp_path, "url", "amqp://a")
    with pytest.raises(ValueError, match="AMQP_URL or AMQP_URL_FILE"):
        secret({"AMQP_URL": "amqp://b", "AMQP_URL_FILE": path}, "AMQP_URL")
    with pytest.raises(ValueError, match="AMQP_URL_FILE: no file"):
        secret({"AMQP_URL_FILE": str(tmp_path / "missing")}, "AMQP_URL")
    with pytest.raises(ValueError, match="AMQP_URL_FILE: cannot read"):
        secret({"AMQP_URL_FILE": str(tmp_path)}, "AMQP_URL")  # a folder, say
    missing = {"NOTIFY_SMTP_PASSWORD_FILE": str(tmp_path / "smtp" / "password")}
    assert secret(missing, "NOTIFY_SMTP_PASSWORD", optional=True) is None, "an optional Secret"


def test_the_database_password_file_goes_into_the_url(tmp_path: Path) -> None:
    password = written(tmp_path, "password", "p@ss:w/rd?#\n")  # URL-unsafe on purpose
    env = {
        "SCORING_DATABASE_URL": "postgresql+psycopg://scoring@scoring-db-rw:5432/scoring"
        "?sslmode=verify-full&connect_timeout=5",
        "SCORING_DATABASE_PASSWORD_FILE": password,
        "AMQP_URL_FILE": written(tmp_path, "amqp", "amqp://u:p@rabbitmq:5672/%2F"),
    }
    settings = Settings.from_env("scoring", env)
    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.database) == (
        "scoring",
        "p@ss:w/rd?#",
        "scoring-db-rw",
        "scoring",
    )
    assert url.query == {"sslmode": "verify-full", "connect_timeout": "5"}
    assert settings.bus_url == "amqp://u:p@rabbitmq:5672/%2F"


def test_each_services_secrets_may_be_files(tmp_path: Path) -> None:
    identity = IdentitySettings.from_env(
        "identity", {"IDENTITY_KEY_PASSPHRASE_FILE": written(tmp_path, "pass", "phrase\n")}
    )
    assert identity.key_passphrase == "phrase"
    notify = NotifySettings.from_env(
        "notify",
        {
            "NOTIFY_SMTP_USERNAME_FILE": written(tmp_path, "user", "mailer\n"),
            "NOTIFY_SMTP_PASSWORD_FILE": written(tmp_path, "smtp", "hunter2\n"),
            "AMQP_URL_FILE": written(tmp_path, "amqp", "amqp://u:p@rabbitmq/%2F"),
        },
    )
    assert (notify.smtp_username, notify.smtp_password) == ("mailer", "hunter2")
    assert notify.webhook_embedded is False, "a broker given as a file is a broker"
    key = "k" * 40
    web = WebSettings.from_env({"WEB_SECRET_KEY_FILE": written(tmp_path, "key", key + "\n")})
    assert (web.secret_key, web.embedded) == (key, False)
