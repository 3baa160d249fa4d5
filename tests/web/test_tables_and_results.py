"""The Ministry's criteria tables and everyone's results, in a real browser against the real
platform (embedded mode).

Nguyễn Văn An (bo.tdkt, ministry officer) opens the criteria tables, reads the 2026 table's
tree with every criterion's maximum and scoring method in words, exports it and downloads the
empty template; imports a workbook with mistakes and sees every row's error in a table (sheet,
row, column, message), then imports a corrected one, which becomes a draft; compares that
draft with the published table and clones the published table for 2027.

Meanwhile a round of the civil judgment enforcement agencies is played through the API to its
publication (a one-criterion table, so that 34 sheets take seconds): the units' points are
paired, so ranks are shared (1, 1, 3 …). The ranking page then shows the shared ranks
nationwide and per region, the statistics, the charts with their text alternatives, and the
Excel file downloads; a unit officer reads the same published results. axe-core checks every
page on the way; screenshots of the ranking and the table tree at 1366×768 and 390 px.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
import requests
from playwright.sync_api import expect

from services.identity.domain import demo
from tests.web.browser import Tab
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.processes, pytest.mark.browser]

PASSWORD = demo.PASSWORD
YEAR = 2026
MOVEMENT = f"Phong trào thi đua yêu nước ngành Tư pháp năm {YEAR}"
COMMITMENTS = (
    "Hoàn thành 100% chỉ tiêu thẩm định văn bản đúng hạn",
    "Không để xảy ra khiếu nại kéo dài về công tác tư pháp",
)
RENAMED = ("A.I.1", "Tỷ lệ đề nghị xây dựng nghị quyết được thẩm định đúng hạn (sửa đổi)")
# A one-criterion table for the enforcement agencies: a round of 34 sheets in seconds.
SMALL_TABLE: dict[str, Any] = {
    "title": f"Bảng tiêu chí thi đua cơ quan thi hành án dân sự năm {YEAR} (rút gọn)",
    "max_points": 10,
    "rounding": {"places": 2, "mode": "half_up"},
    "rank_bands": [
        {"code": "A", "min_total": 8},
        {"code": "B", "min_total": 5},
        {"code": "C", "min_total": None},
    ],
    "parts": [
        {
            "code": "A",
            "title": "Kết quả thi hành án dân sự",
            "max_points": 10,
            "children": [
                {
                    "code": "A.1",
                    "title": "Tỷ lệ thi hành xong về việc có điều kiện thi hành",
                    "max_points": 10,
                    "method": {"type": "manual", "step": 1},
                }
            ],
        }
    ],
}


@dataclass(frozen=True)
class Published:
    round_id: str
    points: dict[str, int]  # unit id -> its total


def points_of(position: int) -> int:
    """Two units per total (10, 10, 9, 9 …, then 0s): every rank is shared."""
    return max(0, 10 - position // 2)


def _ok(response: requests.Response, *statuses: int) -> requests.Response:
    assert response.status_code in (statuses or (200,)), response.text
    return response


def _publish_a_round(platform: WebPlatform) -> Published:
    """The whole round through the API: table, round, 34 sheets submitted, finalised,
    computed, closed, published."""
    api = f"{platform.gateway}/api/v1"
    ministry, admin = platform.login("bo.tdkt"), platform.login("quantri")
    with requests.Session() as http:
        http.headers.update(ministry)
        draft = _ok(
            http.post(
                f"{api}/criteria/tables",
                json={"year": YEAR, "unit_kind": "cuc-thads", "document": SMALL_TABLE},
                timeout=15,
            ),
            201,
        ).json()
        _ok(http.post(f"{api}/criteria/tables/{draft['id']}/publish", json={}, timeout=15))
        round_body = {
            "year": YEAR,
            "unit_kind": "cuc-thads",
            "name": f"Thi đua cơ quan thi hành án dân sự năm {YEAR}",
            "table_id": draft["id"],
            "self_assessment_due": f"{YEAR}-12-15T10:00:00+00:00",
            "review_due": f"{YEAR}-12-20T10:00:00+00:00",
            "appraisal_due": f"{YEAR + 1}-01-10T10:00:00+00:00",
        }
        deadline = time.monotonic() + 60
        while True:  # the table reaches scoring through the bus
            created = http.post(f"{api}/scoring/rounds", json=round_body, timeout=15)
            if created.status_code == 201 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        round_id = _ok(created, 201).json()["id"]

        def move(phase: str) -> None:
            _ok(http.post(f"{api}/scoring/rounds/{round_id}/phase", json={"to": phase}, timeout=15))

        move("self_assessment")
        sheets = _ok(
            http.get(
                f"{api}/scoring/rounds/{round_id}/sheets",
                params={"page_size": 200},
                timeout=15,
            )
        ).json()["items"]
    units = sorted(s["unit_id"] for s in sheets)
    points = {unit: points_of(i) for i, unit in enumerate(units)}
    by_unit = {s["unit_id"]: s["id"] for s in sheets}

    def fill(unit: str) -> None:
        with requests.Session() as http:
            http.headers.update(admin)  # the system administrator may act for any unit
            url = f"{api}/scoring/sheets/{by_unit[unit]}"
            sheet = _ok(http.get(url, timeout=15)).json()
            (entry,) = sheet["entries"]
            _ok(
                http.put(
                    f"{url}/entries/A.1",
                    json={"inputs": {"points": points[unit]}},
                    headers={"If-Match": entry["etag"]},
                    timeout=15,
                )
            )
            etag = _ok(http.get(url, timeout=15)).headers["ETag"]
            _ok(http.post(f"{url}/submit", headers={"If-Match": etag}, timeout=15), 202)

    def finalise(unit: str) -> None:
        with requests.Session() as http:
            http.headers.update(ministry)
            url = f"{api}/scoring/sheets/{by_unit[unit]}"
            etag = _ok(http.get(url, timeout=15)).headers["ETag"]
            _ok(http.post(f"{url}/finalise", headers={"If-Match": etag}, timeout=15))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(fill, units))
        with requests.Session() as http:
            http.headers.update(ministry)
            for phase in ("region_review", "appraisal"):
                _ok(
                    http.post(
                        f"{api}/scoring/rounds/{round_id}/phase", json={"to": phase}, timeout=15
                    )
                )
        list(pool.map(finalise, units))
    with requests.Session() as http:
        http.headers.update(ministry)
        _ok(http.post(f"{api}/scoring/rounds/{round_id}/phase", json={"to": "closed"}, timeout=15))
        deadline = time.monotonic() + 60
        while True:  # the scoring workers compute each final sheet within moments
            published = http.post(f"{api}/scoring/rounds/{round_id}/results", timeout=15)
            if published.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        _ok(published)
    return Published(round_id, points)


@pytest.fixture(scope="module")
def publishing(platform: WebPlatform) -> Iterator[Future[Published]]:
    """The published round, played in the background while the browser works on tables."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(_publish_a_round, platform)


@pytest.fixture(scope="module")
def ministry(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def officer(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    """Trần Thị Bình (stp.hanoi), unit officer of Sở Tư pháp Hà Nội."""
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def tables(platform: WebPlatform) -> dict[str, dict[str, Any]]:
    """The demo tables (2024 and its clone for 2026), by year."""
    items = platform.api(
        "GET", "/criteria/tables", "bo.tdkt", params={"unit_kind": "so-tu-phap"}
    ).json()["items"]
    return {str(t["year"]): t for t in items if t["status"] == "published"}


def _flash(tab: Tab) -> str:
    return tab.page.locator("#alerts").inner_text()


def _download(tab: Tab, selector: str) -> tuple[str, bytes]:
    with tab.page.expect_download() as info:
        tab.page.locator(selector).click()
    download = info.value
    path = download.path()
    assert path is not None
    with open(path, "rb") as saved:
        return download.suggested_filename, saved.read()


def _workbook(platform: WebPlatform, table_id: str, change: Any) -> bytes:
    """The table's own export, changed by ``change(sheet)`` as an officer would in Excel."""
    exported = platform.api("GET", f"/criteria/tables/{table_id}/export.xlsx", "bo.tdkt")
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    change(book["Bảng tiêu chí"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row_of(sheet: Any, code: str) -> int:
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == code:
            return row[0].row
    raise AssertionError(f"{code} is not in the workbook")


def test_the_ministry_reads_the_tables_and_a_tables_tree(
    ministry: Tab, tables: dict[str, dict[str, Any]], publishing: Future[Published]
) -> None:
    page = ministry.page
    page.goto("/tables")
    ministry.sign_in("bo.tdkt", PASSWORD)
    assert page.locator("h1").inner_text() == "Bảng tiêu chí"
    listed = page.locator("#tables").inner_text()
    assert "2024" in listed and "2026" in listed and "Đã ban hành" in listed
    ministry.check_accessibility()

    with page.expect_navigation():
        page.locator(f"a[href='/tables/{tables['2026']['id']}']").click()
    tree = page.locator("#tree")
    assert "A.I.1" in tree.inner_text()
    criterion = page.locator("#n-A-I-1").inner_text()
    assert "Theo mức: đạt từ ngưỡng trở lên" in criterion  # the method, in words
    assert "từ 100%: 2" in criterion and "Cần minh chứng" in criterion
    assert "Tỷ lệ theo chỉ tiêu" in tree.inner_text()
    assert "Xếp loại A: từ 180 điểm" in page.locator("#rank-bands").inner_text()
    assert "Điểm thưởng" in page.content() and "Điểm trừ" in page.content()
    assert "1 (bảng đang xem)\tĐã ban hành" in page.locator("#versions").inner_text()
    ministry.check_accessibility()
    page.locator("#tree-title").scroll_into_view_if_needed()
    ministry.screenshots("criteria-table")


def test_the_export_and_the_empty_template_download(ministry: Tab) -> None:
    name, content = _download(ministry, "#export")
    assert name.startswith("bang-tieu-chi-2026-so-tu-phap") and name.endswith(".xlsx")
    assert content[:2] == b"PK"
    assert "Bảng tiêu chí" in openpyxl.load_workbook(io.BytesIO(content)).sheetnames
    ministry.page.goto("/tables")
    name, content = _download(ministry, "a[href='/tables/template.xlsx']")
    assert name == "mau-bang-tieu-chi.xlsx" and content[:2] == b"PK"


def test_an_import_with_mistakes_lists_every_row_error_and_a_corrected_one_is_a_draft(
    ministry: Tab, platform: WebPlatform, tables: dict[str, dict[str, Any]]
) -> None:
    page = ministry.page
    source = tables["2026"]["id"]

    def mistakes(sheet: Any) -> None:
        first, second = _row_of(sheet, "A.I.1"), _row_of(sheet, "A.I.2")
        sheet.cell(first, 3).value = "hai điểm"  # C: the points are not a number
        sheet.cell(second, 4).value = "Chấm theo cảm tính"  # D: no such method

    def corrected(sheet: Any) -> None:
        sheet.cell(_row_of(sheet, RENAMED[0]), 2).value = RENAMED[1]

    with page.expect_navigation():
        page.get_by_role("link", name="Nhập bảng từ Excel").click()
    ministry.check_accessibility()
    page.locator("#file").set_input_files(
        {
            "name": "bang-tieu-chi-2028.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": _workbook(platform, source, mistakes),
        }
    )
    page.locator("#year").fill("2028")
    with page.expect_navigation():
        page.locator("#import-submit").click()
    errors = page.locator("#excel-errors tbody tr")
    assert errors.count() >= 2
    assert "chưa lưu gì" in page.locator("#import-errors-title").inner_text()
    cells = [errors.nth(i).locator("td").all_inner_texts() for i in range(errors.count())]
    assert all(row[0] == "Bảng tiêu chí" for row in cells)
    assert any(row[2].startswith("C") for row in cells)  # the points' column
    assert any(row[2].startswith("D") for row in cells)  # the method's column
    assert all(row[1].isdigit() and row[3] for row in cells)
    ministry.check_accessibility()
    page.locator("#import-errors").scroll_into_view_if_needed()
    ministry.screenshots("criteria-import-errors")

    page.locator("#file").set_input_files(
        {
            "name": "bang-tieu-chi-2028.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": _workbook(platform, source, corrected),
        }
    )
    assert page.locator("#year").input_value() == "2028"  # kept from the first try
    with page.expect_navigation():
        page.locator("#import-submit").click()
    assert "Đã nhập tệp thành bản dự thảo cho năm 2028" in _flash(ministry)
    assert page.locator("#table-status").inner_text() == "Dự thảo"
    assert RENAMED[1] in page.locator("#n-A-I-1").inner_text()
    ministry.check_accessibility()


def test_the_draft_is_compared_with_the_published_table(
    ministry: Tab, tables: dict[str, dict[str, Any]]
) -> None:
    page = ministry.page
    page.locator("#against").select_option(tables["2026"]["id"])
    with page.expect_navigation():
        page.locator("#compare-submit").click()
    assert page.locator("h1").inner_text() == "So sánh hai bảng tiêu chí"
    changed = page.locator("#diff-changed").inner_text()
    assert RENAMED[0] in changed and RENAMED[1] in changed and "tên" in changed
    assert f"~ Sửa {RENAMED[0]} title" in page.locator("#memo").inner_text()
    ministry.check_accessibility()
    name, content = _download(ministry, "a[href*='/diff.txt']")
    assert name.endswith(".txt") and RENAMED[1] in content.decode()


def test_the_ministry_clones_the_published_table_for_next_year(
    ministry: Tab, tables: dict[str, dict[str, Any]]
) -> None:
    page = ministry.page
    page.goto(f"/tables/{tables['2026']['id']}")
    assert page.locator("#clone-year").input_value() == "2027"
    with page.expect_navigation():
        page.locator("#clone-submit").click()
    assert "Đã tạo bản dự thảo cho năm 2027" in _flash(ministry)
    assert "Năm 2027" in page.locator(".doc-head__meta").inner_text()
    assert page.locator("#table-status").inner_text() == "Dự thảo"
    assert "A.I.1" in page.locator("#tree").inner_text()
    ministry.check_accessibility()


def test_the_ministry_launches_a_movement_with_its_peak_phases(ministry: Tab) -> None:
    page = ministry.page
    page.goto("/movements")
    ministry.check_accessibility()
    with page.expect_navigation():
        page.locator("#new-movement").click()
    page.locator("#title").fill(MOVEMENT)
    page.locator("#theme").fill(
        "Đoàn kết, đổi mới, sáng tạo, hoàn thành xuất sắc nhiệm vụ năm 2026"
    )
    page.locator("#starts_on").fill(f"{YEAR}-01-01")
    page.locator("#ends_on").fill(f"{YEAR}-12-31")
    for n, (name, first, last) in enumerate(
        (("Đợt 1", "01-01", "06-30"), ("Đợt 2", "06-15", "12-31")), start=1
    ):
        page.locator(f"#phase-{n}-name").fill(name)
        page.locator(f"#phase-{n}-start").fill(f"{YEAR}-{first}")
        page.locator(f"#phase-{n}-end").fill(f"{YEAR}-{last}")
    page.locator("#participants").select_option("both")
    ministry.check_accessibility()
    with page.expect_navigation():
        page.locator("#movement-submit").click()
    overlap = page.locator("#err-phases").inner_text()
    assert "Đợt 2" in overlap and "chồng lấn" in overlap  # the platform's check, in place
    assert page.locator("#phase-2-name").input_value() == "Đợt 2"
    ministry.check_accessibility()
    page.locator("#phase-2-start").fill(f"{YEAR}-07-01")
    with page.expect_navigation():
        page.locator("#movement-submit").click()
    assert "Đã lưu phong trào thành bản dự thảo" in _flash(ministry)
    assert "68 đơn vị tham gia" in page.locator("#participants-title").inner_text()
    assert "Đợt 2" in page.locator("#phases").inner_text()
    with page.expect_navigation():
        page.locator("#launch").click()
    assert "Đã phát động phong trào" in _flash(ministry)
    assert page.locator("#movement-status").inner_text() == "Đã phát động"
    assert page.locator("#launch").count() == 0
    ministry.check_accessibility()


def test_the_ministry_writes_a_region_covenant_and_a_member_unit_signs_it(
    ministry: Tab, officer: Tab, platform: WebPlatform
) -> None:
    regions = platform.api("GET", "/identity/regions", "bo.tdkt", params={"year": YEAR}).json()
    region = next(r for r in regions if "stp-01" in r["member_ids"])
    page = ministry.page
    page.goto(f"/covenants?year={YEAR}")
    ministry.check_accessibility()
    with page.expect_navigation():
        page.locator("#new-covenant").click()
    page.locator("#region_id").select_option(region["id"])
    page.locator("#title").fill(f"Giao ước thi đua năm {YEAR}")
    page.locator("#items").fill("\n".join(COMMITMENTS))
    ministry.check_accessibility()
    with page.expect_navigation():
        page.locator("#covenant-submit").click()
    assert "Đã lưu giao ước" in _flash(ministry)
    assert page.locator("#covenant-items li").all_inner_texts() == list(COMMITMENTS)
    members = len(region["member_ids"])
    assert f"0/{members} đơn vị thành viên đã ký" in page.locator("#signed-count").inner_text()
    covenant_path = page.url.removeprefix(platform.gateway)

    tab = officer.page
    tab.goto(covenant_path)
    officer.sign_in("stp.hanoi", PASSWORD)
    assert tab.locator("#signer_name").input_value() == "Trần Thị Bình"
    tab.locator("#signer_title").fill("Giám đốc Sở Tư pháp")
    officer.check_accessibility()
    with tab.expect_navigation():
        tab.locator("#sign").click()
    assert "Đã ký giao ước cho đơn vị của bạn" in _flash(officer)
    assert "Trần Thị Bình, Giám đốc Sở Tư pháp" in tab.locator("#signatures").inner_text()
    assert f"1/{members}" in tab.locator("#signed-count").inner_text()
    assert tab.locator("#sign-form").count() == 0
    officer.check_accessibility()


def test_the_ranking_shows_shared_ranks_per_region_charts_and_downloads(
    ministry: Tab, publishing: Future[Published]
) -> None:
    published = publishing.result(timeout=180)
    page = ministry.page
    page.goto("/results")
    ministry.check_accessibility()
    with page.expect_navigation():
        page.get_by_role("link", name=f"Thi đua cơ quan thi hành án dân sự năm {YEAR}").click()
    assert page.url.endswith(f"/rounds/{published.round_id}/results")
    ranks = page.locator("#ranking tbody [data-rank]").all_inner_texts()
    assert len(ranks) == len(published.points) == 34
    assert ranks[:4] == ["1 (đồng hạng)", "1 (đồng hạng)", "3 (đồng hạng)", "3 (đồng hạng)"]
    first = page.locator("#ranking tbody tr").first.inner_text()
    assert "10,00" in first and "A" in first
    statistics = page.locator("#statistics").inner_text()
    assert "Toàn quốc" in statistics and "34" in statistics
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 2  # the bands, and a chart per region
    for i in range(charts.count()):
        chart = charts.nth(i)
        title = page.locator(f"#{chart.get_attribute('aria-labelledby')}").text_content()
        described = page.locator(f"#{chart.get_attribute('aria-describedby')}").text_content()
        assert title and described and ":" in described
    bands = page.locator("#chart-bands-desc").text_content() or ""
    assert "Xếp loại A: 6 đơn vị" in bands
    ministry.check_accessibility()
    ministry.screenshots("results")

    name, content = _download(
        ministry, f"a[href$='/rounds/{published.round_id}/results/rankings.xlsx']"
    )
    assert name.endswith(".xlsx") and content[:2] == b"PK"
    assert "Xếp hạng" in openpyxl.load_workbook(io.BytesIO(content)).sheetnames
    name, content = _download(ministry, "#ranking tbody tr:first-child a[href$='.xlsx']")
    assert name.startswith(f"phieu-cham-diem-{YEAR}-") and content[:2] == b"PK"

    page.locator("#charts-title").scroll_into_view_if_needed()
    ministry.screenshots("results-charts")
    region = page.locator("#region option").nth(1)
    region_name = region.inner_text()
    page.locator("#region").select_option(region.get_attribute("value"))
    with page.expect_navigation():
        page.locator("#scope-submit").click()
    assert region_name in page.locator("h1").inner_text()
    ranks = page.locator("#ranking tbody [data-rank]").all_inner_texts()
    assert ranks[0].startswith("1") and len(ranks) < 34
    assert page.locator("svg[role=img]").count() == 2
    ministry.check_accessibility()
    ministry.screenshots("results-region")


def test_any_user_reads_the_published_results(officer: Tab, publishing: Future[Published]) -> None:
    published = publishing.result(timeout=180)
    page = officer.page  # a unit officer: the results are everyone's once published
    page.goto("/results")
    with page.expect_navigation():
        page.get_by_role("link", name=f"Thi đua cơ quan thi hành án dân sự năm {YEAR}").click()
    assert page.url.endswith(f"/rounds/{published.round_id}/results")
    assert page.locator("h1").inner_text().startswith("Kết quả:")
    assert page.locator("#provisional").count() == 0
    expect(page.locator("#ranking tbody tr")).to_have_count(34)
    officer.check_accessibility()
