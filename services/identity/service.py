"""Identity, as the kit sees it."""

from pathlib import Path

from flask import Flask, g

from kit.app import database
from kit.errors import Unauthorized
from kit.service import Service
from services.identity.actions import ACTIONS
from services.identity.api import announcements, audit, clients, me, oauth, org, regions, users
from services.identity.domain import keys, tokens
from services.identity.models import Base
from services.identity.settings import IdentitySettings

SIGNED_OUT = ("Phiên đăng nhập đã kết thúc.", "This session has been signed out.")


def _refuse_revoked_tokens() -> None:
    """Identity honours logout at once: a signed-out access token is refused here."""
    caller = g.get("principal")
    if caller is None:
        return
    with database().read() as session:
        if tokens.is_revoked(session, caller.token_id):
            raise Unauthorized(SIGNED_OUT, code="invalid_token")  # as every other refused token


def _on_app(app: Flask) -> None:
    app.before_request(_refuse_revoked_tokens)
    with app.app_context():  # the JWKS has a key from the start, not from the first sign-in
        keys.publish_at_start(database())


SERVICE = Service(
    name="identity",
    title="Thi đua — Identity",
    description="Organisations, regions, users, roles and tokens; platform announcements.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=[
        announcements.blueprint,
        org.blueprint,
        regions.blueprint,
        oauth.blueprint,
        me.blueprint,
        users.blueprint,
        audit.blueprint,
        clients.blueprint,
    ],
    key_source=keys.DatabaseKeys,
    on_app=_on_app,
    settings=IdentitySettings,
    actions=ACTIONS,
)
