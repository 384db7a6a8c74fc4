"""Certificate pages: public verification (page, PDF, JSON API, key, revocation list,
rate limit), the organiser's list, batch job with downloads, revoke and reissue, and the
CLI commands."""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from contest import create_app
from contest.certificates import keys, service
from contest.certificates.codes import format_code
from contest.certificates.signing import load_public_key_pem, verify_revocation_list, verify_signed
from contest.extensions import db
from contest.models import AuditLog, Certificate, CertificateBatch, Edition
from tests.helpers import inline_scripts, login, post_form
from tests.unit.test_certificates_service import build_awarded_edition

BASE_URL = "https://xacthuc.lienhiephoi.example.vn"


@pytest.fixture(autouse=True)
def _isolated_key_and_files(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEY_FILE", str(tmp_path / "keys" / "signing.pem"))
    monkeypatch.setitem(app.config, "CERTIFICATE_FOLDER", str(tmp_path / "certificates"))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    monkeypatch.delenv("CERT_SIGNING_KEY", raising=False)


@pytest.fixture
def issued(app, world):
    """The awarded edition with its three award certificates issued."""
    ids = build_awarded_edition(app, world)
    with app.app_context():
        service.issue_certificates(db.session.get(Edition, ids["edition"]))
        db.session.commit()
        certs = db.session.scalars(
            select(Certificate).where(Certificate.edition_id == ids["edition"]).order_by(Certificate.register_number)
        ).all()
        ids["certs"] = [(c.id, c.code, c.full_name) for c in certs]
    return ids


def _text(response) -> str:
    return response.get_data(as_text=True)


# ----------------------------------------------------------------------- public pages


def test_verify_page_shows_a_valid_certificate_and_nothing_private(client, issued):
    _, code, _ = issued["certs"][1]  # Trần Đức Bảo, with birth date, phone, class and e-mail
    response = client.get(f"/v/{code}")
    html = _text(response)
    assert response.status_code == 200
    assert 'data-status="valid">Hợp lệ<' in html
    assert "Chữ ký số hợp lệ" in html
    for shown in ("Trần Đức Bảo", "Giải Nhất", "Máy tưới cây tự động thông minh", "Trường THCS Tân Yên",
                  "Cuộc thi Sáng tạo TTNNĐ lần thứ 22", "Số vào sổ", format_code(code)):
        assert shown in html
    for private in ("06/05/2012", "2012-05-06", "0912345678", "8A", "bao@example.vn", "0987654321"):
        assert private not in html
    assert f"/v/{code}/certificate.pdf" in html
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert inline_scripts(html) == [] and "style=" not in html


def test_verify_page_for_a_signed_in_user_is_not_publicly_cacheable(client, issued):
    _, code, _ = issued["certs"][0]
    login(client, "btc")
    response = client.get(f"/v/{code}")
    assert response.status_code == 200 and "Người dùng btc" in _text(response)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_verify_page_accepts_lower_case_and_hyphens(client, issued):
    _, code, name = issued["certs"][0]
    response = client.get("/v/" + format_code(code).lower())
    assert response.status_code == 200 and name in _text(response)


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAA", "khong-phai-ma", "ABCD-EFGH-JKLM-NPQ1"])
def test_forged_or_malformed_code_shows_does_not_exist(client, issued, code):
    response = client.get(f"/v/{code}")
    assert response.status_code == 404
    html = _text(response)
    assert "Không tồn tại" in html and "Hợp lệ" not in html
    assert client.get(f"/v/{code}/certificate.pdf").status_code == 404


def test_api_gives_the_same_404_for_malformed_and_unknown_codes(client, issued):
    unknown = client.get("/api/v1/verify/AAAAAAAAAAAAAAAA")
    malformed = client.get("/api/v1/verify/xin-chao")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.get_json() == malformed.get_json()
    assert unknown.get_json()["status"] == "not_found"


def test_api_returns_the_signed_record_verifiable_with_the_published_key(client, issued):
    _, code, name = issued["certs"][0]
    response = client.get(f"/api/v1/verify/{code.lower()}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "valid" and data["signature_valid"] is True
    assert data["certificate"]["name"] == name and data["code"] == code
    pem = client.get("/.well-known/certificate-signing-key.pem")
    assert pem.status_code == 200 and pem.mimetype == "application/x-pem-file"
    public = load_public_key_pem(pem.get_data())
    assert verify_signed(public, data["signed"])
    key_doc = client.get("/.well-known/certificate-keys.json").get_json()
    assert key_doc["keys"][0]["key_id"] == data["signed"]["key_id"]
    assert key_doc["keys"][0]["public_key_pem"] == pem.get_data(as_text=True)


def test_revoked_certificate_page_and_api_410(app, client, issued):
    cert_id, code, _ = issued["certs"][2]
    with app.app_context():
        service.revoke(db.session.get(Certificate, cert_id), "Bài dự thi sao chép")
        db.session.commit()
    html = _text(client.get(f"/v/{code}"))
    assert 'data-status="revoked">Đã thu hồi<' in html and "Bài dự thi sao chép" in html
    assert "ĐÃ THU HỒI" in html  # the stamp on the preview card
    api = client.get(f"/api/v1/verify/{code}")
    assert api.status_code == 410
    assert api.get_json()["reason"] == "Bài dự thi sao chép" and api.get_json()["status"] == "revoked"
    assert client.get(f"/v/{code}/certificate.pdf").status_code == 410
    signed = client.get("/.well-known/certificate-revocations.json").get_json()
    with app.app_context():
        assert verify_revocation_list(keys.public_key(), signed)
    assert [e["code"] for e in signed["record"]["entries"]] == [code]


def test_public_pdf_is_rendered_on_the_fly(client, issued):
    _, code, name = issued["certs"][0]
    response = client.get(f"/v/{code}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.get_data())).pages[0].extract_text()
    assert name in text and format_code(code) in text
    assert f"http://localhost/v/{code}" in text  # request.host_url when PUBLIC_BASE_URL is not set


def test_public_pdf_follows_a_template_saved_by_another_worker(app, client, issued):
    """The memo of rendered PDFs is keyed by the template's fingerprint: a template saved
    through another process (here straight into the database) is used at once."""
    from contest.certificates.pdf import CertificateTemplate

    _, code, _ = issued["certs"][0]
    before = PdfReader(io.BytesIO(client.get(f"/v/{code}/certificate.pdf").get_data())).pages[0].extract_text()
    assert "HỘI ĐỒNG THỬ MẪU MỚI" not in before
    with app.app_context():
        edition = db.session.get(Edition, issued["edition"])
        template = CertificateTemplate(issuer="HỘI ĐỒNG THỬ MẪU MỚI", place="Bắc Ninh", entry_label="Sản phẩm")
        edition.settings = {**(edition.settings or {}),
                            "certificates": {**(edition.settings or {}).get("certificates", {}),
                                             "template": template.to_dict()}}
        db.session.commit()
    after = PdfReader(io.BytesIO(client.get(f"/v/{code}/certificate.pdf").get_data())).pages[0].extract_text()
    assert "HỘI ĐỒNG THỬ MẪU MỚI" in after


def test_lookup_form_redirects_to_the_certificate(client, issued):
    _, code, _ = issued["certs"][0]
    page = client.get("/v")
    assert page.status_code == 200 and "Mã xác thực" in _text(page)
    response = client.get("/v", query_string={"ma": "  " + format_code(code).lower() + " "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/v/{code}")
    bad = client.get("/v", query_string={"ma": "12345"})
    assert bad.status_code == 200
    assert "không đúng định dạng" in _text(bad) and 'value="12345"' in _text(bad)
    empty = client.get("/v", query_string={"ma": ""})
    assert "Vui lòng nhập mã xác thực" in _text(empty)


def test_verify_endpoints_are_rate_limited_per_client(app, database_url, issued):
    limited = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                          "VERIFY_RATE_LIMIT": "3 per minute",
                          "CERT_SIGNING_KEY_FILE": app.config["CERT_SIGNING_KEY_FILE"]})
    client = limited.test_client()
    _, code, _ = issued["certs"][0]
    codes = [client.get(f"/api/v1/verify/{code}").status_code for _ in range(2)]
    codes.append(client.get(f"/v/{code}").status_code)  # one budget for page and API
    assert codes == [200, 200, 200]
    blocked = client.get(f"/api/v1/verify/{code}")
    assert blocked.status_code == 429 and blocked.get_json()["status"] == 429
    page = client.get("/v/AAAAAAAAAAAAAAAA")
    assert page.status_code == 429 and "Quá nhiều yêu cầu" in _text(page)
    other = limited.test_client()
    assert other.get(f"/api/v1/verify/{code}", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


@pytest.mark.parametrize("url", [
    "/v/" + "A" * 500, "/v/%00%ff", "/v/%E2%80%8B", "/api/v1/verify/" + "7" * 300, "/api/v1/verify/%C4%91",
    "/v/ABCD/certificate.pdf", "/v?ma=" + "x" * 1000, "/v?ma=%00",
])
def test_odd_public_input_never_gives_a_server_error(client, issued, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    if url.startswith("/api/"):
        assert response.get_json()["status"] == "not_found"


def test_odd_organiser_input_never_gives_a_server_error(client, issued):
    login(client, "btc")
    slug = issued["slug"]
    for url in (f"/e/{slug}/certificates?page=abc&kind=%00&q=" + "%" * 300, f"/e/{slug}/certificates?q=_%25",
                f"/e/{slug}/certificates/999999", f"/e/{slug}/certificates/batches/999999",
                f"/e/{slug}/certificates/batches/999999/status.json", f"/e/{slug}/certificates/abc"):
        assert client.get(url).status_code in (200, 404), url
    long = post_form(client, f"/e/{slug}/certificates/settings", {"signer_name": "x" * 300},
                     token_from=f"/e/{slug}/certificates")
    assert long.status_code == 400 and "dài quá 120 ký tự" in _text(long)


def test_broken_template_in_settings_is_reported_not_crashed(app, client, issued):
    with app.app_context():
        edition = db.session.get(Edition, issued["edition"])
        edition.settings = {"certificates": {"template": {"no_such_option": 1}}}
        db.session.commit()
    _, code, _ = issued["certs"][0]
    public = client.get(f"/v/{code}/certificate.pdf")
    assert public.status_code == 503 and "Chưa tải được bản PDF" in _text(public)
    assert client.get(f"/v/{code}").status_code == 200  # verification itself still works
    login(client, "btc")
    page = client.get(f"/e/{issued['slug']}/certificates")
    assert page.status_code == 200 and "Mẫu giấy chứng nhận của kỳ thi không hợp lệ" in _text(page)
    started = post_form(client, f"/e/{issued['slug']}/certificates/batches", {},
                        token_from=f"/e/{issued['slug']}/certificates", follow=True)
    assert "Mẫu giấy chứng nhận của kỳ thi không hợp lệ" in _text(started)


# -------------------------------------------------------------------- organiser pages


@pytest.mark.parametrize("username", ["btc-xa", "truong", "giamkhao", "trongtai"])
def test_organiser_pages_are_forbidden_to_other_roles(client, issued, username):
    login(client, username)
    cert_id = issued["certs"][0][0]
    slug = issued["slug"]
    for url in (f"/e/{slug}/certificates", f"/e/{slug}/certificates/{cert_id}",
                f"/e/{slug}/certificates/{cert_id}/certificate.pdf"):
        assert client.get(url).status_code == 403
    assert client.post(f"/e/{slug}/certificates/{cert_id}/revoke", data={"reason": "x"}).status_code in (400, 403)


def test_anonymous_organiser_page_goes_to_login(client, issued):
    response = client.get(f"/e/{issued['slug']}/certificates")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_shows_counts_plan_and_filters(client, issued):
    login(client, "btc")
    slug = issued["slug"]
    html = _text(client.get(f"/e/{slug}/certificates"))
    assert "Đặng Thị Đào" in html and "Trần Đức Bảo" in html
    assert re.search(r'id="plan-to-issue">0<', html)
    filtered = _text(client.get(f"/e/{slug}/certificates", query_string={"q": "Đào"}))
    assert "Đặng Thị Đào" in filtered and "Trần Đức Bảo" not in filtered
    bogus = client.get(f"/e/{slug}/certificates", query_string={"status": "abc"})
    assert bogus.status_code == 200 and "không hợp lệ" in _text(bogus)
    assert client.get("/e/khong-co/certificates").status_code == 404


def test_settings_form_saves_options(app, client, issued):
    login(client, "btc")
    slug = issued["slug"]
    url = f"/e/{slug}/certificates/settings"
    bad = post_form(client, url, {"participation": "y", "issued_on": "31/02/2026"}, token_from=f"/e/{slug}/certificates")
    assert bad.status_code == 400 and 'value="31/02/2026"' in _text(bad)
    ok = post_form(client, url, {"participation": "y", "signer_title": "TM. BAN TỔ CHỨC", "signer_name": "Nguyễn Văn A",
                                 "issued_on": "20/11/2026"}, token_from=f"/e/{slug}/certificates", follow=True)
    assert "Đã lưu cấu hình" in _text(ok)
    with app.app_context():
        settings = db.session.get(Edition, issued["edition"]).settings["certificates"]
        assert settings["participation"] is True and settings["issued_on"] == "2026-11-20"
        assert db.session.scalars(select(AuditLog).where(AuditLog.action == "certificate.settings")).one()
    # Participation now makes everyone of the accepted entries eligible: 3 awards + 5 participants.
    assert re.search(r'id="plan-to-issue">5<', _text(client.get(f"/e/{slug}/certificates")))


def test_batch_job_runs_in_the_background_and_offers_downloads(app, client, issued):
    login(client, "btc")
    slug = issued["slug"]
    response = post_form(client, f"/e/{slug}/certificates/batches", {}, token_from=f"/e/{slug}/certificates")
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    batch_id = int(re.search(r"/batches/(\d+)", batch_url).group(1))
    assert service.wait_for_batch(batch_id, timeout=120)
    status = client.get(f"{batch_url}/status.json").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["count"] == 3
    page = _text(client.get(batch_url))
    assert 'src="/static/js/certificates.js"' in page and "<progress" in page
    assert "Tệp PDF gộp để in" in page and "Danh sách Excel" in page
    pdf = client.get(f"{batch_url}/files/pdf")
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.get_data())).pages) == 3
    assert "attachment" in pdf.headers["Content-Disposition"]
    archive = client.get(f"{batch_url}/files/zip")
    assert zipfile.ZipFile(io.BytesIO(archive.get_data())).namelist()[2] == "0003-dang-thi-dao.pdf"
    sheet = client.get(f"{batch_url}/files/xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(sheet.get_data())).active
    urls = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str) and "/v/" in c]
    assert urls and all(u.startswith("http://localhost/v/") for u in urls)
    assert client.get(f"{batch_url}/files/secret").status_code == 404
    with app.app_context():
        batch = db.session.get(CertificateBatch, batch_id)
        assert batch.output_dir.endswith(f"{slug}/{batch_id}")
    school = app.test_client()
    login(school, "truong")
    assert school.get(f"{batch_url}/files/pdf").status_code == 403
    assert school.get(f"{batch_url}/status.json").status_code == 403


def test_batch_of_an_edition_without_certificates_fails_with_a_message(app, client, world):
    login(client, "btc")
    slug = "sang-tao-tttn-2026"
    response = post_form(client, f"/e/{slug}/certificates/batches", {}, token_from=f"/e/{slug}/certificates")
    batch_id = int(re.search(r"/batches/(\d+)", response.headers["Location"]).group(1))
    assert service.wait_for_batch(batch_id, timeout=60)
    page = _text(client.get(response.headers["Location"]))
    assert "Không thành công" in page and "chưa có giấy chứng nhận nào còn hiệu lực" in page
    assert client.get(response.headers["Location"] + "/files/pdf").status_code == 404


def test_revoke_through_the_organiser_page(app, client, issued):
    login(client, "btc")
    slug = issued["slug"]
    cert_id, code, _ = issued["certs"][2]
    detail = f"/e/{slug}/certificates/{cert_id}"
    empty = post_form(client, f"{detail}/revoke", {"reason": ""}, token_from=detail)
    assert empty.status_code == 400 and "Vui lòng nhập lý do thu hồi" in _text(empty)
    done = post_form(client, f"{detail}/revoke", {"reason": "Trao nhầm giải"}, token_from=detail, follow=True)
    assert "Đã thu hồi giấy chứng nhận số vào sổ 3" in _text(done)
    assert client.get(f"/api/v1/verify/{code}").status_code == 410
    with app.app_context():
        log = db.session.scalars(select(AuditLog).where(AuditLog.action == "certificate.revoke")).one()
        assert log.reason == "Trao nhầm giải" and log.user_id == issued_user(app, "btc")


def issued_user(app, username: str) -> int:
    from contest.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_reissue_with_a_corrected_name(app, client, issued):
    login(client, "btc")
    slug = issued["slug"]
    cert_id, old_code, _ = issued["certs"][2]
    detail = f"/e/{slug}/certificates/{cert_id}"
    same = post_form(client, f"{detail}/reissue", {"full_name": "Đặng Thị Đào"}, token_from=detail)
    assert same.status_code == 400 and "trùng" in _text(same)
    response = post_form(client, f"{detail}/reissue", {"full_name": "Đặng Thị Đào Hoa", "note": "Sai tên"},
                         token_from=detail)
    assert response.status_code == 302
    new_page = _text(client.get(response.headers["Location"]))
    assert "Đặng Thị Đào Hoa" in new_page and "Số vào sổ 3" in new_page  # "Thay cho"
    with app.app_context():
        new = db.session.scalar(select(Certificate).where(Certificate.full_name == "Đặng Thị Đào Hoa"))
        new_code, new_number = new.code, new.register_number
    assert new_number == 4 and new_code != old_code
    old_public = _text(client.get(f"/v/{old_code}"))
    assert "Đã thu hồi" in old_public and "thay thế" in old_public and new_code not in old_public
    new_public = _text(client.get(f"/v/{new_code}"))
    assert "Hợp lệ" in new_public and "Đặng Thị Đào Hoa" in new_public
    pdf = client.get(f"/e/{slug}/certificates/{new.id}/certificate.pdf")
    assert "Đặng Thị Đào Hoa" in PdfReader(io.BytesIO(pdf.get_data())).pages[0].extract_text()


# ------------------------------------------------------------------------------ CLI


def test_cli_issue_certificates_writes_the_three_files(app, runner, world, tmp_path):
    ids = build_awarded_edition(app, world)
    out = tmp_path / "in-an"
    result = runner.invoke(args=["issue-certificates", ids["slug"], "--out", str(out), "--base-url", BASE_URL])
    assert result.exit_code == 0, result.output
    assert "Đã cấp mới 3 giấy chứng nhận" in result.output
    for name in ("certificates.pdf", "certificates.zip", "manifest.xlsx"):
        assert (out / name).stat().st_size > 0
    assert len(PdfReader(out / "certificates.pdf").pages) == 3
    again = runner.invoke(args=["issue-certificates", ids["slug"], "--out", str(out)])
    assert again.exit_code == 0 and "giữ nguyên 3" in again.output
    missing = runner.invoke(args=["issue-certificates", "khong-co", "--out", str(out)])
    assert missing.exit_code == 2 and "không có kỳ thi" in missing.output


def test_cli_verify_certificate_offline(app, client, runner, issued, tmp_path):
    _, code, name = issued["certs"][0]
    downloaded = tmp_path / "giay.json"
    downloaded.write_bytes(client.get(f"/api/v1/verify/{code}").get_data())
    ok = runner.invoke(args=["verify-certificate", str(downloaded)])
    assert ok.exit_code == 0 and "HỢP LỆ" in ok.output and name in ok.output

    envelope = json.loads(downloaded.read_text())["signed"]
    envelope["record"]["prize"] = "Giải Nhì"  # altered after download
    altered = tmp_path / "sua.json"
    altered.write_text(json.dumps(envelope, ensure_ascii=False), encoding="utf-8")
    bad = runner.invoke(args=["verify-certificate", str(altered)])
    assert bad.exit_code == 1 and "KHÔNG HỢP LỆ" in bad.output

    pem = tmp_path / "khoa.pem"
    pem.write_bytes(client.get("/.well-known/certificate-signing-key.pem").get_data())
    with_pem = runner.invoke(args=["verify-certificate", str(downloaded), "--public-key", str(pem)])
    assert with_pem.exit_code == 0

    other_key = tmp_path / "khac.pem"
    from contest.certificates.signing import generate_private_key, public_key_pem

    other_key.write_text(public_key_pem(generate_private_key()))
    assert runner.invoke(args=["verify-certificate", str(downloaded), "--public-key", str(other_key)]).exit_code == 1

    garbage = tmp_path / "rac.json"
    garbage.write_text("{không phải json")
    result = runner.invoke(args=["verify-certificate", str(garbage)])
    assert result.exit_code == 1 and "không phải JSON" in result.output


def test_cli_verify_with_a_revocation_list(app, client, runner, issued, tmp_path):
    cert_id, code, _ = issued["certs"][0]
    downloaded = tmp_path / "giay.json"
    downloaded.write_bytes(client.get(f"/api/v1/verify/{code}").get_data())
    with app.app_context():
        service.revoke(db.session.get(Certificate, cert_id), "Trao nhầm")
        db.session.commit()
    crl = tmp_path / "thu-hoi.json"
    crl.write_bytes(client.get("/.well-known/certificate-revocations.json").get_data())
    result = runner.invoke(args=["verify-certificate", str(downloaded), "--revocations", str(crl)])
    assert result.exit_code == 1 and "đã bị thu hồi" in result.output and "Trao nhầm" in result.output
