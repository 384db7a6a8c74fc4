"""contest.text: normalising, legacy encodings, Vietnamese sorting, dates, money."""

from __future__ import annotations

import json
import random
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.text import (
    ascii_fold,
    detect_legacy,
    excel_safe,
    format_date_vn,
    format_money_vn,
    name_sort_key,
    normalize_name,
    normalize_text,
    parse_date_vn,
    safe_filename,
    slugify,
)

SAMPLES_PATH = Path("/work/shared/samples/vietnamese-legacy-encodings.json")
SAMPLES = json.loads(SAMPLES_PATH.read_text(encoding="utf-8"))["samples"]
LEGACY_CASES = [
    pytest.param(s[enc], s["unicode"], id=f"{enc}-{i}")
    for i, s in enumerate(SAMPLES)
    for enc in ("tcvn3", "vni")
    if s[enc] is not None
]
UNICODE_SAMPLES = [s["unicode"] for s in SAMPLES]

WESTERN = [
    "Café", "José", "naïve", "Ö", "Müller", "Zoë", "España", "ESPAÑA", "Björk", "São Paulo",
    "Crème brûlée", "Ångström", "Señor", "Düsseldorf", "Noël", "résumé", "déjà vu", "Perú",
    "Où est le café?", "Ça va", "Jürgen Schäfer", "Hélène", "Citroën", "Øresund", "Straße",
    "25°C", "3 × 4 = 12", "½ giờ", "© 2024", "Tromsø", "mañana", "Göteborg",
]  # fmt: skip

# Genuine Vietnamese whose every letter is in Latin-1: a careless detector converts these.
LATIN1_VIETNAMESE = [
    "Lê Lai", "Tô Hoài", "Hoàng", "Lê Hà", "Nhì", "Giáo viên", "Hà Nam", "Bình", "Chí Linh",
    "Lý Thái Tô", "Hòa", "Cô Tô", "Quý", "Khê", "Tân Yên", "Yên Thê", "Bà Rá", "Mê Linh",
]  # fmt: skip


# ------------------------------------------------------------------ legacy encodings


@pytest.mark.parametrize(("legacy", "expected"), LEGACY_CASES)
def test_legacy_samples_convert_to_exact_nfc_unicode(legacy, expected):
    result = normalize_text(legacy)
    assert result == expected
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize("text", UNICODE_SAMPLES)
def test_unicode_samples_untouched_and_nfd_becomes_nfc(text):
    assert normalize_text(text) == text
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert normalize_text(nfd) == text


@pytest.mark.parametrize("text", WESTERN + LATIN1_VIETNAMESE)
def test_western_and_latin1_vietnamese_text_untouched(text):
    assert normalize_text(text) == text
    assert detect_legacy(text) is None


def test_plain_ascii_untouched():
    assert normalize_text("UBND tinh Bac Ninh 2024") == "UBND tinh Bac Ninh 2024"


def test_detect_legacy_names_the_encoding():
    assert detect_legacy("Gi¶i NhÊt") == ("tcvn3", "Giải Nhất")
    assert detect_legacy("Giaûi Nhaát") == ("vni", "Giải Nhất")
    assert detect_legacy("Giải Nhất") is None


def test_tcvn3_capitals_from_vntimeh_fonts():
    # .VnTimeH fonts draw lower-case codes as capitals; the text must come out upper case.
    assert normalize_text("NGUYÔN V¡N AN") == "NGUYỄN VĂN AN"
    assert normalize_text("T¹ DUY HIÓN") == "TẠ DUY HIỂN"
    assert normalize_name("TRÇN THÞ H¦¥NG") == "Trần Thị Hương"


def test_vni_capitals():
    assert normalize_text("NGUYEÃN ÑÖÙC CAÛNH") == "NGUYỄN ĐỨC CẢNH"
    assert normalize_text("AÙnh Döông") == "Ánh Dương"


def test_vni_y_with_tone_uses_vni_windows_marks():
    assert normalize_text("Kyõ thuaät") == "Kỹ thuật"
    assert normalize_text("Lyù Thaùi Toå") == "Lý Thái Tổ"
    assert normalize_text("Thuyû Tieân") == "Thuỷ Tiên"


def test_lone_ambiguous_letters_need_a_hint():
    assert normalize_text("Ö") == "Ö"
    assert normalize_text("Nöõ") == "Nöõ"  # "Nữ" in VNI, but one short word proves little
    assert normalize_text("Nöõ", legacy="vni") == "Nữ"
    assert normalize_text("N÷") == "Nữ"  # a symbol inside a word: TCVN3 beyond doubt
    assert normalize_text("Café", legacy="tcvn3") == "Café"


def test_legacy_text_with_stray_spaces_and_punctuation():
    assert normalize_text("  Tr\u00adêng  THCS\tL\u00ad¬ng Tµi,  B¾c Ninh ") == (
        "Trường THCS Lương Tài, Bắc Ninh"
    )


# ------------------------------------------------------------------ cleaning


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        (12, "12"),
        (12.0, "12"),
        (12.5, "12.5"),
        (-3.0, "-3"),
        (float("nan"), ""),
        (Decimal("12.50"), "12.5"),
        (Decimal("7"), "7"),
        (True, "Có"),
        (date(2012, 3, 5), "05/03/2012"),
        (datetime(2012, 3, 5), "05/03/2012"),
        (datetime(2012, 3, 5, 14, 30), "05/03/2012 14:30"),
        ("Nguyễn\u00a0Văn\tAn\n", "Nguyễn Văn An"),
        ("Ng\u200buyễn\ufeff Văn\u200d An", "Nguyễn Văn An"),
        ("Lê  \r\n  Văn   Bình", "Lê Văn Bình"),
        ("Tr\u00adường", "Trường"),  # a soft hyphen in Unicode text is invisible noise
        ("a\x00b\x07c", "abc"),
    ],
)
def test_normalize_text_cleans(value, expected):
    assert normalize_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NGUYỄN VĂN AN", "Nguyễn Văn An"),
        ("nguyễn văn an", "Nguyễn Văn An"),
        ("  ĐẶNG   THỊ  ÁNH ", "Đặng Thị Ánh"),
        ("Nguyễn văn An", "Nguyễn văn An"),  # mixed case: kept as typed
        ("McDonald", "McDonald"),
        ("h'hen niê", "H'Hen Niê"),
        ("NGUYEÃN VAÊN AN", "Nguyễn Văn An"),
        (unicodedata.normalize("NFD", "LÊ THỊ HỒNG"), "Lê Thị Hồng"),
        (None, ""),
    ],
)
def test_normalize_name(value, expected):
    assert normalize_name(value) == expected


# ------------------------------------------------------------------ sorting


def test_sort_by_given_name_then_family_and_middle():
    names = ["Lê Văn Bình", "Trần Thị Ánh", "Nguyễn Văn An", "Lê Văn An", "Nguyễn An"]
    assert sorted(names, key=name_sort_key) == [
        "Lê Văn An",
        "Nguyễn An",
        "Nguyễn Văn An",
        "Trần Thị Ánh",
        "Lê Văn Bình",
    ]


def test_sort_vietnamese_alphabet():
    given = ["Đức", "Dũng", "Ân", "Ánh", "Anh", "Ăn", "Ơn", "Ông", "Oanh", "Ưng", "Uyên", "Bảo"]
    names = [f"Nguyễn Văn {g}" for g in given]
    ordered = [name.split()[-1] for name in sorted(names, key=name_sort_key)]
    assert ordered == [
        "Anh",
        "Ánh",
        "Ăn",
        "Ân",
        "Bảo",
        "Dũng",
        "Đức",
        "Oanh",
        "Ông",
        "Ơn",
        "Uyên",
        "Ưng",
    ]


def test_sort_tones_break_ties_in_order():
    # none, huyền, hỏi, ngã, sắc, nặng
    names = ["Vũ Văn Bạ", "Hồ Văn Bá", "Lê Thị Bà", "Phạm Văn Bã", "Trần Văn Bả", "Ngô Văn Ba"]
    assert [n.split()[-1] for n in sorted(names, key=name_sort_key)] == [
        "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ",
    ]  # fmt: skip


def test_sort_is_case_and_form_insensitive():
    a, b = "NGUYỄN VĂN ĐỨC", unicodedata.normalize("NFD", "nguyễn văn đức")
    assert name_sort_key(a)[:2] == name_sort_key(b)[:2]
    assert sorted(["đỗ văn hà", "Đỗ Văn Giang"], key=name_sort_key) == ["Đỗ Văn Giang", "đỗ văn hà"]


def test_sort_4000_names_is_a_total_order():
    rng = random.Random(7)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Đỗ", "Bùi", "Vũ", "Dương"]
    middle = ["Văn", "Thị", "Minh", "Đức", "Ngọc", "Thu"]
    given = ["An", "Ánh", "Bình", "Dũng", "Đạt", "Hà", "Hạ", "Hải", "Yến", "Ý"]
    names = [f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}" for _ in range(4000)]
    ordered = sorted(names, key=name_sort_key)
    keys = [name_sort_key(n) for n in ordered]
    assert keys == sorted(keys)
    givens = [n.split()[-1] for n in ordered]
    firsts = list(dict.fromkeys(givens))
    assert firsts == ["An", "Ánh", "Bình", "Dũng", "Đạt", "Hà", "Hạ", "Hải", "Ý", "Yến"]


def test_sort_key_of_empty_name():
    assert sorted(["", "An"], key=name_sort_key) == ["", "An"]
    assert name_sort_key(None) == name_sort_key("")


# ------------------------------------------------------------------ ASCII forms


def test_ascii_fold():
    assert ascii_fold("Đồng Nai, Đắk Lắk") == "Dong Nai, Dak Lak"
    assert ascii_fold("Trường THCS Lê Quý Đôn") == "Truong THCS Le Quy Don"
    assert ascii_fold(unicodedata.normalize("NFD", "Nguyễn")) == "Nguyen"
    assert ascii_fold("plain") == "plain"


def test_slugify():
    assert slugify("Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng 2024") == (
        "cuoc-thi-sang-tao-thanh-thieu-nien-nhi-dong-2024"
    )
    assert slugify("  --Giải   Nhất!!  ") == "giai-nhat"
    assert slugify("") == ""
    assert len(slugify("Đường " * 50)) <= 80


def test_safe_filename():
    assert safe_filename("Danh sách giải (2024).xlsx") == "Danh_sach_giai_2024.xlsx"
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("") == "tep"
    assert safe_filename("CON.txt") == "tep_CON.txt"
    long = safe_filename("Báo cáo " * 40 + ".pdf")
    assert len(long) <= 120 and long.endswith(".pdf")
    assert safe_filename("a/b\\c:d*e?.xlsx").isascii()


# ------------------------------------------------------------------ dates and money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("05/03/2012", date(2012, 3, 5)),
        ("5/3/2012", date(2012, 3, 5)),
        ("05-03-2012", date(2012, 3, 5)),
        ("05.03.2012", date(2012, 3, 5)),
        ("2012-03-05", date(2012, 3, 5)),
        ("  5 / 3 / 2012 ", date(2012, 3, 5)),
        ("05/03/2012 00:00:00", date(2012, 3, 5)),
        ("2012-03-05 00:00:00", date(2012, 3, 5)),
        ("29/02/2012", date(2012, 2, 29)),
        (date(2012, 3, 5), date(2012, 3, 5)),
        (datetime(2012, 3, 5, 10, 0), date(2012, 3, 5)),
        (40179, date(2010, 1, 1)),
        (40179.75, date(2010, 1, 1)),
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (Decimal("40973"), date(2012, 3, 5)),
    ],
)
def test_parse_date_vn_accepts(value, expected):
    assert parse_date_vn(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "31/02/2010", "2010/31/02", "05/13/2012", "12/3/12", "abc", "", None, "05/03-2012",
        "0/1/2012", "1/1/1850", 60, 0, -5, True, float("nan"), 10**9, "20120305",
    ],
)  # fmt: skip
def test_parse_date_vn_rejects(value):
    with pytest.raises(ValueError, match="Ngày không hợp lệ"):
        parse_date_vn(value)


def test_parse_date_vn_message_is_vietnamese():
    with pytest.raises(ValueError) as info:
        parse_date_vn("31/02/2010")
    assert str(info.value) == "Ngày không hợp lệ: '31/02/2010' (định dạng dd/mm/yyyy)"


def test_format_date_and_money():
    assert format_date_vn(date(2024, 1, 5)) == "05/01/2024"
    assert format_date_vn(None) == ""
    assert format_money_vn(1500000) == "1.500.000 đ"
    assert format_money_vn(Decimal("900000000")) == "900.000.000 đ"
    assert format_money_vn(0) == "0 đ"
    assert format_money_vn(-2500) == "-2.500 đ"
    assert format_money_vn(999.5) == "1.000 đ"
    assert format_money_vn(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+84912345678", "'+84912345678"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("", ""),
        (12, 12),
        (-5, -5),
        (1.5, 1.5),
        (date(2024, 1, 1), date(2024, 1, 1)),
        (None, None),
    ],
)
def test_excel_safe(value, expected):
    assert excel_safe(value) == expected


# ------------------------------------------------------------------ properties

LATIN1_ALPHABET = st.characters(min_codepoint=0x20, max_codepoint=0xFF)
LEGACY_WORDS = [w for s in SAMPLES for enc in ("tcvn3", "vni") if s[enc] for w in s[enc].split()]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=LATIN1_ALPHABET)))
def test_normalize_text_is_idempotent_and_nfc(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip() and "  " not in once


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(LEGACY_WORDS), st.sampled_from(WESTERN + LATIN1_VIETNAMESE)),
        min_size=1,
        max_size=6,
    )
)
def test_normalize_text_idempotent_on_mixed_legacy_words(words):
    text = " ".join(words)
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(LATIN1_VIETNAMESE + UNICODE_SAMPLES), min_size=1, max_size=5))
def test_genuine_vietnamese_is_never_converted(parts):
    text = " ".join(parts)
    assert normalize_text(text) == text


def test_float_noise_from_excel_is_trimmed():
    assert normalize_text(8.299999999999999) == "8.3"
    assert normalize_text(0.1 + 0.2) == "0.3"


def test_pdf_copy_paste_oi_letter_becomes_u_horn():
    assert normalize_text("Trƣờng THCS Phƣơng Sơn") == "Trường THCS Phương Sơn"
