"""The demo organiser logs in on a tablet-sized Chromium window and sees the dashboard."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.helpers import ARTIFACTS, PASSWORD


def test_organiser_logs_in_and_sees_dashboard(live_server, world, page):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Tên đăng nhập").fill("btc")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(live_server + "/dashboard")
    expect(page.get_by_role("heading", name="Ban Tổ chức tỉnh")).to_be_visible()
    expect(page.locator("#panel-organiser")).to_contain_text("Cuộc thi Sáng tạo TTNNĐ lần thứ 22")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-organiser.png"), full_page=True)


def test_wrong_password_shows_vietnamese_error(live_server, world, page):
    page.goto(live_server + "/login")
    page.get_by_label("Tên đăng nhập").fill("btc")
    page.get_by_label("Mật khẩu").fill("sai mat khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert").first).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("btc")
