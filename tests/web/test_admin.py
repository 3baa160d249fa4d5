"""The administrators' journeys in a real browser, against the real platform (embedded mode).

The system administrator (quantri) finds a user without typing the accents, creates a user
of Hà Nội's Department of Justice, grants a role with its dates, deactivates the account
(identity then refuses the password), reactivates it and clears its failed sign-ins; looks at
the organisation as it stood on 31/12/2024 and on 01/01/2026 (63 provinces' units, then 34,
with the 2025 mergers and their successors), at a region's members, saves the region;
registers an API client, sees its secret once (it works for the client_credentials grant, and
is never shown again), revokes it; filters the audit log. The unit administrator of Hà Nội
(qt.hanoi) sees only Hà Nội's users and gets the 404 page for a Hồ Chí Minh City user's
address. The auditor (kiemtoan) reads the audit log and the users and is shown no button that
writes. axe-core checks every page; the users page and the organisation get screenshots at
1366×768 and 390 px (written to docs/screenshots/ only by ``make screenshots``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from services.identity.domain import demo
from tests.web.browser import Tab
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.processes, pytest.mark.browser]

PASSWORD = demo.PASSWORD
NEW_USER = "nguyen.van.moi"
NEW_NAME = "Nguyễn Văn Mới"
NEW_PASSWORD = "Cay-Phuong-Vi-2026"
CLIENT = "csdl-khen-thuong"
TODAY = datetime.now(timezone(timedelta(hours=7))).date()


@pytest.fixture(scope="module")
def admin(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    """Quản trị hệ thống's window, kept through the module's steps."""
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


def user_id(platform: WebPlatform, username: str) -> str:
    found = platform.api("GET", "/identity/users", "quantri", params={"q": username}).json()
    return next(u["id"] for u in found["items"] if u["username"] == username)


def password_grant(platform: WebPlatform, username: str, password: str) -> int:
    return requests.post(
        f"{platform.gateway}/api/v1/identity/oauth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=10,
    ).status_code


def count_of(tab: Tab, kind: str) -> str:
    return tab.page.locator(f'#unit-counts tr[data-kind="{kind}"] td').inner_text()


def test_the_system_admin_finds_a_user_without_the_accents(admin: Tab) -> None:
    page = admin.page
    page.goto("/admin/users")
    admin.sign_in("quantri", PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    page.locator("#q").fill("tran thi binh")
    page.locator("#q").press("Enter")
    expect(page.locator("#users tbody tr")).to_have_count(1)
    expect(page.locator("#users")).to_contain_text("Trần Thị Bình")
    admin.check_accessibility()
    page.goto("/admin/users")
    expect(page.locator("#users tbody tr")).to_have_count(len(demo.ACCOUNTS))
    admin.check_accessibility()
    admin.screenshots("admin-users")


def test_the_system_admin_creates_a_user_and_grants_a_role_with_dates(admin: Tab) -> None:
    page = admin.page
    page.locator("#new-user").click()
    admin.check_accessibility()
    page.locator("#username").fill(NEW_USER)
    page.locator("#full_name").fill(NEW_NAME)
    page.locator("#unit_id").select_option("stp-01")
    page.locator("#password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Tạo người dùng").click()
    expect(page.locator("h1")).to_contain_text(NEW_NAME)
    expect(page.locator("#alerts")).to_contain_text("bây giờ có thể cấp vai trò")

    page.locator("#role").select_option("unit_officer")
    page.locator("#unit_id").select_option("stp-01")
    page.locator("#valid_from").fill(TODAY.isoformat())
    page.locator("#valid_to").fill(f"{TODAY.year}-01-01")  # before the start: refused
    page.locator("#grant").click()
    expect(page.locator("#valid_to-error")).to_contain_text("Ngày kết thúc")
    admin.check_accessibility()
    page.locator("#valid_to").fill(f"{TODAY.year + 1}-12-31")
    page.locator("#grant").click()
    expect(page.locator("#alerts")).to_contain_text("Đã cấp vai trò")
    row = page.locator("#roles tbody tr").first
    expect(row).to_contain_text("Cán bộ đơn vị")
    expect(row).to_contain_text("Sở Tư pháp thành phố Hà Nội")
    expect(row).to_contain_text(TODAY.strftime("%d/%m/%Y"))
    expect(row).to_contain_text(f"31/12/{TODAY.year + 1}")
    admin.check_accessibility()


def test_the_system_admin_deactivates_reactivates_and_unlocks_the_user(
    admin: Tab, platform: WebPlatform
) -> None:
    page = admin.page
    assert password_grant(platform, NEW_USER, NEW_PASSWORD) == 200
    page.locator("#deactivate").click()
    expect(page.locator("#account-state")).to_contain_text("Đã khóa")
    expect(page.locator("#alerts")).to_contain_text("không thể đăng nhập được nữa")
    admin.check_accessibility()
    assert password_grant(platform, NEW_USER, NEW_PASSWORD) != 200
    page.locator("#reactivate").click()
    expect(page.locator("#account-state")).to_contain_text("Đang hoạt động")
    assert password_grant(platform, NEW_USER, NEW_PASSWORD) == 200

    for _ in range(2):  # two wrong passwords (the third would start slowing the account)
        assert password_grant(platform, NEW_USER, "not-the-password") != 200
    page.reload()
    expect(page.locator("#lockout-state")).to_contain_text("2")
    page.locator("#unlock").click()
    expect(page.locator("#alerts")).to_contain_text("Đã xóa các lần đăng nhập sai")
    expect(page.locator("#lockout-state")).to_have_text("0")
    expect(page.locator("#unlock")).to_have_count(0)


def test_the_organisation_before_and_after_the_2025_mergers(admin: Tab) -> None:
    page = admin.page
    page.goto("/admin/org?as_of=2024-12-31")
    expect(page.locator("h1")).to_contain_text("31/12/2024")
    assert count_of(admin, "so-tu-phap") == "63"
    assert count_of(admin, "cuc-thads") == "63"
    hagiang = page.locator(".tree__unit", has_text="Sở Tư pháp tỉnh Hà Giang").first
    expect(hagiang).to_contain_text("Hợp nhất vào Sở Tư pháp tỉnh Tuyên Quang từ ngày 01/07/2025")
    admin.check_accessibility()

    page.locator("#as_of").fill("2026-01-01")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("h1")).to_contain_text("01/01/2026")
    assert count_of(admin, "so-tu-phap") == "34"
    assert count_of(admin, "cuc-thads") == "34"
    tuyenquang = page.locator(".tree__unit", has_text="Sở Tư pháp tỉnh Tuyên Quang").first
    expect(tuyenquang).to_contain_text("Sở Tư pháp tỉnh Hà Giang")  # formed from
    page.locator("summary", has_text="Sở Tư pháp").first.click()
    admin.check_accessibility()
    page.evaluate("window.scrollTo(0, 0)")
    admin.screenshots("admin-org")


def test_a_regions_members_and_saving_the_region(admin: Tab) -> None:
    page = admin.page
    page.get_by_role("link", name="Khu vực thi đua").first.click()
    expect(page.locator("h1")).to_contain_text(str(TODAY.year))
    admin.check_accessibility()
    page.get_by_role("link", name=re.compile("Đồng bằng Bắc Bộ")).click()
    members = page.locator("#members tbody tr")
    expect(members).to_have_count(12)
    expect(members.first).to_contain_text("Sở Tư pháp thành phố Hải Phòng")
    expect(members.first).to_contain_text("Trưởng khu vực")
    expect(page.locator("#members")).to_contain_text("Sở Tư pháp thành phố Hà Nội")
    admin.check_accessibility()
    page.locator("#edit-region").click()
    expect(page.locator("#member-stp-01")).to_be_checked()
    admin.check_accessibility()
    page.locator("#save-region").click()
    expect(page.locator("#alerts")).to_contain_text("Đã lưu khu vực thi đua")
    expect(members).to_have_count(12)


def test_an_api_client_and_its_secret_shown_once(admin: Tab, platform: WebPlatform) -> None:
    page = admin.page
    page.goto("/admin/clients")
    admin.check_accessibility()
    page.locator("#client_id").fill(CLIENT)
    page.locator("#name").fill("Cơ sở dữ liệu khen thưởng quốc gia")
    page.locator("#scope-awards-read").check()
    page.locator("#create-client").click()
    secret = page.locator("#client-secret").inner_text().strip()
    assert len(secret) >= 40
    admin.check_accessibility()
    token = requests.post(
        f"{platform.gateway}/api/v1/identity/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT, secret),
        timeout=10,
    )
    assert token.status_code == 200 and token.json()["scope"] == "awards:read"
    page.locator("#back-to-clients").click()
    expect(page.locator("#clients")).to_contain_text(CLIENT)
    assert secret not in page.content()
    page.get_by_role("button", name=f"Thu hồi {CLIENT}").click()
    expect(page.locator("#clients")).to_contain_text("Đã thu hồi")
    admin.check_accessibility()


def test_the_audit_log_filtered_by_who_what_and_when(admin: Tab) -> None:
    page = admin.page
    page.goto("/admin/audit")
    admin.check_accessibility()
    page.locator("#who").fill("quantri")
    page.locator("#action").select_option("user.deactivated")
    page.locator("#from").fill(TODAY.isoformat())
    page.locator("#to").fill(TODAY.isoformat())
    page.locator("#filter").click()
    rows = page.locator("#audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(NEW_NAME)
    expect(rows.first).to_contain_text("Khóa tài khoản")
    admin.check_accessibility()
    page.locator("#action").select_option("")
    page.locator("#from").fill((TODAY + timedelta(days=1)).isoformat())
    page.locator("#to").fill((TODAY + timedelta(days=1)).isoformat())
    page.locator("#filter").click()
    expect(page.locator("#audit")).to_have_count(0)  # nothing tomorrow


def test_the_unit_admin_sees_only_their_units_users(browser: Any, platform: WebPlatform) -> None:
    hcm = user_id(platform, "stp.hcm")
    tab = Tab(browser, platform.gateway)
    try:
        page = tab.page
        page.goto("/admin/users")
        tab.sign_in("qt.hanoi", PASSWORD)
        names = page.locator("#users tbody tr td:nth-child(3)").all_inner_texts()
        assert names and set(names) == {"Sở Tư pháp thành phố Hà Nội"}
        tab.check_accessibility()
        page.goto(f"/admin/users/{hcm}")
        expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
        tab.check_accessibility()
    finally:
        tab.close()


def test_the_auditor_reads_the_audit_log_and_sees_no_write_button(
    browser: Any, platform: WebPlatform
) -> None:
    tab = Tab(browser, platform.gateway)
    try:
        page = tab.page
        page.goto("/admin/audit")
        tab.sign_in("kiemtoan", PASSWORD)
        expect(page.locator("#audit tbody tr").first).to_be_visible()
        tab.check_accessibility()
        for path in (
            "/admin/users",
            f"/admin/users/{user_id(platform, NEW_USER)}",
            f"/admin/regions/{TODAY.year}-dong-bang-bac-bo",
        ):
            page.goto(path)
            expect(page.locator("main h1")).to_be_visible()
            assert page.locator("main form[method=post]").count() == 0, path
            assert page.locator("#new-user, #edit-region").count() == 0, path
            tab.check_accessibility()
    finally:
        tab.close()
