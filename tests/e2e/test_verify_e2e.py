"""A member of the public opens a verify URL taken from the manifest and reads "Hợp lệ";
the organiser starts a batch and the progress page (static JS polling) ends with the
download links."""

from __future__ import annotations

from urllib.parse import urlsplit

import openpyxl
import pytest
from playwright.sync_api import expect

from contest.certificates import service
from contest.extensions import db
from contest.models import Edition
from tests.helpers import ARTIFACTS, PASSWORD
from tests.unit.test_certificates_service import build_awarded_edition

BASE_URL = "https://xacthuc.lienhiephoi.example.vn"


@pytest.fixture(autouse=True)
def _isolated_key_and_files(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEY_FILE", str(tmp_path / "keys" / "signing.pem"))
    monkeypatch.setitem(app.config, "CERTIFICATE_FOLDER", str(tmp_path / "certificates"))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    monkeypatch.delenv("CERT_SIGNING_KEY", raising=False)


def test_verify_page_from_a_manifest_url_says_valid(app, world, live_server, page, tmp_path):
    ids = build_awarded_edition(app, world, settings={"participation": True})
    with app.app_context():
        _, outputs = service.generate(db.session.get(Edition, ids["edition"]), tmp_path / "out", BASE_URL)
    ws = openpyxl.load_workbook(outputs.xlsx)["Danh sách in"]
    rows = [r for r in ws.iter_rows(values_only=True) if r[6] and str(r[6]).startswith(BASE_URL)]
    assert len(rows) == outputs.count == 8
    number, name, prize, entry, *_rest, url, status = rows[0]
    assert status == "Hợp lệ"
    parts = urlsplit(url)
    page.goto(live_server + parts.path)  # the printed host rewritten to the live server
    expect(page.locator(".verify-status")).to_have_text("Hợp lệ")
    expect(page.locator(".verify-signature")).to_contain_text("Chữ ký số hợp lệ")
    expect(page.locator(".verify-name")).to_have_text(name)
    expect(page.locator(".cert-card-prize")).to_contain_text(prize)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "certificate-verify.png"), full_page=True)

    # The lookup form takes the printed code typed in lower case with hyphens.
    page.goto(live_server + "/v")
    page.get_by_label("Mã xác thực in trên giấy chứng nhận").fill(rows[1][5].lower())
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator(".verify-name")).to_have_text(rows[1][1])
    page.goto(live_server + "/v/AAAA-BBBB-CCCC-DDDD")
    expect(page.locator(".verify-status")).to_have_text("Không tồn tại")


def test_batch_progress_page_ends_with_downloads(app, world, live_server, page):
    ids = build_awarded_edition(app, world, settings={"mentors": True})
    page.goto(live_server + "/login")
    page.get_by_label("Tên đăng nhập").fill("btc")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server}/e/{ids['slug']}/certificates")
    expect(page.locator("#plan-to-issue")).to_have_text("4")
    page.get_by_role("button", name="Cấp giấy chứng nhận và tạo tệp in").click()
    expect(page.locator("#batch-status")).to_have_text("Đã xong", timeout=60_000)
    expect(page.locator("#batch-downloads")).to_contain_text("Tệp PDF gộp để in")
    expect(page.locator("#batch-progress")).to_have_attribute("value", "100")
    page.screenshot(path=str(ARTIFACTS / "certificate-batch.png"), full_page=True)
    page.goto(f"{live_server}/e/{ids['slug']}/certificates")
    expect(page.locator("#cert-table")).to_contain_text("Lê Văn Cường")
    page.screenshot(path=str(ARTIFACTS / "certificate-list.png"), full_page=True)

    # Revoke the last one from its page; the public page says so at once.
    page.locator("#cert-table tbody tr").last.get_by_role("link").click()
    code = page.locator("dd code").first.inner_text()
    page.get_by_label("Lý do thu hồi").fill("Trao nhầm giải")
    page.get_by_role("button", name="Thu hồi").click()
    expect(page.locator("#cert-status")).to_have_text("Đã thu hồi")
    page.screenshot(path=str(ARTIFACTS / "certificate-detail-revoked.png"), full_page=True)
    page.goto(f"{live_server}/v/{code}")
    expect(page.locator(".verify-status")).to_have_text("Đã thu hồi")
    expect(page.locator(".verify-reason")).to_have_text("Trao nhầm giải")
    page.screenshot(path=str(ARTIFACTS / "certificate-verify-revoked.png"), full_page=True)
