"""Identity's word on its users, in every service: a deactivated account, or a withdrawn role,
stops working as soon as the service has heard of it (docs/decisions/0010).

Access tokens are verified offline and live 15 minutes (decision 0007), so without this a
deactivated user could go on writing for that long. Identity tells every service when a user
is deactivated, reactivated or has its roles changed (``identity.user.*``, each carrying the
roles the user now holds; read through their dataclasses in contracts.identity); ``record``
keeps one row per such user in the kit's table
``principal_states``, and ``refusal`` is what kit.app asks after a token's signature checks
out: one primary-key lookup. Identity records its own events in the transaction that emits
them, so there the refusal is immediate; elsewhere it follows the bus (well under a second).

The rules, for a token of a user with a row:

- the user is deactivated: refused;
- the token was issued before the user's latest deactivation: refused, even once reactivated
  (it may be a thief's); a token signed after the reactivation works;
- the token was issued before the latest roles change we know of and carries a role, in
  force today, that the user no longer holds in force today in that scope: refused, so the
  client refreshes and gets a token with its current roles. A token issued after our latest
  news knows more than we do (a role granted a moment ago) and is trusted.

A user identity never told us about has no row: its tokens are only as good as their
signature, as before. Events of one user may arrive out of order (parallel consumers,
retries) or more than once (replays): ``active`` and ``roles`` are each replaced only by
newer news and ``not_before`` only moves forward, so any set of these events, applied in any
order and any number of times, leaves the same row. Each change is a conditional UPDATE, so
two consumers applying events of one user at once cannot undo each other's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts.identity import UserDeactivated, UserReactivated, UserRolesChanged
from kit import dates
from kit.auth import Grant, Principal
from kit.events.consumer import Handler
from kit.events.envelope import CloudEvent
from kit.events.tables import principal_states

__all__ = [
    "ACCOUNT_DEACTIVATED",
    "EVENT_TYPES",
    "ISSUED_BEFORE_DEACTIVATION",
    "ROLE_WITHDRAWN",
    "record",
    "refusal",
    "subscriptions",
]

NEWS = {event.TYPE: event for event in (UserDeactivated, UserReactivated, UserRolesChanged)}
EVENT_TYPES = tuple(NEWS)

ACCOUNT_DEACTIVATED = (
    "Tài khoản đã bị vô hiệu hóa; mã truy cập này không còn được chấp nhận.",
    "The account has been deactivated; this access token is no longer accepted.",
)
ISSUED_BEFORE_DEACTIVATION = (
    "Mã truy cập được cấp trước khi tài khoản bị vô hiệu hóa; hãy đăng nhập lại.",
    "This access token was issued before the account was deactivated; sign in again.",
)
ROLE_WITHDRAWN = (
    "Một vai trò trong mã truy cập đã bị thu hồi; hãy làm mới mã truy cập hoặc đăng nhập lại.",
    "A role this access token carries has been withdrawn; refresh the token or sign in again.",
)

_EPOCH = datetime.fromtimestamp(0, UTC)


def record(session: Session, event: CloudEvent) -> None:
    """Apply one ``identity.user.*`` event (deactivated, reactivated, roles_changed)."""
    kind = NEWS.get(event.type)
    if kind is None:
        return
    news = kind.from_data(event.data)
    at = datetime.fromisoformat(event.time).astimezone(UTC)
    user_id = news.user_id
    roles = [grant.to_data() for grant in news.roles]  # as in tokens' roles claim
    columns = principal_states.c
    this_user = columns.user_id == user_id
    if session.execute(select(columns.user_id).where(this_user)).first() is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(principal_states).values(
                        user_id=user_id, active=True, roles=roles, roles_at=at
                    )
                )
        except IntegrityError:
            pass  # a concurrent consumer created the row a moment ago; update it below
    session.execute(
        update(principal_states)
        .where(this_user, columns.roles_at < at)
        .values(roles=roles, roles_at=at)
    )
    if isinstance(news, UserDeactivated | UserReactivated):
        session.execute(
            update(principal_states)
            .where(this_user, or_(columns.active_at.is_(None), columns.active_at < at))
            .values(active=isinstance(news, UserReactivated), active_at=at)
        )
    if isinstance(news, UserDeactivated):
        session.execute(
            update(principal_states)
            .where(this_user, or_(columns.not_before.is_(None), columns.not_before < at))
            .values(not_before=at)
        )


def subscriptions() -> dict[str, Handler]:
    """The handlers every service subscribes to (merge into its ``SUBSCRIPTIONS``)."""
    return dict.fromkeys(EVENT_TYPES, record)


def refusal(session: Session, principal: Principal) -> tuple[str, str] | None:
    """Why identity's latest word refuses this token (Vietnamese, English), or None."""
    if principal.kind != "user":
        return None
    row = session.execute(
        select(principal_states).where(principal_states.c.user_id == principal.subject)
    ).first()
    if row is None:
        return None
    issued = principal.issued_at or _EPOCH  # a token that does not say is the oldest
    if not row.active:
        return ACCOUNT_DEACTIVATED
    if row.not_before is not None and issued < row.not_before:
        return ISSUED_BEFORE_DEACTIVATION
    if issued <= row.roles_at:
        today = dates.today()
        held = {_role(g) for g in map(Grant.from_claim, row.roles) if g.in_force(today)}
        if any(_role(g) not in held for g in principal.grants_on(today)):
            return ROLE_WITHDRAWN
    return None


def _role(grant: Grant) -> tuple[str, str, str | None]:
    """A grant as the role it gives where: its period is checked on its own (``in_force``)."""
    return grant.role, grant.scope, grant.scope_id
