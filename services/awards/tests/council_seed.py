"""Seeding for the council's tests: the sample pack, units, forwarded files (written straight
into the database in the state the Ministry's forwarding leaves them: these tests are about
what the council does with them), a council with N members, and a session.

The sample pack's awards used: BK_BT (council, secret ballot, min_share 0.5), CSTD_BO
(min_share 0.9), CSTD_TQ (min_share 0.9 and 10 working days of public comment), LDTT (no
council).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from conftest import service_app
from kit.app import runtime
from services.awards.models import Nomination, Nominee, UnitCopy
from services.awards.service import SERVICE
from services.awards.tests.seed import publish_sample_pack
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer

MINISTRY = ministry_officer()
UNITS = {"stp-01": "Sở Tư pháp Hà Nội", "stp-02": "Sở Tư pháp Hải Phòng", "vu-tdkt": "Vụ TĐKT"}


def member(user_id: str) -> dict[str, str]:
    """A council member's token (the role is national; which council is membership)."""
    return as_role("council_member", subject=user_id)


def app_with_pack(stack: Stack) -> tuple[Flask, FlaskClient]:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    publish_sample_pack(client)
    with app.app_context(), runtime().db.transaction() as session:
        for unit_id, name in UNITS.items():
            session.add(UnitCopy(unit_id=unit_id, kind="so-tu-phap", name=name))
    return app, client


def forwarded_file(
    app: Flask,
    *,
    award: str = "BK_BT",
    unit: str = "stp-01",
    subjects: tuple[tuple[str, str], ...] = (("cb-1", "Nguyễn Văn An"),),
    kind: str = "individual",
    state: str = "forwarded",
) -> str:
    """A file of ``unit`` for ``award`` in 2024 in ``state``, naming ``subjects``."""
    now = datetime.now(UTC)
    nomination_id = str(uuid.uuid4())
    with app.app_context(), runtime().db.transaction() as session:
        session.add(
            Nomination(
                nomination_id=nomination_id,
                unit_id=unit,
                kind="cong-trang",
                award_code=award,
                year=2024,
                title=f"Đề nghị {award} năm 2024",
                state=state,
                revision=1,
                created_by="unit_officer-stp-01",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        for position, (subject_id, name) in enumerate(subjects, 1):
            session.add(
                Nominee(
                    nomination_id=nomination_id,
                    position=position,
                    subject_id=subject_id,
                    subject_kind=kind,
                    subject_name=name,
                    report_summary=f"Thành tích xuất sắc của {name}.",
                    verdict={"eligible": True},
                    added_from="manual",
                    added_by="unit_officer-stp-01",
                    added_at=now,
                )
            )
    return nomination_id


def council(
    client: FlaskClient,
    size: int,
    *,
    level: str = "bo",
    unit_id: str | None = None,
    headers: dict[str, str] | None = None,
    prefix: str = "tv",
) -> dict[str, Any]:
    """A council with ``size`` members ``<prefix>-1`` … (the first chairs, the second is the
    secretary): its last answer (with ETag)."""
    headers = headers or MINISTRY
    answer = client.post(
        "/councils",
        json={"level": level, "unit_id": unit_id, "name": "Hội đồng Thi đua - Khen thưởng Bộ"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.get_json()
    council_id = answer.get_json()["council_id"]
    for i in range(1, size + 1):
        function = {1: "chu-tich", 2: "thu-ky"}.get(i, "uy-vien")
        answer = client.post(
            f"/councils/{council_id}/members",
            json={
                "user_id": f"{prefix}-{i}",
                "full_name": f"Thành viên {i}",
                "function": function,
                "term_from": "2024-01-01",
            },
            headers={**headers, "If-Match": answer.headers["ETag"]},
        )
        assert answer.status_code == 201, answer.get_json()
    return {"council_id": council_id, "etag": answer.headers["ETag"], "body": answer.get_json()}


def schedule(
    client: FlaskClient,
    council_id: str,
    nomination_ids: list[str],
    *,
    headers: dict[str, str] | None = None,
    starts_at: str = "2025-03-20T08:30:00+07:00",
) -> Any:
    answer = client.post(
        f"/councils/{council_id}/sessions",
        json={
            "title": "Phiên họp xét khen thưởng năm 2024",
            "starts_at": starts_at,
            "location": "Phòng họp tầng 3, 60 Trần Phú",
            "nomination_ids": nomination_ids,
        },
        headers=headers or MINISTRY,
    )
    assert answer.status_code == 201, answer.get_json()
    return answer


def session_id(answer: Any) -> str:
    return answer.get_json()["session_id"]


def step(
    client: FlaskClient,
    answer: Any,
    path: str,
    *,
    method: str = "POST",
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """A change of the session with the ETag of ``answer`` (the session as last read)."""
    sid = session_id(answer)
    return client.open(
        f"/councils/sessions/{sid}{path}",
        method=method,
        json=json,
        headers={**(headers or MINISTRY), "If-Match": answer.headers["ETag"]},
    )


def present_and_open(client: FlaskClient, answer: Any, present: list[str]) -> Any:
    marked = step(client, answer, "/present", method="PUT", json={"present": present})
    assert marked.status_code == 200, marked.get_json()
    opened = step(client, marked, "/open")
    assert opened.status_code == 200, opened.get_json()
    return opened


def vote(
    client: FlaskClient, sid: str, user_id: str, nomination_id: str, subject_id: str, choice: str
) -> Any:
    return client.post(
        f"/councils/sessions/{sid}/ballots",
        json={
            "votes": [{"nomination_id": nomination_id, "subject_id": subject_id, "choice": choice}]
        },
        headers=member(user_id),
    )


def close(client: FlaskClient, sid: str, headers: dict[str, str] | None = None) -> Any:
    current = client.get(f"/councils/sessions/{sid}", headers=headers or MINISTRY)
    return step(client, current, "/close", headers=headers)


def today_is(monkeypatch: Any, day: date) -> None:
    """Make the public-comment clock say ``day``."""
    monkeypatch.setattr("services.awards.domain.public_comment.today", lambda: day)
