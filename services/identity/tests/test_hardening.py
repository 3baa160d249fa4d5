"""No input gets a 500, and data that must be refused is (issue 8, items 3, 6 and 7). Both stacks.

Every refusal is problem+json naming the field, and changes nothing: no row, no event.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, select

from kit import migrate
from kit.app import database
from kit.db import UTCDateTime, make_engine, utcnow
from kit.events.tables import outbox
from services.identity.models import Announcement, OrgUnitVersion, Region, User
from services.identity.service import SERVICE
from services.identity.tests.conftest import Identity
from tests.support.stack import Stack

PROBLEM = "application/problem+json"
VALIDATION = "urn:thidua:problem:validation-failed"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def state(identity: Identity) -> dict[str, int]:
    """What a refused request must leave as it was."""
    counted = {
        "events": outbox,
        "announcements": Announcement,
        "regions": Region,
        "users": User,
        "versions": OrgUnitVersion,
    }
    with identity.app.app_context(), database().read() as session:
        return {
            name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in counted.items()
        }


def refused(response: Any, status: int, type_: str = VALIDATION) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"] == type_
    return body


def post_json(identity: Identity, path: str, data: str, headers: dict[str, str]) -> Any:
    return identity.client().post(
        path, data=data.encode("utf-8"), headers={**headers, "Content-Type": "application/json"}
    )


# -- item 6: these gave 500 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/users", "/announcements", "/org/units", "/audit", "/clients", "/lockouts"]
)
def test_a_page_beyond_any_bound_is_a_422_naming_page(identity: Identity, path: str) -> None:
    headers = identity.login("quantri")
    client = identity.client()
    body = refused(client.get(f"{path}?page=200000000000000000", headers=headers), 422)
    assert "page" in body["errors"]["query"]
    far = client.get(f"{path}?page=1000000&page_size=200", headers=headers)
    assert far.status_code == 200, far.get_json()
    assert far.get_json()["items"] == []  # past the end: an empty page
    assert refused(client.get(f"{path}?page=1.5", headers=headers), 422)["errors"]["query"]


def test_json_nested_a_thousand_levels_is_malformed_and_changes_nothing(
    identity: Identity,
) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    for depth in (1000, 100):
        deep = '{"title": "Tiêu đề", "body": ' + "[" * depth + "]" * depth + "}"
        body = refused(
            post_json(identity, "/announcements", deep, headers),
            400,
            "urn:thidua:problem:malformed-json",
        )
        assert body["max_depth"] == 64
    assert state(identity) == before


@pytest.mark.parametrize(
    ("escape", "point"), [("\\ud800", "U+D800"), ("\\u0000", "U+0000"), ("\\udfff", "U+DFFF")]
)
def test_a_lone_surrogate_or_nul_in_a_json_string_is_refused_naming_the_field(
    identity: Identity, escape: str, point: str
) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    data = '{"title": "Thông báo ' + escape + '", "body": "Nội dung"}'
    body = refused(post_json(identity, "/announcements", data, headers), 422)
    assert list(body["errors"]) == ["title"]
    assert point in body["errors"]["title"][0]
    nested = '{"name": "Cụm", "member_ids": ["stp-01", "x' + escape + '"]}'
    body = refused(
        identity.client().put(
            "/regions/2027/thu",
            data=nested.encode(),
            headers={**headers, "Content-Type": "application/json"},
        ),
        422,
    )
    assert list(body["errors"]) == ["member_ids"]
    assert list(body["errors"]["member_ids"]) == ["1"]  # the second member, by its index
    assert state(identity) == before


def test_nan_is_not_a_json_number(identity: Identity) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    data = '{"title": "Thông báo", "body": "Nội dung", "extra": NaN}'
    body = refused(post_json(identity, "/announcements", data, headers), 422)
    assert list(body["errors"]) == ["extra"]
    assert state(identity) == before


@pytest.mark.parametrize("year", ["0", "99999", "1999", "2101"])
def test_a_region_year_out_of_range_is_a_422_naming_year(identity: Identity, year: str) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    body = refused(
        identity.client().put(
            f"/regions/{year}/x", headers=headers, json={"name": "Cụm", "member_ids": ["stp-01"]}
        ),
        422,
    )
    assert list(body["errors"]) == ["year"]
    assert "2000" in body["errors"]["year"][0] and "2100" in body["errors"]["year"][0]
    assert state(identity) == before


def test_a_region_code_that_cannot_be_stored_is_a_422_naming_code(identity: Identity) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    for code in ["x" * 65, "Cum-Thu", "thu%0A"]:
        body = refused(
            identity.client().put(
                f"/regions/2027/{code}", headers=headers, json={"name": "Cụm", "member_ids": []}
            ),
            422,
        )
        assert "code" in body["errors"]
    assert state(identity) == before


def test_an_empty_parent_id_is_a_422_naming_parent_id(identity: Identity) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    client = identity.client()
    unit = client.get("/org/units/stp-01", headers=headers).get_json()
    response = client.post(
        "/org/units/stp-01/changes",
        headers=headers,
        json={"effective_date": "2026-02-01", "parent_id": ""},
    )
    assert list(refused(response, 422)["errors"]) == ["parent_id"]
    assert client.get("/org/units/stp-01", headers=headers).get_json() == unit
    assert state(identity) == before


def test_nul_in_the_path_query_or_a_form_is_refused_not_a_500(identity: Identity) -> None:
    headers, before = identity.login("quantri"), state(identity)
    client = identity.client()
    for path in ["/users/a%00b", "/org/units/a%00", "/regions/a%00", "/announcements/" + "9" * 30]:
        refused(client.get(path, headers=headers), 404, "urn:thidua:problem:not-found")
    body = refused(client.get("/users?q=a%00b", headers=headers), 422)
    assert list(body["errors"]["query"]) == ["q"]
    body = refused(
        client.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "a\x00", "password": "x"},
        ),
        422,
    )
    assert list(body["errors"]["form"]) == ["username"]
    assert state(identity) == before


# -- item 3: control characters ------------------------------------------------------------


def test_control_characters_are_refused_naming_the_field(identity: Identity) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    client = identity.client()
    for title in ["Thông\x07báo", "Thông\nbáo", "Thông\tbáo", "Thông báo\x85"]:
        body = refused(
            client.post("/announcements", headers=headers, json={"title": title, "body": "x"}),
            422,
        )
        assert list(body["errors"]) == ["title"]
    body = refused(
        client.post(
            "/announcements", headers=headers, json={"title": "Thông báo", "body": "a\x1bb"}
        ),
        422,
    )
    assert list(body["errors"]) == ["body"] and "U+001B" in body["errors"]["body"][0]
    english = client.post(
        "/announcements",
        headers={**headers, "Accept-Language": "en"},
        json={"title": "a\x07", "body": "x"},
    ).get_json()
    assert english["errors"]["title"] == [
        "Must not contain control characters or line breaks (U+0007)."
    ]
    assert state(identity) == before
    # A multi-line field takes tab and newline; CR LF becomes LF.
    kept = client.post(
        "/announcements",
        headers=headers,
        json={"title": "Thông báo", "body": "Dòng 1\r\n\tDòng 2\rDòng 3"},
    )
    assert kept.status_code == 201, kept.get_json()
    assert kept.get_json()["body"] == "Dòng 1\n\tDòng 2\nDòng 3"


# -- item 7: data that must be refused -----------------------------------------------------


def test_a_unit_cannot_be_in_two_regions_of_the_same_year(identity: Identity) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    client = identity.client()
    response = client.put(
        "/regions/2027/thu",
        headers=headers,
        json={"name": "Cụm thử", "member_ids": ["stp-01", "stp-79-2025"]},
    )
    errors = refused(response, 422)["errors"]
    assert list(errors) == ["member_ids"]
    message = " ".join(errors["member_ids"])
    assert "stp-01" in message and "2027-dong-bang-bac-bo" in message
    assert "stp-79-2025" in message and "2027-dong-nam-bo" in message
    assert client.get("/regions/2027-thu", headers=headers).status_code == 404
    assert state(identity) == before
    # The same unit in the same region again, or in another year's region, is fine.
    current = client.get("/regions/2027-dong-bang-bac-bo", headers=headers).get_json()
    again = client.put(
        "/regions/2027/dong-bang-bac-bo",
        headers=headers,
        json={k: current[k] for k in ("name", "member_ids", "lead_unit_id", "deputy_unit_ids")},
    )
    assert again.status_code == 200, again.get_json()


def test_a_year_is_a_whole_number_in_range(identity: Identity) -> None:
    client, headers = identity.client(), identity.login("stp.hanoi")
    for year in ["2027.5", "1999", "2101", "99999999999999999999"]:
        assert (
            "year"
            in refused(client.get(f"/regions?year={year}", headers=headers), 422)["errors"]["query"]
        )
    assert client.get("/regions?year=2027", headers=headers).status_code == 200


def test_dates_are_days_of_plausible_years(identity: Identity) -> None:
    headers, before = identity.login("bo.tdkt"), state(identity)
    client, admin = identity.client(), identity.login("quantri")
    merger = {"effective_date": "0001-01-01", "merged_ids": ["stp-01"], "successor_id": "stp-30"}
    for response, field in [
        (client.post("/org/mergers", headers=headers, json=merger), "effective_date"),
        (
            client.post(
                "/org/units/stp-01/changes",
                headers=headers,
                json={"effective_date": "9999-12-31", "name": "Tên mới"},
            ),
            "effective_date",
        ),
    ]:
        errors = refused(response, 422)["errors"]
        assert list(errors) == [field] and "2000" in errors[field][0]
    for query in ["from=0001-01-01T00:00:00%2B07:00", "to=9999-12-31T23:59:59-07:00"]:
        errors = refused(client.get(f"/audit?{query}", headers=admin), 422)["errors"]
        assert list(errors["query"]) == [query.split("=")[0]]
    assert (
        "as_of"
        in refused(client.get("/org/tree?as_of=1999-12-31", headers=headers), 422)["errors"][
            "query"
        ]
    )
    assert state(identity) == before


def test_names_are_stored_nfc_and_found_without_case_or_diacritics(identity: Identity) -> None:
    client, admin = identity.client(), identity.login("quantri")
    created = client.post(
        "/users",
        headers=admin,
        json={"username": "nfd.test", "full_name": nfd("Trần Văn Đức"), "unit_id": "stp-01"},
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["full_name"] == "Trần Văn Đức"  # NFC, 12 code points
    assert len(created.get_json()["full_name"]) == 12
    with identity.app.app_context(), database().read() as session:
        stored = session.get(User, created.get_json()["id"])
        assert stored is not None and stored.full_name == unicodedata.normalize(
            "NFC", "Trần Văn Đức"
        )

    def found(q: str) -> set[str]:
        page = client.get("/users", headers=admin, query_string={"q": q, "page_size": 200})
        assert page.status_code == 200, page.get_json()
        return {u["username"] for u in page.get_json()["items"]}

    for q in ["tran", "TRAN", "Trần", nfd("Trần"), "tran duc", "duc", "Đức", "van duc"]:
        assert "nfd.test" in found(q), q
    assert "stp.hanoi" in found("tran thi binh")  # Trần Thị Bình, the demo account
    assert "nfd.test" not in found("an")  # a word is matched from its start
    assert "nfd.test" not in found("tran binh")  # every word must be there

    renamed = client.patch(
        f"/users/{created.get_json()['id']}", headers=admin, json={"full_name": nfd("Lê Ánh")}
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert "nfd.test" in found("le anh")
    assert "nfd.test" not in found("tran") and "nfd.test" not in found("duc")


def test_units_are_found_without_case_or_diacritics(identity: Identity) -> None:
    client, headers = identity.client(), identity.login("stp.hanoi")

    def found(q: str, as_of: str = "2026-01-01") -> set[str]:
        page = client.get(
            "/org/units", headers=headers, query_string={"q": q, "as_of": as_of, "page_size": 200}
        )
        assert page.status_code == 200, page.get_json()
        return {u["id"] for u in page.get_json()["items"]}

    for q in ["ha noi", "HÀ NỘI", nfd("Hà Nội"), "noi ha"]:
        assert {"stp-01", "thads-01"} <= found(q), q
    assert found("so tu phap ha noi") == {"stp-01"}
    assert "stp-27" in found("bac ninh", as_of="2024-01-01")
    assert "stp-27" not in found("bac ninh")  # merged away by 2026
    assert found("zzz") == set()


def test_the_migration_keys_and_normalises_the_users_already_there(stack: Stack) -> None:
    url = stack.database_url("identity")
    command.upgrade(migrate.alembic_config(SERVICE, url), "identity_0002")
    units = sa.table(
        "org_units",
        sa.column("id", sa.String),
        sa.column("code", sa.String),
        sa.column("kind", sa.String),
        sa.column("created_at", UTCDateTime),
    )
    users = sa.table(
        "users",
        sa.column("id", sa.String),
        sa.column("username", sa.String),
        sa.column("full_name", sa.String),
        sa.column("unit_id", sa.String),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", UTCDateTime),
    )
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                units.insert().values(
                    id="stp-01", code="01", kind="so-tu-phap", created_at=utcnow()
                )
            )
            connection.execute(
                users.insert().values(
                    id="u-1",
                    username="binh",
                    full_name=nfd("Trần Thị Bình"),
                    unit_id="stp-01",
                    is_active=True,
                    created_at=utcnow(),
                )
            )
        migrate.upgrade(SERVICE, url)
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT full_name, full_name_search FROM users WHERE id = 'u-1'")
            ).one()
    finally:
        engine.dispose()
    assert row.full_name == unicodedata.normalize("NFC", "Trần Thị Bình")
    assert row.full_name_search == " tran thi binh"
