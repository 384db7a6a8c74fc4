"""contest.xlsx.build_workbook: what an exported list looks like when opened in Excel."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from contest.xlsx import ORGANISATION, SheetSpec, build_workbook

HEADERS = ["STT", "Họ và tên", "Ngày sinh", "Trường", "Điểm", "Tiền thưởng"]
ROWS = [
    [1, "Nguyễn Văn An", date(2012, 3, 5), "THCS Lê Quý Đôn", 8.5, Decimal("1500000")],
    [2, '=HYPERLINK("http://evil","bấm")', datetime(2011, 1, 2), "+84912345678", 9, None],
    [3, "-1+2", datetime(2011, 1, 2, 14, 30), "@SUM(A1)", True, float("nan")],
    [4, "\tTab", None, "Lê Thị Bình", 10**17, 0],
]


def open_book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def book():
    data = build_workbook(
        [
            SheetSpec(
                title="Danh sách giải",
                headers=HEADERS,
                rows=ROWS,
                widths=[6, 30],
                heading_lines=(ORGANISATION, "DANH SÁCH HỌC SINH ĐẠT GIẢI NĂM 2024"),
            ),
            SheetSpec(title="Thống kê", headers=["Giải", "Số lượng"], rows=[["Nhất", 2]]),
        ],
        instructions=["Không sửa dòng tiêu đề.", "=1+1 là công thức, không được chạy."],
    )
    assert data[:2] == b"PK"
    return open_book(data)


def test_heading_lines_above_a_bold_bordered_header(book):
    ws = book["Danh sách giải"]
    assert ws["A1"].value == "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC NINH"
    assert ws["A2"].value == "DANH SÁCH HỌC SINH ĐẠT GIẢI NĂM 2024"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A2:F2"} <= merged
    assert ws["A1"].font.b
    assert [ws.cell(row=4, column=c).value for c in range(1, 7)] == HEADERS
    for c in range(1, 7):
        cell = ws.cell(row=4, column=c)
        assert cell.font.b
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:F8"


def test_values_keep_their_types(book):
    ws = book["Danh sách giải"]
    assert ws["A5"].value == 1 and ws["A5"].data_type == "n"
    assert ws["B5"].value == "Nguyễn Văn An"
    assert ws["C5"].value == datetime(2012, 3, 5)  # a real date, not text
    assert ws["C5"].is_date and ws["C5"].number_format == "dd/mm/yyyy"
    assert ws["C6"].value == datetime(2011, 1, 2) and ws["C6"].number_format == "dd/mm/yyyy"
    assert ws["C7"].value == datetime(2011, 1, 2, 14, 30)
    assert ws["C7"].number_format == "dd/mm/yyyy hh:mm"
    assert ws["E5"].value == 8.5
    assert ws["F5"].value == 1500000 and ws["F5"].data_type == "n"
    assert ws["E7"].value == "Có"
    assert ws["F7"].value is None  # NaN is written as a blank cell
    assert ws["C8"].value is None
    assert ws["E8"].value == str(10**17)  # too big for an exact Excel number


def test_formula_injection_is_neutralised(book):
    ws = book["Danh sách giải"]
    for ref, text in (
        ("B6", '\'=HYPERLINK("http://evil","bấm")'),
        ("D6", "'+84912345678"),
        ("B7", "'-1+2"),
        ("D7", "'@SUM(A1)"),
        ("B8", "'\tTab"),
    ):
        assert ws[ref].value == text
        assert ws[ref].data_type == "s"
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_widths_given_and_measured(book):
    ws = book["Danh sách giải"]
    assert ws.column_dimensions["A"].width == pytest.approx(6, abs=1)
    assert ws.column_dimensions["B"].width == pytest.approx(30, abs=1)
    assert 10 <= ws.column_dimensions["D"].width <= 61


def test_second_sheet_and_instructions(book):
    assert book.sheetnames == ["Danh sách giải", "Thống kê", "Hướng dẫn"]
    stats = book["Thống kê"]
    assert [c.value for c in stats[1]] == ["Giải", "Số lượng"]
    assert stats.freeze_panes == "A2"
    guide = book["Hướng dẫn"]
    lines = [row[0] for row in guide.iter_rows(values_only=True) if row[0]]
    assert lines == ["Hướng dẫn", "Không sửa dòng tiêu đề.", "'=1+1 là công thức, không được chạy."]


def test_sheet_titles_are_made_valid_and_unique():
    data = build_workbook(
        [
            SheetSpec(title="Kết quả: vòng 1/2 [tỉnh]?", headers=["A"], rows=[]),
            SheetSpec(
                title="Danh sách học sinh đạt giải cấp tỉnh năm 2024", headers=["A"], rows=[]
            ),
            SheetSpec(
                title="Danh sách học sinh đạt giải cấp tỉnh năm 2024", headers=["A"], rows=[]
            ),
            SheetSpec(title="", headers=["A"], rows=[]),
        ]
    )
    names = open_book(data).sheetnames
    assert names[0] == "Kết quả vòng 1 2 tỉnh"
    assert len(names[1]) <= 31 and len(names[2]) <= 31
    assert names[2].endswith("(2)")
    assert len(set(names)) == 4


def test_rows_may_be_a_generator_and_headings_optional():
    data = build_workbook(
        SheetSpec("Giải", ["Giải", "Số tiền"], ((g, n) for g, n in [("Nhất", 5)]))
    )
    ws = open_book(data)["Giải"]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [["Giải", "Số tiền"], ["Nhất", 5]]
    assert ws.freeze_panes == "A2"


def test_aware_datetimes_are_shown_in_vietnam_time():
    from datetime import UTC

    data = build_workbook(
        SheetSpec("Nhật ký", ["Lúc"], [[datetime(2024, 3, 1, 1, 30, tzinfo=UTC)]])
    )
    ws = open_book(data)["Nhật ký"]
    assert ws["A2"].value == datetime(2024, 3, 1, 8, 30)
