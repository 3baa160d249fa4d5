"""What a caller gets from a service it reaches directly, not through the gateway.

The gateway is the only public entry, but a service does not rely on it: each enforces the
token's scopes as the gateway does, and marks its answers as the gateway's are marked (not to
be stored, not to be sniffed). Run on both stacks, through each service's real app.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from conftest import service_app
from kit.service import Service
from services.criteria.service import SERVICE as CRITERIA
from services.notify.service import SERVICE as NOTIFY
from tests.support.stack import Stack
from tests.support.tokens import bearer, ministry_officer, mint

PROBLEM = "application/problem+json"


def client_token(*scopes: str) -> dict[str, str]:
    """An API client's token (client_credentials), with these OAuth scopes."""
    return bearer(mint("reporting-app", kind="client", scope=" ".join(scopes)))


@pytest.fixture
def notify(stack: Stack) -> FlaskClient:
    return service_app(stack, NOTIFY).test_client()


@pytest.fixture
def criteria(stack: Stack) -> FlaskClient:
    return service_app(stack, CRITERIA).test_client()


# -- scopes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    # notify's feed: a path a client reads (an inbox is a person's, refused to every client)
    ("service", "path"),
    [(NOTIFY, "/feed"), (CRITERIA, "/tables")],
    ids=["notify", "criteria"],
)
def test_a_client_without_the_services_scope_is_refused_directly(
    stack: Stack, service: Service, path: str
) -> None:
    client = service_app(stack, service).test_client()
    name = service.name

    refused = client.get(path, headers={**client_token("awards:read"), "Accept-Language": "en"})

    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    body = refused.get_json()
    assert body["type"] == "urn:thidua:problem:forbidden"
    assert body["required_scope"] == f"{name}:read"
    assert f"{name}:read" in body["detail"]
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert f'scope="{name}:read"' in refused.headers["WWW-Authenticate"]

    assert client.get(path, headers=client_token(f"{name}:read")).status_code == 200
    assert client.get(path, headers=client_token(f"{name}:write")).status_code == 200
    assert client.get(path, headers=ministry_officer()).status_code == 200  # users: no scopes


def test_a_read_scope_does_not_write(criteria: FlaskClient) -> None:
    document = {"title": "x"}
    refused = criteria.post("/tables", json=document, headers=client_token("criteria:read"))
    assert refused.status_code == 403
    assert refused.get_json()["required_scope"] == "criteria:write"
    # With the write scope the request gets past the scope check (the policy decides next).
    passed = criteria.post("/tables", json=document, headers=client_token("criteria:write"))
    assert "required_scope" not in passed.get_json()


def test_public_routes_need_no_scope(notify: FlaskClient) -> None:
    for path in ("/healthz", "/openapi.json"):
        assert notify.get(path, headers=client_token("awards:read")).status_code == 200


# -- headers --------------------------------------------------------------------------------


def test_answers_to_a_token_are_not_stored_and_not_sniffed(criteria: FlaskClient) -> None:
    officer = ministry_officer()
    for path in ("/tables", "/tables/template.xlsx", "/tables/no-such-table"):
        response = criteria.get(path, headers=officer)
        assert response.status_code in (200, 404), path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert criteria.get("/tables/template.xlsx", headers=officer).mimetype.endswith(".sheet")

    # A refused token too: the problem is about this caller.
    refused = criteria.get("/tables", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["Cache-Control"] == "no-store"
    assert refused.headers["X-Content-Type-Options"] == "nosniff"


def test_public_answers_are_not_sniffed_either(notify: FlaskClient) -> None:
    for path in ("/healthz", "/openapi.json", "/no-such-path"):
        response = notify.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
