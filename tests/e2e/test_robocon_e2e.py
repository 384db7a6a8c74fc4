"""On a tablet, a referee scores the current run of a field with the +/− buttons; the head
referee commits it from the review list; the audience display, open on another screen,
shows the new ranking without being reloaded."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db
from contest.models.robocon import RoboconFixture, RoboconResult
from contest.robocon import services as rs
from tests.helpers import ARTIFACTS, PASSWORD
from tests.web.test_robocon_web import SLUG, scheduled

SLOW = 20_000  # the display polls every 4 s


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/dashboard")


def test_referee_scores_head_referee_commits_display_updates(live_server, app, world, page, browser):
    scheduled(app, world, teams=4)
    with app.app_context():
        edition = rs.get_edition(SLUG)
        level = rs.level_of(edition, "vong_loai")
        fields = rs.level_fields(edition, level)
        venue, field = fields[0]
        current = rs.level_fixtures(edition, level, venue=venue, field_name=field)[0]
        team, division = current.entry_a.title, current.stage.division.code
        fixture_id = current.id

    # The audience screen (anonymous, big screen) is open before anything is scored.
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(f"{live_server}/robocon/{SLUG}/display?cap=vong_loai&bang={division}")
    first_row = screen.locator("#rb-ranking tr").first
    expect(first_row.locator(".rb-p")).to_have_text("0")

    # The referee picks the field, opens the current run and scores it with touch taps.
    _login(page, live_server, "tt-robocon")
    page.goto(f"{live_server}/robocon/{SLUG}/vong_loai/referee")
    page.get_by_role("link").filter(has_text=venue).filter(has_text=field).first.click()
    expect(page.get_by_role("heading", name="Đang thi")).to_be_visible()
    page.get_by_role("link", name="Mở phiếu chấm").click()
    expect(page.get_by_role("heading", name=f"Lượt 1 – {team}")).to_be_visible()
    total = page.locator("#total-a")
    expect(total).to_have_text("0")
    page.get_by_role("button", name="Thêm 1: Robot xuất phát đúng quy định").tap()
    page.get_by_role("button", name="Thêm 1: Vượt qua cầu").tap()
    for _ in range(2):
        page.get_by_role("button", name="Thêm 1: Đặt khối hộp vào ô đích").tap()
    page.get_by_role("button", name="Thêm 1: Chạm tay vào robot khi đang thi").tap()
    expect(total).to_have_text("50")
    page.get_by_role("button", name="Bớt 1: Chạm tay vào robot khi đang thi").tap()
    expect(total).to_have_text("60")
    # the maximum of an item cannot be passed with the + button
    plus = page.get_by_role("button", name="Thêm 1: Vượt qua cầu")
    expect(plus).to_be_disabled()
    page.get_by_label("Thời gian hoàn thành (giây)").fill("72,4")
    page.get_by_role("button", name="Lưu phiếu chấm").click()
    expect(page.get_by_text("Đã lưu phiếu chấm (phiên bản 1): chờ duyệt.")).to_be_visible()
    expect(page.locator("#phien-ban-1")).to_contain_text("Chờ duyệt")
    page.screenshot(path=str(ARTIFACTS / "robocon-referee-sheet.png"), full_page=True)

    # Not committed yet: the screen still shows no points for anyone.
    screen.wait_for_timeout(4_500)
    expect(first_row.locator(".rb-p")).to_have_text("0")

    # The head referee commits it from the review list on another tablet.
    head_context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, locale="vi-VN")
    head = head_context.new_page()
    _login(head, live_server, "ttt-robocon")
    head.goto(f"{live_server}/robocon/{SLUG}/review")
    row = head.get_by_role("row").filter(has_text=team)
    expect(row).to_contain_text("60")
    row.get_by_role("button", name="Duyệt").tap()
    expect(head.get_by_text("Đã duyệt phiên bản 1")).to_be_visible()
    expect(head.get_by_text("Không có phiếu chấm nào đang chờ duyệt.")).to_be_visible()

    # The audience screen picks the new ranking up by itself.
    expect(first_row).to_contain_text(team, timeout=SLOW)
    expect(first_row.locator(".rb-p")).to_have_text("60", timeout=SLOW)
    expect(first_row).to_contain_text("72,4")
    screen.screenshot(path=str(ARTIFACTS / "robocon-display.png"))
    head_context.close()

    with app.app_context():
        result = db.session.scalar(select(RoboconResult).where(RoboconResult.fixture_id == fixture_id))
        assert (result.status, result.points_a, result.time_a) == ("committed", 60, 72.4)
        assert db.session.get(RoboconFixture, fixture_id).state == "committed"
