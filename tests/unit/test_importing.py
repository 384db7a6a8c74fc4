"""Pure parts of the Excel import: matching names and codes, splitting mentors, grouping
rows into entries, column layouts and the template (no database)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration.excel_reader import read_table
from registration.importing import (
    Option,
    build_template,
    columns_for,
    fold_key,
    group_rows,
    institution_key,
    match_option,
    read_specs,
    split_people,
)


def test_institution_key_accepts_the_usual_ways_of_writing_a_school():
    expected = institution_key("Trường THCS Tân Yên")
    assert expected == "thcs tan yen"
    for variant in ["THCS Tân Yên", "  trường   thcs TÂN YÊN ", "Trường Trung học cơ sở Tân Yên",
                    unicodedata.normalize("NFD", "Trường THCS Tân Yên"), "Truong THCS Tan Yen"]:
        assert institution_key(variant) == expected, variant
    assert institution_key("Trường Tiểu học Ngọc Thiện") == institution_key("TH Ngọc Thiện")
    assert institution_key("Trường THCS Tân Yên") != institution_key("Trường THCS Kinh Bắc")


def test_fold_key_ignores_case_diacritics_and_punctuation():
    assert fold_key("Bảng B – THCS") == fold_key("bang b - thcs") == "bangbthcs"
    assert fold_key(None) == ""


OPTIONS = [Option(1, "co_khi", "Kỹ thuật cơ khí"), Option(2, "tin_hoc", "Tin học"),
           Option(3, "tin_hoc_ung_dung", "Tin học ứng dụng")]


@pytest.mark.parametrize("text, expected", [
    ("Kỹ thuật cơ khí", 1), ("KỸ THUẬT CƠ KHÍ", 1), ("ky thuat co khi", 1), ("co_khi", 1), ("CO-KHI", 1),
    ("Tin học", 2), ("tin_hoc_ung_dung", 3), ("Tin học ứng", 3), ("Kỹ thuật", 1),
])
def test_match_option_by_name_code_or_unique_prefix(text, expected):
    option, why = match_option(text, OPTIONS)
    assert why is None and option is not None and option.id == expected


def test_match_option_reports_unknown_and_ambiguous_values():
    assert match_option("Hoá học", OPTIONS) == (None, "không có trong danh sách")
    option, why = match_option("Tin h", OPTIONS)  # prefix of two names
    assert option is None and "trùng với nhiều mục" in why
    assert match_option("", OPTIONS) == (None, None)


def test_split_people_on_semicolons_commas_and_line_breaks():
    assert split_people("Nguyễn Văn An; Trần Thị Bình") == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert split_people("NGUYỄN VĂN AN, trần thị bình\nLê Hoa") == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoa"]
    assert split_people(None) == [] and split_people(" ; , ") == []


def test_group_rows_same_title_blank_title_and_new_titles():
    rows = [
        (5, "Máy lọc nước", None), (6, "máy lọc nước", None), (7, None, None),  # one entry, three authors
        (8, "Xe tự hành", None),
        (10, "Đèn thông minh", None), (11, "", None),
    ]
    groups, problems = group_rows(rows)
    assert problems == []
    assert [(g.first_row, g.rows) for g in groups] == [(5, [5, 6, 7]), (8, [8]), (10, [10, 11])]
    assert groups[0].title == "Máy lọc nước"


def test_group_rows_splits_the_same_title_at_another_school():
    rows = [(5, "Máy lọc nước", "THCS Tân Yên"), (6, "Máy lọc nước", "Trường THCS Tân Yên"),
            (7, "Máy lọc nước", "THCS Kinh Bắc"), (8, None, None)]
    groups, problems = group_rows(rows)
    assert problems == []
    assert [(g.rows, g.institution) for g in groups] == [([5, 6], "THCS Tân Yên"), ([7, 8], "THCS Kinh Bắc")]


def test_group_rows_reports_a_first_row_without_title_and_a_conflicting_school():
    groups, problems = group_rows([(5, None, None), (6, "A", "THCS Tân Yên"), (7, None, "THCS Kinh Bắc")],
                                  title_label="Tên sản phẩm", institution_label="Trường")
    assert [g.rows for g in groups] == [[6]]
    assert [(p.row, p.column) for p in problems] == [(5, "Tên sản phẩm"), (7, "Trường")]
    assert "dòng đầu tiên" in problems[0].message


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "a", "B", "", None, "Ç"]),
                          st.sampled_from([None, "THCS X", "THCS Y"])), max_size=30))
def test_group_rows_keeps_every_row_exactly_once(items):
    rows = [(i + 5, title, school) for i, (title, school) in enumerate(items)]
    groups, problems = group_rows(rows)
    seen = [n for g in groups for n in g.rows] + [p.row for p in problems]
    assert sorted(seen) == [n for n, _, _ in rows]
    for g in groups:
        assert g.rows == sorted(g.rows) and g.first_row == g.rows[0] and g.title


def test_columns_follow_the_contest_kind():
    youth = [c.spec.label for c in columns_for("youth_creativity")]
    assert youth == ["Tên sản phẩm", "Lĩnh vực", "Bảng", "Mô tả", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp",
                     "Trường", "Người hướng dẫn"]
    assert "Trường" not in [c.spec.label for c in columns_for("youth_creativity", with_institution=False)]
    tech = [c.spec.label for c in columns_for("technical_innovation", has_divisions=False, with_institution=False)]
    assert tech == ["Tên giải pháp", "Lĩnh vực", "Tóm tắt", "Ngày áp dụng", "Hiệu quả", "Họ và tên tác giả",
                    "Năm sinh", "Đơn vị công tác", "Chức vụ", "Đoàn viên công đoàn (x)"]
    robo = [c.spec.label for c in columns_for("robocon", has_categories=False, with_institution=False)]
    assert robo == ["Tên đội", "Bảng", "Tên robot", "Họ và tên thành viên", "Ngày sinh", "Giới tính", "Lớp",
                    "Người hướng dẫn"]


def _edition(kind: str):
    categories = [SimpleNamespace(id=1, code="co_khi", name="Kỹ thuật cơ khí"),
                  SimpleNamespace(id=2, code="tin_hoc", name="Tin học")]
    divisions = [SimpleNamespace(id=3, code="thcs", name="Bảng B – THCS", born_from=date(2010, 1, 1),
                                 born_to=date(2013, 12, 31))]
    contest = SimpleNamespace(kind=kind, name="Cuộc thi thử")
    return SimpleNamespace(contest=contest, name="Kỳ thi thử 2026", settings={}, categories=categories,
                           divisions=divisions)


@pytest.mark.parametrize("kind", ["youth_creativity", "technical_innovation", "robocon"])
def test_template_has_vietnamese_headers_and_instructions_listing_the_edition(kind):
    content = build_template(_edition(kind), with_institution=True)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames[:1] == ["Danh sách"] and "Hướng dẫn" in wb.sheetnames
    help_text = "\n".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    assert "Kỹ thuật cơ khí  (mã: co_khi)" in help_text
    assert "Bảng B – THCS  (mã: thcs, sinh từ 01/01/2010 đến 31/12/2013)" in help_text
    # the reader finds every column of the template, and no data rows in it
    result = read_table(content, read_specs(kind, has_categories=True, has_divisions=True))
    labels = [c.spec.label for c in columns_for(kind)]
    assert len(result.columns) == len(labels)
    assert result.rows == []
    assert all(e.row is None and "Không có dòng dữ liệu" in e.message for e in result.errors)
