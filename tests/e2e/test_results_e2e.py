"""The organiser proposes the allocation, raises one entry's prize with a reason,
approves it with the decision number and date, publishes it; the public results page
then lists the winners (and the adjusted prize)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contest.results import cache
from tests.helpers import ARTIFACTS, PASSWORD
from tests.unit.test_results_service import SCORES, build

SLUG = "sang-tao-tttn-2026"


@pytest.fixture(autouse=True)
def _own_cache(app):
    cache.bump(app)  # pages cached by earlier tests belong to other data


def test_organiser_allocates_adjusts_approves_publishes(app, world, live_server, page):
    ids = build(app, world, SCORES)
    page.goto(live_server + "/login")
    page.get_by_label("Tên đăng nhập").fill("btc")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.goto(f"{live_server}/e/{SLUG}/results")
    expect(page.locator("#cap-tinh")).to_contain_text("12 bài có điểm chính thức")
    page.locator("#cap-tinh").get_by_role("button", name="Đề xuất phân bổ giải").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã đề xuất phân bổ giải (bản số 1, dự thảo).")
    expect(page.locator("#total-awards")).to_have_text("10")
    expect(page.locator("#total-money")).to_have_text("21.000.000 đ")

    # Raise E04 (Giải Ba) to Giải Nhì, with a reason.
    entry = ids["entries"][3]
    page.get_by_label("Bài dự thi").select_option(str(entry))
    page.get_by_label("Giải mới").select_option("nhi")
    page.get_by_label("Lý do điều chỉnh").fill("Hội đồng đề nghị nâng giải vì tính ứng dụng cao")
    page.get_by_role("button", name="Lưu điều chỉnh").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã điều chỉnh giải")
    row = page.locator(f'.results-awards tr[data-entry="{entry}"]')
    expect(row.locator(".prize")).to_have_text("Giải Nhì")
    expect(row).to_contain_text("Hội đồng đề nghị nâng giải vì tính ứng dụng cao")
    expect(page.locator("#nhat-ky")).to_contain_text("Giải Ba → Giải Nhì")

    page.get_by_label("Số quyết định công nhận giải").fill("125/QĐ-LHH")
    page.get_by_label("Ngày quyết định").fill("20/11/2026")
    page.get_by_role("button", name="Phê duyệt").click()
    expect(page.locator("#version-status")).to_have_text("Đã phê duyệt")
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.locator("#version-status")).to_have_text("Đã công bố")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results-organiser.png"), full_page=True)

    # The public page, as anyone sees it.
    public = page.context.browser.new_page(locale="vi-VN", viewport={"width": 1024, "height": 768})
    public.goto(f"{live_server}/editions/{SLUG}/results")
    expect(public.locator("#decision")).to_contain_text("125/QĐ-LHH")
    expect(public.locator("#decision")).to_contain_text("20/11/2026")
    expect(public.locator("#giai-nhat")).to_contain_text("Nguyễn Văn An")
    expect(public.locator("#giai-nhi")).to_contain_text("Phạm Quốc Dũng")  # the adjusted entry
    expect(public.locator("#giai-nhi tbody tr")).to_have_count(3)
    expect(public.locator("#shown-count")).to_have_text("Đang hiển thị 10 / 10 giải.")
    public.get_by_label("Giải").select_option("khuyen_khich")
    public.get_by_role("button", name="Lọc").click()
    expect(public.locator("#shown-count")).to_have_text("Đang hiển thị 4 / 10 giải.")
    public.screenshot(path=str(ARTIFACTS / "results-public.png"), full_page=True)
    public.close()
