"""kit.policy's machinery, with made-up roles and actions: it names no service and no role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from kit import policy
from kit.auth import Grant, Principal
from kit.policy import Actions, Target, UndeclaredAction
from kit.problems import Problem

DECLARED = Actions.declare(
    {"thing.read": ["reader", "writer"], "thing.write": ["writer"], "thing.admin": []},
    every=["root"],
)


def caller(*grants: Grant) -> Principal:
    return Principal(
        subject="u",
        kind="user",
        token_id="t",
        expires_at=datetime.max.replace(tzinfo=UTC),
        grants=grants,
    )


@pytest.fixture
def app() -> Flask:
    app = Flask("policy-test")
    policy.install(app, DECLARED)
    return app


def test_roles_grant_what_is_declared_and_every_grants_each_action() -> None:
    assert DECLARED.allows("writer", "thing.write")
    assert not DECLARED.allows("reader", "thing.write")
    assert all(DECLARED.allows("root", action) for action in DECLARED.grants)
    assert DECLARED.of_role("reader") == {"thing.read"}
    assert DECLARED.of_role("nobody") == frozenset()


def test_an_undeclared_action_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(UndeclaredAction):
        DECLARED.allows("root", "thing.delete")


def test_declarations_combine_and_must_agree_on_a_shared_action() -> None:
    other = Actions.declare({"thing.read": ["reader", "writer", "root"], "other.read": ["x"]})
    combined = DECLARED | other
    assert set(combined.grants) == {"thing.read", "thing.write", "thing.admin", "other.read"}
    with pytest.raises(ValueError, match=r"thing\.read"):
        DECLARED | Actions.declare({"thing.read": ["reader"]})


def test_grants_reach_objects_through_their_scope(app: Flask) -> None:
    unit = caller(Grant("writer", "unit", "u-1"))
    region = caller(Grant("reader", "region", "2026-r"))
    with app.app_context():
        assert policy.allows(unit, "thing.write", Target.of_unit("u-1"))
        assert not policy.allows(unit, "thing.write", Target.of_unit("u-2"))
        assert not policy.allows(unit, "thing.write")  # a national object
        assert policy.allows(region, "thing.read", Target.of_unit("u-2", ["2026-r"]))
        assert not policy.allows(region, "thing.write", Target.of_unit("u-2", ["2026-r"]))
        assert policy.holds(region, "thing.read")
        assert policy.grants_for(unit, "thing.read") == list(unit.grants)


def test_require_answers_404_unless_the_caller_may_see_the_object(app: Flask) -> None:
    reader = caller(Grant("reader", "national"))
    with app.app_context():
        policy.require(reader, "thing.read")
        with pytest.raises(Problem) as hidden:
            policy.require(reader, "thing.write")
        with pytest.raises(Problem) as refused:
            policy.require(reader, "thing.write", visible=True)
        with pytest.raises(Problem) as nowhere:
            policy.require_somewhere(reader, "thing.admin")
    assert (hidden.value.status, refused.value.status, nowhere.value.status) == (404, 403, 403)


def test_a_request_checks_its_own_service_s_actions_only(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy, "_adopted", Actions())  # this process's, restored after
    policy.adopt(Actions.declare({"elsewhere.read": ["reader"]}))  # another service's
    reader = caller(Grant("reader", "national"))
    assert policy.allows(reader, "elsewhere.read")  # outside a request: the process's
    with app.app_context(), pytest.raises(UndeclaredAction):
        policy.allows(reader, "elsewhere.read")
