"""Users, their roles and their lockouts.

Who may see and change which user is decided per object in domain/users.py (kit.policy):
a user the caller may not read answers 404, as if it did not exist; one it may read but not
change answers 403. Refused changes are written to the audit log (outcome ``denied``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kit.app import database, principal
from kit.errors import Conflict
from kit.pagination import PageArgs
from services.identity.domain import audit, lockout
from services.identity.domain import users as domain
from services.identity.models import RoleAssignment, User
from services.identity.schemas_users import (
    LockoutPage,
    PasswordIn,
    RoleAssignmentSchema,
    RoleIn,
    UserArgs,
    UserDetailSchema,
    UserIn,
    UserPage,
    UserPatch,
)

blueprint = Blueprint(
    "users",
    __name__,
    description="Users, their roles and lockouts (system and unit administrators)",
)


@contextmanager
def changing() -> Iterator[Session]:
    """A write transaction; a refused change is audited as ``denied`` in a transaction of its
    own, after the change's transaction has rolled back."""
    try:
        with database().transaction() as session:
            yield session
    except domain.Denied as denied:
        with database().transaction() as session:
            audit.record(
                session,
                denied.action,
                actor_id=principal().subject,
                outcome="denied",
                target_type=denied.target_type,
                target_id=denied.target_id,
                status=denied.status,
                **denied.details,
            )
        raise


class Detail:
    """A user with its lockout state, for UserDetailSchema."""

    def __init__(self, user: User, state: lockout.State) -> None:
        self._user = user
        self.lockout = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)


def _detail(session: Session, user: User) -> Detail:
    return Detail(user, lockout.state(session, user.username))


@blueprint.route("/users", methods=["POST"])
@blueprint.arguments(UserIn)
@blueprint.response(201, UserDetailSchema)
def create_user(payload: dict[str, Any]) -> Detail:
    """Create a user of a unit (system admin: any unit; unit admin: its own)."""
    try:
        with changing() as session:
            user = domain.create_user(session, principal(), **payload)
            return _detail(session, user)
    except IntegrityError:  # the same username created concurrently
        taken = ("Tên đăng nhập đã được dùng.", "The username is taken.")
        raise Conflict(taken) from None


@blueprint.route("/users", methods=["GET"])
@blueprint.arguments(UserArgs, location="query")
@blueprint.response(200, UserPage)
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """The users the caller may see, by username; ``q`` searches username, name and e-mail."""
    with database().read() as session:
        return domain.list_users(
            session,
            principal(),
            args.get("unit_id"),
            q=args.get("q"),
            page=args["page"],
            page_size=args["page_size"],
        )


@blueprint.route("/users/<user_id>", methods=["GET"])
@blueprint.response(200, UserDetailSchema)
def get_user(user_id: str) -> Detail:
    """A user with its roles (revoked ones included) and its lockout state."""
    with database().read() as session:
        return _detail(session, domain.get_visible_user(session, principal(), user_id))


@blueprint.route("/users/<user_id>", methods=["PATCH"])
@blueprint.arguments(UserPatch)
@blueprint.response(200, UserDetailSchema)
def update_user(payload: dict[str, Any], user_id: str) -> Detail:
    """Change the full name or the e-mail address."""
    with changing() as session:
        return _detail(session, domain.update_user(session, principal(), user_id, payload))


@blueprint.route("/users/<user_id>/deactivate", methods=["POST"])
@blueprint.response(200, UserDetailSchema)
def deactivate_user(user_id: str) -> Detail:
    """The user can no longer sign in or refresh its tokens (409 for oneself)."""
    with changing() as session:
        return _detail(session, domain.deactivate(session, principal(), user_id))


@blueprint.route("/users/<user_id>/reactivate", methods=["POST"])
@blueprint.response(200, UserDetailSchema)
def reactivate_user(user_id: str) -> Detail:
    with changing() as session:
        return _detail(session, domain.reactivate(session, principal(), user_id))


@blueprint.route("/users/<user_id>/password", methods=["PUT"])
@blueprint.arguments(PasswordIn)
@blueprint.response(204)
def set_password(payload: dict[str, Any], user_id: str) -> None:
    """An administrator sets another user's password and ends that user's sessions.

    Your own password is changed through /me (it asks for the current one): 409 here.
    """
    if principal().subject == user_id:
        raise Conflict(
            (
                "Hãy đổi mật khẩu của chính mình ở /me/password.",
                "Change your own password at /me/password.",
            )
        )
    with changing() as session:
        domain.set_password(session, principal(), user_id, payload["password"])


@blueprint.route("/users/<user_id>/roles", methods=["POST"])
@blueprint.arguments(RoleIn)
@blueprint.response(201, RoleAssignmentSchema)
def assign_role(payload: dict[str, Any], user_id: str) -> RoleAssignment:
    """Grant a role in a scope for a period.

    A unit admin may grant only unit_officer and unit_admin, in its own unit (403 otherwise);
    a scope the role is never granted in, or an unknown unit or region, is a 422.
    """
    with changing() as session:
        return domain.assign_role(session, principal(), user_id, **payload)


@blueprint.route("/users/<user_id>/roles/<assignment_id>", methods=["DELETE"])
@blueprint.response(204)
def revoke_role(user_id: str, assignment_id: str) -> None:
    """End a role assignment now; it stays in the user's history with who revoked it."""
    with changing() as session:
        domain.revoke_role(session, principal(), user_id, assignment_id)


@blueprint.route("/users/<user_id>/unlock", methods=["POST"])
@blueprint.response(200, UserDetailSchema)
def unlock_user(user_id: str) -> Detail:
    """Clear the user's failed sign-ins, delay and lock."""
    with changing() as session:
        domain.unlock(session, principal(), user_id)
        return _detail(session, domain.get_visible_user(session, principal(), user_id))


@blueprint.route("/lockouts", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, LockoutPage)
def list_lockouts(args: dict[str, int]) -> dict[str, Any]:
    """Accounts and source addresses blocked right now.

    System admins see all; unit admins only their units' accounts (no addresses); 403 for
    everyone else.
    """
    with database().read() as session:
        return domain.list_lockouts(
            session, principal(), page=args["page"], page_size=args["page_size"]
        )
