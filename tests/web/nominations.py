"""Nomination files made through the API for the journeys that start from one (the inbox's,
the council's): the unit admin imports the unit's registry, the unit officer files the
nominees, registers the title and submits; what follows is each journey's own.
"""

from __future__ import annotations

from typing import Any

import requests

from tests.web.platform import WebPlatform
from tests.web.test_awards import unit_document

UNIT = "stp-01"
ADMIN, OFFICER, MINISTRY = "qt.hanoi", "stp.hanoi", "bo.tdkt"


def ok(response: requests.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), response.text
    return response.json() if response.content else None


def call(
    platform: WebPlatform,
    method: str,
    path: str,
    who: str,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """``platform.api`` with headers of the call's own (an ``If-Match``)."""
    return requests.request(
        method,
        f"{platform.gateway}/api/v1{path}",
        headers={**platform.login(who), **(headers or {})},
        timeout=15,
        **kwargs,
    )


def import_registry(platform: WebPlatform) -> None:
    """The unit's people and their awards (the sample registry's), as its admin imports them."""
    ok(platform.api("POST", "/awards/registry/import", ADMIN, json=unit_document()))


def submitted_file(
    platform: WebPlatform, award: str, year: int, subjects: list[str], title: str
) -> str:
    """A unit file for ``award`` with ``subjects``, registered and submitted: its id."""
    created = ok(
        platform.api(
            "POST",
            "/awards/nominations",
            OFFICER,
            json={"kind": "cong-trang", "award": award, "year": year, "unit": UNIT, "title": title},
        ),
        201,
    )
    file_id = created.get("nomination_id") or created["id"]
    path = f"/awards/nominations/{file_id}"
    etag = platform.api("GET", path, OFFICER).headers["ETag"]
    ok(
        call(
            platform,
            "POST",
            f"{path}/nominees",
            OFFICER,
            json={"subjects": subjects, "from": "manual"},
            headers={"If-Match": etag},
        ),
        200,
        201,
    )
    check = ok(platform.api("GET", path, OFFICER)).get("registration") or {}
    for subject in check.get("unregistered") or []:
        body = {"unit": UNIT, "year": year, "award": award, "subject": subject}
        ok(platform.api("POST", "/awards/registrations", OFFICER, json=body), 200, 201)
    move(platform, file_id, "submitted", OFFICER)
    return file_id


def move(platform: WebPlatform, file_id: str, to: str, who: str, reason: str | None = None) -> None:
    path = f"/awards/nominations/{file_id}"
    etag = platform.api("GET", path, who).headers["ETag"]
    ok(
        call(
            platform,
            "POST",
            f"{path}/moves",
            who,
            json={"to": to, "reason": reason},
            headers={"If-Match": etag},
        ),
        200,
        201,
    )
