"""A unit officer deactivated in identity can no longer save a sheet entry here, once scoring's
consumer has taken ``identity.user.deactivated`` (kit.principals, decision 0010). Both stacks.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from kit.auth import Grant
from kit.events import CloudEvent
from services.scoring.tests.test_workflow import EXAMPLE, Scoring, open_round
from tests.support.stack import Stack
from tests.support.tokens import bearer, mint

USER = "8d1e2f3a-4b5c-4d6e-8f70-1a2b3c4d5e6f"
OFFICER = Grant("unit_officer", "unit", "stp-01", valid_from=date(2020, 1, 1))


@pytest.fixture
def scoring(stack: Stack) -> Scoring:
    fed = Scoring(stack)
    fed.feed()
    return fed


def deactivated(at: float) -> CloudEvent:
    return CloudEvent(
        type="identity.user.deactivated",
        source="/thidua/identity",
        subject=f"user/{USER}",
        time=datetime.fromtimestamp(at, UTC).isoformat(timespec="microseconds"),
        data={
            "schema_version": 1,
            "user_id": USER,
            "unit_id": "stp-01",
            "username": "stp.hanoi.thu",
            "roles": [OFFICER.as_claim()],
        },
    )


def test_a_deactivated_officer_cannot_save_a_sheet_entry(scoring: Scoring) -> None:
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    officer = bearer(mint(USER, unit="stp-01", grants=(OFFICER,), iat=int(time.time()) - 60))
    sheet = scoring.sheet_of(round_id, "stp-01", officer)
    entry = sheet["entries"][0]
    inputs = EXAMPLE["sheet"]["entries"][entry["code"]]

    def save(etag: str) -> int:
        return scoring.client.put(
            f"/sheets/{sheet['id']}/entries/{entry['code']}",
            json={"inputs": inputs},
            headers={**officer, "If-Match": etag},
        ).status_code

    assert save(entry["etag"]) == 200
    before = scoring.get(sheet["id"], officer)

    assert scoring.consumer.apply(deactivated(time.time()))

    assert save("*") == 401
    assert scoring.client.get(f"/sheets/{sheet['id']}", headers=officer).status_code == 401
    assert scoring.get(sheet["id"], bearer(mint(grants=(OFFICER,))))["etag"] == before["etag"]
