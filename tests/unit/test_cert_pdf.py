"""Certificate PDFs: Vietnamese text (NFC), shrink-to-fit, QR decoding, ZIP output."""

import datetime as dt
import io
import json
import re
import unicodedata
import zipfile

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from contest.certificates.codes import format_code, new_code
from contest.certificates.pdf import (
    FONT_DIR,
    CertificateData,
    CertificateTemplate,
    TextBlock,
    ascii_slug,
    render_many,
    render_one,
    render_zip,
    vietnamese_date,
    zip_member_name,
)

BASE = "https://lienhiephoi.bacninh.gov.vn/v/"

# Names with stacked marks (ệ ở ữ, capitals Ệ Ở Ữ) and Đ.
NAMES = [
    "Nguyễn Văn Đức",
    "Trần Thị Bích Ngọc Ệ",
    "Lê Hữu Phở Ở Ữ",
    "Đặng Thị Thu Hiền",
    "Phạm Ngọc Diệp",
]
NFD_NAME = "Hoàng Thị Ngữ Việt"  # given below in decomposed form


def make(full_name, kind="award", **overrides):
    code = overrides.pop("code", None) or new_code()
    values = {
        "code": code,
        "full_name": full_name,
        "prize_label": "Giải Nhất",
        "entry_title": "Mô hình máy tưới cây tự động dùng năng lượng mặt trời",
        "contest_name": "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh Bắc Ninh",
        "edition_name": "lần thứ XX, năm 2024",
        "institution": "Trường THCS Nguyễn Đăng Đạo, phường Kinh Bắc",
        "issued_on": dt.date(2025, 2, 5),
        "register_number": "GCN-2024/0001",
        "verify_url": BASE + code,
        "kind": kind,
        "signer_title": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
        "signer_name": "Nguyễn Thị Hương Giang",
    }
    values.update(overrides)
    return CertificateData(**values)


def page_texts(pdf_bytes):
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages]


@pytest.fixture(scope="module")
def batch():
    datas = [make(n) for n in NAMES]
    datas.append(make(unicodedata.normalize("NFD", NFD_NAME), kind="participation"))
    return datas, render_many(datas)


# --------------------------------------------------------------------------- data


def test_data_is_normalised_to_nfc_and_code_canonical():
    nfd = unicodedata.normalize("NFD", NFD_NAME)
    assert nfd != NFD_NAME
    data = make(nfd, code="abcd-efgh-jklm-npqr", entry_title=unicodedata.normalize("NFD", "Ệ"))
    assert data.full_name == NFD_NAME
    assert data.entry_title == "Ệ"
    assert data.code == "ABCDEFGHJKLMNPQR"
    assert data.fields()["code_formatted"] == "ABCD-EFGH-JKLM-NPQR"


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"code": "not a code"}, ValueError),
        ({"kind": "winner"}, ValueError),
        ({"issued_on": "2025-02-05"}, TypeError),
        ({"verify_url": ""}, ValueError),
    ],
)
def test_data_validation(overrides, error):
    with pytest.raises(error):
        make("Nguyễn Văn A", **overrides)


def test_vietnamese_date():
    assert vietnamese_date(dt.date(2025, 2, 5)) == "ngày 05 tháng 02 năm 2025"
    assert vietnamese_date(dt.date(2025, 3, 9)) == "ngày 09 tháng 3 năm 2025"
    assert vietnamese_date(dt.date(2024, 11, 20)) == "ngày 20 tháng 11 năm 2024"


# -------------------------------------------------------------------------- render


def test_merged_pdf_has_one_page_per_person_in_order_with_nfc_text(batch):
    datas, pdf_bytes = batch
    texts = page_texts(pdf_bytes)
    assert len(texts) == len(datas)
    for data, text in zip(datas, texts, strict=True):
        assert data.full_name in text  # NFC, in the order given
        assert unicodedata.is_normalized("NFC", text)
        assert "GIẤY CHỨNG NHẬN" in text
        assert f"Mã xác thực: {format_code(data.code)}" in text
        assert data.verify_url in text
        assert "Bắc Ninh, ngày 05 tháng 02 năm 2025" in text
    # The NFD name comes out composed, never decomposed.
    assert NFD_NAME in texts[-1]
    assert unicodedata.normalize("NFD", NFD_NAME) not in texts[-1]
    for name in NAMES:
        assert name in "".join(texts)
    for ch in "ệởữỆỞỮĐ":
        assert ch in "".join(texts)


def test_award_and_participation_wording(batch):
    _, pdf_bytes = batch
    texts = page_texts(pdf_bytes)
    assert "Đã đạt Giải Nhất" in texts[0]
    assert "Đã tham gia dự thi" not in texts[0]
    assert "Đã tham gia dự thi" in texts[-1]
    assert "Giải Nhất" not in texts[-1]


def test_fonts_are_embedded_and_subset(batch):
    _, pdf_bytes = batch
    reader = PdfReader(io.BytesIO(pdf_bytes))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[k].get_object()["/BaseFont"]) for k in fonts}
    assert any("NotoSerif" in n for n in names)
    assert all(re.match(r"/[A-Z]{6}\+", n) for n in names)  # subset prefix
    assert len(pdf_bytes) < 80_000  # six pages, fonts subset once


def _render_page_image(pdf_bytes, index=0, scale=2.0):
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        return doc[index].render(scale=scale).to_pil()
    finally:
        doc.close()


def test_qr_on_the_page_decodes_to_the_verify_url(batch):
    datas, pdf_bytes = batch
    for index in (0, len(datas) - 1):
        image = _render_page_image(pdf_bytes, index)
        results = zxingcpp.read_barcodes(image)
        assert [r.text for r in results] == [datas[index].verify_url]
        assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def _char_span(pdf_bytes, text):
    """(left, right) in mm of ``text`` on page 1, from pdfium's character boxes."""
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        textpage = doc[0].get_textpage()
        full = textpage.get_text_range()
        start = full.index(text)
        boxes = [textpage.get_charbox(i) for i in range(start, start + len(text))]
        textpage.close()
    finally:
        doc.close()
    pt = 25.4 / 72
    return min(b[0] for b in boxes) * pt, max(b[2] for b in boxes) * pt


def _block(template, text):
    return next(b for b in template.blocks if b.text == text)


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Văn Đức",
        # Long enough to shrink, then long enough to need horizontal compression.
        "Công Tằng Tôn Nữ Thị Ngọc Bảo Ngữ Diệp Huyền Trang Phương Thảo",
        "Công Tằng Tôn Nữ " * 8 + "Ệ",
    ],
)
def test_names_shrink_to_fit_their_box(name):
    template = CertificateTemplate()
    block = _block(template, "{full_name}")
    pdf_bytes = render_one(make(name), template)
    assert name in page_texts(pdf_bytes)[0]  # never cut
    left, right = _char_span(pdf_bytes, name)
    assert block.x - 0.5 <= left < right <= block.x + block.w + 0.5


def test_long_entry_title_wraps_within_its_box():
    template = CertificateTemplate()
    block = _block(template, "{entry_label}: {entry_title}")
    title = "Hệ thống giám sát chất lượng nước ao nuôi thủy sản " * 6
    pdf_bytes = render_one(make("Lê Văn Ở", entry_title=title.strip()), template)
    text = page_texts(pdf_bytes)[0]
    assert "Hệ thống giám sát chất lượng nước" in text
    left, right = _char_span(pdf_bytes, "Sản phẩm dự thi: Hệ thống")
    assert block.x - 0.5 <= left and right <= block.x + block.w + 0.5


def test_template_round_trips_through_json_and_blocks_move():
    template = CertificateTemplate()
    data = json.loads(json.dumps(template.to_dict(), ensure_ascii=False))
    assert CertificateTemplate.from_dict(data) == template
    # An organiser moves the name block and rewords the title.
    for block in data["blocks"]:
        if block["text"] == "{full_name}":
            block["y"] = 100
    data["title"] = "GIẤY KHEN"
    moved = CertificateTemplate.from_dict(data)
    assert _block(moved, "{full_name}").y == 100
    assert "GIẤY KHEN" in page_texts(render_one(make("Ngô Bảo Châu"), moved))[0]


@pytest.mark.parametrize(
    "block",
    [
        TextBlock("{unknown_field}", 0, 0, 10, 10),
        TextBlock("x", 0, 0, 10, 10, style="BI"),
        TextBlock("x", 0, 0, 10, 10, align="J"),
        TextBlock("x", 0, 0, 10, 10, size=8, min_size=10),
        TextBlock("x", 0, 0, 10, 10, kinds=("gold",)),
    ],
)
def test_template_validation(block):
    with pytest.raises(ValueError):
        CertificateTemplate(blocks=(block,))


def test_background_image_and_empty_fields(tmp_path):
    background = tmp_path / "nen.png"
    Image.new("RGB", (297, 210), (250, 240, 215)).save(background)
    template = CertificateTemplate(background=str(background), frame=False)
    datas = [make("Vũ Thị Ữ", institution=""), make("Bùi Văn Ở")]
    pdf_bytes = render_many(datas, template)
    texts = page_texts(pdf_bytes)
    assert "Bùi Văn Ở" in texts[1]
    assert "Trường THCS" not in texts[0] and "Trường THCS" in texts[1]
    reader = PdfReader(io.BytesIO(pdf_bytes))
    images = {str(page.images[0].indirect_reference) for page in reader.pages}
    assert len(images) == 1  # embedded once, shared by the pages
    pixel = _render_page_image(pdf_bytes, scale=0.5).getpixel((4, 4))  # page corner
    assert pixel == (250, 240, 215)
    assert [r.text for r in zxingcpp.read_barcodes(_render_page_image(pdf_bytes))] == [
        datas[0].verify_url
    ]


def test_render_many_needs_data():
    with pytest.raises(ValueError):
        render_many([])


# ----------------------------------------------------------------------------- zip


def test_ascii_slug():
    assert ascii_slug("Nguyễn Văn Đức") == "nguyen-van-duc"
    assert ascii_slug(unicodedata.normalize("NFD", "Nguyễn Văn Đức")) == "nguyen-van-duc"
    assert ascii_slug("ĐẶNG Ưng Ở  (nhóm 2)") == "dang-ung-o-nhom-2"
    assert ascii_slug("!!!") == ""


def test_zip_has_one_valid_pdf_per_person_with_ascii_names():
    datas = [
        make("Nguyễn Văn Đức"),
        make(unicodedata.normalize("NFD", "Trần Thị Ệ Ở Ữ")),
        make("Nguyễn Văn Đức"),  # same name twice: distinct files
        make("???", kind="participation"),
    ]
    archive = zipfile.ZipFile(io.BytesIO(render_zip(datas)))
    names = archive.namelist()
    assert names == [
        "0001-nguyen-van-duc.pdf",
        "0002-tran-thi-e-o-u.pdf",
        "0003-nguyen-van-duc.pdf",
        f"0004-{datas[3].code.lower()}.pdf",
    ]
    assert all(name.isascii() for name in names)
    assert archive.testzip() is None
    for data, name in zip(datas, names, strict=True):
        pdf_bytes = archive.read(name)
        assert pdf_bytes.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(pdf_bytes))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert data.full_name in text
        assert data.verify_url in text
        assert data.full_name in str(reader.metadata.title)
    # The split files still carry a decodable QR.
    image = _render_page_image(archive.read(names[1]))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [datas[1].verify_url]


def test_zip_member_name_width_grows_with_count():
    data = make("Nguyễn Văn Đức")
    assert zip_member_name(7, data) == "0007-nguyen-van-duc.pdf"
    assert zip_member_name(7, data, total=12000) == "00007-nguyen-van-duc.pdf"


def test_committed_fonts_cover_vietnamese():
    from fontTools.ttLib import TTFont

    letters = "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
    for path in sorted(FONT_DIR.glob("*.ttf")):
        cmap = TTFont(path).getBestCmap()
        missing = [c for c in letters + letters.upper() if ord(c) not in cmap]
        assert not missing, (path.name, missing)
    assert (FONT_DIR / "OFL.txt").exists()
