"""Quotas (what counts as used, per unit and per region), bonuses (rounding, the salary of the
day, awards without one), and loading a large unit's candidates in a handful of queries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from conftest import service_app
from kit.app import runtime
from kit.db import utcnow
from services.awards.domain import eligibility, registry_import
from services.awards.models import Nomination, Nominee
from services.awards.service import SERVICE
from services.awards.tests.seed import (
    REGION,
    deliver,
    import_sample_history,
    publish_sample_pack,
    region_event,
)
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer


def _app(stack: Stack) -> Flask:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    publish_sample_pack(client)
    import_sample_history(client)
    return app


def _nominate(app: Flask, unit: str, award: str, year: int, state: str, *subjects: str) -> str:
    nomination_id = str(uuid.uuid4())
    now = utcnow()
    with app.app_context(), runtime().db.transaction() as session:
        session.add(
            Nomination(
                nomination_id=nomination_id,
                unit_id=unit,
                kind="cong-trang",
                award_code=award,
                year=year,
                title="Hồ sơ",
                state=state,
                created_by="t",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        for position, subject in enumerate(subjects):
            session.add(
                Nominee(
                    nomination_id=nomination_id,
                    position=position,
                    subject_id=subject,
                    subject_kind="individual",
                    subject_name=subject,
                    added_from="manual",
                    added_by="t",
                    added_at=now,
                )
            )
    return nomination_id


def _quota(app: Flask, **scope: Any) -> dict[str, Any]:
    with app.app_context(), runtime().db.read() as session:
        return eligibility.quota(session, "CSTDCS", 2024, **scope)


def test_used_counts_holders_and_files_in_flight(stack: Stack) -> None:
    app = _app(stack)
    client = app.test_client()
    base = client.get(
        "/quotas",
        query_string={"award": "CSTDCS", "year": 2024, "unit": "stp-79-2025"},
        headers=unit_officer("stp-79-2025"),
    ).get_json()
    assert base["max"] == 2  # floor(0.15 × 14 LDTT holders)
    held = base["used"]
    # a draft and a withdrawn file count nothing; a submitted one counts its nominees once
    _nominate(app, "stp-79-2025", "CSTDCS", 2024, "draft", "cb-027-0000")
    _nominate(app, "stp-79-2025", "CSTDCS", 2024, "withdrawn", "cb-027-0002")
    assert _quota(app, unit_id="stp-79-2025")["used"] == held
    submitted = _nominate(app, "stp-79-2025", "CSTDCS", 2024, "submitted", "cb-027-0000")
    _nominate(app, "stp-79-2025", "CSTDCS", 2024, "returned", "cb-027-0000", "cb-027-0002")
    assert _quota(app, unit_id="stp-79-2025")["used"] == held + 2
    # another unit's files and another year's count nothing here
    _nominate(app, "stp-01", "CSTDCS", 2024, "received", "cb-027-0001")
    _nominate(app, "stp-79-2025", "CSTDCS", 2025, "received", "cb-027-0005")
    assert _quota(app, unit_id="stp-79-2025")["used"] == held + 2
    # plus: who is about to be submitted; excluding_nomination: the file being submitted
    assert _quota(app, unit_id="stp-79-2025", plus=["cb-027-0009"])["used"] == held + 3
    assert _quota(app, unit_id="stp-79-2025", excluding_nomination=submitted)["used"] == held + 2
    answer = client.get(
        "/quotas",
        query_string={"award": "CSTDCS", "year": 2024, "unit": "stp-79-2025"},
        headers=ministry_officer(),
    ).get_json()
    assert answer["used"] == held + 2 and answer["basis"]


def test_a_region_quota_and_awards_without_quota(stack: Stack) -> None:
    app = _app(stack)
    deliver(stack, app, region_event(REGION, 2024, "stp-01", ("stp-01", "stp-79-2025")))
    client = app.test_client()
    lead = as_role("region_lead", "region", REGION, unit="stp-01")
    region = client.get(
        "/quotas", query_string={"award": "CO_NGANH", "year": 2024, "region": REGION}, headers=lead
    )
    assert region.status_code == 200, region.get_json()
    assert region.get_json()["max"] == 1 and region.get_json()["region"] == REGION
    # a per-region quota asked for a unit says which scope it needs
    unit = client.get(
        "/quotas",
        query_string={"award": "CO_NGANH", "year": 2024, "unit": "stp-01"},
        headers=ministry_officer(),
    )
    assert unit.status_code == 422
    free = client.get(
        "/quotas",
        query_string={"award": "LDTT", "year": 2024, "unit": "stp-01"},
        headers=ministry_officer(),
    ).get_json()
    assert free["max"] is None and free["used"] > 0
    # another region's lead, another unit's officer: nothing there
    other = as_role("region_lead", "region", "2024-kv-khac", unit="stp-03")
    query = {"award": "CO_NGANH", "year": 2024, "region": REGION}
    assert client.get("/quotas", query_string=query, headers=other).status_code == 404
    assert (
        client.get("/quotas", query_string=query, headers=unit_officer("stp-03")).status_code == 404
    )
    # the region lead reads its members' candidates, not another region's
    candidates = client.get(
        "/eligibility/candidates",
        query_string={"award": "TTLDTT", "year": 2024, "region": REGION},
        headers=lead,
    ).get_json()
    assert {v["subject"] for v in candidates["items"]} == {"stp-01", "stp-79-2025"}


def test_bonuses(stack: Stack) -> None:
    app = _app(stack)
    client = app.test_client()
    officer = unit_officer("stp-01")

    def bonus(award: str, day: str) -> Any:
        return client.get(
            "/bonus", query_string={"award": award, "decided_on": day}, headers=officer
        )

    # 0.3 × 2,340,000 = 702,000, rounded up to 710,000; 0.3 × 1,800,000 = 540,000 exactly
    before, after = bonus("LDTT", "2024-06-30").get_json(), bonus("LDTT", "2024-07-01").get_json()
    assert (before["base_salary"], before["vnd"]) == (1800000, 540000)
    assert (after["base_salary"], after["vnd"]) == (2340000, 710000)
    assert after["multiple"] == 0.3 and after["rule_pack"]["version"] == 1 and after["basis"]
    no_bonus = bonus("KNC_TP", "2025-01-01")
    assert no_bonus.status_code == 409 and no_bonus.get_json()["code"] == "no_bonus"
    no_pack = bonus("LDTT", "2023-12-31")
    assert no_pack.status_code == 409 and no_pack.get_json()["code"] == "no_rule_pack"
    assert bonus("NOPE", "2025-01-01").status_code == 404
    assert bonus("LDTT", "2025-13-01").status_code == 422
    missing = client.get("/bonus", query_string={"award": "LDTT"}, headers=officer)
    assert missing.status_code == 422 and "decided_on" in json.dumps(missing.get_json())


@contextmanager
def _counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = runtime().db.engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_candidates_of_a_large_unit_take_a_handful_of_queries(stack: Stack) -> None:
    app = _app(stack)
    client = app.test_client()
    people = [
        {
            "id": f"big-{n:04d}",
            "full_name": f"Cán bộ {n:04d}",
            "gender": "nu" if n % 2 else "nam",
            "unit_id": "stp-big",
            "assessments": {"2024": "tot" if n % 3 else "hoan-thanh"},
        }
        for n in range(2000)
    ]
    awards = [
        {
            "recipient": p["id"],
            "award": "LDTT",
            "year": 2024,
            "decision": "QĐ",
            "decided_on": "2025-01-10",
        }
        for p in people[:1500]
    ]
    with app.app_context():
        with runtime().db.transaction() as session:
            registry_import.import_document(
                session, "t", {"people": people, "awards": awards}, allowed_units=None
            )
        with runtime().db.read() as session, _counted(app) as statements:
            found = eligibility.candidates(session, "CSTDCS", 2024, unit_id="stp-big")
            quota = eligibility.quota(session, "CSTDCS", 2024, unit_id="stp-big")
    assert len(found) == 2000 and quota["max"] == 225  # floor(0.15 × 1500)
    assert len(statements) <= 20, len(statements)
    page = client.get(
        "/eligibility/candidates",
        query_string={
            "award": "LDTT",
            "year": 2024,
            "unit": "stp-big",
            "page": 2,
            "page_size": 100,
        },
        headers=ministry_officer(),
    ).get_json()
    assert page["total"] == 2000 and len(page["items"]) == 100
