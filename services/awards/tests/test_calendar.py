"""Public holidays as versioned data, and the working days a public-comment period counts.

The shipped lunar dates are recomputed here with Hồ Ngọc Đức's astronomical algorithm for the
Vietnamese calendar (UTC+7), so a wrong Tết or Giỗ Tổ in data/holidays.json cannot pass.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from conftest import service_app
from kit.app import runtime
from services.awards.domain import calendar
from services.awards.models import HolidayCalendar
from services.awards.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

# -- the lunar calendar (Hồ Ngọc Đức), to check the data, not to make it -------------------

TZ = 7.0
RAD = math.pi / 180


def _jd(day: date) -> int:
    return day.toordinal() + 1721425


def _new_moon(k: int) -> int:
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * RAD)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * RAD) + 0.0021 * math.sin(2 * RAD * m)
    c1 += -0.4068 * math.sin(mpr * RAD) + 0.0161 * math.sin(RAD * 2 * mpr)
    c1 += -0.0004 * math.sin(RAD * 3 * mpr)
    c1 += 0.0104 * math.sin(RAD * 2 * f) - 0.0051 * math.sin(RAD * (m + mpr))
    c1 += -0.0074 * math.sin(RAD * (m - mpr)) + 0.0004 * math.sin(RAD * (2 * f + m))
    c1 += -0.0004 * math.sin(RAD * (2 * f - m)) - 0.0006 * math.sin(RAD * (2 * f + mpr))
    c1 += 0.0010 * math.sin(RAD * (2 * f - mpr)) + 0.0005 * math.sin(RAD * (2 * mpr + m))
    delta = -0.000278 + 0.000265 * t + 0.000262 * t2
    return int(jd1 + c1 - delta + 0.5 + TZ / 24)


def _sun_sector(jdn: int) -> int:
    t = (jdn - 2451545.5 - TZ / 24) / 36525
    t2 = t * t
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(RAD * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(RAD * 2 * m) + 0.000290 * math.sin(RAD * 3 * m)
    longitude = (l0 + dl) * RAD
    longitude -= math.pi * 2 * int(longitude / (math.pi * 2))
    return int(longitude / math.pi * 6)


def _month_11(year: int) -> int:
    k = int((_jd(date(year, 12, 31)) - 2415021) / 29.530588853)
    moon = _new_moon(k)
    return _new_moon(k - 1) if _sun_sector(moon) >= 9 else moon


def _leap_offset(a11: int) -> int:
    k = int((a11 - 2415021.076998695) / 29.530588853 + 0.5)
    i, arc = 1, _sun_sector(_new_moon(k + 1))
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon(k + i))
        if arc == last or i >= 14:
            return i - 1


def lunar(day: date) -> tuple[int, int, bool]:
    """(day, month, leap) of ``day`` in the Vietnamese lunar calendar."""
    jdn = _jd(day)
    k = int((jdn - 2415021.076998695) / 29.530588853)
    start = _new_moon(k + 1)
    if start > jdn:
        start = _new_moon(k)
    a11 = b11 = _month_11(day.year)
    if a11 >= start:
        a11 = _month_11(day.year - 1)
    else:
        b11 = _month_11(day.year + 1)
    diff = int((start - a11) / 29)
    month, leap = diff + 11, False
    if b11 - a11 > 365:
        offset = _leap_offset(a11)
        if diff >= offset:
            month = diff + 10
            leap = diff == offset
    return jdn - start + 1, month - 12 if month > 12 else month, leap


# -- helpers --------------------------------------------------------------------------------


def loaded(stack: Stack) -> tuple[Flask, FlaskClient]:
    app = service_app(stack, SERVICE)
    with app.app_context(), runtime().db.transaction() as session:
        calendar.load_file(session)
    return app, app.test_client()


def period(client: FlaskClient, start: str, count: int) -> Any:
    response = client.get(
        f"/working-days?start={start}&count={count}", headers=unit_officer("stp-01")
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def versions(app: Flask, year: int) -> int:
    with app.app_context(), runtime().db.read() as session:
        return session.query(HolidayCalendar).filter_by(year=year).count()


def document(client: FlaskClient, year: int) -> tuple[dict[str, Any], str]:
    response = client.get(f"/holidays/{year}", headers=ministry_officer())
    assert response.status_code == 200
    body = response.get_json()
    return {"basis": body["basis"], "days": body["days"]}, response.headers["ETag"]


# -- the shipped data -------------------------------------------------------------------------


def test_the_shipped_calendars_load_once_with_tet_and_gio_to_on_their_lunar_days(
    stack: Stack,
) -> None:
    app, client = loaded(stack)
    with app.app_context(), runtime().db.transaction() as session:
        again = calendar.load_file(session)
    assert again == {"created": 0, "updated": 0, "unchanged": 4, "kept": 0}

    years = client.get("/holidays", headers=unit_officer("stp-01")).get_json()
    assert [c["year"] for c in years["items"]] == [2027, 2026, 2025, 2024]
    assert all(c["version"] == 1 and c["source"] == "file" for c in years["items"])

    tet = {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17)}
    tet[2027] = date(2027, 2, 6)
    gio_to = {2024: date(2024, 4, 18), 2025: date(2025, 4, 7), 2026: date(2026, 4, 26)}
    gio_to[2027] = date(2027, 4, 16)
    for year in (2024, 2025, 2026, 2027):
        assert lunar(tet[year]) == (1, 1, False), "the algorithm itself finds each Tết"
        body = client.get(f"/holidays/{year}", headers=unit_officer("stp-01")).get_json()
        assert body["basis"]
        days = body["days"]
        assert [d["date"] for d in days] == sorted(d["date"] for d in days)
        for day in days:
            if day.get("lunar"):
                found = lunar(date.fromisoformat(day["date"]))
                assert found == (day["lunar"]["day"], day["lunar"]["month"], False), day
        named = {d["name"]: d["date"] for d in days}
        assert named["Giỗ Tổ Hùng Vương"] == gio_to[year].isoformat()
        assert named["Tết Dương lịch"] == f"{year}-01-01"
        assert named["Ngày Chiến thắng (30/4)"] == f"{year}-04-30"
        assert named["Ngày Quốc tế Lao động (1/5)"] == f"{year}-05-01"
        assert named["Quốc khánh (2/9)"] == f"{year}-09-02"
        adjacent = named["Quốc khánh (ngày liền kề)"]
        assert adjacent in (f"{year}-09-01", f"{year}-09-03")
        tet_days = [d for d in days if d["name"].startswith("Tết Nguyên đán")]
        assert len(tet_days) == 5, "Điều 112: five days of Tết"
        assert all(d["kind"] == "holiday" for d in tet_days)


# -- working days ---------------------------------------------------------------------------


def test_a_period_skips_gio_to_observed_and_the_may_holidays(stack: Stack) -> None:
    _, client = loaded(stack)
    body = period(client, "2026-04-20", 10)
    # 20-24 (5), 28, 29 (7), 4, 5, 6 May (10): Sunday 26/4 Giỗ Tổ moved to Monday 27/4.
    assert body["ends_on"] == "2026-05-06"
    assert [d["date"] for d in body["holidays_skipped"]] == [
        "2026-04-26",
        "2026-04-27",
        "2026-04-30",
        "2026-05-01",
    ]
    assert body["holidays_skipped"][1]["kind"] == "substitute"
    assert body["makeup_days"] == []


def test_the_posting_day_counts_only_when_it_is_a_working_day(stack: Stack) -> None:
    _, client = loaded(stack)
    assert period(client, "2026-03-06", 1)["ends_on"] == "2026-03-06"  # a Friday
    assert period(client, "2026-03-06", 2)["ends_on"] == "2026-03-09"  # over the weekend
    assert period(client, "2026-03-07", 1)["ends_on"] == "2026-03-09"  # posted on Saturday
    assert period(client, "2026-04-25", 1)["ends_on"] == "2026-04-28"  # weekend, then 27/4


def test_a_period_spanning_tet(stack: Stack) -> None:
    _, client = loaded(stack)
    body = period(client, "2026-02-12", 5)
    # 12, 13 February, then Tết from Saturday 14 to Sunday 22, then 23, 24, 25.
    assert body["ends_on"] == "2026-02-25"
    assert [d["date"] for d in body["holidays_skipped"]] == [
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
    ]
    assert body["holidays_skipped"][1]["lunar"] == {"day": 1, "month": 1}
    # Across the new year: 29-31 December 2025, 1 January off, then 2, 5 January 2026.
    assert period(client, "2025-12-29", 5)["ends_on"] == "2026-01-05"


def test_a_saturday_worked_in_exchange_counts(stack: Stack) -> None:
    _, client = loaded(stack)
    # Friday 26/4/2024, then 29/4 (swapped), 30/4, 1/5 off; 2, 3 May; Saturday 4 May worked.
    assert period(client, "2024-04-26", 3)["ends_on"] == "2024-05-03"
    body = period(client, "2024-04-26", 4)
    assert body["ends_on"] == "2024-05-04"
    assert [d["date"] for d in body["makeup_days"]] == ["2024-05-04"]


def test_the_functions_agree_with_each_other(stack: Stack) -> None:
    app, _ = loaded(stack)
    with app.app_context(), runtime().db.read() as session:
        assert not calendar.is_working_day(session, date(2026, 4, 27))
        assert calendar.is_working_day(session, date(2024, 5, 4))
        assert not calendar.is_working_day(session, date(2026, 4, 25))
        assert calendar.working_days_between(session, date(2026, 4, 20), date(2026, 4, 19)) == 0
        start = date(2026, 1, 26)
        for offset in range(0, 40, 3):
            for count in (1, 2, 7, 15):
                day = start + timedelta(days=offset)
                end = calendar.working_days_after(session, day, count)
                assert calendar.working_days_between(session, day, end) == count
                assert calendar.is_working_day(session, end)


def test_a_year_without_a_calendar_is_refused_not_guessed(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    response = client.get("/working-days?start=2026-04-20&count=10", headers=ministry_officer())
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "no_holiday_calendar" and body["year"] == 2026
    assert "2026" in body["detail"] and "lịch nghỉ lễ" in body["detail"]
    english = client.get(
        "/working-days?start=2026-04-20&count=10",
        headers={**ministry_officer(), "Accept-Language": "en"},
    ).get_json()
    assert "no holiday calendar for 2026" in english["detail"]

    with app.app_context(), runtime().db.transaction() as session:
        calendar.load_file(session)
    # Posted before Christmas 2027 for 20 days: the count runs into 2028, which has none.
    refused = client.get("/working-days?start=2027-12-20&count=20", headers=ministry_officer())
    assert refused.status_code == 409 and refused.get_json()["year"] == 2028
    assert client.get("/holidays/2028", headers=ministry_officer()).status_code == 404


def test_the_question_is_validated(stack: Stack) -> None:
    _, client = loaded(stack)
    officer = unit_officer("stp-01")
    for query in ("start=2026-04-20&count=0", "start=2026-04-31&count=3", "count=3"):
        response = client.get(f"/working-days?{query}", headers=officer)
        assert response.status_code == 422, query
        assert response.headers["Content-Type"] == "application/problem+json"
    assert client.get("/working-days?start=2026-04-20&count=3").status_code == 401


# -- editing: the Ministry, with If-Match, every version kept ---------------------------------


def test_the_ministry_edits_a_year_with_if_match_and_every_version_is_kept(stack: Stack) -> None:
    app, client = loaded(stack)
    doc, tag = document(client, 2026)
    swapped = {
        **doc,
        "days": [
            *doc["days"],
            {
                "date": "2026-01-02",
                "name": "Nghỉ hoán đổi dịp Tết Dương lịch",
                "kind": "substitute",
            },
            {"date": "2026-01-10", "name": "Làm bù cho ngày 02/01", "kind": "makeup"},
        ],
        "note": "Theo quyết định của Thủ tướng",
    }
    missing = client.put("/holidays/2026", json=swapped, headers=ministry_officer())
    assert missing.status_code == 428
    stale = client.put(
        "/holidays/2026", json=swapped, headers={**ministry_officer(), "If-Match": 'W/"x"'}
    )
    assert stale.status_code == 412 and stale.get_json()["current_etag"] == tag
    assert versions(app, 2026) == 1, "a refusal changes nothing"

    saved = client.put(
        "/holidays/2026", json=swapped, headers={**ministry_officer(), "If-Match": tag}
    )
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["version"] == 2 and body["source"] == "edit"
    assert body["changed_by"] == "ministry_officer-all"
    assert body["note"] == "Theo quyết định của Thủ tướng"
    assert body["days"][0]["date"] == "2026-01-01" and body["days"][1]["date"] == "2026-01-02"
    assert saved.headers["ETag"] != tag

    again = client.put(
        "/holidays/2026", json=swapped, headers={**ministry_officer(), "If-Match": tag}
    )
    assert again.status_code == 412, "the old ETag no longer names the current version"

    # The period follows the current version: 2 January is off, Saturday 10 January worked.
    assert period(client, "2025-12-31", 2)["ends_on"] == "2026-01-05"
    assert period(client, "2026-01-09", 2)["ends_on"] == "2026-01-10"

    history = client.get("/holidays/2026/versions", headers=unit_officer("stp-01")).get_json()
    assert [v["version"] for v in history["items"]] == [2, 1]
    assert history["items"][1]["changed_by"] == "system"
    first = client.get("/holidays/2026/versions/1", headers=unit_officer("stp-01")).get_json()
    assert "2026-01-02" not in [d["date"] for d in first["days"]]
    assert client.get("/holidays/2026/versions/3", headers=ministry_officer()).status_code == 404

    # Loading the shipped file again keeps what the Ministry decided.
    with app.app_context(), runtime().db.transaction() as session:
        counts = calendar.load_file(session)
    assert counts["kept"] == 1 and versions(app, 2026) == 2


def test_a_new_year_needs_no_if_match_and_its_names_are_stored_nfc(stack: Stack) -> None:
    app, client = loaded(stack)
    name = unicodedata.normalize("NFD", "Tết Dương lịch")
    first = client.put(
        "/holidays/2028",
        json={
            "basis": "Bộ luật Lao động 2019, Điều 112",
            "days": [{"date": "2028-01-01", "name": name}],
        },
        headers=ministry_officer(),
    )
    assert first.status_code == 201, first.get_json()
    day = first.get_json()["days"][0]
    assert day == {"date": "2028-01-01", "name": "Tết Dương lịch", "kind": "holiday"}
    assert first.get_json()["version"] == 1
    again = client.put(
        "/holidays/2028",
        json={"basis": "x", "days": []},
        headers=ministry_officer(),
    )
    assert again.status_code == 428 and versions(app, 2028) == 1
    assert period(client, "2027-12-31", 2)["ends_on"] == "2028-01-03"


def test_only_the_ministry_edits_the_calendar(stack: Stack) -> None:
    app, client = loaded(stack)
    doc, tag = document(client, 2026)
    for headers in (unit_officer("stp-01"), as_role("unit_admin", "unit", "stp-01", unit="stp-01")):
        assert client.get("/holidays/2026", headers=headers).status_code == 200
        refused = client.put("/holidays/2026", json=doc, headers={**headers, "If-Match": tag})
        assert refused.status_code == 403
        assert refused.headers["Content-Type"] == "application/problem+json"
        new_year = client.put("/holidays/2029", json=doc, headers=headers)
        assert new_year.status_code == 403
    assert client.put("/holidays/2026", json=doc, headers={"If-Match": tag}).status_code == 401
    assert versions(app, 2026) == 1 and versions(app, 2029) == 0


def test_every_problem_of_the_days_is_named_by_its_pointer(stack: Stack) -> None:
    app, client = loaded(stack)
    _, tag = document(client, 2026)
    bad = {
        "basis": "  ",
        "days": [
            {"date": "2025-12-31", "name": "Ngày năm trước"},
            {"date": "2026-04-30", "name": "   "},
            {"date": "2026-04-30", "name": "Ngày Chiến thắng"},
            {"date": "2026-04-30", "name": "Lặp lại"},
            {"date": "2026-05-01", "name": "Lễ", "kind": "festival"},
            {"date": "2026-05-04", "name": "Làm bù thứ Hai", "kind": "makeup"},
            {"date": "2026-04-26", "name": "Giỗ Tổ", "lunar": {"day": 10, "month": 13}},
            {"date": "2026-W17-1", "name": "Tuần", "colour": "red"},
            "2026-09-02",
        ],
    }
    response = client.put(
        "/holidays/2026", json=bad, headers={**ministry_officer(), "If-Match": tag}
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {
        "/basis",
        "/days/0/date",
        "/days/1/name",
        "/days/3/date",
        "/days/4/kind",
        "/days/5/kind",
        "/days/6/lunar/month",
        "/days/7/date",
        "/days/7/colour",
        "/days/8",
    }
    assert "2026" in errors["/days/0/date"][0]
    assert "/days/2" in errors["/days/3/date"][0]
    assert versions(app, 2026) == 1

    for path in ("/holidays/1999", "/holidays/1999/versions"):
        assert client.get(path, headers=ministry_officer()).status_code == 422
    assert client.get("/holidays/2031/versions", headers=ministry_officer()).status_code == 404
    huge = client.get("/holidays/2026/versions/99999999999", headers=ministry_officer())
    assert huge.status_code == 404
