"""registration.excel_reader: real-world school and district .xlsx lists."""

from __future__ import annotations

import io
import random
import unicodedata
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.xlsx import SheetSpec, build_workbook
from registration import excel_reader
from registration.excel_reader import CellError, ColumnSpec, read_table, report_xlsx

SPECS = [
    ColumnSpec("full_name", "Họ và tên", ("Họ tên",), required=True, kind="name"),
    ColumnSpec("birth_date", "Ngày sinh", ("Ngày tháng năm sinh",), required=True, kind="date"),
    ColumnSpec("gender", "Giới tính", kind="choice", choices={"Nam": "M", "Nữ": "F"}),
    ColumnSpec("grade", "Lớp"),
    ColumnSpec("school", "Trường", ("Tên trường", "Đơn vị"), required=True),
    ColumnSpec("title", "Tên sản phẩm", ("Tên mô hình, sản phẩm",), max_length=200),
]


def xlsx_bytes(build) -> bytes:
    """Run ``build(ws)`` on a fresh openpyxl workbook and return the saved file."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    build(ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def put_rows(ws, first_row: int, rows) -> None:
    for r, values in enumerate(rows, start=first_row):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)


def simple_table(header, rows, first_row=1) -> bytes:
    return xlsx_bytes(lambda ws: put_rows(ws, first_row, [header, *rows]))


HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trường", "Tên sản phẩm"]


# ------------------------------------------------------------------ a realistic list


def realistic_workbook() -> bytes:
    def build(ws):
        ws["A1"] = "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC NINH"
        ws.merge_cells("A1:G1")
        ws["A2"] = "DANH SÁCH HỌC SINH DỰ THI SÁNG TẠO THANH THIẾU NIÊN, NHI ĐỒNG NĂM 2024"
        ws.merge_cells("A2:G2")
        put_rows(
            ws,
            4,
            [
                ["STT", "Họ và tên học sinh", "Ngày sinh", "Giới tính", "Lớp", "Trường",
                 "Tên mô hình, sản phẩm"],
                [1, unicodedata.normalize("NFD", "Nguyễn Văn An"), "05/03/2012", "Nam", "6A1",
                 "Trường THCS Lê Quý Đôn", "Máy tưới cây tự động"],
                [2, "§inh ThÞ Thuû Tiªn", 40973, "N÷", "7A2", "Tr\u00adêng THCS Lª Quý §«n",
                 "Bé läc n\u00adíc m\u00ada sinh ho¹t"],
                [],
                [3, "Nguyeãn Ñöùc Caûnh", datetime(2011, 12, 1), "nam", "8A3",
                 "  Trường  THCS\u00a0Lê Quý Đôn ", "Xe ñieàu khieån töø xa baèng gioïng noùi"],
                [4, "TRẦN THỊ ÁNH", " 1 - 2 - 2012 ", "NỮ", 9, "Trường THCS Lê Quý Đôn", None],
                [],
                ["Tổng cộng: 4 học sinh"],
                [None, None, None, None, None, "Bắc Ninh, ngày 15 tháng 3 năm 2024"],
                [None, "Người lập biểu", None, None, None, "HIỆU TRƯỞNG"],
                [None, None, None, None, None, "(Ký tên, đóng dấu)"],
                [],
                [None, "Phạm Thị Lập", None, None, None, "Nguyễn Văn Hiệu"],
            ],
        )  # fmt: skip

    return xlsx_bytes(build)


def test_realistic_list_reads_cleanly():
    result = read_table(realistic_workbook(), SPECS)
    assert result.errors == []
    assert result.ok
    assert result.header_row == 4
    assert result.sheet_name == "Danh sách"
    assert [row.number for row in result.rows] == [5, 6, 8, 9]
    first, second, third, fourth = (row.values for row in result.rows)
    assert first == {
        "full_name": "Nguyễn Văn An",
        "birth_date": date(2012, 3, 5),
        "gender": "M",
        "grade": "6A1",
        "school": "Trường THCS Lê Quý Đôn",
        "title": "Máy tưới cây tự động",
    }
    assert second["full_name"] == "Đinh Thị Thuỷ Tiên"
    assert second["birth_date"] == date(2012, 3, 5)  # an Excel serial number
    assert second["gender"] == "F"
    assert second["school"] == "Trường THCS Lê Quý Đôn"
    assert second["title"] == "Bộ lọc nước mưa sinh hoạt"
    assert third["full_name"] == "Nguyễn Đức Cảnh"
    assert third["birth_date"] == date(2011, 12, 1)
    assert third["school"] == "Trường THCS Lê Quý Đôn"
    assert third["title"] == "Xe điều khiển từ xa bằng giọng nói"
    assert fourth["full_name"] == "Trần Thị Ánh"
    assert fourth["birth_date"] == date(2012, 2, 1)
    assert fourth["gender"] == "F"
    assert fourth["grade"] == "9"
    assert fourth["title"] is None
    for row in result.rows:
        for value in row.values.values():
            if isinstance(value, str):
                assert unicodedata.is_normalized("NFC", value)


@pytest.mark.parametrize(
    "label",
    ["Họ và tên", "Họ tên", "HỌ VÀ TÊN", "Họ và tên học sinh", "Họ và tên (*)", "HO VA TEN",
     "họ  và\ntên", unicodedata.normalize("NFD", "Họ và tên")],
)  # fmt: skip
def test_header_variants(label):
    data = simple_table(
        ["STT", label, "Ngày tháng năm sinh", "Tên trường"],
        [[1, "Lê Văn Bình", "01/01/2012", "Trường Tiểu học Ngọc Thiện"]],
    )
    result = read_table(data, SPECS)
    assert result.ok, result.errors
    assert result.columns["full_name"] == 2
    assert result.rows[0].values["full_name"] == "Lê Văn Bình"
    assert result.rows[0].values["school"] == "Trường Tiểu học Ngọc Thiện"


def test_exact_header_preferred_over_prefix():
    specs = [
        ColumnSpec("name", "Họ và tên", ("Họ tên",), required=True, kind="name"),
        ColumnSpec("mentor", "Họ tên giáo viên", ("Giáo viên hướng dẫn",), kind="name"),
    ]
    data = simple_table(
        ["Họ tên giáo viên hướng dẫn", "Họ tên"],
        [["Trần Văn Giáo", "Lê Thị Hoa"]],
    )
    result = read_table(data, specs)
    assert result.ok, result.errors
    assert result.rows[0].values == {"name": "Lê Thị Hoa", "mentor": "Trần Văn Giáo"}


def test_two_row_header_with_merged_group_cells():
    specs = [
        *SPECS[:2],
        SPECS[4],
        ColumnSpec("mentor", "Giáo viên hướng dẫn", ("Người hướng dẫn",), kind="name"),
        ColumnSpec(
            "mentor_phone", "Số điện thoại giáo viên", ("Giáo viên hướng dẫn Số điện thoại",)
        ),
    ]

    def build(ws):
        ws["A1"] = "DANH SÁCH DỰ THI"
        ws.merge_cells("A1:F1")
        ws["A3"] = "STT"
        ws.merge_cells("A3:A4")
        ws["B3"] = "Thông tin học sinh"
        ws.merge_cells("B3:C3")
        ws["B4"] = "Họ và tên"
        ws["C4"] = "Ngày sinh"
        ws["D3"] = "Trường"  # no vertical merge: the cell under it is simply empty
        ws["E3"] = "Giáo viên hướng dẫn"
        ws.merge_cells("E3:F3")
        ws["E4"] = "Họ tên"
        ws["F4"] = "Số điện thoại"
        put_rows(
            ws, 5, [[1, "Hà Văn Nam", "02/09/2010", "THCS Yên Dũng", "Ngô Thị Mai", "0912345678"]]
        )

    result = read_table(xlsx_bytes(build), specs)
    assert result.ok, result.errors
    assert result.header_row == 4
    assert result.columns == {
        "full_name": 2,
        "birth_date": 3,
        "school": 4,
        "mentor": 5,
        "mentor_phone": 6,
    }
    assert result.rows[0].values == {
        "full_name": "Hà Văn Nam",
        "birth_date": date(2010, 9, 2),
        "school": "THCS Yên Dũng",
        "mentor": "Ngô Thị Mai",
        "mentor_phone": "0912345678",
    }


def test_merged_data_cells_and_fill_down():
    specs = [*SPECS[:2], SPECS[4], ColumnSpec("district", "Huyện", required=True)]

    def build(ws):
        put_rows(ws, 1, [["STT", "Họ và tên", "Ngày sinh", "Trường", "Huyện"]])
        put_rows(
            ws,
            2,
            [
                [1, "Lê An", "01/01/2012", "THCS Tân Yên", "Tân Yên"],
                [2, "Lê Bình", "02/01/2012", None, None],
                [3, "Lê Châu", "03/01/2012", None, None],
                [4, "Vũ Dung", "04/01/2012", "THCS Lạng Giang", None],
            ],
        )
        ws.merge_cells("D2:D4")  # the school written once for three pupils

    result = read_table(xlsx_bytes(build), specs, fill_down=("district",))
    assert result.ok, result.errors
    assert [(r.values["school"], r.values["district"]) for r in result.rows] == [
        ("THCS Tân Yên", "Tân Yên"),
        ("THCS Tân Yên", "Tân Yên"),
        ("THCS Tân Yên", "Tân Yên"),
        ("THCS Lạng Giang", "Tân Yên"),
    ]


def test_name_split_over_a_merged_header():
    def build(ws):
        put_rows(ws, 1, [["STT", "Họ và tên", None, "Ngày sinh", "Trường"]])
        ws.merge_cells("B1:C1")
        put_rows(ws, 2, [[1, "Nguyễn Thị", "Thu", "01/01/2012", "THCS Việt Yên"]])

    result = read_table(xlsx_bytes(build), SPECS)
    assert result.ok, result.errors
    assert result.rows[0].values["full_name"] == "Nguyễn Thị Thu"


def test_section_heading_rows_are_skipped():
    def build(ws):
        put_rows(ws, 1, [HEADER])
        ws["A2"] = "I. HUYỆN YÊN DŨNG"
        ws.merge_cells("A2:G2")
        put_rows(ws, 3, [[1, "Lê An", "01/01/2012", "Nam", "6A", "THCS Yên Dũng", "Máy A"]])
        ws["B4"] = "II. HUYỆN HIỆP HOÀ"
        ws.merge_cells("B4:G4")
        put_rows(ws, 5, [[2, "Lê Bình", "01/01/2012", "Nam", "6A", "THCS Hiệp Hoà", "Máy B"]])

    result = read_table(xlsx_bytes(build), SPECS)
    assert result.ok, result.errors
    assert [r.number for r in result.rows] == [3, 5]


def test_legacy_file_converts_short_ambiguous_cells_too():
    data = simple_table(
        ["Họ và tên", "Ngày sinh", "Giới tính", "Trường"],
        [
            ["Nguyeãn Thò Hoa", "01/01/2012", "Nöõ", "Tröôøng THCS Taân Yeân"],
            ["Leâ Vaên Bình", "01/01/2012", "Nam", "Tröôøng THCS Taân Yeân"],
        ],
    )
    result = read_table(data, SPECS)
    assert result.ok, result.errors
    assert result.legacy_encoding == "vni"
    assert result.rows[0].values["full_name"] == "Nguyễn Thị Hoa"
    assert result.rows[0].values["gender"] == "F"
    assert result.rows[1].values["school"] == "Trường THCS Tân Yên"


def test_numbers_stored_as_text_and_other_kinds():
    specs = [
        ColumnSpec("name", "Họ và tên", required=True, kind="name"),
        ColumnSpec("members", "Số thành viên", kind="int"),
        ColumnSpec("year", "Năm sinh", kind="year"),
        ColumnSpec("prize_money", "Tiền thưởng", kind="int"),
        ColumnSpec("leader", "Trưởng nhóm", kind="bool"),
        ColumnSpec("phone", "Điện thoại"),
    ]
    data = simple_table(
        ["Họ và tên", "Số thành viên", "Năm sinh", "Tiền thưởng", "Trưởng nhóm", "Điện thoại"],
        [
            ["An", " 3 ", "2012", "1.500.000", "x", 912345678],
            ["Bình", 4.0, 2011.0, 2000000, "Có", "0912 345 678"],
            ["Châu", "5", datetime(2010, 5, 6), "3,000,000", None, None],
            ["Dũng", "2.0", "12/03/2009", 0, "không", None],
        ],
    )
    result = read_table(data, specs)
    assert result.ok, result.errors
    assert [r.values for r in result.rows] == [
        {"name": "An", "members": 3, "year": 2012, "prize_money": 1500000, "leader": True,
         "phone": "912345678"},
        {"name": "Bình", "members": 4, "year": 2011, "prize_money": 2000000, "leader": True,
         "phone": "0912 345 678"},
        {"name": "Châu", "members": 5, "year": 2010, "prize_money": 3000000, "leader": False,
         "phone": None},
        {"name": "Dũng", "members": 2, "year": 2009, "prize_money": 0, "leader": False,
         "phone": None},
    ]  # fmt: skip


# ------------------------------------------------------------------ row and column errors


def test_wrong_values_give_row_and_column_errors():
    specs = [*SPECS, ColumnSpec("members", "Số thành viên", kind="int"),
             ColumnSpec("leader", "Trưởng nhóm", kind="bool")]  # fmt: skip
    data = simple_table(
        [*HEADER, "Số thành viên", "Trưởng nhóm"],
        [
            [1, "Lê An", "31/02/2010", "Nam", "6A", "THCS A", "Máy A", 2, "x"],
            [2, None, "01/01/2010", "Nữ", "6A", "THCS A", "Máy B", 2, "x"],
            [3, "Lê Châu", "01/01/2010", "Khác", "6A", "THCS A", "M" * 201, "hai", "có lẽ"],
            [4, "Lê Dũng", "01/01/2010", "Nam", "6A", "THCS A", "Máy D", 1, None],
            [5, "12345", "01/01/2010", "Nam", "6A", "THCS A", "Máy E", 1, None],
        ],
    )
    result = read_table(data, specs)
    assert not result.ok
    found = {(e.row, e.column): e.message for e in result.errors}
    assert found[(2, "Ngày sinh")] == (
        "Ngày sinh không hợp lệ: '31/02/2010' (định dạng dd/mm/yyyy)"
    )
    assert found[(3, "Họ và tên")] == "Thiếu Họ và tên"
    assert found[(4, "Giới tính")].startswith(
        "Giới tính không hợp lệ: 'Khác' (chọn một trong: Nam, Nữ"
    )
    assert found[(4, "Tên sản phẩm")] == "Tên sản phẩm quá dài (201 ký tự, tối đa 200)"
    assert found[(4, "Số thành viên")] == "Số thành viên phải là số nguyên: 'hai'"
    assert found[(4, "Trưởng nhóm")].startswith("Trưởng nhóm không hợp lệ: 'có lẽ'")
    assert found[(6, "Họ và tên")] == "Họ và tên không hợp lệ: '12345'"
    assert len(result.errors) == 7
    assert [r.number for r in result.rows] == [5]  # only rows without errors
    assert str(result.errors[0]) == (
        "Dòng 2, cột Ngày sinh: Ngày sinh không hợp lệ: '31/02/2010' (định dạng dd/mm/yyyy)"
    )


def test_row_with_only_optional_values_is_skipped_silently():
    data = simple_table(
        HEADER, [[1, "Lê An", "01/01/2012", None, None, "THCS A"], [None, None, None, "Nam", "6A"]]
    )
    result = read_table(data, SPECS)
    assert result.ok and len(result.rows) == 1


def test_missing_required_columns_are_listed():
    data = simple_table(["STT", "Họ và tên", "Lớp"], [[1, "Lê An", "6A"]])
    result = read_table(data, SPECS)
    assert not result.ok and result.rows == []
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (None, None, "Thiếu cột bắt buộc: Ngày sinh, Trường.")
    ]


def test_no_header_row():
    data = simple_table(["a", "b", "c"], [[1, 2, 3]])
    result = read_table(data, SPECS)
    assert not result.ok
    assert result.errors[0].row is None
    assert result.errors[0].message.startswith("Không tìm thấy dòng tiêu đề")


def test_header_below_row_30_is_not_searched():
    data = simple_table(HEADER, [[1, "Lê An", "01/01/2012", "Nam", "6A", "THCS A"]], first_row=32)
    assert read_table(data, SPECS).errors[0].message.startswith("Không tìm thấy dòng tiêu đề")


# ------------------------------------------------------------------ sheets and sources


def test_picks_the_sheet_with_the_table_and_honours_sheet_name():
    wb = openpyxl.Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active["A1"] = "Điền danh sách ở trang sau."
    for title, name in (("Khối THCS", "Lê An"), ("Khối Tiểu học", "Lê Bình")):
        ws = wb.create_sheet(title)
        put_rows(ws, 1, [HEADER, [1, name, "01/01/2012", "Nam", "6A", "THCS A"]])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()

    result = read_table(data, SPECS)
    assert result.ok and result.sheet_name == "Khối THCS"
    result = read_table(data, SPECS, sheet_name="khoi tieu hoc")
    assert result.ok and result.sheet_name == "Khối Tiểu học"
    assert result.rows[0].values["full_name"] == "Lê Bình"
    result = read_table(data, SPECS, sheet_name="Khối THPT")
    assert result.errors[0].message.startswith("Không có trang tính 'Khối THPT'")


def test_sources_path_and_file_object(tmp_path):
    data = realistic_workbook()
    path = tmp_path / "danh sach.xlsx"
    path.write_bytes(data)
    assert len(read_table(path, SPECS).rows) == 4
    assert len(read_table(str(path), SPECS).rows) == 4
    with open(path, "rb") as fh:
        assert len(read_table(fh, SPECS).rows) == 4
    assert len(read_table(bytearray(data), SPECS).rows) == 4
    assert read_table(tmp_path / "missing.xlsx", SPECS).errors[0].message == "Không mở được tệp."


def test_workbook_written_by_build_workbook_reads_back():
    # xlsxwriter uses shared strings and date styles, as Excel does.
    data = build_workbook(
        [
            SheetSpec(
                title="Danh sách",
                headers=HEADER,
                rows=[
                    [1, "Nguyễn Văn An", date(2012, 3, 5), "Nam", "6A1", "THCS A & B <1>", "Máy"],
                    [2, "Lê Thị Bình", date(2011, 1, 2), "Nữ", "7A", "THCS C", "=1+1"],
                ],
                heading_lines=("LIÊN HIỆP CÁC HỘI", "DANH SÁCH"),
            )
        ],
        instructions=["Điền mỗi học sinh trên một dòng."],
    )
    result = read_table(data, SPECS)
    assert result.ok, result.errors
    assert result.header_row == 4
    assert [r.values["birth_date"] for r in result.rows] == [date(2012, 3, 5), date(2011, 1, 2)]
    assert result.rows[0].values["school"] == "THCS A & B <1>"
    assert result.rows[1].values["title"] == "'=1+1"


@pytest.mark.parametrize("path", ["xml-parser", "openpyxl"])
def test_fallback_readers_agree_with_the_fast_reader(monkeypatch, path):
    data = realistic_workbook()
    expected = read_table(data, SPECS)
    if path == "xml-parser":
        monkeypatch.setattr(excel_reader, "_plain_xml_text", lambda raw: None)
    else:

        def broken(data):
            raise RuntimeError("unsupported")

        monkeypatch.setattr(excel_reader, "_FastBook", broken)
    result = read_table(data, SPECS)
    assert result == expected


# ------------------------------------------------------------------ bad files


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"", "Tệp rỗng"),
        (b"STT,Ho va ten\n1,An\n", "Tệp không phải là tệp Excel (.xlsx)"),
        (b"PK\x03\x04garbage", "Tệp không phải là tệp Excel (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Tệp ở định dạng Excel 97–2003"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 100
            + "EncryptedPackage".encode("utf-16-le"),
            "Tệp đang được đặt mật khẩu",
        ),
        (zip_bytes({"word/document.xml": b"<w/>"}), "Tệp không phải là tệp Excel (.xlsx)"),
        (zip_bytes({"content.xml": b"<x/>", "mimetype": b"x"}), "Tệp ở định dạng OpenDocument"),
        (zip_bytes({"xl/workbook.xml": b"<not xml"}), "Tệp không phải là tệp Excel (.xlsx)"),
    ],
)
def test_file_level_problems(data, start):
    result = read_table(data, SPECS)
    assert not result.ok and result.rows == []
    assert len(result.errors) == 1
    assert result.errors[0].row is None
    assert result.errors[0].message.startswith(start), result.errors[0].message


def test_odd_sources_do_not_raise():
    for source in (None, 12, object(), io.StringIO("text")):
        result = read_table(source, SPECS)
        assert not result.ok and result.errors[0].row is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    result = read_table(data, SPECS)
    assert not result.ok


VALID = realistic_workbook()
with zipfile.ZipFile(io.BytesIO(VALID)) as _archive:
    VALID_PARTS = {name: _archive.read(name) for name in _archive.namelist()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_corrupted_xlsx_never_raises(data):
    how = data.draw(st.sampled_from(["flip", "truncate", "part"]))
    if how == "flip":
        blob = bytearray(VALID)
        for _ in range(data.draw(st.integers(1, 20))):
            blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
        blob = bytes(blob)
    elif how == "truncate":
        blob = VALID[: data.draw(st.integers(0, len(VALID)))]
    else:
        # Damage the XML inside a well-formed zip, so the parsers themselves are tested.
        name = data.draw(st.sampled_from(sorted(VALID_PARTS)))
        part = bytearray(VALID_PARTS[name])
        rng = random.Random(data.draw(st.integers(0, 2**32)))
        for _ in range(data.draw(st.integers(1, 30))):
            i = rng.randrange(len(part))
            op = rng.choice("rdi")
            if op == "r":
                part[i] = rng.choice(b'<>"=/&;:x01 \x00\xc3\xa9')
            elif op == "d":
                del part[i]
            else:
                part.insert(i, rng.choice(b'<>"=/&;:x01 '))
        blob = zip_bytes({**VALID_PARTS, name: bytes(part)})
    result = read_table(blob, SPECS)
    assert isinstance(result.errors, list)
    if result.ok:
        assert all(isinstance(row.values, dict) for row in result.rows)


# ------------------------------------------------------------------ a district-sized list


def test_district_sized_list():
    rng = random.Random(3)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
    given = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Yến"]

    def build(ws):
        ws["A1"] = "DANH SÁCH DỰ THI CẤP HUYỆN"
        ws.merge_cells("A1:J1")
        ws.append([])
        ws.append([*HEADER, "Lĩnh vực", "Giáo viên hướng dẫn", "Ghi chú"])
        for i in range(1552):
            ws.append([
                i + 1, f"{rng.choice(family)} Văn {rng.choice(given)}",
                date(2011, 1 + i % 12, 1 + i % 28) if i % 2 else f"{1 + i % 28}/{1 + i % 12}/2012",
                rng.choice(["Nam", "Nữ"]), f"{6 + i % 4}A{1 + i % 5}", f"Trường THCS số {i % 60}",
                f"Mô hình số {i}", "Kỹ thuật", "Trần Văn Giáo", None,
            ])  # fmt: skip

    result = read_table(xlsx_bytes(build), SPECS)
    assert result.ok, result.errors[:3]
    assert len(result.rows) == 1552
    assert result.rows[-1].number == 1555


# ------------------------------------------------------------------ error report


def test_report_xlsx():
    errors = [
        CellError(None, None, "Thiếu cột bắt buộc: Ngày sinh."),
        CellError(7, "Ngày sinh", "Ngày sinh không hợp lệ: '31/02/2010' (định dạng dd/mm/yyyy)"),
        CellError(9, "Họ và tên", '=HYPERLINK("x")'),
    ]
    data = report_xlsx(errors, "Lỗi trong tệp danh sách Trường THCS Lê Quý Đôn")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert values[0][0] == "Lỗi trong tệp danh sách Trường THCS Lê Quý Đôn"
    header_index = values.index(["Dòng", "Cột", "Lỗi"])
    body = values[header_index + 1 :]
    assert body[0] == [None, None, "Thiếu cột bắt buộc: Ngày sinh."]
    assert body[1] == [
        7,
        "Ngày sinh",
        "Ngày sinh không hợp lệ: '31/02/2010' (định dạng dd/mm/yyyy)",
    ]
    assert body[2][2] == '\'=HYPERLINK("x")'
    assert ws.cell(row=header_index + 1, column=1).font.b
    assert ws.column_dimensions["C"].width >= 80
    assert ws.freeze_panes == f"A{header_index + 2}"


def test_report_xlsx_without_errors():
    ws = openpyxl.load_workbook(io.BytesIO(report_xlsx([], "Kết quả kiểm tra"))).active
    assert "Không có lỗi." in [c for row in ws.iter_rows(values_only=True) for c in row]


def test_header_without_data_rows():
    result = read_table(simple_table(HEADER, []), SPECS)
    assert not result.ok
    assert result.errors[0].message.startswith(
        "Không có dòng dữ liệu nào dưới dòng tiêu đề (dòng 1)"
    )


def test_column_numbering_row_under_the_header_is_skipped():
    data = simple_table(
        HEADER,
        [
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
            [1, "Lê An", "01/01/2012", "Nam", "6A", "THCS A", "Máy A"],
        ],
    )
    result = read_table(data, SPECS)
    assert result.ok, result.errors
    assert [r.number for r in result.rows] == [3]
    numbered = simple_table(HEADER, [[1, 2, 3, 4, 5, 6, 7], [1, "Lê An", "01/01/2012", "Nam"]])
    result = read_table(numbered, SPECS)
    assert not result.ok  # "Trường" is missing on row 3; the numbering row says nothing
    assert [(e.row, e.message) for e in result.errors] == [(3, "Thiếu Trường")]


def test_first_data_row_is_never_taken_for_a_second_header_row():
    # "Trường THCS A" starts like the "Trường" header; with no dates or numbers on the row
    # a careless two-row header search would swallow it.
    specs = [SPECS[0], ColumnSpec("school", "Trường")]
    data = simple_table(
        ["Họ và tên", "Đơn vị công tác"],
        [["Lê An", "Trường THCS A"], ["Lê Bình", "Trường THCS B"]],
    )
    result = read_table(data, specs)
    assert result.ok, result.errors
    assert [r.values["full_name"] for r in result.rows] == ["Lê An", "Lê Bình"]


def test_incomplete_row_mentioning_a_director_is_an_error_not_a_signature():
    specs = [SPECS[0], SPECS[1], ColumnSpec("position", "Chức vụ")]
    data = simple_table(
        ["Họ và tên", "Ngày sinh", "Chức vụ"],
        [
            ["Lê An", "01/01/1980", "Kỹ sư"],
            ["Trần Bình", None, "Giám đốc Công ty TNHH An Phát"],
            [None, None, "GIÁM ĐỐC"],
            [None, None, None],
            ["Ngô Văn Ký", None, None],
        ],
    )
    result = read_table(data, specs)
    assert [(e.row, e.message) for e in result.errors] == [(3, "Thiếu Ngày sinh")]


# ------------------------------------------------------------------ hand-written packages

NS = (
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sdk_style_package(sheet_xml: str) -> bytes:
    """An .xlsx as the OpenXML SDK writes it: "x:" prefixes, absolute targets, rich
    shared strings with phonetic runs, OOXML escapes, the 1904 date system."""
    strings = [
        "<x:si><x:t>Họ và tên</x:t></x:si>",
        "<x:si><x:t>Ngày sinh</x:t></x:si>",
        "<x:si><x:t>Trường</x:t></x:si>",
        '<x:si><x:r><x:rPr><x:b/></x:rPr><x:t>Nguyễn </x:t></x:r><x:r><x:t xml:space="preserve">'
        'Văn An</x:t></x:r><x:rPh sb="0" eb="1"><x:t>PHIÊN ÂM</x:t></x:rPh></x:si>',
        "<x:si><x:t>THCS A &amp; B_x000D_</x:t></x:si>",
    ]
    return zip_bytes(
        {
            "xl/workbook.xml": (
                f'<x:workbook {NS}><x:workbookPr date1904="1"/><x:sheets>'
                '<x:sheet name="DS" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>'
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
                f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
                f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>'
                "</Relationships>"
            ).encode(),
            "xl/styles.xml": (
                f'<x:styleSheet {NS}><x:numFmts count="1"><x:numFmt numFmtId="164" '
                'formatCode="dd/mm/yyyy"/></x:numFmts><x:cellXfs count="2"><x:xf numFmtId="0"/>'
                '<x:xf numFmtId="164"/></x:cellXfs></x:styleSheet>'
            ).encode(),
            "xl/sharedStrings.xml": f"<x:sst {NS}>{''.join(strings)}</x:sst>".encode(),
            "xl/worksheets/sheet1.xml": sheet_xml.encode(),
        }
    )


SERIAL_1904 = (date(2012, 3, 5) - date(1904, 1, 1)).days


@pytest.mark.parametrize("with_refs", [True, False])
def test_openxml_sdk_style_package(with_refs):
    def c(ref, body, attrs=""):
        where = f' r="{ref}"' if with_refs else ""
        return f"<x:c{where}{attrs}>{body}</x:c>"

    shared = ' t="s"'
    rows = (
        f'<x:row r="1">{c("A1", "<x:v>0</x:v>", shared)}{c("B1", "<x:v>1</x:v>", shared)}'
        f"{c('C1', '<x:v>2</x:v>', shared)}</x:row>"
        f'<x:row r="2">{c("A2", "<x:v>3</x:v>", shared)}'
        f"{c('B2', f'<x:v>{SERIAL_1904}</x:v>', ' s=' + chr(34) + '1' + chr(34))}"
        f"{c('C2', '<x:v>4</x:v>', shared)}</x:row>"
    )
    comment = "" if with_refs else "<!-- written by hand -->"
    sheet = f"<x:worksheet {NS}>{comment}<x:sheetData>{rows}</x:sheetData></x:worksheet>"
    result = read_table(sdk_style_package(sheet), SPECS)
    assert result.ok, result.errors
    assert result.rows[0].values["full_name"] == "Nguyễn Văn An"
    assert result.rows[0].values["birth_date"] == date(2012, 3, 5)
    assert result.rows[0].values["school"] == "THCS A & B"


def test_plain_numbers_in_a_1904_workbook_are_dated_from_1904():
    header = "".join(f'<x:c r="{c}1" t="s"><x:v>{i}</x:v></x:c>' for i, c in enumerate("ABC"))
    row = (
        '<x:c r="A2" t="s"><x:v>3</x:v></x:c>'
        f'<x:c r="B2"><x:v>{SERIAL_1904}</x:v></x:c>'  # no date style: a bare number
        '<x:c r="C2" t="s"><x:v>4</x:v></x:c>'
    )
    sheet = f'<x:worksheet {NS}><x:sheetData><x:row r="1">{header}</x:row><x:row r="2">{row}</x:row></x:sheetData></x:worksheet>'
    result = read_table(sdk_style_package(sheet), SPECS)
    assert result.ok, result.errors
    assert result.rows[0].values["birth_date"] == date(2012, 3, 5)


def test_whole_file_in_tcvn3_including_headers():
    # A list typed in .VnTime: even short headers ("Líp" = Lớp) and values ("N÷") convert.
    data = simple_table(
        ["STT", "Hä vµ tªn", "Ngµy sinh", "Giíi tÝnh", "Líp", "Tr\u00adêng"],
        [
            [1, "Ph¹m Thu Quúnh", "01/01/2012", "N÷", "6A", "Tr\u00adêng THCS Yªn Dòng"],
            [2, "§ç V¨n Hïng", "02/01/2012", "Nam", "7B", "Tr\u00adêng THCS Yªn Dòng"],
        ],
    )
    result = read_table(data, SPECS)
    assert result.ok, result.errors
    assert result.legacy_encoding == "tcvn3"
    assert result.columns == {"full_name": 2, "birth_date": 3, "gender": 4, "grade": 5, "school": 6}
    assert [r.values["full_name"] for r in result.rows] == ["Phạm Thu Quỳnh", "Đỗ Văn Hùng"]
    assert result.rows[0].values["gender"] == "F"
    assert result.rows[1].values["school"] == "Trường THCS Yên Dũng"
