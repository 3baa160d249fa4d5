"""Each service's OpenAPI document says what the service returns: the members its problems
carry (``allowed`` on a 409, ``errors`` and ``issues`` on a 422 …), and points and totals as
the decimal strings they are. The problems are provoked through the real apps, on both stacks.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import service_app
from kit.service import Service
from services.awards.service import SERVICE as AWARDS
from services.criteria.service import SERVICE as CRITERIA
from services.identity.service import SERVICE as IDENTITY
from services.notify.service import SERVICE as NOTIFY
from services.scoring.api.results import Figures, RankingRow
from services.scoring.schemas import ComputationSchema, EntrySchema, SheetSummary
from services.scoring.service import SERVICE as SCORING
from tests.support.stack import Stack
from tests.support.tokens import bearer, ministry_officer, mint

ALL = [IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY]
SAMPLE = json.loads(
    (
        Path(__file__).resolve().parents[1] / "services/criteria/data/sample-criteria-table.json"
    ).read_text()
)
OFFICER = ministry_officer()
# Members every service's problems may carry, which its document must therefore declare.
MEMBERS = {
    "errors",
    "issues",
    "allowed",
    "status_now",
    "current_etag",
    "max_bytes",
    "required_scope",
    "checks",
    "error",
    "error_description",
}
JSON_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def problem_schema(client: FlaskClient) -> dict[str, Any]:
    return client.get("/openapi.json").get_json()["components"]["schemas"]["Problem"]


def assert_documented(body: dict[str, Any], schema: dict[str, Any]) -> None:
    """Every member of the problem is declared, with the type it has."""
    properties = schema["properties"]
    undeclared = set(body) - set(properties)
    assert not undeclared, f"returned but not in the OpenAPI document: {undeclared}"
    for name, value in body.items():
        declared = properties[name]
        if value is None:
            assert declared.get("nullable"), name
        elif "type" in declared:
            assert isinstance(value, JSON_TYPES[declared["type"]]), (name, value, declared)


@pytest.mark.parametrize("service", ALL, ids=lambda s: s.name)
def test_every_document_declares_the_problem_members(stack: Stack, service: Service) -> None:
    schema = problem_schema(service_app(stack, service).test_client())
    assert set(schema["properties"]) >= MEMBERS
    assert schema["properties"]["allowed"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": schema["properties"]["allowed"]["description"],
        "example": ["submit"],
    }
    issue = schema["properties"]["issues"]["items"]
    assert issue["$ref"].endswith("/Issue")


def test_the_problems_criteria_returns_are_the_ones_it_documents(stack: Stack) -> None:
    client = service_app(stack, CRITERIA).test_client()
    schema = problem_schema(client)
    body = {"year": 2024, "unit_kind": "so-tu-phap", "document": SAMPLE}

    draft = client.post("/tables", headers=OFFICER, json=body)
    assert draft.status_code == 201, draft.get_json()
    table = draft.get_json()["id"]
    stale = client.put(
        f"/tables/{table}", headers={**OFFICER, "If-Match": 'W/"x-0"'}, json={"document": SAMPLE}
    )
    assert client.post(f"/tables/{table}/publish", headers=OFFICER, json={}).status_code == 200
    conflict = client.post(f"/tables/{table}/publish", headers=OFFICER, json={})
    broken = copy.deepcopy(SAMPLE)
    broken["parts"][0]["children"][0]["children"][0]["max_points"] = 7
    invalid = client.post("/tables", headers=OFFICER, json={**body, "document": broken})
    unknown = client.post("/tables", headers=OFFICER, json={**body, "colour": "red"})
    scope = client.get("/tables", headers=bearer(mint("app", kind="client", scope="awards:read")))
    too_large = client.post(
        "/tables", headers=OFFICER, data=b"[" * (2 * 1024 * 1024), content_type="application/json"
    )

    expected = [
        (stale, 412, "current_etag"),
        (conflict, 409, "allowed"),
        (invalid, 422, "issues"),
        (unknown, 422, "errors"),
        (scope, 403, "required_scope"),
        (too_large, 413, "max_bytes"),
    ]
    for response, status, member in expected:
        problem = response.get_json()
        assert response.status_code == status, problem
        assert member in problem, (status, problem)
        assert_documented(problem, schema)
    assert conflict.get_json()["allowed"] == ["amend", "clone"]


def test_points_are_documented_as_the_decimal_strings_they_are(stack: Stack) -> None:
    spec = service_app(stack, SCORING).test_client().get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    decimal = {"type": "string", "format": "decimal"}
    for schema, fields in (
        ("Entry", ("self_points", "review_points", "final_points")),
        ("Sheet", ("total",)),
        ("SheetSummary", ("total",)),
        ("Computation", ("total",)),
        ("RankingRow", ("total",)),
        ("Figures", ("mean", "median", "min", "max", "stddev")),
    ):
        for field in fields:
            documented = schemas[schema]["properties"][field]
            assert decimal.items() <= documented.items(), (schema, field, documented)
    # ... and strings are what the schemas write.
    entry = EntrySchema(only=("self_points",)).dump({"self_points": Decimal("1.50")})
    assert entry["self_points"] == "1.50"
    assert SheetSummary().dump({"total": Decimal("142.25")})["total"] == "142.25"
    assert ComputationSchema().dump({"total": Decimal("0.00")})["total"] == "0.00"
    assert RankingRow().dump({"total": "150.00"})["total"] == "150.00"
    assert Figures().dump({"mean": "75.50"})["mean"] == "75.50"
    # What a client sends may be a number: the points it proposes.
    assert schemas["PointsIn"]["properties"]["points"]["type"] == "number"


# Every write that answers 428 without If-Match (kit.preconditions), by service.
IF_MATCH_WRITES = [
    (CRITERIA, [("put", "/tables/{table_id}")]),
    (
        SCORING,
        [
            ("put", "/sheets/{sheet_id}/entries/{code}"),
            ("put", "/sheets/{sheet_id}/counts"),
            ("post", "/sheets/{sheet_id}/submit"),
            ("post", "/sheets/{sheet_id}/entries/{code}/review"),
            ("post", "/sheets/{sheet_id}/return"),
            ("post", "/sheets/{sheet_id}/reviewed"),
            ("post", "/sheets/{sheet_id}/entries/{code}/appraisal"),
            ("post", "/sheets/{sheet_id}/finalise"),
        ],
    ),
]


@pytest.mark.parametrize(("service", "writes"), IF_MATCH_WRITES, ids=["criteria", "scoring"])
def test_writes_that_need_if_match_say_so(
    stack: Stack, service: Service, writes: list[tuple[str, str]]
) -> None:
    """A client generated from the document can make these calls: the header is declared
    required, and the 412 and 428 it may get are listed."""
    client = service_app(stack, service).test_client()
    paths = client.get("/openapi.json").get_json()["paths"]
    for method, path in writes:
        operation = paths[path][method]
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert [(h["name"], h["required"]) for h in headers] == [("If-Match", True)], path
        assert {"412", "428"} <= set(operation["responses"]), path
