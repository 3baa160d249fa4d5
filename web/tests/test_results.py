"""The results pages against a fake platform: the ranking nationally and per region with
shared ranks, the statistics, the SVG charts and their text, the Excel downloads, and what
the user sees when the results are not theirs to see (yet)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from web.tests.conftest import FakeApi, sign_in

ROUND = "r-2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _row(unit: str, name: str, region: str, total: str, band: str, n: int, r: int) -> dict:
    return {
        "unit_id": unit,
        "unit_name": name,
        "region_id": region,
        "region_name": {"kv-bac": "Khu vực miền Bắc", "kv-nam": "Khu vực miền Nam"}[region],
        "total": total,
        "band": band,
        "national_rank": n,
        "region_rank": r,
    }


RANKING: dict[str, Any] = {
    "round_id": ROUND,
    "year": 2026,
    "unit_kind": "so-tu-phap",
    "name": "Thi đua năm 2026",
    "published": True,
    "published_at": "2027-01-15T03:00:00+00:00",
    "items": [
        _row("stp-01", "Sở Tư pháp thành phố Hà Nội", "kv-bac", "190.00", "A", 1, 1),
        _row("stp-79", "Sở Tư pháp thành phố Hồ Chí Minh", "kv-nam", "190.00", "A", 1, 1),
        _row("stp-31", "Sở Tư pháp thành phố Hải Phòng", "kv-bac", "160.50", "B", 3, 2),
        _row("stp-92", "Sở Tư pháp thành phố Cần Thơ", "kv-nam", "160.50", "B", 3, 2),
        _row("stp-48", "Sở Tư pháp thành phố Đà Nẵng", "kv-nam", "95.25", "D", 5, 3),
    ],
}


def _figures(count: int, bands: dict[str, int], **more: str) -> dict[str, Any]:
    base = {"mean": "150.00", "median": "160.50", "min": "95.25", "max": "190.00"}
    return {"count": count, **base, "stddev": "35.10", "bands": bands, **more}


STATISTICS = {
    "round_id": ROUND,
    "published": True,
    "national": _figures(5, {"A": 2, "B": 2, "C": 0, "D": 1}),
    "regions": [
        {
            "region_id": "kv-bac",
            "region_name": "Khu vực miền Bắc",
            **_figures(2, {"A": 1, "B": 1, "C": 0, "D": 0}),
        },
        {
            "region_id": "kv-nam",
            "region_name": "Khu vực miền Nam",
            **_figures(3, {"A": 1, "B": 1, "C": 0, "D": 1}),
        },
    ],
}


def _published(fake_api: FakeApi, ranking: dict | None = None) -> None:
    fake_api.json("GET", f"/scoring/rounds/{ROUND}/rankings", ranking or RANKING)
    fake_api.json("GET", f"/scoring/rounds/{ROUND}/statistics", STATISTICS)
    fake_api.json(
        "GET",
        f"/scoring/rounds/{ROUND}/sheets",
        {"items": [{"id": "s-1", "unit_id": "stp-01"}], "page": 1, "page_size": 200, "total": 1},
    )


def _ranks(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<td data-rank>(.*?)</td>", page)
    ]


def test_the_national_ranking_shows_shared_ranks_totals_bands_and_regions(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    sign_in(web)
    _published(fake_api)
    response = web.get(f"/rounds/{ROUND}/results")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Kết quả: Thi đua năm 2026" in page
    assert _ranks(page) == ["1 (đồng hạng)", "1 (đồng hạng)", "3 (đồng hạng)", "3 (đồng hạng)", "5"]
    assert "190,00" in page and "95,25" in page
    assert "Khu vực miền Bắc" in page and "Khu vực miền Nam" in page
    # statistics: per region and nationwide
    assert page.count('<th scope="row">Khu vực miền') >= 2
    assert "Toàn quốc" in page and "35,10" in page
    # the sheet the user may read has its export; the others none
    assert f"/rounds/{ROUND}/results/sheets/s-1.xlsx" in page
    assert page.count("/results/sheets/") == 1
    assert f"/rounds/{ROUND}/results/rankings.xlsx" in page
    assert "style=" not in page and "<script>" not in page


def test_the_charts_are_svg_with_text_alternatives(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)
    _published(fake_api)
    page = web.get(f"/rounds/{ROUND}/results").get_data(as_text=True)
    charts = re.findall(r"<svg[^>]*role=\"img\"[^>]*>", page)
    assert len(charts) == 3  # the bands, and one per region
    for chart in charts:
        assert "aria-labelledby" in chart and "aria-describedby" in chart
    descriptions = re.findall(r"<desc id=\"([^\"]+)\">(.*?)</desc>", page, re.S)
    by_id = dict(descriptions)
    assert "Xếp loại A: 2 đơn vị" in by_id["chart-bands-desc"]
    assert "Xếp loại D: 1 đơn vị" in by_id["chart-bands-desc"]
    south = by_id["chart-region-kv-nam-desc"]
    assert "1. Sở Tư pháp thành phố Hồ Chí Minh: 190,00, xếp loại A" in south
    assert "3. Sở Tư pháp thành phố Đà Nẵng: 95,25, xếp loại D" in south
    # the longest bar fills the chart's 72 %; the others in proportion
    assert 'width="72.00%"' in page
    assert 'width="36.09%"' in page  # 95.25 / 190 × 72
    assert ">95,25 · D</text>" in page  # the value drawn after the bar, short


def test_a_region_shows_its_own_ranks_statistics_and_charts(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    sign_in(web)
    _published(fake_api)
    page = web.get(f"/rounds/{ROUND}/results?region=kv-nam").get_data(as_text=True)
    assert "Xếp hạng trong khu vực" in page
    assert _ranks(page) == ["1", "2", "3"]  # no tie inside the region
    assert "Hà Nội" not in page.split('id="ranking"')[1].split("</table>")[0]
    assert '<option value="kv-nam" selected>Khu vực miền Nam' in page
    assert "chart-region-kv-bac" not in page and "chart-region-kv-nam" in page
    assert web.get(f"/rounds/{ROUND}/results?region=nowhere").status_code == 404


def test_a_provisional_ranking_says_so(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)
    _published(fake_api, {**RANKING, "published": False, "published_at": None})
    page = web.get(f"/rounds/{ROUND}/results").get_data(as_text=True)
    assert 'id="provisional"' in page


def test_results_not_yet_published_are_the_404_page(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)
    response = web.get(f"/rounds/{ROUND}/results")  # the fake answers 404 as scoring does
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_results_need_a_session(web: FlaskClient) -> None:
    response = web.get(f"/rounds/{ROUND}/results")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_the_excel_files_are_passed_on_with_the_users_token(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    from flask import Response

    def workbook() -> Response:
        return Response(
            b"PK\x03\x04 workbook",
            mimetype=XLSX,
            headers={"Content-Disposition": 'attachment; filename="xep-hang-2026-so-tu-phap.xlsx"'},
        )

    fake_api.on("GET", f"/scoring/rounds/{ROUND}/rankings.xlsx", workbook)
    fake_api.on("GET", "/scoring/sheets/s-1/export.xlsx", workbook)
    sign_in(web)
    response = web.get(f"/rounds/{ROUND}/results/rankings.xlsx")
    assert response.status_code == 200
    assert response.data == b"PK\x03\x04 workbook"
    assert response.headers["Content-Type"] == XLSX
    assert "xep-hang-2026-so-tu-phap.xlsx" in response.headers["Content-Disposition"]
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    asked = [s for s in fake_api.seen if s["path"].endswith("rankings.xlsx")][-1]
    assert asked["headers"]["Authorization"].startswith("Bearer access-")
    assert web.get(f"/rounds/{ROUND}/results/sheets/s-1.xlsx").data.startswith(b"PK")
    assert web.get(f"/rounds/{ROUND}/results/sheets/s-2.xlsx").status_code == 404


def test_the_results_menu_lists_published_rounds_only(web: FlaskClient, fake_api: FakeApi) -> None:
    rounds = [
        {
            "id": ROUND,
            "year": 2026,
            "unit_kind": "so-tu-phap",
            "name": "Thi đua năm 2026",
            "phase": "published",
        },
        {
            "id": "r-open",
            "year": 2027,
            "unit_kind": "so-tu-phap",
            "name": "Thi đua năm 2027",
            "phase": "self_assessment",
        },
    ]
    fake_api.json("GET", "/scoring/rounds", rounds)
    sign_in(web)
    page = web.get("/results").get_data(as_text=True)
    assert f"/rounds/{ROUND}/results" in page and "r-open" not in page
    assert 'href="/results" aria-current="page"' in page
