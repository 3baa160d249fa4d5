"""``GET /me``: the caller, its unit and what it may do."""

from services.identity.tests.conftest import Identity


def test_me_shows_the_unit_the_roles_and_the_permissions(identity: Identity) -> None:
    me = identity.client().get("/me", headers=identity.login("qt.hanoi")).get_json()
    assert (me["username"], me["kind"]) == ("qt.hanoi", "user")
    assert me["unit"]["id"] == "stp-01"
    assert me["unit"]["name"] == "Sở Tư pháp thành phố Hà Nội"
    assert [(r["role"], r["scope"], r["scope_id"]) for r in me["roles"]] == [
        ("unit_admin", "unit", "stp-01")
    ]
    actions = {(p["action"], p["scope_id"]) for p in me["permissions"]}
    assert ("user.manage", "stp-01") in actions
    assert not any(action == "org.manage" for action, _ in actions)


def test_me_needs_a_token(identity: Identity) -> None:
    response = identity.client().get("/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
