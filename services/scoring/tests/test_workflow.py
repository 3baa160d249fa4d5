"""A round from opening to final sheets, through the API, with the scoring worker's
computation checked against the worked example. Both stacks."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from conftest import service_app
from kit.app import database, runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from kit.events.tables import outbox
from services.scoring.service import SERVICE
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

DATA = Path(__file__).resolve().parents[3] / "services" / "criteria" / "data"
TABLE = json.loads((DATA / "sample-criteria-table.json").read_text())
EXAMPLE = json.loads((DATA / "sample-scoresheets.json").read_text())[0]
OFFICER = ministry_officer()
HANOI, HCM = unit_officer("stp-01"), unit_officer("stp-79-2025")
DELTA_LEAD = as_role("region_lead", "region", "2026-dong-bang-bac-bo", unit="stp-31-2025")


def event(type_: str, subject: str, data: dict) -> CloudEvent:
    return CloudEvent(
        type=type_, source="/thidua/test", subject=subject, data={"schema_version": 1, **data}
    )


class Scoring:
    def __init__(self, stack: Stack) -> None:
        self.app = service_app(stack, SERVICE)
        with self.app.app_context():
            self.consumer = Consumer(stack.settings("scoring"), runtime().db, SERVICE.subscriptions)
        self.client: FlaskClient = self.app.test_client()
        self.seen: set[str] = set()

    def feed(self) -> None:
        """The read models, as identity's and criteria's events would fill them."""
        self.consumer.apply(
            event(
                "criteria.table.published",
                "criteria-table/2026/so-tu-phap",
                {
                    "table_id": "table-2026-v1",
                    "year": 2026,
                    "unit_kind": "so-tu-phap",
                    "version": 1,
                    "supersedes_table_id": None,
                    "change_note": None,
                    "published_at": "2026-01-15T00:00:00+00:00",
                    "rules_version": "2024.1",
                    "methods": {},
                    "document": {**TABLE, "year": 2026},
                },
            )
        )
        for unit in ("stp-01", "stp-31-2025", "stp-79-2025"):
            self.consumer.apply(
                event(
                    "identity.org.created",
                    f"org-unit/{unit}",
                    {
                        "unit_id": unit,
                        "code": unit.upper(),
                        "kind": "so-tu-phap",
                        "name": f"Sở Tư pháp {unit}",
                        "parent_id": "bo-tu-phap",
                        "province_code": unit[4:6],
                        "valid_from": None,
                        "valid_to": None,
                        "successor_id": None,
                    },
                )
            )
        for region, members in (
            ("2026-dong-bang-bac-bo", ["stp-01", "stp-31-2025"]),
            ("2026-dong-nam-bo", ["stp-79-2025"]),
        ):
            self.consumer.apply(
                event(
                    "identity.region.membership_changed",
                    f"region/{region}",
                    {
                        "region_id": region,
                        "year": 2026,
                        "code": region[5:],
                        "name": region,
                        "lead_unit_id": members[-1],
                        "deputy_unit_ids": [],
                        "member_ids": members,
                        "added": members,
                        "removed": [],
                    },
                )
            )

    def work(self) -> int:
        """What the scoring workers do: handle the queued computations (and count them)."""
        with self.app.app_context(), database().read() as session:
            rows = session.execute(
                select(outbox.c.envelope)
                .where(outbox.c.type == "scoring.sheet.compute_requested")
                .order_by(outbox.c.id)
            ).scalars()
            jobs = [CloudEvent.from_json(r) for r in rows]
        done = 0
        for job in jobs:
            if job.id not in self.seen:
                self.seen.add(job.id)
                done += self.consumer.apply(job)
        return done

    def sheet_of(self, round_id: str, unit: str, headers: dict) -> dict:
        page = self.client.get(f"/rounds/{round_id}/sheets?page_size=200", headers=headers)
        [summary] = [s for s in page.get_json()["items"] if s["unit_id"] == unit]
        return self.get(summary["id"], headers)

    def get(self, sheet_id: str, headers: dict) -> dict:
        response = self.client.get(f"/sheets/{sheet_id}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return {**response.get_json(), "etag": response.headers["ETag"]}

    def phase(self, round_id: str, to: str) -> None:
        response = self.client.post(f"/rounds/{round_id}/phase", headers=OFFICER, json={"to": to})
        assert response.status_code == 200, response.get_json()


@pytest.fixture
def scoring(stack: Stack) -> Scoring:
    s = Scoring(stack)
    s.feed()
    return s


def open_round(scoring: Scoring) -> str:
    response = scoring.client.post(
        "/rounds",
        headers=OFFICER,
        json={
            "year": 2026,
            "unit_kind": "so-tu-phap",
            "name": "Chấm điểm thi đua năm 2026",
            "self_assessment_due": "2026-12-15T17:00:00+07:00",
            "review_due": "2026-12-25T17:00:00+07:00",
            "appraisal_due": "2027-01-10T17:00:00+07:00",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def fill(scoring: Scoring, sheet: dict, headers: dict) -> dict:
    for entry in sheet["entries"]:
        inputs = EXAMPLE["sheet"]["entries"][entry["code"]]
        response = scoring.client.put(
            f"/sheets/{sheet['id']}/entries/{entry['code']}",
            json={"inputs": inputs},
            headers={
                **headers,
                "If-Match": entry["etag"],
            },
        )
        assert response.status_code == 200, (entry["code"], response.get_json())
    current = scoring.get(sheet["id"], headers)
    counts = scoring.client.put(
        f"/sheets/{sheet['id']}/counts",
        headers={**headers, "If-Match": current["etag"]},
        json={
            "bonus": EXAMPLE["sheet"].get("bonus", {}),
            "deduction": EXAMPLE["sheet"].get("deduction", {}),
        },
    )
    assert counts.status_code == 200, counts.get_json()
    return scoring.get(sheet["id"], headers)


def move_to_amendment(scoring: Scoring, round_id: str) -> dict:
    """Criteria publishes 2026's version 2 (A.I.1's 60% band: 0.5 -> 0.75, 66.9% in the
    example) and the ministry moves the round to it; the changed criterion."""
    amended = json.loads(json.dumps({**TABLE, "year": 2026}))
    first = amended["parts"][0]["children"][0]["children"][0]
    first["method"]["bands"][-1]["points"] = 0.75
    scoring.consumer.apply(
        event(
            "criteria.table.published",
            "criteria-table/2026/so-tu-phap",
            {
                "table_id": "table-2026-v2",
                "year": 2026,
                "unit_kind": "so-tu-phap",
                "version": 2,
                "supersedes_table_id": "table-2026-v1",
                "change_note": "Sửa mức điểm A.I.1",
                "published_at": "2026-06-01T00:00:00+00:00",
                "rules_version": "2024.1",
                "methods": {},
                "document": amended,
            },
        )
    )
    moved = scoring.client.post(
        f"/rounds/{round_id}/table",
        headers=OFFICER,
        json={"table_id": "table-2026-v2", "reason": "QĐ sửa đổi"},
    )
    assert moved.status_code == 200, moved.get_json()
    return first


def test_a_round_opens_with_a_sheet_per_unit_and_every_criterion(scoring: Scoring) -> None:
    round_id = open_round(scoring)
    sheets = scoring.client.get(f"/rounds/{round_id}/sheets", headers=OFFICER).get_json()
    assert sheets["total"] == 3
    sheet = scoring.sheet_of(round_id, "stp-01", HANOI)
    assert len(sheet["entries"]) == len(EXAMPLE["sheet"]["entries"])
    assert sheet["region_id"] == "2026-dong-bang-bac-bo"
    # Another province's sheet does not exist for Hà Nội; its own list holds only its sheet.
    hcm = scoring.sheet_of(round_id, "stp-79-2025", OFFICER)
    assert scoring.client.get(f"/sheets/{hcm['id']}", headers=HANOI).status_code == 404
    mine = scoring.client.get(f"/rounds/{round_id}/sheets", headers=HANOI).get_json()
    assert [s["unit_id"] for s in mine["items"]] == ["stp-01"]
    assert scoring.client.post("/rounds", headers=HANOI, json={}).status_code in (403, 422)


def test_self_assessment_review_and_appraisal_end_in_the_worked_examples_total(
    scoring: Scoring,
) -> None:
    round_id = open_round(scoring)
    draft = scoring.sheet_of(round_id, "stp-01", HANOI)
    entry = draft["entries"][0]
    early = scoring.client.put(
        f"/sheets/{draft['id']}/entries/{entry['code']}",
        json={"inputs": EXAMPLE["sheet"]["entries"][entry["code"]]},
        headers={**HANOI, "If-Match": "*"},
    )
    assert early.status_code in (409, 412)  # the round has not opened self-assessment

    scoring.phase(round_id, "self_assessment")
    sheet = fill(scoring, draft, HANOI)
    assert all(e["self_points"] is not None for e in sheet["entries"])
    stale = scoring.client.post(
        f"/sheets/{sheet['id']}/submit", headers={**HANOI, "If-Match": draft["etag"]}
    )
    assert stale.status_code == 412
    submitted = scoring.client.post(
        f"/sheets/{sheet['id']}/submit", headers={**HANOI, "If-Match": sheet["etag"]}
    )
    assert submitted.status_code == 202, submitted.get_json()
    assert submitted.headers["Location"].endswith(f"/sheets/{sheet['id']}/computation")

    assert scoring.work() == 1
    assert scoring.work() == 0, "a job handled once is not handled again"
    computed = scoring.client.get(f"/sheets/{sheet['id']}/computation", headers=HANOI).get_json()
    assert computed["compute_status"] == "done"
    assert (computed["total"], computed["band"]) == (
        EXAMPLE["expected"]["total"],
        EXAMPLE["expected"]["band"],
    )

    again = scoring.client.post(
        f"/sheets/{sheet['id']}/submit", headers={**HANOI, "If-Match": submitted.headers["ETag"]}
    )
    assert again.status_code == 409 and again.get_json()["allowed"] == []

    scoring.phase(round_id, "region_review")
    hcm = scoring.sheet_of(round_id, "stp-79-2025", OFFICER)
    assert scoring.client.get(f"/sheets/{hcm['id']}", headers=DELTA_LEAD).status_code == 404
    code = sheet["entries"][0]["code"]
    reviewed = scoring.get(sheet["id"], DELTA_LEAD)
    returned = scoring.client.post(
        f"/sheets/{sheet['id']}/return",
        json={"reason": "Thiếu minh chứng mục A.I.1"},
        headers={**DELTA_LEAD, "If-Match": reviewed["etag"]},
    )
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    again = scoring.get(sheet["id"], HANOI)
    resubmitted = scoring.client.post(
        f"/sheets/{sheet['id']}/submit", headers={**HANOI, "If-Match": again["etag"]}
    )
    assert resubmitted.status_code == 202
    current = scoring.get(sheet["id"], DELTA_LEAD)
    proposal = scoring.client.post(
        f"/sheets/{sheet['id']}/entries/{code}/review",
        json={"points": "0.25", "reason": "Tỷ lệ thực tế thấp hơn"},
        headers={**DELTA_LEAD, "If-Match": current["etag"]},
    )
    assert proposal.status_code == 200, proposal.get_json()
    too_many = scoring.client.post(
        f"/sheets/{sheet['id']}/entries/{code}/review",
        json={"points": "99", "reason": "quá điểm chuẩn"},
        headers={**DELTA_LEAD, "If-Match": proposal.headers["ETag"]},
    )
    assert too_many.status_code == 422
    done = scoring.client.post(
        f"/sheets/{sheet['id']}/reviewed",
        headers={**DELTA_LEAD, "If-Match": proposal.headers["ETag"]},
    )
    assert done.status_code == 200 and done.get_json()["status"] == "reviewed"

    scoring.phase(round_id, "appraisal")
    current = scoring.get(sheet["id"], OFFICER)
    final_points = Decimal(EXAMPLE["expected"]["leaf_points"][code])
    appraised = scoring.client.post(
        f"/sheets/{sheet['id']}/entries/{code}/appraisal",
        json={"points": str(final_points), "reason": "Giữ điểm tự chấm sau thẩm định"},
        headers={**OFFICER, "If-Match": current["etag"]},
    )
    assert appraised.status_code == 200, appraised.get_json()
    final = scoring.client.post(
        f"/sheets/{sheet['id']}/finalise",
        headers={**OFFICER, "If-Match": appraised.headers["ETag"]},
    )
    assert final.status_code == 200 and final.get_json()["status"] == "final"
    scoring.work()
    computed = scoring.client.get(f"/sheets/{sheet['id']}/computation", headers=OFFICER).get_json()
    assert computed["total"] == EXAMPLE["expected"]["total"]

    history = scoring.client.get(
        f"/sheets/{sheet['id']}/history?page_size=200", headers=HANOI
    ).get_json()["items"]
    review = [h for h in history if h["stage"] == "review"]
    assert review[0]["reason"] == "Tỷ lệ thực tế thấp hơn" and review[0]["new"] == "0.25"
    statuses = [h["new"] for h in history if h["field"] == "status"]
    assert statuses == ["submitted", "returned", "submitted", "reviewed", "final"]
    with scoring.app.app_context(), database().read() as session:
        emitted = [json.loads(e) for e in session.execute(select(outbox.c.envelope)).scalars()]
    assert {e["type"] for e in emitted} >= {
        "scoring.sheet.submitted",
        "scoring.sheet.returned",
        "scoring.sheet.finalised",
        "scoring.round.phase_changed",
    }
    for envelope in emitted:
        assert_valid_event(envelope)


def test_phases_only_move_forward_one_step(scoring: Scoring) -> None:
    round_id = open_round(scoring)
    skip = scoring.client.post(
        f"/rounds/{round_id}/phase", headers=OFFICER, json={"to": "appraisal"}
    )
    assert skip.status_code == 409
    assert skip.get_json()["allowed"] == ["self_assessment"]
    refused = scoring.client.post(
        f"/rounds/{round_id}/phase", headers=HANOI, json={"to": "self_assessment"}
    )
    assert refused.status_code == 403


def test_a_double_click_on_submit_submits_once(
    scoring: Scoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two submissions sent with the same If-Match take turns on the sheet: the first is
    held inside its transaction until the second has been sent; the second then finds the
    sheet submitted (412), and the sheet has one history row and one event of it."""
    from services.scoring.domain import sheets

    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    sheet = fill(scoring, scoring.sheet_of(round_id, "stp-01", HANOI), HANOI)
    inside, go_on = threading.Event(), threading.Event()
    submit = sheets.submit

    def held_submit(*args: object) -> object:
        if not inside.is_set():
            inside.set()
            go_on.wait(10)
        return submit(*args)

    monkeypatch.setattr(sheets, "submit", held_submit)
    answers: list[int] = []

    def post() -> None:
        response = scoring.client.post(
            f"/sheets/{sheet['id']}/submit", headers={**HANOI, "If-Match": sheet["etag"]}
        )
        answers.append(response.status_code)

    first = threading.Thread(target=post)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=post)
    second.start()
    second.join(1)  # it waits for the first's lock (without it, it would be done by now)
    go_on.set()
    first.join(10)
    second.join(10)
    assert sorted(answers) == [202, 412]
    with scoring.app.app_context(), database().read() as session:
        submitted = session.execute(
            select(outbox.c.id).where(
                outbox.c.type == "scoring.sheet.submitted",
                outbox.c.subject == f"sheet/{sheet['id']}",
            )
        ).all()
    assert len(submitted) == 1


def test_moving_a_round_to_an_amendment_recomputes_submitted_sheets(scoring: Scoring) -> None:
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    sheet = fill(scoring, scoring.sheet_of(round_id, "stp-01", HANOI), HANOI)
    submitted = scoring.client.post(
        f"/sheets/{sheet['id']}/submit", headers={**HANOI, "If-Match": sheet["etag"]}
    )
    assert submitted.status_code == 202
    scoring.work()

    first = move_to_amendment(scoring, round_id)
    assert scoring.work() == 1
    computed = scoring.client.get(f"/sheets/{sheet['id']}/computation", headers=HANOI).get_json()
    expected = Decimal(EXAMPLE["expected"]["total"]) + Decimal("0.25")
    assert Decimal(computed["total"]) == expected
    entries = {e["code"]: e for e in scoring.get(sheet["id"], HANOI)["entries"]}
    assert entries[first["code"]]["self_points"] == "0.75"
