"""Users, their roles, and who may manage whom.

Authorisation goes through kit.policy, object by object. A user belongs to a unit, and the
policy's ``Target`` of a user is that unit:

- reading needs ``user.read`` reaching the user's unit (system_admin, ministry_officer and
  auditor nationally; unit_admin in its own unit). Anyone else is told the user does not exist
  (404): a unit officer of Hà Nội learns nothing about Hồ Chí Minh City's accounts.
- changing needs ``user.manage`` too (system_admin; unit_admin in its own unit). Who can read
  the user but not change it (ministry_officer, auditor) gets an honest 403.
- a manager below national level must also *outrank* the user: every role the user holds (not
  revoked, not ended) must be one it could grant itself, i.e. in ``UNIT_ADMIN_GRANTABLE`` and
  scoped to a unit it manages. Otherwise a unit admin could reset the password of a system
  administrator who happens to belong to its unit, and sign in as them. Refused with 403.
- granting or revoking a role: a national manager may grant any role; a unit admin only roles
  in ``UNIT_ADMIN_GRANTABLE``, scoped to a unit it manages. Asking for more is a 403: the
  request is well formed, the caller lacks the authority. A scope the role is never granted in
  (``ROLE_SCOPES``), or a unit or region that does not exist, is invalid input: 422.
- nobody grants or revokes their own roles, or deactivates themselves: 409.

Every change is written to the audit log in its own transaction and, where the platform needs
to know, told through an event in that same transaction. A refused change raises ``Denied``
(a kit.errors error carrying what to audit): the API records it with outcome ``denied`` in a
separate transaction, once the change's has rolled back.

Refusals are kit.errors (``NotFound``, ``Invalid``, ``Conflict``, ``Forbidden``); their messages
are (Vietnamese, English) pairs, said in the caller's language by the HTTP edge.

Usernames are stored lowercase (``[a-z0-9._-]{3,64}``), so lookups are case-insensitive. Days
are UTC days, like kit.policy's.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from contracts.identity import (
    RoleGrant,
    UserCreated,
    UserDeactivated,
    UserReactivated,
    UserRolesChanged,
    UserUpdated,
)
from contracts.roles import ROLE_SCOPES, ROLES
from kit import dates, principals
from kit.auth import Grant, Principal
from kit.db import utcnow
from kit.errors import Conflict, Error, Forbidden, Invalid, NotFound, Text
from kit.pagination import paginate
from kit.policy import NATIONAL, Target, allows, grants_for, require
from kit.text import search_words
from services.identity import events
from services.identity.actions import UNIT_ADMIN_GRANTABLE
from services.identity.domain import audit, lockout, passwords
from services.identity.models import (
    LoginThrottle,
    OrgUnit,
    RefreshToken,
    Region,
    RoleAssignment,
    User,
)

UserEvent = type[UserCreated | UserDeactivated | UserReactivated | UserRolesChanged | UserUpdated]

USERNAME = re.compile(r"\A[a-z0-9._-]{3,64}\Z")
SCOPES = ("national", "unit", "region")


def today() -> date:
    """Viet Nam's day: roles and units are dated in the sector's calendar (kit.dates)."""
    return dates.today()


# -- problems ------------------------------------------------------------------------------


class Denied(Error):
    """A change refused by authorisation; ``action`` and the target say what to audit.

    It answers as the ``refusal`` it wraps would (its status, slug, detail and members).
    """

    def __init__(
        self,
        refusal: Error,
        action: str,
        target_type: str,
        target_id: str | None,
        **details: Any,
    ) -> None:
        super().__init__(refusal.detail, **refusal.extra)
        self.status, self.slug, self.headers = refusal.status, refusal.slug, refusal.headers
        self.action = action
        self.target_type = target_type
        self.target_id = target_id
        self.details = details


Messages = dict[str, list[Text]]


def not_found() -> NotFound:
    return NotFound(detail=("Không tìm thấy người dùng.", "No such user."))


OUTRANKED = (
    "Người dùng này giữ vai trò vượt quá quyền quản trị của bạn.",
    "This user holds roles beyond what you may administer.",
)


# -- who may do what -------------------------------------------------------------------------


def target(user: User) -> Target:
    return Target.of_unit(user.unit_id)


def _live_assignments(user: User, day: date) -> list[RoleAssignment]:
    """Assignments not revoked and not ended by ``day`` (current and future ones)."""
    return [
        a for a in user.roles if a.revoked_at is None and (a.valid_to is None or a.valid_to >= day)
    ]


def may_grant(actor: Principal, role: str, scope: str, scope_id: str | None) -> bool:
    """Whether ``actor`` may grant (or revoke) this role in this scope."""
    if allows(actor, "user.manage", NATIONAL):
        return True
    return (
        role in UNIT_ADMIN_GRANTABLE
        and scope == "unit"
        and scope_id is not None
        and allows(actor, "user.manage", Target.of_unit(scope_id))
    )


def outranks(actor: Principal, user: User) -> bool:
    """Whether every role ``user`` holds is one ``actor`` could grant."""
    return all(
        may_grant(actor, a.role, a.scope, a.scope_id) for a in _live_assignments(user, today())
    )


def get_visible_user(session: Session, actor: Principal, user_id: str) -> User:
    """The user, or 404 when there is none or the caller may not know of it."""
    user = session.get(User, user_id)
    if user is None or not allows(actor, "user.read", target(user)):
        raise not_found()
    return user


def _manageable(session: Session, actor: Principal, user_id: str, action: str) -> User:
    """The user, when ``actor`` may change it.

    404 when there is no such user; ``Denied`` (audited) with 404 when the caller may not know
    of it, with 403 when it may read it but not change it, or is outranked by it.
    """
    user = session.get(User, user_id)
    if user is None:
        raise not_found()
    try:
        require(actor, "user.read", target(user))
    except Error:
        raise Denied(not_found(), action, "user", user.id, reason="not_visible") from None
    try:
        require(actor, "user.manage", target(user), visible=True)
    except Error as refusal:
        raise Denied(refusal, action, "user", user.id, reason="not_permitted") from None
    if not outranks(actor, user):
        raise Denied(Forbidden(OUTRANKED), action, "user", user.id, reason="outranked")
    return user


def _refuse_self(actor: Principal, user: User, detail: tuple[str, str]) -> None:
    if actor.subject == user.id:
        raise Conflict(detail)


# -- reading ---------------------------------------------------------------------------------


def find_by_username(session: Session, username: str) -> User | None:
    """The user of that username, whatever its case (usernames are stored lowercase)."""
    return session.execute(
        select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()


def grants_of(user: User, on: date) -> list[Grant]:
    """The user's role assignments in force on ``on`` (not revoked), as token grants.

    Whether the user is active is not considered here: the token issuer checks that.
    """
    grants = [_grant(a) for a in user.roles if a.revoked_at is None]
    return [g for g in grants if g.in_force(on)]


def _grant(assignment: RoleAssignment) -> Grant:
    return Grant(
        role=assignment.role,
        scope=assignment.scope,
        scope_id=assignment.scope_id,
        valid_from=assignment.valid_from,
        valid_to=assignment.valid_to,
    )


def list_users(
    session: Session,
    actor: Principal,
    unit_id: str | None = None,
    *,
    q: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """A page of the users the caller may read, by username; 403 when it may read none.

    ``q`` matches when each of its words begins a word of the full name or is part of the
    username or e-mail address, whatever the case or diacritics ("tran" finds "Trần"): folded
    words against the stored ``full_name_search`` (kit.text.search_key), on any database.
    """
    grants = grants_for(actor, "user.read")
    if not grants:
        raise Forbidden()
    query = select(User).order_by(User.username)
    if not any(g.scope == "national" for g in grants):
        units = sorted({g.scope_id for g in grants if g.scope == "unit" and g.scope_id})
        query = query.where(User.unit_id.in_(units))
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    for word in search_words(q):
        query = query.where(
            or_(
                User.username.contains(word, autoescape=True),
                User.full_name_search.contains(f" {word}", autoescape=True),
                User.email.icontains(word, autoescape=True),
            )
        )
    return paginate(session, query, {"page": page, "page_size": page_size})


def list_lockouts(
    session: Session, actor: Principal, *, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """Accounts and addresses blocked now. A unit admin sees its units' accounts only."""
    grants = grants_for(actor, "user.manage")
    if not grants:
        raise Forbidden()
    query = lockout.blocked_query()
    if not any(g.scope == "national" for g in grants):
        units = sorted({g.scope_id for g in grants if g.scope == "unit" and g.scope_id})
        query = query.join(User, LoginThrottle.key == lockout.ACCOUNT_PREFIX + User.username).where(
            User.unit_id.in_(units)
        )
    result = paginate(session, query, {"page": page, "page_size": page_size})
    names = [
        row.key.removeprefix(lockout.ACCOUNT_PREFIX)
        for row in result["items"]
        if row.key.startswith(lockout.ACCOUNT_PREFIX)
    ]
    found = session.execute(select(User).where(User.username.in_(names))).scalars()
    known = {u.username: u for u in found}
    items = []
    for row in result["items"]:
        is_account = row.key.startswith(lockout.ACCOUNT_PREFIX)
        kind, _, name = row.key.partition(":")
        user = known.get(name) if is_account else None
        items.append(
            {
                "kind": kind,
                "key": name,
                "user_id": user.id if user else None,
                "unit_id": user.unit_id if user else None,
                "failures": row.failures,
                "last_failure_at": row.last_failure_at,
                "blocked_until": row.blocked_until,
                "locked": bool(row.locked) if is_account else False,
            }
        )
    return {**result, "items": items}


# -- changing users --------------------------------------------------------------------------


def _emit(session: Session, kind: UserEvent, user: User) -> None:
    """Tell everyone who the user is, where, and the roles it holds (no password material)."""
    roles = tuple(
        RoleGrant(
            role=a.role,
            scope=a.scope,
            scope_id=a.scope_id,
            valid_from=a.valid_from,
            valid_to=a.valid_to,
        )
        for a in _live_assignments(user, today())
    )
    news = kind(
        user_id=user.id,
        unit_id=user.unit_id,
        username=user.username,
        roles=roles,
        email=user.email,
    )
    event = events.publish(session, news)
    # Identity's own copy of what it tells the others, in this transaction: kit.app refuses a
    # deactivated user's token, or a withdrawn role, here at once (decision 0010).
    principals.record(session, event)


def unit_in_force(session: Session, unit_id: str | None) -> OrgUnit | None:
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    return unit if unit is not None and unit.exists_on(today()) else None


NO_UNIT = (
    "Đơn vị không tồn tại hoặc không còn hoạt động.",
    "The unit does not exist or is no longer in force.",
)


NO_NAME = ("Họ tên không được để trống.", "The full name is required.")


def _password_errors(password: str, username: str) -> Messages:
    violations = passwords.policy_violations(password, username)
    return {"password": violations} if violations else {}


def create_user(
    session: Session,
    actor: Principal,
    *,
    username: str,
    full_name: str,
    email: str | None,
    unit_id: str,
    password: str | None = None,
) -> User:
    """Create an active user of ``unit_id``; without a password it cannot sign in yet."""
    try:
        require(actor, "user.manage", Target.of_unit(unit_id), visible=True)
    except Error as refusal:
        raise Denied(refusal, "user.created", "unit", unit_id, username=username) from None
    name = username.strip().lower()
    errors: Messages = {}
    if not USERNAME.match(name):
        errors["username"] = [
            (
                "Tên đăng nhập gồm 3–64 ký tự a-z, 0-9, dấu chấm, gạch dưới, gạch ngang.",
                "A username is 3–64 characters of a-z, 0-9, dot, underscore and hyphen.",
            )
        ]
    if not full_name.strip():
        errors["full_name"] = [NO_NAME]
    if unit_in_force(session, unit_id) is None:
        errors["unit_id"] = [NO_UNIT]
    if password is not None:
        errors.update(_password_errors(password, name))
    if errors:
        raise Invalid(errors)
    if find_by_username(session, name) is not None:
        taken = ("Tên đăng nhập đã được dùng.", "The username is taken.")
        raise Conflict(taken, errors={"username": [taken]})
    now = utcnow()
    user = User(
        id=str(uuid.uuid4()),
        username=name,
        full_name=full_name.strip(),
        email=(email or "").strip() or None,
        unit_id=unit_id,
        password_hash=passwords.hash_password(password) if password is not None else None,
        is_active=True,
        created_at=now,
        password_changed_at=now if password is not None else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.created",
        actor_id=actor.subject,
        target_type="user",
        target_id=user.id,
        username=user.username,
        unit_id=user.unit_id,
        has_password=password is not None,
    )
    _emit(session, UserCreated, user)
    return user


def update_user(session: Session, actor: Principal, user_id: str, changes: dict[str, Any]) -> User:
    """Change the full name and/or e-mail address."""
    user = _manageable(session, actor, user_id, "user.updated")
    changed = []
    if "full_name" in changes:
        full_name = (changes["full_name"] or "").strip()
        if not full_name:
            raise Invalid({"full_name": [NO_NAME]})
        if full_name != user.full_name:
            user.full_name = full_name
            changed.append("full_name")
    if "email" in changes:
        email = (changes["email"] or "").strip() or None
        if email != user.email:
            user.email = email
            changed.append("email")
    if changed:
        audit.record(
            session,
            "user.updated",
            actor_id=actor.subject,
            target_type="user",
            target_id=user.id,
            fields=changed,
        )
        _emit(session, UserUpdated, user)  # notify e-mails the address identity has now
    return user


def deactivate(session: Session, actor: Principal, user_id: str) -> User:
    """Stop the user from signing in and end its sessions; idempotent.

    Its refresh tokens are revoked, not only refused while it is inactive: a reactivation
    must not bring back a session that may have been the reason for the deactivation.
    """
    user = _manageable(session, actor, user_id, "user.deactivated")
    _refuse_self(
        actor,
        user,
        ("Bạn không thể tự khóa tài khoản của mình.", "You cannot deactivate yourself."),
    )
    if not user.is_active:
        return user
    user.is_active = False
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record(
        session, "user.deactivated", actor_id=actor.subject, target_type="user", target_id=user.id
    )
    _emit(session, UserDeactivated, user)
    return user


def reactivate(session: Session, actor: Principal, user_id: str) -> User:
    """Let a deactivated user sign in again; idempotent."""
    user = _manageable(session, actor, user_id, "user.reactivated")
    if user.is_active:
        return user
    user.is_active = True
    audit.record(
        session, "user.reactivated", actor_id=actor.subject, target_type="user", target_id=user.id
    )
    _emit(session, UserReactivated, user)
    return user


def set_password(session: Session, actor: Principal, user_id: str, password: str) -> User:
    """Set the user's password (policy enforced: 422 with the reasons).

    An administrator setting another user's password also ends that user's sessions (its
    refresh tokens are revoked). ``actor`` may be the user itself: that is the self-service
    path, whose caller must have checked the current password first; the admin endpoint
    refuses it.
    """
    if actor.subject == user_id:
        user = session.get(User, user_id)
        if user is None:
            raise not_found()
    else:
        user = _manageable(session, actor, user_id, "user.password_set")
    errors = _password_errors(password, user.username)
    if errors:
        raise Invalid(errors)
    now = utcnow()
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    by_admin = actor.subject != user.id
    if by_admin:
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    audit.record(
        session,
        "user.password_set",
        actor_id=actor.subject,
        target_type="user",
        target_id=user.id,
        by_admin=by_admin,
    )
    return user


def unlock(session: Session, actor: Principal, user_id: str) -> bool:
    """Clear the user's failed logins, delay and lock; True when there was something to clear."""
    user = _manageable(session, actor, user_id, "lockout.unlocked")
    cleared = lockout.unlock(session, user.username)
    audit.record(
        session,
        "lockout.unlocked",
        actor_id=actor.subject,
        target_type="user",
        target_id=user.id,
        username=user.username,
        cleared=cleared,
    )
    return cleared


# -- roles -----------------------------------------------------------------------------------


def _scope_errors(session: Session, role: str, scope: str, scope_id: str | None) -> Messages:
    if role not in ROLES:
        return {"role": [(f"Vai trò không hợp lệ: {role}.", f"Unknown role: {role}.")]}
    allowed = ROLE_SCOPES[role]
    if scope not in allowed:
        names = ", ".join(sorted(allowed))
        return {
            "scope": [
                (
                    f"Vai trò {role} chỉ được cấp trong phạm vi: {names}.",
                    f"The role {role} is granted only in scope: {names}.",
                )
            ]
        }
    if scope == "national" and scope_id:
        return {
            "scope_id": [
                (
                    "Phạm vi toàn quốc không có mã phạm vi.",
                    "A national scope takes no scope_id.",
                )
            ]
        }
    if scope == "unit" and unit_in_force(session, scope_id) is None:
        return {"scope_id": [NO_UNIT]}
    if scope == "region" and (not scope_id or session.get(Region, scope_id) is None):
        return {
            "scope_id": [("Khu vực thi đua không tồn tại.", "The emulation region does not exist.")]
        }
    return {}


def assign_role(
    session: Session,
    actor: Principal,
    user_id: str,
    role: str,
    scope: str,
    scope_id: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> RoleAssignment:
    """Grant ``role`` in a scope for a period (from today, open-ended, unless said)."""
    user = _manageable(session, actor, user_id, "role.assigned")
    _refuse_self(
        actor,
        user,
        ("Bạn không thể tự cấp vai trò cho mình.", "You cannot grant yourself a role."),
    )
    scope_id = scope_id or None
    valid_from = valid_from or today()
    errors = _scope_errors(session, role, scope, scope_id)
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [
            (
                "Ngày kết thúc phải từ ngày bắt đầu trở đi.",
                "valid_to must not be before valid_from.",
            )
        ]
    elif valid_to is not None and valid_to < today():
        errors["valid_to"] = [("Ngày kết thúc đã qua.", "valid_to is in the past.")]
    if errors:
        raise Invalid(errors)
    if not may_grant(actor, role, scope, scope_id):
        raise Denied(
            Forbidden(
                (
                    f"Bạn không được cấp vai trò {role} trong phạm vi này.",
                    f"You may not grant the role {role} in this scope.",
                )
            ),
            "role.assigned",
            "user",
            user.id,
            role=role,
            scope=scope,
            scope_id=scope_id,
        )
    for held in _live_assignments(user, valid_from):
        same = (held.role, held.scope, held.scope_id) == (role, scope, scope_id)
        overlaps = valid_to is None or held.valid_from <= valid_to
        if same and overlaps:
            raise Conflict(
                (
                    "Người dùng đã có vai trò này trong phạm vi và thời gian đó.",
                    "The user already holds this role in this scope for that period.",
                ),
                assignment_id=held.id,
            )
    assignment = RoleAssignment(
        id=str(uuid.uuid4()),
        user=user,
        role=role,
        scope=scope,
        scope_id=scope_id,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by=actor.subject,
        granted_at=utcnow(),
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        "role.assigned",
        actor_id=actor.subject,
        target_type="user",
        target_id=user.id,
        assignment_id=assignment.id,
        **_grant(assignment).as_claim(),
    )
    _emit(session, UserRolesChanged, user)
    return assignment


def revoke_role(
    session: Session, actor: Principal, user_id: str, assignment_id: str
) -> RoleAssignment:
    """End an assignment now; the row stays, with who revoked it and when. Idempotent."""
    user = _manageable(session, actor, user_id, "role.revoked")
    assignment = session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != user.id:
        raise NotFound(("phân quyền", "role assignment"))
    _refuse_self(
        actor,
        user,
        ("Bạn không thể tự thu hồi vai trò của mình.", "You cannot revoke your own role."),
    )
    if not may_grant(actor, assignment.role, assignment.scope, assignment.scope_id):
        raise Denied(
            Forbidden(),
            "role.revoked",
            "user",
            user.id,
            assignment_id=assignment.id,
        )
    if assignment.revoked_at is not None:
        return assignment
    assignment.revoked_at = utcnow()
    assignment.revoked_by = actor.subject
    audit.record(
        session,
        "role.revoked",
        actor_id=actor.subject,
        target_type="user",
        target_id=user.id,
        assignment_id=assignment.id,
        **_grant(assignment).as_claim(),
    )
    _emit(session, UserRolesChanged, user)
    return assignment
