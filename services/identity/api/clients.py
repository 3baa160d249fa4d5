"""API clients of external systems (system administrators only; 403 for anyone else)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kit.app import database, principal
from kit.pagination import PageArgs
from services.identity.api.users import changing
from services.identity.domain import clients as domain
from services.identity.models import ApiClient
from services.identity.schemas_users import ClientCreatedSchema, ClientIn, ClientPage, ClientSchema

blueprint = Blueprint(
    "clients",
    __name__,
    url_prefix="/clients",
    description="API clients of external systems, for the client_credentials grant",
)


class Created:
    """A new client with its secret, for ClientCreatedSchema."""

    def __init__(self, client: ApiClient, secret: str) -> None:
        self._client = client
        self.client_secret = secret

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@blueprint.route("", methods=["POST"])
@blueprint.arguments(ClientIn)
@blueprint.response(201, ClientCreatedSchema)
def create_client(payload: dict[str, Any]) -> Created:
    """Register a client. The answer carries its secret: this once, never again."""
    with changing() as session:
        client, secret = domain.create_client(session, principal(), **payload)
        return Created(client, secret)


@blueprint.route("", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, ClientPage)
def list_clients(args: dict[str, int]) -> dict[str, Any]:
    with database().read() as session:
        return domain.list_clients(
            session, principal(), page=args["page"], page_size=args["page_size"]
        )


@blueprint.route("/<client_id>", methods=["GET"])
@blueprint.response(200, ClientSchema)
def get_client(client_id: str) -> ApiClient:
    with database().read() as session:
        return domain.get_client(session, principal(), client_id)


@blueprint.route("/<client_id>/deactivate", methods=["POST"])
@blueprint.response(200, ClientSchema)
def deactivate_client(client_id: str) -> ApiClient:
    """The client obtains no new tokens; tokens already issued run out within 15 minutes."""
    with changing() as session:
        return domain.deactivate_client(session, principal(), client_id)
