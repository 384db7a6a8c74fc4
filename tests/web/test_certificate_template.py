"""The organiser's certificate template editor: background upload (re-encoded, used in
the PDF), texts and positions (validated in Vietnamese, input kept on error, saved as a
template that round-trips), preview PDF with stacked-mark Vietnamese names, reset, and
access."""

from __future__ import annotations

import io
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader
from sqlalchemy import select

from contest.certificates import service
from contest.certificates import template_editor as te
from contest.certificates.pdf import CertificateTemplate
from contest.extensions import db
from contest.models import AuditLog, Certificate, Edition
from tests.helpers import csrf_token, inline_scripts, login, post_form
from tests.unit.test_certificates_service import build_awarded_edition

SLUG = "sang-tao-tttn-2026"
EDITOR = f"/e/{SLUG}/certificates/template"
PREVIEW = f"{EDITOR}/preview.pdf"
NAME_BLOCK = 5  # "{full_name}" in the default template


@pytest.fixture(autouse=True)
def _isolated_files(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEY_FILE", str(tmp_path / "keys" / "signing.pem"))
    monkeypatch.setitem(app.config, "CERTIFICATE_FOLDER", str(tmp_path / "certificates"))
    monkeypatch.setitem(app.config, "CERTIFICATE_BACKGROUND_FOLDER", str(tmp_path / "backgrounds"))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    monkeypatch.delenv("CERT_SIGNING_KEY", raising=False)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _png(width: int = 1754, height: int = 1240) -> bytes:
    """A real PNG (A4 landscape proportions) with a text chunk that must not survive."""
    im = Image.new("RGB", (width, height), (250, 244, 226))
    for x in range(0, width, 40):
        for y in range(height):
            im.putpixel((x, y), (168, 124, 36))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Tac gia: bi mat")
    out = io.BytesIO()
    im.save(out, "PNG", pnginfo=info)
    return out.getvalue()


class _FormReader(HTMLParser):
    """The fields of the form whose action ends with ``action`` (values as the browser
    would send them)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value") or "y"
            else:
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def _editor_fields(client) -> dict[str, str]:
    reader = _FormReader("/certificates/template")
    reader.feed(_text(client.get(EDITOR)))
    fields = reader.fields
    for name in [k for k in fields if k.endswith("_text") or k == "issuer"]:
        # Browsers drop the newline that follows <textarea>.
        fields[name] = fields[name].removeprefix("\r\n").removeprefix("\n")
    return fields


def _settings(app) -> dict:
    with app.app_context():
        return (db.session.get(Edition, _edition_id(app)).settings or {}).get("certificates") or {}


def _edition_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Edition.id).where(Edition.slug == SLUG))


def _upload(client, data: bytes, name: str = "nen-giay.png"):
    token = csrf_token(client, EDITOR)
    return client.post(f"{EDITOR}/background", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _pdf_images(data: bytes) -> list:
    page = PdfReader(io.BytesIO(data)).pages[0]
    xobjects = page["/Resources"].get("/XObject") or {}
    return [x for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# ------------------------------------------------------------------------ the page


def test_editor_page_lists_blocks_and_is_linked_from_the_certificates_page(client, world):
    login(client, "btc")
    assert EDITOR in _text(client.get(f"/e/{SLUG}/certificates"))
    response = client.get(EDITOR)
    html = _text(response)
    assert response.status_code == 200
    for shown in ("Mẫu giấy chứng nhận", "GIẤY CHỨNG NHẬN", "Họ và tên", "Số vào sổ", "Ảnh nền",
                  "Khôi phục mẫu mặc định", "Xem thử", "đang dùng mẫu mặc định", "Mã QR xác thực"):
        assert shown in html, shown
    assert f'name="b{NAME_BLOCK}_x"' in html and 'name="qr_size"' in html
    assert 'value="189,5"' in html  # decimals are shown the Vietnamese way
    assert "style=" not in html and inline_scripts(html) == []  # CSP: no inline styles or scripts


# ---------------------------------------------------------------------- background


def test_uploaded_png_is_re_encoded_stored_and_printed_as_the_background(app, client, world, tmp_path):
    login(client, "btc")
    original = _png()
    response = _upload(client, original)
    assert response.status_code == 302, _text(response)
    page = _text(client.get(response.headers["Location"]))
    assert "Đã tải ảnh nền (1754 × 1240 điểm ảnh)" in page
    assert f"{EDITOR}/background" in page  # the sketch shows the stored image

    stored = _settings(app)["template"]
    path = Path(stored["background"])
    folder = tmp_path / "backgrounds" / str(_edition_id(app))
    assert path.parent == folder and re.fullmatch(r"[0-9a-f]{32}\.(jpg|png)", path.name)
    assert "nen-giay" not in path.name and stored["frame"] is False
    data = path.read_bytes()
    assert data != original
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (1754, 1240) and "Comment" not in im.info
    assert client.get(f"{EDITOR}/background").get_data() == data

    preview = client.get(PREVIEW)
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert preview.headers["Content-Disposition"].startswith("inline")
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert _pdf_images(preview.get_data())
    text = _pdf_text(preview.get_data())
    for name in te.SAMPLE_NAMES:
        assert name in text
    with app.app_context():
        log = db.session.scalars(select(AuditLog).where(AuditLog.action == "certificate.background")).one()
        assert log.new["background"] == str(path)


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"day khong phai anh", "nen.png", "Tệp không phải ảnh JPEG/PNG hợp lệ."),
    (_png()[:300], "nen.png", "Tệp không phải ảnh JPEG/PNG hợp lệ."),
    (b"%PDF-1.4\n%%EOF", "nen.pdf", "Tệp không phải ảnh JPEG/PNG hợp lệ."),
    (b"", "nen.png", "Tệp rỗng"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024), "to.png", "Ảnh nền vượt quá 10 MB."),
])
def test_bad_background_is_refused_with_a_vietnamese_message(app, client, world, tmp_path, data, name, message):
    login(client, "btc")
    response = _upload(client, data, name)
    assert response.status_code == 400
    assert message in _text(response)
    assert "template" not in _settings(app)
    folder = tmp_path / "backgrounds"
    assert not folder.exists() or not any(folder.rglob("*.*"))


def test_missing_file_is_asked_for(client, world):
    login(client, "btc")
    response = post_form(client, f"{EDITOR}/background", {}, token_from=EDITOR)
    assert response.status_code == 400 and "Vui lòng chọn ảnh nền cần tải lên." in _text(response)


def test_removing_or_replacing_the_background_deletes_the_old_file(app, client, world):
    login(client, "btc")
    _upload(client, _png())
    first = Path(_settings(app)["template"]["background"])
    _upload(client, _png(1400, 990))
    second = Path(_settings(app)["template"]["background"])
    assert second != first and second.is_file() and not first.exists()
    removed = post_form(client, f"{EDITOR}/background/remove", {}, token_from=EDITOR, follow=True)
    assert "Đã xoá ảnh nền" in _text(removed)
    template = _settings(app)["template"]
    assert template["background"] is None and template["frame"] is True
    assert not second.exists()
    assert client.get(f"{EDITOR}/background").status_code == 404


def test_issued_certificates_follow_the_template_at_once(app, client, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        service.issue_certificates(db.session.get(Edition, ids["edition"]))
        db.session.commit()
        cert = db.session.scalars(select(Certificate).order_by(Certificate.register_number)).first()
        cert_id, code, name = cert.id, cert.code, cert.full_name
    public = client.get(f"/v/{code}/certificate.pdf")  # rendered and memoised
    assert not _pdf_images(public.get_data()) and "GIẤY KHEN" not in _pdf_text(public.get_data())
    login(client, "btc")
    assert _upload(client, _png()).status_code == 302
    pdf = client.get(f"/e/{SLUG}/certificates/{cert_id}/certificate.pdf")
    assert pdf.status_code == 200 and _pdf_images(pdf.get_data())
    assert name in _pdf_text(pdf.get_data())
    client.post(EDITOR, data=dict(_editor_fields(client), title="GIẤY KHEN"))
    public = client.get(f"/v/{code}/certificate.pdf")
    assert _pdf_images(public.get_data()) and "GIẤY KHEN" in _pdf_text(public.get_data())


# -------------------------------------------------------------- texts and positions


def _name_baseline(data: bytes) -> tuple[float, float]:
    """(x, y) of the first drawn text run holding the first sample name."""
    found = []

    def visit(text, _cm, tm, _font, _size):
        if "Tuyết" in text and not found:
            found.append((round(tm[4], 1), round(tm[5], 1)))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    assert found
    return found[0]


def test_moving_the_name_block_changes_the_saved_template(app, client, world):
    login(client, "btc")
    before = _name_baseline(client.get(PREVIEW).get_data())
    fields = _editor_fields(client)
    assert fields[f"b{NAME_BLOCK}_text"] == "{full_name}" and fields[f"b{NAME_BLOCK}_y"] == "67"
    fields.update({
        f"b{NAME_BLOCK}_x": "40", f"b{NAME_BLOCK}_y": "75,5", f"b{NAME_BLOCK}_w": "217",
        f"b{NAME_BLOCK}_size": "30", f"b{NAME_BLOCK}_align": "L",
        "title": "  GIẤY   CHỨNG NHẬN  ", "issuer": "LIÊN HIỆP CÁC HỘI KH&KT\r\nTỈNH BẮC NINH",
        "b4_text": unicodedata.normalize("NFD", "Trân trọng chứng nhận"),
    })
    response = client.post(EDITOR, data=fields)
    assert response.status_code == 302, _text(response)
    assert "Đã lưu mẫu giấy chứng nhận" in _text(client.get(EDITOR))

    stored = _settings(app)["template"]
    template = CertificateTemplate.from_dict(stored)
    assert template.to_dict() == stored
    name = template.blocks[NAME_BLOCK]
    assert (name.x, name.y, name.w, name.size, name.align, name.text) == (40, 75.5, 217, 30, "L", "{full_name}")
    assert template.title == "GIẤY CHỨNG NHẬN"
    assert template.issuer == "LIÊN HIỆP CÁC HỘI KH&KT\nTỈNH BẮC NINH"
    assert template.blocks[4].text == "Trân trọng chứng nhận"  # NFC
    with app.app_context():
        assert service.templates_for(db.session.get(Edition, _edition_id(app)))["award"] == template
        log = db.session.scalars(select(AuditLog).where(AuditLog.action == "certificate.template")).one()
        assert log.old[f"blocks.{NAME_BLOCK}.y"] == 67 and log.new[f"blocks.{NAME_BLOCK}.y"] == 75.5

    preview = client.get(PREVIEW).get_data()
    text = _pdf_text(preview)
    assert "Nguyễn Thị Ánh Tuyết" in text and unicodedata.normalize("NFD", "Tuyết") not in text
    assert "Lê Văn Ưng" in text and "ĐẶNG THỊ THUỶ" in text and "Trân trọng chứng nhận" in text
    after = _name_baseline(preview)
    assert after[0] == pytest.approx(40 * 72 / 25.4, abs=0.5)  # left aligned at x = 40 mm
    assert after[1] < before[1]  # lower on the page (PDF y grows upwards)

    again = client.post(EDITOR, data={**_editor_fields(client)}, follow_redirects=True)
    assert "không có gì thay đổi" in _text(again)


def test_invalid_positions_keep_the_input_and_explain(app, client, world):
    login(client, "btc")
    fields = _editor_fields(client)
    fields.update({
        f"b{NAME_BLOCK}_x": "250", f"b{NAME_BLOCK}_w": "100",
        f"b{NAME_BLOCK}_min_size": "4", "b3_h": "0", "b2_y": "-3", "b1_size": "40", "b1_min_size": "50",
        "qr_size": "abc", "b0_text": "{ho_ten} {full_name}", "b6_max_lines": "0", "b7_align": "X",
        "b8_kinds": "moi", "r0_x1": "400", "title": "", "b9_h": "",
    })
    response = client.post(EDITOR, data=fields)
    html = _text(response)
    assert response.status_code == 400
    for message in (
        "Biểu mẫu còn lỗi", "Vượt lề phải trang: x + rộng = 350 &gt; 297 mm.", "Cỡ chữ nhỏ nhất phải từ 6 đến 200 pt.",
        "Chiều cao phải lớn hơn 0.", "Vị trí dọc không được âm.", "Cỡ chữ nhỏ nhất không được lớn hơn cỡ chữ.",
        "Vui lòng nhập một số, ví dụ 85 hoặc 85,5.", "Không có trường {ho_ten}", "Số dòng phải từ 1 đến 6.",
        "Lựa chọn không hợp lệ", "Điểm phải nằm trong trang", "Vui lòng nhập tiêu đề giấy chứng nhận.",
        "Vui lòng nhập một số.",
    ):
        assert message in html, message
    assert 'value="250"' in html and 'value="abc"' in html and "{ho_ten} {full_name}</textarea>" in html
    assert 'value="-3"' in html
    assert "template" not in _settings(app)
    # The preview of unsaved values refuses the same way.
    assert client.post(PREVIEW, data=fields).status_code == 400


def test_preview_of_unsaved_values_does_not_save(app, client, world):
    login(client, "btc")
    fields = _editor_fields(client)
    fields["title"] = "GIẤY KHEN"
    response = client.post(PREVIEW, data=fields)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "GIẤY KHEN" in _pdf_text(response.get_data())
    assert "template" not in _settings(app)


def test_a_stale_form_does_not_overwrite_a_newer_template(app, client, world):
    login(client, "btc")
    stale = _editor_fields(client)
    fields = dict(stale, title="GIẤY CHỨNG NHẬN THÀNH TÍCH")
    assert client.post(EDITOR, data=fields).status_code == 302
    stale["title"] = "BẰNG KHEN"
    response = client.post(EDITOR, data=stale, follow_redirects=True)
    assert "vừa được thay đổi ở nơi khác" in _text(response)
    assert _settings(app)["template"]["title"] == "GIẤY CHỨNG NHẬN THÀNH TÍCH"


def test_reset_restores_the_default_template(app, client, world):
    login(client, "btc")
    fields = _editor_fields(client)
    fields.update({f"b{NAME_BLOCK}_y": "90", "title": "GIẤY KHEN"})
    client.post(EDITOR, data=fields)
    _upload(client, _png())
    background = Path(_settings(app)["template"]["background"])
    assert background.is_file()
    response = post_form(client, f"{EDITOR}/reset", {}, token_from=EDITOR, follow=True)
    html = _text(response)
    assert "Đã khôi phục mẫu giấy chứng nhận mặc định." in html and "đang dùng mẫu mặc định" in html
    assert "template" not in _settings(app) and not background.exists()
    fields = _editor_fields(client)
    assert fields[f"b{NAME_BLOCK}_y"] == "67" and fields["title"] == "GIẤY CHỨNG NHẬN"
    with app.app_context():
        edition = db.session.get(Edition, _edition_id(app))
        assert service.templates_for(edition)["award"] == te.default_template(edition)
        assert db.session.scalars(select(AuditLog).where(AuditLog.action == "certificate.template_reset")).one()
    assert "GIẤY CHỨNG NHẬN" in _pdf_text(client.get(PREVIEW).get_data())


def test_a_broken_stored_template_is_reported_and_can_be_repaired(app, client, world):
    with app.app_context():
        edition = db.session.get(Edition, _edition_id(app))
        edition.settings = {"certificates": {"template": {"no_such_option": 1}}}
        db.session.commit()
    login(client, "btc")
    page = client.get(EDITOR)
    assert page.status_code == 200 and "Mẫu giấy chứng nhận của kỳ thi không hợp lệ" in _text(page)
    preview = client.get(PREVIEW, follow_redirects=True)
    assert preview.status_code == 200 and "Mẫu giấy chứng nhận của kỳ thi không hợp lệ" in _text(preview)
    assert client.post(EDITOR, data=_editor_fields(client)).status_code == 302
    assert "no_such_option" not in _settings(app)["template"]


# -------------------------------------------------------------------------- access


@pytest.mark.parametrize("username", ["btc-xa", "truong", "giamkhao", "trongtai", "tongtrongtai"])
def test_the_editor_is_for_organisers_only(client, world, username):
    login(client, username)
    for url in (EDITOR, PREVIEW, f"{EDITOR}/background"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/")  # the sign-out form of every page
    for url in (EDITOR, PREVIEW, f"{EDITOR}/background", f"{EDITOR}/background/remove", f"{EDITOR}/reset"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url


def test_anonymous_users_go_to_the_login_page(client, world):
    response = client.get(EDITOR)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(PREVIEW).status_code == 302


def test_odd_input_never_gives_a_server_error(client, world):
    login(client, "btc")
    assert client.get("/e/khong-co/certificates/template").status_code == 404
    assert client.get(f"{EDITOR}/background").status_code == 404
    fields = _editor_fields(client)
    for odd in ("1e999", "NaN", "99999999999999999999999", "１２", "%00", "x" * 5000, "1.2.3"):
        data = dict(fields, **{f"b{NAME_BLOCK}_x": odd, "qr_x": odd, "r0_y1": odd})
        assert client.post(EDITOR, data=data).status_code in (302, 400), odd
    assert client.post(EDITOR, data={"csrf_token": fields["csrf_token"]}).status_code in (302, 400)
    assert client.post(EDITOR, data=dict(fields, **{"b0_text": "{" * 300})).status_code in (302, 400)


def test_a_missing_background_file_prints_without_it(app, world):
    from contest.certificates.service import templates_for
    from contest.extensions import db as _db
    from contest.models import Edition

    with app.app_context():
        edition = _db.session.get(Edition, world["edition"])
        edition.settings = {**(edition.settings or {}), "certificates": {"template": {"background": "/khong/co/anh.png"}}}
        _db.session.commit()
        templates = templates_for(edition)
        assert templates["award"].background is None
        assert templates["mentor"].background is None
