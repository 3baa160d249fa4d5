"""kit.errors at the edge: one handler, problem+json in the language the caller asks for."""

from __future__ import annotations

import pytest
from flask import Flask

from kit import errors, web
from kit.preconditions import if_match, require_match

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    web.install(app, "test", 1024)

    raised: dict[str, errors.Error] = {
        "not-found": errors.NotFound(("bảng tiêu chí", "criteria table"), "t-1"),
        "no-such": errors.NotFound(("ứng dụng", "client")),
        "invalid": errors.Invalid(
            {"title": [("Bắt buộc.", "Required.")], "code": ["X-1"]}, issues=[{"code": "c"}]
        ),
        "state": errors.StateConflict(("Bảng", "table"), "draft", "amend", ["edit", "publish"]),
        "forbidden": errors.Forbidden(),
        "token": errors.Unauthorized.invalid_token("token expired"),
        "slow": errors.TooManyRequests(("Chậm lại.", "Slow down."), retry_after=7),
        "problem": errors.Problem(409, detail="một / one", status_now="x"),
    }

    @app.route("/raise/<name>")
    def raise_(name: str) -> str:
        raise raised[name]

    @app.route("/match")
    def match() -> str:
        sent = if_match()
        require_match('W/"1"', sent, stale=("Bảng đã đổi.", "The table changed."))
        return "ok"

    return app


def test_every_error_is_problem_json_in_vietnamese_by_default(app: Flask) -> None:
    client = app.test_client()
    body = client.get("/raise/not-found").get_json()
    assert body["type"] == "urn:thidua:problem:not-found" and body["status"] == 404
    assert body["detail"] == "Không có bảng tiêu chí t-1."
    assert body["title"] == "Không tìm thấy"
    english = client.get("/raise/not-found", headers=ENGLISH)
    assert english.get_json()["detail"] == "No criteria table t-1."
    assert english.headers["Content-Language"] == "en"
    assert client.get("/raise/no-such", headers=ENGLISH).get_json()["detail"] == "No such client."


def test_field_messages_are_said_in_one_language(app: Flask) -> None:
    client = app.test_client()
    vietnamese = client.get("/raise/invalid")
    assert vietnamese.status_code == 422
    assert vietnamese.mimetype == "application/problem+json"
    body = vietnamese.get_json()
    assert body["type"] == "urn:thidua:problem:validation-failed"
    assert body["errors"] == {"title": ["Bắt buộc."], "code": ["X-1"]}
    assert body["issues"] == [{"code": "c"}]
    english = client.get("/raise/invalid", headers=ENGLISH).get_json()
    assert english["errors"] == {"title": ["Required."], "code": ["X-1"]}
    assert english["detail"] == "Some fields are invalid, see errors."


def test_state_conflicts_say_what_is_allowed(app: Flask) -> None:
    body = app.test_client().get("/raise/state", headers=ENGLISH).get_json()
    assert body["status"] == 409 and body["type"] == "urn:thidua:problem:conflict"
    assert body["allowed"] == ["edit", "publish"] and body["status_now"] == "draft"
    assert body["detail"] == "The table is draft: cannot amend. Allowed: edit, publish."


def test_headers_travel_with_the_error(app: Flask) -> None:
    client = app.test_client()
    token = client.get("/raise/token")
    assert token.status_code == 401
    assert token.headers["WWW-Authenticate"] == 'Bearer realm="thidua", error="invalid_token"'
    assert token.get_json()["detail"] == "Mã truy cập không hợp lệ: token expired."
    slow = client.get("/raise/slow")
    assert slow.status_code == 429 and slow.headers["Retry-After"] == "7"
    assert client.get("/raise/forbidden").get_json()["type"] == "urn:thidua:problem:forbidden"
    problem = client.get("/raise/problem").get_json()
    assert problem["detail"] == "một / one" and problem["status_now"] == "x"


def test_if_match_is_required_and_must_be_current(app: Flask) -> None:
    client = app.test_client()
    missing = client.get("/match")
    assert missing.status_code == 428
    assert missing.get_json()["type"] == "urn:thidua:problem:precondition-required"
    stale = client.get("/match", headers={"If-Match": 'W/"0"', **ENGLISH})
    assert stale.status_code == 412
    assert stale.get_json()["current_etag"] == 'W/"1"'
    assert stale.get_json()["detail"] == "The table changed."
    assert client.get("/match", headers={"If-Match": "*"}).status_code == 412
    assert client.get("/match", headers={"If-Match": 'W/"1"'}).status_code == 200


def test_localise_walks_messages_only() -> None:
    assert errors.localise({"a": [("vi", "en"), "both"]}, "en") == {"a": ["en", "both"]}
    assert errors.localise(("vi", "en")) == "vi"
    assert errors.localise(["edit", "publish"], "en") == ["edit", "publish"]


def test_domain_errors_import_no_flask() -> None:
    import subprocess
    import sys

    code = "import sys, kit.errors; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
