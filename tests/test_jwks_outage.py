"""A valid token is not refused while identity restarts (issue 15).

A service that meets a key id it has never seen asks identity's JWKS. When identity cannot be
asked, the service cannot tell a new key from a forged one, so it answers 503 with
``Retry-After`` (a client keeps its token and retries) instead of 401 (a client throws its
token away and sends its user back to sign in), and it asks identity again within a second of
the restart, not after the cooldown. Real processes: identity under gunicorn, stopped and
started again on the same port and database.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import requests

from kit.app import create_app, runtime
from services.identity.domain import users
from services.identity.domain.demo import OPERATOR
from services.identity.service import SERVICE as IDENTITY
from services.identity.tests.test_users import seed_org
from services.scoring.service import SERVICE as SCORING
from tests.support.processes import free_port, wait_until
from tests.support.stack import Stack
from tests.support.tokens import mint

PASSWORD = "mật-khẩu-thử-nghiệm-2"


def test_a_new_key_during_identitys_restart_is_a_503_then_works(tmp_path: Path) -> None:
    stack = Stack("embedded", tmp_path / "stack")
    try:
        stack.prepare(IDENTITY)
        seeding = create_app(IDENTITY, stack.settings("identity"))
        seed_org(seeding)
        with seeding.app_context(), runtime().db.transaction() as session:
            users.create_user(
                session,
                OPERATOR,
                username="can.bo.so",
                full_name="Phạm Thị Dung",
                email=None,
                unit_id="stp-01",
                password=PASSWORD,
            )
        port = free_port()
        base = f"http://127.0.0.1:{port}"

        identity = stack.serve("identity", port)
        signed_in = requests.post(
            f"{base}/oauth/token",
            data={"grant_type": "password", "username": "can.bo.so", "password": PASSWORD},
            timeout=10,
        )
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["access_token"]

        # Scoring has never seen identity's key; identity goes away before scoring asks.
        stack.prepare(SCORING)
        settings = replace(stack.settings("scoring"), jwks_url=f"{base}/.well-known/jwks.json")
        scoring = create_app(SCORING, settings).test_client()
        identity.stop()

        answer = scoring.get("/announcements", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 503, answer.get_json()
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.get_json()["cause"] == "jwks_unreachable"
        assert "thử lại" in answer.get_json()["detail"]
        assert 1 <= int(answer.headers["Retry-After"]) <= 5

        stack.serve("identity", port)
        seen: list[int] = []

        def scoring_accepts_the_token() -> bool:
            status = scoring.get(
                "/announcements", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            seen.append(status)
            return status == 200

        wait_until(scoring_accepts_the_token, timeout=15, interval=0.5, what="the token to work")
        assert 401 not in seen, f"the valid token was refused as invalid: {seen}"

        # With identity answering, an unknown key id is a forgery again: 401.
        forged = mint("u-1", kid="not-identitys-key")
        refused = scoring.get("/announcements", headers={"Authorization": f"Bearer {forged}"})
        assert refused.status_code == 401
    finally:
        stack.close()


@pytest.mark.parametrize("language, word", [("vi", "thử lại"), ("en", "Retry")])
def test_the_503_speaks_the_callers_language(tmp_path: Path, language: str, word: str) -> None:
    stack = Stack("embedded", tmp_path / "stack")
    try:
        stack.prepare(SCORING)
        nowhere = f"http://127.0.0.1:{free_port()}/.well-known/jwks.json"
        scoring = create_app(SCORING, replace(stack.settings("scoring"), jwks_url=nowhere))
        answer = scoring.test_client().get(
            "/announcements",
            headers={"Authorization": f"Bearer {mint('u-1')}", "Accept-Language": language},
        )
        assert answer.status_code == 503
        assert word in answer.get_json()["detail"]
    finally:
        stack.close()
