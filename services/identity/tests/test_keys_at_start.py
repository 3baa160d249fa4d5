"""A fresh identity publishes its signing key when it starts, not at the first sign-in (issue 8,
item 10), and workers starting at once agree on one key. Both stacks.

Before, the JWKS of a fresh platform was empty until someone signed in, so whatever fetched it
early held no key for the first tokens.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from kit.app import create_app, database
from kit.db import Database
from services.identity.domain import keys
from services.identity.models import SigningKey
from services.identity.service import SERVICE
from tests.support.processes import free_port, gunicorn, python, wait_until
from tests.support.stack import Stack

JWKS = "/.well-known/jwks.json"


def key_count(db: Database) -> int:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(SigningKey)).scalar_one()


def test_a_fresh_identity_publishes_its_key_before_any_sign_in(stack: Stack) -> None:
    db = stack.prepare(SERVICE)
    assert key_count(db) == 0

    app = create_app(SERVICE, stack.settings("identity"))

    published = app.test_client().get(JWKS)
    assert published.status_code == 200
    (jwk,) = published.get_json()["keys"]
    assert (jwk["kty"], jwk["use"], jwk["alg"]) == ("RSA", "sig", "RS256")
    # It is the key the first token will be signed with, and the only one.
    with app.app_context(), database().transaction() as session:
        assert keys.active_key(session).kid == jwk["kid"]
    assert key_count(db) == 1
    # Another worker (or a restart) starting later adds none.
    create_app(SERVICE, stack.settings("identity"))
    assert key_count(db) == 1


def test_workers_starting_at_once_make_one_key(stack: Stack) -> None:
    stack.prepare(SERVICE)
    url = stack.database_url("identity")
    workers = [Database(url, "identity") for _ in range(6)]
    start = threading.Barrier(len(workers))
    made: list[object] = []
    failures: list[BaseException] = []

    def boot(db: Database) -> None:
        start.wait()
        try:
            made.append(keys.publish_first_key(db))
        except BaseException as error:  # reported below, with the others
            failures.append(error)

    threads = [threading.Thread(target=boot, args=(db,)) for db in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert failures == []
        assert len([key for key in made if key is not None]) == 1, made
        assert key_count(workers[0]) == 1
    finally:
        for db in workers:
            db.dispose()


def test_a_jwks_asked_before_the_database_was_ready_is_not_empty(stack: Stack) -> None:
    """Identity started before its migrations finished: the key comes with the first read."""
    app = create_app(SERVICE, stack.settings("identity"))  # no tables yet: it still starts
    db = stack.prepare(SERVICE)
    assert key_count(db) == 0
    (jwk,) = app.test_client().get(JWKS).get_json()["keys"]
    assert jwk["kid"]
    assert key_count(db) == 1


@pytest.mark.processes
def test_gunicorn_workers_started_together_publish_one_key(stack: Stack) -> None:
    db = stack.prepare(SERVICE)
    port = free_port()
    stack.spawn(
        "identity",
        gunicorn("services.identity.app:create_app()"),
        "identity",
        PORT=str(port),
        WEB_CONCURRENCY="4",
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).ok, timeout=60, what="identity")

    (jwk,) = requests.get(f"{base}{JWKS}", timeout=5).json()["keys"]
    assert jwk["kid"]
    assert key_count(db) == 1


def test_workers_without_a_passphrase_share_the_one_they_make(tmp_path: Path) -> None:
    """Embedded mode keeps a generated passphrase in a file; workers that start together on a
    fresh var/ must all use the same one, or some could not decrypt the key others made."""
    env = {k: v for k, v in os.environ.items() if k != "IDENTITY_KEY_PASSPHRASE"}
    env["THIDUA_VAR"] = str(tmp_path)
    script = (
        "import sys, time; from services.identity.domain import keys; "
        "time.sleep(max(0.0, float(sys.argv[1]) - time.time())); "
        "print(keys._passphrase().decode())"
    )
    at = str(time.time() + 1.5)
    runs = [
        subprocess.Popen(
            python("-c", script, at),
            env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert len(outputs) == 1 and "" not in outputs, outputs
    secret = tmp_path / "secrets" / "identity-key-passphrase"
    assert secret.read_text().strip() == outputs.pop()
    assert secret.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in secret.parent.iterdir()] == [secret.name], "no drafts left behind"
