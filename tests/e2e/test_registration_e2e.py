"""A school registers an entry with a photo on a tablet and sees it submitted."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db
from contest.models import Entry
from tests.helpers import ARTIFACTS, PASSWORD


def _photo(path):
    image = Image.new("RGB", (1200, 800), (30, 120, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_school_registers_an_entry_with_a_photo(live_server, world, page, app, tmp_path):
    upload_dir = tmp_path / "uploads"
    original = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(upload_dir)
    try:
        page.goto(live_server + "/login")
        page.get_by_label("Tên đăng nhập").fill("truong")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(live_server + "/e/sang-tao-tttn-2026/entries")
        page.get_by_role("link", name="Đăng ký bài mới").click()
        page.get_by_label("Tên sản phẩm, mô hình").fill("Thiết bị cảnh báo đuối nước")
        page.locator("#people-0-full_name").fill("Nguyễn Thị Ánh Tuyết")
        page.locator("#people-0-birth_date").fill("14/05/2012")
        page.locator("#people-0-gender").select_option("female")
        page.locator("#people-0-class_name").fill("8A")
        page.locator("#mentors-0-full_name").fill("Trần Văn Bình")
        page.get_by_role("button", name="Lưu bản nháp").click()
        page.wait_for_load_state()
        errors = page.locator(".error, .flash-error").all_inner_texts()
        assert not errors, errors
        expect(page.locator("#entry-status")).to_have_text("Bản nháp")
        page.locator("input[type=file]").set_input_files(str(_photo(tmp_path / "san-pham.jpg")))
        page.get_by_role("button", name="Tải lên").click()
        expect(page.locator(".files-panel img").first).to_be_visible()
        page.get_by_role("button", name="Gửi Ban Tổ chức").click()
        expect(page.get_by_text("Đã gửi bài dự thi tới Ban Tổ chức.")).to_be_visible()
        expect(page.locator("#entry-status")).to_have_text("Đã gửi")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "entry-submitted-school.png"), full_page=True)
        page.goto(live_server + "/e/sang-tao-tttn-2026/entries")
        expect(page.get_by_role("row", name="Thiết bị cảnh báo đuối nước")).to_contain_text("Đã gửi")
        with app.app_context():
            entry = db.session.scalar(select(Entry))
            assert entry.status == "submitted"
            assert entry.authors[0].full_name == "Nguyễn Thị Ánh Tuyết"
            assert len(entry.photos) == 1
    finally:
        app.config["UPLOAD_FOLDER"] = original
