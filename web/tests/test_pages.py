"""The web application's pages against a fake platform: sign-in and its errors, sessions,
CSRF, the security headers, languages, and how platform errors become pages."""

from __future__ import annotations

from flask.testing import FlaskClient

from web.tests.conftest import FakeApi, csrf_of, sign_in


def test_every_page_carries_the_security_headers(web: FlaskClient) -> None:
    response = web.get("/sign-in")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script
    assert 'lang="vi"' in response.get_data(as_text=True)


def test_the_session_cookie_is_httponly_and_lax(web: FlaskClient) -> None:
    response = web.get("/sign-in")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the embedded mode: plain HTTP on 127.0.0.1


def test_a_page_needs_a_session_and_comes_back_after_sign_in(web: FlaskClient) -> None:
    response = web.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/profile"
    web.get("/sign-in?next=/profile")
    signed_in = web.post(
        "/sign-in",
        data={
            "username": "stp.hanoi",
            "password": "x",
            "next": "/profile",
            "csrf_token": csrf_of(web),
        },
    )
    assert signed_in.headers["Location"] == "/profile"
    page = web.get("/profile").get_data(as_text=True)
    assert "Trần Thị Bình" in page and "Cán bộ đơn vị" in page


def test_next_never_leaves_the_site(web: FlaskClient) -> None:
    web.get("/sign-in")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = web.post(
            "/sign-in",
            data={"username": "a", "password": "b", "next": target, "csrf_token": csrf_of(web)},
        )
        assert response.headers["Location"] == "/"
        web.post("/sign-out", data={"csrf_token": csrf_of(web)})


def test_a_form_without_the_csrf_token_is_refused(web: FlaskClient, fake_api: FakeApi) -> None:
    web.get("/sign-in")
    response = web.post("/sign-in", data={"username": "stp.hanoi", "password": "x"})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert not any(s["path"] == "/identity/oauth/token" for s in fake_api.seen)
    header = web.post(
        "/sign-in",
        data={"username": "stp.hanoi", "password": "x"},
        headers={"X-CSRF-Token": csrf_of(web)},
    )
    assert header.status_code == 302  # htmx sends it as a header


def test_wrong_password_and_lockout_say_so_in_vietnamese(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json(
        "POST",
        "/identity/oauth/token",
        {"type": "urn:thidua:problem:bad-request", "status": 400, "error": "invalid_grant"},
        status=400,
    )
    web.get("/sign-in")
    wrong = web.post(
        "/sign-in", data={"username": "a", "password": "b", "csrf_token": csrf_of(web)}
    )
    assert wrong.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.get_data(as_text=True)

    fake_api.json(
        "POST",
        "/identity/oauth/token",
        {"type": "urn:thidua:problem:too-many-requests", "status": 429},
        status=429,
        **{"Retry-After": "42"},
    )
    locked = web.post(
        "/sign-in", data={"username": "a", "password": "b", "csrf_token": csrf_of(web)}
    )
    text = locked.get_data(as_text=True)
    assert "tạm thời bị chặn" in text and "42 giây" in text


def test_an_expired_access_token_is_renewed_once_with_the_refresh_token(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    sign_in(web)
    with web.session_transaction() as session:
        session["tokens"] = {**session["tokens"], "e": 0}  # the access token has expired
    assert web.get("/profile").status_code == 200
    refreshes = [s for s in fake_api.seen if s["form"].get("grant_type") == "refresh_token"]
    assert [r["form"]["refresh_token"] for r in refreshes] == ["refresh-1"]
    me = [s for s in fake_api.seen if s["path"] == "/identity/me"][-1]
    assert me["headers"]["Authorization"] == "Bearer access-2"
    with web.session_transaction() as session:
        assert session["tokens"]["r"] == "refresh-2"  # the rotated one, for next time


def test_a_session_the_platform_ended_goes_to_the_expired_page_and_back(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    sign_in(web)
    fake_api.json("GET", "/identity/me", {"status": 401}, status=401)
    fake_api.json("POST", "/identity/oauth/token", {"status": 400}, status=400)
    response = web.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/profile&expired=1"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn" in page
    htmx = web.get("/profile", headers={"HX-Request": "true", "HX-Current-URL": "http://x/"})
    assert htmx.headers["HX-Redirect"].startswith("/sign-in?next=/")


def test_sign_out_revokes_the_refresh_token(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.on("POST", "/identity/logout", lambda: ("", 204))
    sign_in(web)
    response = web.post("/sign-out", data={"csrf_token": csrf_of(web)})
    assert response.headers["Location"] == "/sign-in?signed_out=1"
    logout = [s for s in fake_api.seen if s["path"] == "/identity/logout"]
    assert logout[0]["json"] == {"refresh_token": "refresh-1"}
    assert logout[0]["headers"]["Authorization"] == "Bearer access-1"
    assert web.get("/").status_code == 302  # signed out here too


def test_a_sheet_the_platform_hides_is_the_404_page(web: FlaskClient) -> None:
    sign_in(web)
    response = web.get("/sheets/of-another-province")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_english_on_request(web: FlaskClient) -> None:
    web.get("/sign-in")
    response = web.post(
        "/language", data={"lang": "en", "next": "/sign-in", "csrf_token": csrf_of(web)}
    )
    assert response.headers["Location"] == "/sign-in"
    page = web.get("/sign-in").get_data(as_text=True)
    assert 'lang="en"' in page and "Username" in page


def test_health_and_readiness(web: FlaskClient) -> None:
    assert web.get("/healthz").get_json() == {"status": "ok", "service": "web"}
    assert web.get("/readyz").get_json()["gateway"] == "ready"
