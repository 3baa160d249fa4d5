"""Another unit's officer and another region's lead learn nothing of a file, a registration
or an acclamation (404 on every endpoint, nothing in lists); those who may read but not
change get 403 (the auditor, the region's own lead, a unit officer asked to decide)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from services.awards.tests.seed import OTHER_REGION, REGION, move, new_file, seeded, with_etag
from tests.support.stack import Stack
from tests.support.tokens import as_role, unit_officer

UNIT = unit_officer("stp-01")
OTHER_UNIT = unit_officer("stp-79-2025")
OTHER_LEAD = as_role("region_lead", "region", OTHER_REGION, unit="stp-03")
OWN_LEAD = as_role("region_lead", "region", REGION, unit="stp-01")
AUDITOR = as_role("auditor")
PDF = b"%PDF-1.4\n%%EOF\n"

Call = Callable[[Any, dict[str, str]], Any]


def file_calls(file_id: str, etag: str, registration_id: int) -> dict[str, Call]:
    """Every endpoint of one file (and the unit's registrations), as ``call(client, headers)``."""
    base = f"/nominations/{file_id}"

    def h(headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "If-Match": etag}

    def multipart(path: str, content: bytes, method: str = "put") -> Call:
        return lambda c, hd: getattr(c, method)(
            path,
            data={"file": (io.BytesIO(content), "f.pdf")},
            headers=h(hd),
            content_type="multipart/form-data",
        )

    return {
        "GET file": lambda c, hd: c.get(base, headers=hd),
        "PATCH file": lambda c, hd: c.patch(base, json={"title": "X"}, headers=h(hd)),
        "POST nominees": lambda c, hd: c.post(
            f"{base}/nominees", json={"subjects": ["cb-027-0025"]}, headers=h(hd)
        ),
        "POST import": multipart(f"{base}/nominees/import", b"PK", "post"),
        "PATCH nominee": lambda c, hd: c.patch(
            f"{base}/nominees/cb-027-0001", json={"report_summary": "x"}, headers=h(hd)
        ),
        "DELETE nominee": lambda c, hd: c.delete(f"{base}/nominees/cb-027-0001", headers=h(hd)),
        "PUT report": multipart(f"{base}/nominees/cb-027-0001/report", PDF),
        "GET report": lambda c, hd: c.get(f"{base}/nominees/cb-027-0001/report", headers=hd),
        "PUT cover": multipart(f"{base}/cover-letter", PDF),
        "GET cover": lambda c, hd: c.get(f"{base}/cover-letter", headers=hd),
        "POST move": lambda c, hd: c.post(f"{base}/moves", json={"to": "withdrawn"}, headers=h(hd)),
        "GET registrations": lambda c, hd: c.get("/registrations?unit=stp-01", headers=hd),
        "POST registration": lambda c, hd: c.post(
            "/registrations",
            json={"unit": "stp-01", "year": 2024, "award": "LDTT", "subject": "cb-027-0025"},
            headers=hd,
        ),
        "DELETE registration": lambda c, hd: c.delete(
            f"/registrations/{registration_id}", headers=hd
        ),
        "POST file": lambda c, hd: c.post(
            "/nominations",
            json={
                "kind": "cong-trang",
                "award": "LDTT",
                "year": 2024,
                "unit": "stp-01",
                "title": "X",
            },
            headers=hd,
        ),
    }


READS = {"GET file", "GET report", "GET cover", "GET registrations"}


def prepared(stack: Stack) -> tuple[Any, str, str, int]:
    _, client = seeded(stack)
    made = client.post(
        "/registrations",
        json={"unit": "stp-01", "year": 2024, "award": "LDTT", "subject": "cb-027-0001"},
        headers=UNIT,
    )
    answer = new_file(client, UNIT, subjects=("cb-027-0001",))
    file_id = answer.get_json()["nomination_id"]
    answer = client.put(
        f"/nominations/{file_id}/nominees/cb-027-0001/report",
        data={"file": (io.BytesIO(PDF), "r.pdf")},
        headers=with_etag(UNIT, answer),
        content_type="multipart/form-data",
    )
    answer = client.put(
        f"/nominations/{file_id}/cover-letter",
        data={"file": (io.BytesIO(PDF), "t.pdf")},
        headers=with_etag(UNIT, answer),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200
    return client, file_id, answer.headers["ETag"], made.get_json()["id"]


def test_strangers_get_404_on_every_endpoint(stack: Stack) -> None:
    client, file_id, etag, registration_id = prepared(stack)
    for who, headers in (("another unit", OTHER_UNIT), ("another region's lead", OTHER_LEAD)):
        for name, call in file_calls(file_id, etag, registration_id).items():
            answer = call(client, headers)
            assert answer.status_code == 404, (who, name, answer.status_code, answer.get_json())
        assert client.get("/nominations", headers=headers).get_json()["total"] == 0, who
    assert client.get(f"/nominations/{file_id}", headers=UNIT).headers["ETag"] == etag


def test_readers_who_may_not_change_get_403(stack: Stack) -> None:
    client, file_id, etag, registration_id = prepared(stack)
    for who, headers in (("auditor", AUDITOR), ("the region's lead", OWN_LEAD)):
        for name, call in file_calls(file_id, etag, registration_id).items():
            answer = call(client, headers)
            expected = 200 if name in READS else 403
            assert answer.status_code == expected, (who, name, answer.status_code)
        assert client.get("/nominations", headers=headers).get_json()["total"] == 1, who
    assert client.get(f"/nominations/{file_id}", headers=UNIT).headers["ETag"] == etag


def test_a_unit_officer_cannot_decide_on_its_own_file(stack: Stack) -> None:
    client, file_id, _, _ = prepared(stack)
    submitted = move(client, UNIT, client.get(f"/nominations/{file_id}", headers=UNIT), "submitted")
    assert submitted.status_code == 200, submitted.get_json()
    for to in ("received", "returned"):
        refused = move(client, UNIT, submitted, to, "lý do")
        assert refused.status_code == 403, to
    assert client.get(f"/nominations/{file_id}", headers=UNIT).get_json()["state"] == "submitted"


def test_acclamations_are_unseen_outside_their_region(stack: Stack) -> None:
    _, client = seeded(stack)
    opened = client.post(
        "/acclamations",
        json={"region": REGION, "year": 2024, "award": "CO_NGANH", "candidate_unit": "stp-01"},
        headers=OWN_LEAD,
    )
    assert opened.status_code == 201
    url = f"/acclamations/{opened.get_json()['acclamation_id']}"
    outsider_admin = as_role("unit_admin", "unit", "stp-03", unit="stp-03")
    for who, headers in (("another region's lead", OTHER_LEAD), ("a non-member", outsider_admin)):
        assert client.get(url, headers=headers).status_code == 404, who
        assert (
            client.post(f"{url}/votes", json={"in_favour": True}, headers=headers).status_code
            == 404
        )
        assert client.post(f"{url}/close", headers=headers).status_code == 404, who
        assert client.patch(url, json={"nomination_id": "x"}, headers=headers).status_code == 404
        assert client.get("/acclamations", headers=headers).get_json()["total"] == 0, who
    opening = client.post(
        "/acclamations",
        json={"region": REGION, "year": 2024, "award": "CO_NGANH", "candidate_unit": "stp-01"},
        headers=OTHER_LEAD,
    )
    assert opening.status_code == 404
    # The auditor and the Ministry read; a member unit reads; none of them closes.
    for headers in (AUDITOR, unit_officer("stp-02")):
        assert client.get(url, headers=headers).status_code == 200
        assert client.post(f"{url}/close", headers=headers).status_code == 403
    assert client.get("/acclamations", headers=unit_officer("stp-02")).get_json()["total"] == 1
