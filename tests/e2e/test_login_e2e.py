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
    # The form came back with an error: it can be sent again at once (no double-send lock left).
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(live_server + "/dashboard")


def test_a_second_tap_while_the_answer_is_slow_does_not_send_the_form_again(live_server, world, page):
    held = []
    page.route("**/login", lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    page.goto(live_server + "/login")
    page.get_by_label("Tên đăng nhập").fill("btc")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    box = page.get_by_role("button", name="Đăng nhập").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(300)  # the first request is on its way, the server is slow ...
    assert len(held) == 1
    page.mouse.click(x, y)  # ... and the user taps again
    page.wait_for_timeout(300)
    assert len(held) == 1
    held[0].continue_()
    expect(page).to_have_url(live_server + "/dashboard")
