"""The merged OpenAPI document at /api/openapi.json."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from gateway.openapi import merge
from gateway.tests.conftest import MakeGateway, Servers

COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9._-]+$")


def documented_service(title: str, item_field: str) -> Flask:
    """A small flask-smorest app, like the services: its own ``Item`` schema and pages."""

    # Each service has its own, different, schema called Item.
    Item = Schema.from_dict(
        {"id": fields.Integer(), "name": fields.String(required=True), item_field: fields.String()},
        name="Item",
    )

    class ItemPage(Schema):
        items = fields.List(fields.Nested(Item))
        total = fields.Integer()

    blueprint = Blueprint("items", __name__, description="Items of " + title)

    @blueprint.route("/items")
    class Items(MethodView):
        @blueprint.response(200, ItemPage)
        def get(self) -> dict[str, Any]:
            """List the items."""
            return {"items": [], "total": 0}

        @blueprint.arguments(Item)
        @blueprint.response(201, Item)
        def post(self, item: dict[str, Any]) -> dict[str, Any]:
            """Create an item."""
            return item

    @blueprint.route("/items/<int:item_id>")
    class OneItem(MethodView):
        @blueprint.response(200, Item)
        def get(self, item_id: int) -> dict[str, Any]:
            """One item."""
            return {"id": item_id, "name": "x"}

    @blueprint.route("/metrics")
    class Metrics(MethodView):
        def get(self) -> str:
            """Prometheus metrics, as every service has (the gateway does not forward them)."""
            return ""

    app = Flask(title)
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    Api(app).register_blueprint(blueprint)
    return app


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def assert_well_formed(document: dict[str, Any]) -> None:
    """Every reference points at something, and every component key is a legal one."""
    found = list(refs(document))
    assert found
    for ref in found:
        resolve(document, ref)
    for section in document["components"].values():
        for key in section:
            assert COMPONENT_KEY.match(key), key


def test_services_documents_are_merged_under_their_prefix(
    gateway: MakeGateway, servers: Servers
) -> None:
    identity = servers.start(documented_service("Identity", "email")).url
    criteria = servers.start(documented_service("Criteria", "weight")).url
    client = gateway({"identity": identity, "criteria": criteria})

    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.0.3"
    assert_well_formed(document)
    paths = document["paths"]
    for service in ("identity", "criteria"):
        assert f"/api/v1/{service}/items" in paths
        assert f"/api/v1/{service}/items/{{item_id}}" in paths
    assert "/items" not in paths
    assert {"/healthz", "/readyz", "/api/openapi.json", "/api/docs"} <= set(paths)
    assert not {"/metrics", "/api/v1/identity/metrics"} & set(paths), "not routed: not documented"

    schemas = document["components"]["schemas"]
    assert "email" in schemas["identity.Item"]["properties"]
    assert "weight" in schemas["criteria.Item"]["properties"]
    listing = paths["/api/v1/criteria/items"]["get"]
    page_ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = resolve(document, page_ref)
    assert resolve(document, page["properties"]["items"]["items"]["$ref"]) is not None
    assert page["properties"]["items"]["items"]["$ref"] == "#/components/schemas/criteria.Item"
    assert listing["tags"] == ["criteria.items"]
    assert {"name": "identity.items", "description": "Items of Identity"} in document["tags"]
    assert document["x-unavailable-services"] == ["scoring", "awards", "notify"]


def test_documents_are_cached_and_a_down_service_does_not_fail_the_document(
    gateway: MakeGateway, servers: Servers
) -> None:
    fetches: list[str] = []
    app = documented_service("Scoring", "points")

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        fetches.append(environ["PATH_INFO"])
        return app(environ, start_response)

    upstream = servers.start(counting)
    client = gateway({"scoring": upstream.url})

    first = client.get("/api/openapi.json").get_json()
    upstream.stop()
    second = client.get("/api/openapi.json").get_json()

    assert fetches == ["/openapi.json"]
    assert first == second
    assert "/api/v1/scoring/items" in second["paths"]
    assert set(second["x-unavailable-services"]) == {"identity", "criteria", "awards", "notify"}


def test_every_kind_of_reference_is_renamed_consistently() -> None:
    shared = {
        "openapi": "3.0.3",
        "security": [{"bearer": []}],
        "paths": {
            "/votes/{vote_id}": {
                "parameters": [{"$ref": "#/components/parameters/VoteId"}],
                "get": {
                    "operationId": "getVote",
                    "tags": ["votes"],
                    "responses": {
                        "200": {
                            "description": "A vote",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Vote"}
                                }
                            },
                        },
                        "404": {"$ref": "#/components/responses/Missing"},
                    },
                },
            },
            "/ballots/{vote_id}": {"$ref": "#/paths/~1votes~1{vote_id}"},
            "/votes": {"post": {"security": [], "responses": {"201": {"description": "Cast"}}}},
        },
        "components": {
            "schemas": {
                "Vote": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Yes"},
                        {"$ref": "#/components/schemas/No"},
                    ],
                    "discriminator": {
                        "propertyName": "kind",
                        "mapping": {"yes": "#/components/schemas/Yes", "no": "No"},
                    },
                },
                "Yes": {"type": "object"},
                "No": {"type": "object"},
                "Weird name/with space": {"type": "string"},
            },
            "parameters": {
                "VoteId": {"name": "vote_id", "in": "path", "required": True, "schema": {}}
            },
            "responses": {"Missing": {"description": "Not found"}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }

    document = merge({"awards": shared, "scoring": shared, "notify": None})

    assert_well_formed(document)
    for service in ("awards", "scoring"):
        vote = document["components"]["schemas"][f"{service}.Vote"]
        assert vote["discriminator"]["mapping"] == {
            "yes": f"#/components/schemas/{service}.Yes",
            "no": f"{service}.No",
        }
        assert f"{service}.Weird_name_with_space" in document["components"]["schemas"]
        get = document["paths"][f"/api/v1/{service}/votes/{{vote_id}}"]["get"]
        assert get["operationId"] == f"{service}.getVote"
        assert get["tags"] == [f"{service}.votes"]
        assert get["security"] == [{f"{service}.bearer": []}]
        schemes = document["components"]["securitySchemes"]
        assert schemes[f"{service}.bearer"] == {"type": "http", "scheme": "bearer"}
        post = document["paths"][f"/api/v1/{service}/votes"]["post"]
        assert post["security"] == []  # explicitly public stays public
        ballot = document["paths"][f"/api/v1/{service}/ballots/{{vote_id}}"]
        assert ballot["$ref"] == f"#/paths/~1api~1v1~1{service}~1votes~1{{vote_id}}"
    assert document["x-unavailable-services"] == ["notify"]
    assert "security" not in document
    assert shared["components"]["schemas"]["Vote"]["oneOf"][0]["$ref"] == (
        "#/components/schemas/Yes"
    )  # the cached service document is left as it was
