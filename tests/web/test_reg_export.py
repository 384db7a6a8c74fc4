"""Excel export of entry lists: the office shape, sorting, filters, who sees what, and no
formula injection. Files are opened with openpyxl as an office would."""

from __future__ import annotations

import html
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from contest.extensions import db
from contest.models import Category, Contest, Edition, Entry, EntryLevel, Institution, Level
from registration.services import EntryData, PersonData, bulk_create_entries
from tests.helpers import login

SLUG = "sang-tao-tttn-2026"
EXPORT_URL = f"/e/{SLUG}/export.xlsx"
INJECTION = '=HYPERLINK("http://evil.example","Bấm vào đây")'


def people(*names, born=date(2011, 5, 1)):
    return [PersonData(role="author", full_name=n, birth_date=born, gender="female" if "Thị" in n else "male",
                       class_name="8A") for n in names]


@pytest.fixture
def listed(app, world):
    """Entries of two schools in two areas; one reached the province level."""
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        edition.categories = [Category(position=1, code="co_khi", name="Kỹ thuật cơ khí"),
                              Category(position=2, code="tin_hoc", name="Tin học")]
        db.session.flush()
        co_khi, tin_hoc = edition.categories
        school = db.session.get(Institution, world["school"])  # Xã Tân Yên
        other = db.session.get(Institution, world["other_school"])  # Phường Kinh Bắc
        mentors = [PersonData(role="mentor", full_name="Hoàng Văn Thầy")]
        rows = [
            (school, EntryData(title="Máy lọc nước mưa", category_id=co_khi.id,
                               people=people("Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Anh") + mentors)),
            (school, EntryData(title=INJECTION, category_id=tin_hoc.id, people=people("Đỗ Văn Ân"))),
            (other, EntryData(title="Đèn học thông minh", category_id=tin_hoc.id, people=people("Vũ Thị Yến"))),
        ]
        entries = bulk_create_entries(edition, rows, status="accepted", check_deadline=False)
        province = edition.level("tinh")
        lamp = entries[2]
        lamp.level = province
        lamp.level_results.append(EntryLevel(level=province, decision="pending"))
        db.session.commit()
    return world


def sheet_rows(content: bytes):
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(values) if r and r[0] == "STT")
    return ws, values[:header], values[header], values[header + 1:]


def test_organiser_export_has_the_office_shape_and_sorted_names(client, listed):
    login(client, "btc")
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "danh-sach-sang-tao-tttn-2026.xlsx" in response.headers["Content-Disposition"]
    ws, heading, header, rows = sheet_rows(response.data)
    assert heading[0][0] == "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC NINH"
    assert heading[1][0] == "DANH SÁCH SẢN PHẨM DỰ THI"
    assert heading[2][0] == "Cuộc thi Sáng tạo TTNNĐ lần thứ 22"
    assert heading[3][0] == "Tổng số: 3 sản phẩm, 5 tác giả"
    assert header == ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trường", "Địa bàn", "Tên sản phẩm",
                      "Lĩnh vực", "Bảng", "Người hướng dẫn", "Trạng thái"]
    # by area (Phường Kinh Bắc before Xã Tân Yên), then school, then entries by first author;
    # authors by given name: An < Anh < Ân < Bình
    assert [(r[0], r[1], r[6]) for r in rows] == [
        (1, "Vũ Thị Yến", "Phường Kinh Bắc"),
        (2, "Nguyễn Thị An", "Xã Tân Yên"),
        (None, "Lê Văn Anh", "Xã Tân Yên"),
        (None, "Trần Văn Bình", "Xã Tân Yên"),
        (3, "Đỗ Văn Ân", "Xã Tân Yên"),
    ]
    first = rows[1]
    assert first[2].date() == date(2011, 5, 1) and ws.cell(7, 3).number_format == "dd/mm/yyyy"
    assert first[3:6] == ["Nữ", "8A", "Trường THCS Tân Yên"]
    assert first[7:] == ["Máy lọc nước mưa", "Kỹ thuật cơ khí", None, "Hoàng Văn Thầy", "Đã tiếp nhận"]
    assert rows[2][7] == "Máy lọc nước mưa"  # the entry's cells repeat on every author row


def test_a_formula_in_a_title_stays_text(client, listed):
    login(client, "btc")
    ws, _, header, rows = sheet_rows(client.get(EXPORT_URL).data)
    title_col = header.index("Tên sản phẩm")
    cell_values = [r[title_col] for r in rows]
    assert f"'{INJECTION}" in cell_values
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value.startswith("="))


def test_filters_by_level_category_and_area(client, listed):
    login(client, "btc")
    _, heading, _, rows = sheet_rows(client.get(EXPORT_URL + "?level=tinh").data)
    assert [r[1] for r in rows] == ["Vũ Thị Yến"] and heading[3][0] == "Cấp tỉnh"
    _, _, _, rows = sheet_rows(client.get(EXPORT_URL + "?level=truong").data)
    assert len(rows) == 5  # everything registered at the school level
    _, _, _, rows = sheet_rows(client.get(EXPORT_URL + "?category=tin_hoc").data)
    assert [r[1] for r in rows] == ["Vũ Thị Yến", "Đỗ Văn Ân"]
    _, heading, _, rows = sheet_rows(client.get(EXPORT_URL + "?area=xa-tan-yen&category=co_khi").data)
    assert [r[1] for r in rows] == ["Nguyễn Thị An", "Lê Văn Anh", "Trần Văn Bình"]
    assert heading[3][0] == "Địa bàn: Xã Tân Yên · Lĩnh vực: Kỹ thuật cơ khí"
    response = client.get(EXPORT_URL + "?level=huyen")
    assert response.status_code == 400
    assert "Không có cấp thi mã 'huyen' trong kỳ thi này (có: truong, tinh)." in html.unescape(response.get_data(as_text=True))
    assert client.get(EXPORT_URL + "?area=khong-co").status_code == 400


def test_area_organiser_and_school_see_only_their_own(app, client, listed):
    login(client, "btc-xa")  # Xã Tân Yên
    _, _, _, rows = sheet_rows(client.get(EXPORT_URL).data)
    assert {r[5] for r in rows} == {"Trường THCS Tân Yên"} and len(rows) == 4
    _, _, _, rows = sheet_rows(client.get(EXPORT_URL + "?area=phuong-kinh-bac").data)
    assert rows == []
    school = app.test_client()
    login(school, "truong")
    _, _, _, rows = sheet_rows(school.get(EXPORT_URL).data)
    assert {r[5] for r in rows} == {"Trường THCS Tân Yên"}
    judge = app.test_client()
    login(judge, "giamkhao")
    assert judge.get(EXPORT_URL).status_code == 403


def test_export_page_offers_the_filters(client, listed):
    login(client, "btc")
    page = html.unescape(client.get(f"/e/{SLUG}/export").get_data(as_text=True))
    assert 'action="/e/sang-tao-tttn-2026/export.xlsx"' in page
    assert "Cấp tỉnh" in page and "Xã Tân Yên" in page and "Tin học" in page


def test_withdrawn_entries_are_left_out(app, client, listed):
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.title == "Đèn học thông minh"))
        entry.status = "withdrawn"
        db.session.commit()
    login(client, "btc")
    _, heading, _, rows = sheet_rows(client.get(EXPORT_URL).data)
    assert "Vũ Thị Yến" not in [r[1] for r in rows] and heading[3][0] == "Tổng số: 2 sản phẩm, 4 tác giả"


def test_cli_export(runner, listed, tmp_path):
    out = tmp_path / "ds.xlsx"
    result = runner.invoke(args=["export-entries", SLUG, str(out), "--category", "co_khi"])
    assert result.exit_code == 0, result.output
    assert f"Đã xuất 1 bài dự thi (3 dòng) vào {out}" in result.output
    _, _, _, rows = sheet_rows(out.read_bytes())
    assert [r[1] for r in rows] == ["Nguyễn Thị An", "Lê Văn Anh", "Trần Văn Bình"]
    result = runner.invoke(args=["export-entries", SLUG, str(out), "--level", "huyen"])
    assert result.exit_code == 2 and "Không có cấp thi mã 'huyen'" in result.output
    assert runner.invoke(args=["export-entries", "khong-co", str(out)]).exit_code == 2


def test_technical_export_columns(app, runner, world, tmp_path):
    with app.app_context():
        contest = Contest(slug="sang-tao-ky-thuat", kind="technical_innovation", name="Hội thi Sáng tạo kỹ thuật",
                          short_name="STKT")
        edition = Edition(contest=contest, number=11, slug="stkt-11", name="Hội thi Sáng tạo kỹ thuật lần thứ 11",
                          year_start=2024, year_end=2025, settings={})
        edition.levels = [Level(position=1, code="chung_khao", name="Vòng chung khảo")]
        db.session.add(edition)
        db.session.flush()
        school = db.session.get(Institution, world["school"])
        authors = [PersonData(role="author", full_name="Nguyễn Văn Tâm", birth_year=1980, organisation="HTX",
                              job_title="Kỹ sư", trade_union_member=True)]
        bulk_create_entries(edition, [(school, EntryData(title="Máy sấy", first_applied_on=date(2024, 3, 15),
                                                         people=authors))], check_deadline=False)
        db.session.commit()
    out = tmp_path / "stkt.xlsx"
    assert runner.invoke(args=["export-entries", "stkt-11", str(out)]).exit_code == 0
    _, heading, header, rows = sheet_rows(out.read_bytes())
    assert heading[1][0] == "DANH SÁCH GIẢI PHÁP DỰ THI"
    assert header == ["STT", "Họ và tên", "Năm sinh", "Đơn vị công tác", "Chức vụ", "Đoàn viên công đoàn",
                      "Đơn vị dự thi", "Địa bàn", "Tên giải pháp", "Lĩnh vực", "Ngày áp dụng", "Trạng thái"]
    assert rows[0][:9] == [1, "Nguyễn Văn Tâm", 1980, "HTX", "Kỹ sư", "x", "Trường THCS Tân Yên", "Xã Tân Yên",
                           "Máy sấy"]
    assert rows[0][10].date() == date(2024, 3, 15) and rows[0][11] == "Bản nháp"
