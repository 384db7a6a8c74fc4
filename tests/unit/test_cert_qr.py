"""QR matrices (checked against qrcode) and vector drawing (checked by decoding)."""

import random
import string

import pypdfium2 as pdfium
import pytest
import zxingcpp
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.certificates import qr
from contest.certificates.codes import new_code
from contest.certificates.qr import (
    draw_qr,
    qr_matrix,
    qr_matrix_qrcode,
    qr_rects,
    qr_version,
)

BASE = "https://lienhiephoi.bacninh.gov.vn/v/"


@pytest.mark.parametrize("level, expected", [("M", 4), ("Q", 5)])
def test_verify_url_fits_small_version(level, expected):
    for code in ["ABCDEFGHJKLMNPQR", "7777777777777777", *(new_code() for _ in range(5))]:
        matrix = qr_matrix(BASE + code, level)
        assert qr_version(matrix) == expected <= 5
        assert len(matrix) == 17 + 4 * expected
        # qrcode itself picks the same (smallest) version.
        assert qr_version(qr_matrix_qrcode(BASE + code, level)) == expected


def test_level_argument():
    assert qr_version(qr_matrix(BASE + "ABCDEFGHJKLMNPQR", "m")) == 4
    with pytest.raises(ValueError):
        qr_matrix("x", "X")
    with pytest.raises(ValueError):
        qr_matrix("x" * 3000, "H")  # does not fit any version


def _random_text(rnd, length):
    return "".join(
        rnd.choice(string.ascii_letters + string.digits + "/:.-?=Đệữ") for _ in range(length)
    )


@pytest.mark.parametrize(
    "level, length",
    [("L", 1), ("M", 53), ("Q", 53), ("H", 20), ("M", 140), ("L", 300), ("Q", 600)],
)
def test_matches_qrcode_bit_for_bit_for_every_mask(level, length):
    """Same data, same mask -> exactly qrcode's symbol (placement, EC, format and,
    from version 7 on, version information)."""
    text = _random_text(random.Random(length), length)
    for mask in range(8):
        assert qr_matrix(text, level, mask=mask) == qr_matrix_qrcode(text, level, mask=mask)


def test_default_mask_choice_is_one_of_the_valid_symbols():
    for _ in range(5):
        url = BASE + new_code()
        chosen = qr_matrix(url)
        assert chosen in [qr_matrix_qrcode(url, mask=k) for k in range(8)]


def _reference_penalty(m):
    """Straightforward N1-N4 mask penalty, one module at a time."""
    n = len(m)
    score = 0
    lines = [list(row) for row in m] + [[m[r][c] for r in range(n)] for c in range(n)]
    finder = (1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0)
    for line in lines:
        run = 1
        for i in range(1, n + 1):
            if i < n and line[i] == line[i - 1]:
                run += 1
            else:
                if run >= 5:
                    score += 3 + run - 5
                run = 1
        for i in range(n - 10):
            window = tuple(line[i : i + 11])
            if window in (finder, finder[::-1]):
                score += 40
    for r in range(n - 1):
        for c in range(n - 1):
            if m[r][c] == m[r][c + 1] == m[r + 1][c] == m[r + 1][c + 1]:
                score += 3
    dark = sum(map(sum, m))
    score += 10 * int(abs(dark * 100 / (n * n) - 50) / 5)
    return score


@settings(max_examples=40, deadline=None)
@given(
    version=st.sampled_from([1, 2, 4, 7]), density=st.floats(0.05, 0.95), seed=st.integers(0, 10**6)
)
def test_fast_penalty_equals_reference(version, density, seed):
    rnd = random.Random(seed)
    n = 17 + 4 * version
    m = [[1 if rnd.random() < density else 0 for _ in range(n)] for _ in range(n)]
    symbol = bytes(v for row in m for v in row)
    assert qr._penalty(symbol, n) == _reference_penalty(m)


def test_rects_cover_exactly_the_dark_modules():
    matrix = qr_matrix(BASE + new_code(), "Q")
    n = len(matrix)
    painted = [[0] * n for _ in range(n)]
    rects = qr_rects(matrix)
    for c, r, w, h in rects:
        for rr in range(r, r + h):
            for cc in range(c, c + w):
                painted[rr][cc] += 1
    assert painted == [[1 if v else 0 for v in row] for row in matrix]
    assert len(rects) < sum(map(sum, matrix)) / 2  # runs merged


def test_qr_version_rejects_non_square():
    with pytest.raises(ValueError):
        qr_version([[True] * 21] * 20)
    with pytest.raises(ValueError):
        qr_version([[True] * 22] * 22)


def _decode_page(pdf_bytes, scale=2.0):
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        image = doc[0].render(scale=scale).to_pil()
    finally:
        doc.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("content_stream", [True, False])
@pytest.mark.parametrize("level", ["M", "Q"])
def test_drawn_qr_decodes(monkeypatch, content_stream, level):
    monkeypatch.setattr(qr, "USE_CONTENT_STREAM", content_stream)
    url = BASE + new_code()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_page()
    pdf.set_fill_color(255, 0, 0)  # the caller's fill colour must survive
    before = pdf.fill_color
    draw_qr(pdf, 30, 40, 40, qr_matrix(url, level))
    assert pdf.fill_color == before
    assert _decode_page(bytes(pdf.output())) == [url]


def test_drawn_qr_without_background_on_white_page():
    url = BASE + new_code()
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    draw_qr(pdf, 20, 20, 30, qr_matrix(url), background=None)
    assert _decode_page(bytes(pdf.output()), scale=3.0) == [url]
