"""Robocon pages through the test client: who may do what, the referee's sheet, the head
referee's commit, the public display (no personal data), schedules, check-in and
inspection, settings and the CSV import. Bad input gives a Vietnamese message, never a 500."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from contest.auth.services import create_user, grant_role
from contest.extensions import db as _db
from contest.models import (
    AdminUnit,
    Contest,
    Division,
    Edition,
    Entry,
    EntryLevel,
    EntryPerson,
    Institution,
    Level,
)
from contest.models.robocon import RoboconFixture, RoboconResult
from contest.robocon import services as rs
from tests.helpers import PASSWORD, csrf_token, login, post_form

SLUG = "robocon-2026"
SCHOOL_NAMES = ["Trường Tiểu học Hoàng Hoa Thám", "Trường Tiểu học Ngô Quyền", "Trường THCS Lê Quý Đôn",
                "Trường THCS Nguyễn Du", "Trường THCS Trần Phú"]


def build_robocon(app, world, *, teams_per_division: int = 6) -> dict:
    """A Robocon edition (qualifying round, final, national) with two divisions, teams
    of five schools (several teams per school), a referee and a head referee for it."""
    with app.app_context():
        commune = _db.session.get(AdminUnit, world["commune"])
        contest = Contest(slug="robocon", kind="robocon", name="Cuộc thi Robocon tỉnh", short_name="Robocon")
        edition = Edition(contest=contest, number=3, slug=SLUG, name="Cuộc thi Robocon tỉnh Bắc Ninh lần thứ 3 (2026)",
                          year_start=2026, year_end=2026, status="judging", settings={}, starts_on=date(2026, 5, 16))
        edition.levels = [Level(position=1, code="vong_loai", name="Vòng loại"),
                          Level(position=2, code="chung_ket", name="Chung kết"),
                          Level(position=3, code="toan_quoc", name="Dự thi toàn quốc")]
        edition.divisions = [Division(position=1, code="th", name="Bảng Tiểu học"),
                             Division(position=2, code="thcs", name="Bảng THCS")]
        _db.session.add_all([contest, edition])
        schools = [Institution(code=f"rb-school-{i}", name=name, kind="primary" if i < 2 else "lower_secondary",
                               unit=commune) for i, name in enumerate(SCHOOL_NAMES)]
        _db.session.add_all(schools)
        _db.session.flush()
        qualifying = edition.levels[0]
        for d, division in enumerate(edition.divisions):
            prefix = division.code.upper()
            for n in range(1, teams_per_division + 1):
                school = schools[(n - 1) % 2] if d == 0 else schools[2 + (n - 1) % 3]
                entry = Entry(edition=edition, institution=school, area_unit_id=commune.id, code=f"{prefix}{n:02d}",
                              title=f"Đội {prefix} Sao Mai {n}", division=division, robot_name=f"Rô-bốt {n}",
                              status="accepted", level=qualifying)
                entry.people = [
                    EntryPerson(role="member", position=0, full_name=f"Nguyễn Văn Bé {prefix}{n}",
                                birth_date=date(2014, 3, 12 + n % 10), phone="0912345678"),
                    EntryPerson(role="mentor", position=1, full_name=f"Trần Thị Cô {prefix}{n}"),
                ]
                entry.level_results = [EntryLevel(level=qualifying, decision="pending")]
                _db.session.add(entry)
        referee = create_user("tt-robocon", "Trọng tài Robocon", PASSWORD)
        grant_role(referee, "referee", edition_id=edition.id)
        head = create_user("ttt-robocon", "Tổng trọng tài Robocon", PASSWORD)
        grant_role(head, "head_referee", edition_id=edition.id)
        _db.session.commit()
        return {"edition": edition.id}


def ready_all(edition, level) -> None:
    """Check in and pass inspection for every team of the level."""
    items = rs.inspection_items(edition)
    for division in edition.divisions:
        for entry in rs.stage_entries(edition, level, division):
            rs.check_in(edition, level, entry)
            rs.inspect_robot(edition, level, entry, {i["code"]: (True, "") for i in items})


SCHEDULE_FORM = {
    "divisions": ["th", "thcs"],
    "venues": "Điểm thi Bắc Giang: Sân 1, Sân 2\nĐiểm thi Lục Nam: Sân 1",
    "days": "16/05/2026 07:30-11:30\n16/05/2026 13:30-17:00",
    "slot_minutes": "6", "min_gap_slots": "2", "seed": "5", "separate_schools": "y",
}


def scheduled(app, world, *, ready: bool = True, teams: int = 6) -> None:
    build_robocon(app, world, teams_per_division=teams)
    with app.app_context():
        edition = rs.get_edition(SLUG)
        level = rs.level_of(edition, "vong_loai")
        rs.generate_schedule(edition, level, edition.divisions,
                             rs.ScheduleParams(rs.parse_venues(SCHEDULE_FORM["venues"]),
                                               rs.parse_days(SCHEDULE_FORM["days"]), 6, 2, 5))
        if ready:
            ready_all(edition, level)
        _db.session.commit()


def first_run(app, code: str = "TH01") -> int:
    with app.app_context():
        entry = _db.session.scalar(select(Entry).where(Entry.code == code))
        return _db.session.scalar(select(RoboconFixture.id).where(RoboconFixture.entry_a_id == entry.id,
                                                                  RoboconFixture.run_no == 1))


def sheet(**values) -> dict:
    data = {"a_i_xuat_phat": "0", "a_i_vuot_cau": "0", "a_i_dat_khoi": "0", "a_i_nem_bong": "0",
            "a_i_ve_dich": "0", "a_p_cham_tay": "0", "a_p_ra_san": "0", "a_time": "", "note": ""}
    data.update(values)
    return data


def text(response) -> str:
    return response.get_data(as_text=True)


# ----- access -------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_and_public_display_is_open(app, world, client):
    scheduled(app, world, ready=False)
    response = client.get(f"/robocon/{SLUG}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"/robocon/{SLUG}/display").status_code == 200
    assert client.get(f"/api/v1/robocon/{SLUG}/display").status_code == 200
    assert client.get(f"/robocon/{SLUG}/vong_loai/queue").status_code == 200
    # another contest's edition has no Robocon pages
    assert client.get("/robocon/sang-tao-tttn-2026/display").status_code == 404
    assert client.get("/api/v1/robocon/sang-tao-tttn-2026/display").get_json()["status"] == 404


def test_referee_of_another_edition_is_refused(app, world, client):
    scheduled(app, world)
    fixture_id = first_run(app)
    login(client, "trongtai")  # a referee granted for sang-tao-tttn-2026 only
    assert client.get(f"/robocon/{SLUG}").status_code == 403
    assert client.get(f"/robocon/{SLUG}/fixture/{fixture_id}").status_code == 403
    token = csrf_token(client, "/dashboard")
    response = client.post(f"/robocon/{SLUG}/fixture/{fixture_id}", data=sheet(a_i_xuat_phat="1", csrf_token=token))
    assert response.status_code == 403
    assert "Không có quyền truy cập" in text(response)
    with app.app_context():
        assert _db.session.scalar(select(RoboconResult.id)) is None
    other_head = app.test_client()
    login(other_head, "tongtrongtai")  # head referee of another edition
    token = csrf_token(other_head, "/dashboard")
    assert other_head.post(f"/robocon/{SLUG}/fixture/{fixture_id}/commit",
                           data={"result_id": "1", "csrf_token": token}).status_code == 403


def test_referee_scores_and_only_the_head_referee_commits(app, world, client):
    scheduled(app, world)
    fixture_id = first_run(app)
    url = f"/robocon/{SLUG}/fixture/{fixture_id}"
    login(client, "tt-robocon")
    page = text(client.get(url))
    assert "Đội TH Sao Mai 1" in page and "Thêm 1: Vượt qua cầu" in page
    response = post_form(client, url, sheet(a_i_xuat_phat="1", a_i_vuot_cau="1", a_time="62,5"), follow=True)
    page = text(response)
    assert "Đã lưu phiếu chấm (phiên bản 1)" in page and "Chờ duyệt" in page
    with app.app_context():
        result = _db.session.scalar(select(RoboconResult))
        assert (result.points_a, result.time_a, result.status) == (30, 62.5, "pending")
        result_id = result.id
    # the referee cannot commit, nor can an organiser: only the head referee
    token = csrf_token(client, url)
    assert client.post(url + "/commit", data={"result_id": result_id, "csrf_token": token}).status_code == 403
    organiser = app.test_client()
    login(organiser, "btc")
    token = csrf_token(organiser, url)
    assert organiser.post(url + "/commit", data={"result_id": result_id, "csrf_token": token}).status_code == 403
    ranking = text(organiser.get(f"/robocon/{SLUG}/vong_loai/th"))
    assert "L1: 30" not in ranking  # not committed: does not count

    head = app.test_client()
    login(head, "ttt-robocon")
    review = text(head.get(f"/robocon/{SLUG}/review"))
    assert "Đội TH Sao Mai 1" in review
    response = post_form(head, url + "/commit", {"result_id": result_id}, token_from=url, follow=True)
    assert "Đã duyệt phiên bản 1" in text(response)
    ranking = text(organiser.get(f"/robocon/{SLUG}/vong_loai/th"))
    row = re.search(r"<tr[^>]*>\s*<td>1</td><td>TH01</td>.*?</tr>", ranking, re.S)
    assert row and "L1: 30" in row.group(0)

    # a correction needs a reason; the earlier version stays in the history
    response = post_form(client, url, sheet(a_i_xuat_phat="1", a_i_vuot_cau="1", a_i_dat_khoi="1", a_time="70"))
    assert response.status_code == 200 and "cần ghi lý do sửa" in text(response)
    assert 'value="1"' in text(response)  # what the referee typed is kept
    post_form(client, url, sheet(a_i_xuat_phat="1", a_i_vuot_cau="1", a_i_dat_khoi="1", a_time="70",
                                 note="Bỏ sót một khối hộp"))
    page = text(head.get(url))
    assert "Bỏ sót một khối hộp" in page and "Đã được thay thế" not in page
    assert page.count("rb-status-committed") == 1 and page.count("rb-status-pending") == 1
    with app.app_context():
        v2 = _db.session.scalar(select(RoboconResult).where(RoboconResult.version == 2))
        v2_id = v2.id
    post_form(head, url + "/commit", {"result_id": v2_id}, token_from=url)
    page = text(head.get(url))
    assert "Đã được thay thế" in page and page.count("rb-status-committed") == 1
    ranking = text(organiser.get(f"/robocon/{SLUG}/vong_loai/th"))
    assert "L1: 45" in ranking


def test_disqualification_needs_a_reason_and_is_shown(app, world, client):
    scheduled(app, world)
    url = f"/robocon/{SLUG}/fixture/{first_run(app, 'TH02')}"
    login(client, "tt-robocon")
    page = text(post_form(client, url, sheet(a_i_xuat_phat="1", a_dq="y")))
    assert "Lượt thi bị truất quyền cần ghi lý do." in page
    page = text(post_form(client, url, sheet(a_i_xuat_phat="1", a_dq="y",
                                             a_dq_reason="Robot vượt kích thước khi xuất phát"), follow=True))
    assert "Robot vượt kích thước khi xuất phát" in page
    with app.app_context():
        r = _db.session.scalar(select(RoboconResult))
        assert r.dq_a and r.points_a == 0


def test_bad_numbers_on_the_sheet_give_vietnamese_messages(app, world, client):
    scheduled(app, world)
    url = f"/robocon/{SLUG}/fixture/{first_run(app)}"
    login(client, "tt-robocon")
    response = post_form(client, url, sheet(a_i_xuat_phat="abc", a_i_dat_khoi="9", a_time="nhanh"))
    page = text(response)
    assert response.status_code == 200
    assert "Vui lòng nhập một số nguyên." in page
    assert "không đúng dạng" in page
    response = post_form(client, url, sheet(a_i_dat_khoi="9"))
    assert "vượt số lần tối đa là 4" in text(response)


def test_uninspected_team_cannot_be_scored(app, world, client):
    scheduled(app, world, ready=False)
    url = f"/robocon/{SLUG}/fixture/{first_run(app)}"
    login(client, "tt-robocon")
    page = text(client.get(url))
    assert "Đội phải đạt kiểm tra kỹ thuật trước lượt thi đầu tiên" in page
    page = text(post_form(client, url, sheet(a_i_xuat_phat="1")))
    assert "chưa đạt kiểm tra kỹ thuật ở vòng loại: chưa được thi" in page


def test_public_display_shows_ranking_but_no_personal_data(app, world, client):
    scheduled(app, world)
    with app.app_context():
        entry = _db.session.scalar(select(Entry).where(Entry.code == "TH03"))
        fx = _db.session.scalar(select(RoboconFixture).where(RoboconFixture.entry_a_id == entry.id,
                                                             RoboconFixture.run_no == 1))
        r = rs.save_result(fx, rs.SheetInput(rs.SideInput({"xuat_phat": 1, "ve_dich": 1}, {}, 55)))
        rs.commit_result(r)
        _db.session.commit()
    for url in (f"/robocon/{SLUG}/display?cap=vong_loai&bang=th", f"/api/v1/robocon/{SLUG}/display?cap=vong_loai&bang=th"):
        body = text(client.get(url))
        assert "Đội TH Sao Mai 3" in body and "Trường Tiểu học" in body
        assert "Nguyễn Văn Bé" not in body and "Trần Thị Cô" not in body
        assert "2014" not in body and "0912345678" not in body
    data = client.get(f"/api/v1/robocon/{SLUG}/display?cap=vong_loai&bang=th").get_json()
    assert data["ranking"][0]["team"]["name"] == "Đội TH Sao Mai 3" and data["ranking"][0]["points"] == "40"
    assert data["fields"] and data["fields"][0]["current"] is not None
    assert client.get(f"/api/v1/robocon/{SLUG}/display?bang=khong-co").status_code == 404
    field = data["fields"][0]
    queue = client.get(f"/api/v1/robocon/{SLUG}/vong_loai/queue",
                       query_string={"venue": field["venue"], "field": field["field"]}).get_json()
    assert queue["current"]["a"]["name"] and "2014" not in str(queue)
    page = client.get(f"/robocon/{SLUG}/vong_loai/queue", query_string={"venue": field["venue"], "field": field["field"]})
    assert page.status_code == 200 and "Các đội chuẩn bị" in text(page)
    assert client.get(f"/robocon/{SLUG}/vong_loai/queue?field=Không+có").status_code == 404


# ----- organiser pages ----------------------------------------------------------------


def test_schedule_page_generates_and_prints(app, world, client):
    build_robocon(app, world, teams_per_division=6)
    login(client, "btc")
    url = f"/robocon/{SLUG}/vong_loai/schedule"
    assert client.get(url).status_code == 200
    page = text(post_form(client, url, SCHEDULE_FORM))
    assert "Đã xếp lịch 36 lượt/trận cho 12 đội" in page
    teams = text(client.get(f"/robocon/{SLUG}/vong_loai/schedule/teams?bang=th"))
    assert "Đội TH Sao Mai 1" in teams and "Đội THCS Sao Mai 1" not in teams and "Lượt 3" in teams
    fields = text(client.get(f"/robocon/{SLUG}/vong_loai/schedule/fields"))
    assert fields.count('class="rb-print-field"') == 3 and "Điểm thi Lục Nam" in fields
    bad = dict(SCHEDULE_FORM, days="16/05/2026 07:30-08:00")
    page = text(post_form(client, url, bad))
    assert "Không đủ chỗ" in page or "không xếp được" in page.lower()
    bad = dict(SCHEDULE_FORM, venues="Điểm A Sân 1 Sân 1:", days="sáng mai")
    page = text(post_form(client, url, bad))
    assert "Dòng 1" in page
    referee = app.test_client()
    login(referee, "tt-robocon")
    assert referee.get(url).status_code == 403
    assert referee.get(f"/robocon/{SLUG}/vong_loai/schedule/teams").status_code == 200


def test_checkin_and_inspection_on_the_tablet(app, world, client):
    scheduled(app, world, ready=False)
    with app.app_context():
        entry_id = _db.session.scalar(select(Entry.id).where(Entry.code == "TH01"))
    login(client, "tt-robocon")
    listing = f"/robocon/{SLUG}/vong_loai/checkin"
    assert "Chưa điểm danh" in text(client.get(listing + "?q=TH01"))
    page = text(post_form(client, f"{listing}/{entry_id}", {"action": "in"}, token_from=listing, follow=True))
    assert "Đã điểm danh đội Đội TH Sao Mai 1" in page
    url = f"/robocon/{SLUG}/vong_loai/inspect/{entry_id}"
    with app.app_context():
        items = rs.inspection_items(rs.get_edition(SLUG))
    answers = {f"ok_{i['code']}": "1" for i in items}
    answers[f"ok_{items[0]['code']}"] = "0"
    page = text(post_form(client, url, answers))
    assert "cần ghi rõ lỗi" in page
    answers[f"note_{items[0]['code']}"] = "Robot cao 65 cm"
    page = text(post_form(client, url, answers, follow=True))
    assert "chưa đạt kiểm tra kỹ thuật" in page
    del answers[f"ok_{items[1]['code']}"]
    page = text(post_form(client, url, answers))
    assert "Chưa đánh giá mục" in page
    answers = {f"ok_{i['code']}": "1" for i in items}
    page = text(post_form(client, url, answers, follow=True))
    assert "đạt kiểm tra kỹ thuật" in page
    page = text(client.get(url))
    assert "Robot cao 65 cm" in page  # the failed inspection stays in the history


def test_settings_forms_keep_input_and_explain_errors(app, world, client):
    build_robocon(app, world)
    login(client, "btc")
    url = f"/robocon/{SLUG}/settings/vong_loai/th"
    form = {"format": "mission", "runs_per_team": "3", "ranking": "sum_best_k", "best_k": "5", "group_size": "4",
            "advance_per_group": "2", "win": "1", "draw": "1", "loss": "0", "tie_break_1": "head_to_head",
            "tie_break_2": "head_to_head", "tie_break_3": "", "tie_break_4": "", "cut_size": "16", "on_tie": "include"}
    page = text(post_form(client, url, form))
    assert "Mỗi tiêu chí phụ chỉ chọn một lần." in page
    form["tie_break_2"] = "time"
    page = text(post_form(client, url, form))
    assert "Số lượt tính điểm k phải từ 1 đến số lượt thi" in page
    assert "Điểm thắng phải lớn hơn điểm hoà" in page
    form.update(best_k="2", win="3")
    page = text(post_form(client, url, form, follow=True))
    assert "Đã lưu thể thức" in page and "tính tổng 2 lượt tốt nhất" in page
    sheet_url = f"/robocon/{SLUG}/settings/sheet/th"
    page = text(post_form(client, sheet_url, {"items": "Về đích | mười | 1", "penalties": "", "time_limit": "abc"}))
    assert "không phải là một số" in page
    page = text(post_form(client, sheet_url, {"items": "Về đích | 30 | 1\nNém bóng | 5 |", "penalties": "Chạm tay | 10",
                                               "time_limit": "150"}, follow=True))
    assert "Đã lưu phiếu chấm" in page and "Ném bóng: 5 điểm" in page
    page = text(post_form(client, f"/robocon/{SLUG}/settings", {"items": "Kích thước\nCó nút dừng khẩn cấp"},
                          follow=True))
    assert "Đã lưu danh mục kiểm tra kỹ thuật" in page
    referee = app.test_client()
    login(referee, "ttt-robocon")
    assert referee.get(url).status_code == 403


def test_csv_import_page_lists_row_errors(app, world, client):
    scheduled(app, world)
    login(client, "btc")
    url = f"/robocon/{SLUG}/vong_loai/import"
    bad = "Mã đội;Lượt;Điểm;Thời gian;Sân\nTH01;1;45;62,5;Sân 1\nZZ;1;30;50;Sân 1\nTH02;1;nhiều;50;Sân 1\n"
    response = post_form(client, url, {"file": (io.BytesIO(bad.encode()), "ketqua.csv")})
    page = text(response)
    assert response.status_code == 200
    assert "chưa nhập lượt thi nào" in page and "ZZ" in page and "Dòng 4" in page
    response = post_form(client, url, {"file": (io.BytesIO(b"\xff\xfe\x00garbage"), "ketqua.csv")})
    assert "UTF-8" in text(response)
    response = post_form(client, url, {"file": (io.BytesIO(b"x"), "ketqua.xlsx")})
    assert "Chỉ nhận tệp .csv" in text(response)
    good = "TH01,1,45,62.5,Điểm thi Bắc Giang\nTH02,1,DQ,,Điểm thi Lục Nam\n"
    page = text(post_form(client, url, {"file": (io.BytesIO(good.encode()), "ketqua.csv")}))
    assert "Đã nhập 2 lượt thi của 2 đội" in page
    ranking = text(client.get(f"/robocon/{SLUG}/vong_loai/th"))
    assert "L1: 45" in ranking and "L1: Loại" in ranking


def test_final_with_bracket_on_stage_page_and_display(app, world, client):
    scheduled(app, world)
    with app.app_context():
        edition = rs.get_edition(SLUG)
        th = rs.division_of(edition, "th")
        qual = rs.level_of(edition, "vong_loai")
        for i, entry in enumerate(rs.stage_entries(edition, qual, th)):
            fx = _db.session.scalar(select(RoboconFixture).where(RoboconFixture.entry_a_id == entry.id,
                                                                 RoboconFixture.run_no == 1))
            rs.commit_result(rs.save_result(fx, rs.SheetInput(rs.SideInput({"nem_bong": 5 - i}, {}, 60))))
        fmt = rs.stage_format(edition, qual, th)
        fmt.cut_size = 4
        rs.save_format(edition, qual, th, fmt)
        _db.session.commit()
    login(client, "btc")
    stage_url = f"/robocon/{SLUG}/vong_loai/th"
    page = text(post_form(client, stage_url + "/cut", {}, token_from=stage_url, follow=True))
    assert "Đã chốt 4 đội vào vòng sau" in page
    final_url = f"/robocon/{SLUG}/chung_ket/th"
    page = text(post_form(client, final_url + "/bracket", {}, token_from=final_url, follow=True))
    assert "Đã lập sơ đồ loại trực tiếp 4 đội" in page and "Bán kết" in page and "Tranh hạng Ba" in page
    data = client.get(f"/api/v1/robocon/{SLUG}/display?cap=chung_ket&bang=th").get_json()
    assert data["bracket"]["rounds"][0]["name"] == "Bán kết"
    assert data["bracket"]["rounds"][0]["matches"][0]["a"]["name"] == "Đội TH Sao Mai 1"
    # the cut cannot be redone once the final has a bracket
    page = text(post_form(client, stage_url + "/cut", {}, token_from=stage_url, follow=True))
    assert "không thể chốt lại" in page


def test_hub_and_referee_pages_render(app, world, client):
    scheduled(app, world)
    login(client, "tt-robocon")
    assert SLUG in text(client.get("/robocon"))
    hub = text(client.get(f"/robocon/{SLUG}"))
    assert "Bảng Tiểu học" in hub and "Thi theo lượt" in hub
    fields = text(client.get(f"/robocon/{SLUG}/vong_loai/referee"))
    assert "Điểm thi Lục Nam" in fields
    page = text(client.get(f"/robocon/{SLUG}/vong_loai/referee", query_string={"venue": "Điểm thi Lục Nam",
                                                                               "field": "Sân 1"}))
    assert "Đang thi" in page and "Mở phiếu chấm" in page
    found = text(client.get(f"/robocon/{SLUG}/vong_loai/referee?q=TH05"))
    assert "Đội TH Sao Mai 5" in found
    assert client.get(f"/robocon/{SLUG}/khong-co/referee").status_code == 404
    assert client.get(f"/robocon/{SLUG}/fixture/999999").status_code == 404


def test_group_stage_draw_and_schedule_through_the_pages(app, world, client):
    build_robocon(app, world, teams_per_division=8)
    with app.app_context():
        edition = rs.get_edition(SLUG)
        qual, thcs = rs.level_of(edition, "vong_loai"), rs.division_of(edition, "thcs")
        rs.save_format(edition, qual, thcs, rs.StageFormat(format="head_to_head", group_size=4, advance_per_group=2))
        _db.session.commit()
    login(client, "btc")
    stage_url = f"/robocon/{SLUG}/vong_loai/thcs"
    page = text(post_form(client, stage_url + "/draw", {"seed": "abc"}, token_from=stage_url, follow=True))
    assert "Vui lòng nhập một số nguyên." in page
    page = text(post_form(client, stage_url + "/draw", {"seed": "9"}, token_from=stage_url, follow=True))
    assert "Đã bốc thăm 2 bảng." in page and "Bảng A" in page and "Bảng B" in page
    page = text(post_form(client, stage_url + "/bracket", {}, token_from=stage_url, follow=True))
    assert "Còn 12 trận vòng bảng chưa có kết quả đã duyệt." in page
    url = f"/robocon/{SLUG}/vong_loai/schedule"
    page = text(post_form(client, url, dict(SCHEDULE_FORM, divisions=["thcs"])))
    assert "Đã xếp lịch 12 lượt/trận cho 8 đội" in page
    page = text(post_form(client, url, dict(SCHEDULE_FORM, divisions=["th", "thcs"])))
    assert "thể thức khác nhau" in page
    data = client.get(f"/api/v1/robocon/{SLUG}/display?cap=vong_loai&bang=thcs").get_json()
    assert [g["name"] for g in data["groups"]] == ["Bảng A", "Bảng B"]
    assert data["fields"][0]["current"]["kind"] == "match"


def test_demo_plays_the_first_robocon(app):
    """The demo seed: 432 teams, 3 qualifying runs each at three venues, a 16-team
    bracket per division in the final, every result committed but two corrections."""
    from contest.demo import registrations
    from contest.demo.robocon import seed_robocon
    from contest.demo.seed import seed_accounts, seed_contests, seed_institutions, seed_units

    with app.app_context():
        units = seed_units()
        seed_institutions(units)
        seed_contests()
        seed_accounts(units)
        edition = _db.session.scalar(select(Edition).where(Edition.slug == "robocon-2024"))
        registrations.seed_robocon(edition, registrations.ROBOCON_2024_TEAMS, registrations.ROBOCON_2024_PEOPLE)
        summary = seed_robocon()
        _db.session.commit()
        assert summary["lượt thi vòng loại Robocon"] == 1296
        assert summary["trận chung kết Robocon"] == 48 and summary["đội vào chung kết Robocon"] == 48
        assert seed_robocon() == {"lượt/trận Robocon mới": 0}
        qual = rs.level_of(edition, "vong_loai")
        venues = {f.venue for f in rs.level_fixtures(edition, qual)}
        assert len(venues) == 3
        for division in edition.divisions:
            assert rs.division_finished(edition, division)
            ranking = rs.final_ranking(edition, division)
            assert [r for _, r, _ in ranking[:4]] == [1, 2, 3, 4]
            assert len(ranking) == len(rs.stage_entries(edition, qual, division))
            payload = rs.display_payload(edition, rs.level_of(edition, "chung_ket"), division)
            assert payload["bracket"]["champion"] is not None
        pending = rs.pending_results(edition)
        assert len(pending) == 2 and all(f.committed is not None for f in pending)
    client = app.test_client()
    page = text(client.get("/robocon/robocon-2024/display?cap=chung_ket&bang=thcs"))
    assert "Vô địch" in page and "Tranh hạng Ba" in page


def test_two_saves_at_the_same_moment_do_not_give_a_500(app, world, client, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    scheduled(app, world)
    url = f"/robocon/{SLUG}/fixture/{first_run(app)}"
    login(client, "tt-robocon")

    def clash(*args, **kwargs):
        raise IntegrityError("INSERT INTO robocon_result", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(rs, "save_result", clash)
    token = csrf_token(client, url)
    response = client.post(url, data=sheet(a_i_xuat_phat="1", csrf_token=token), headers={"Referer": url})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert "người khác thay đổi cùng lúc" in text(client.get(url))


def test_two_tablets_saving_the_same_run_at_once_both_keep_their_sheet(app, world, monkeypatch):
    """The second save waits for the first (the fixture's row lock) and becomes the next
    version, instead of clashing on the version number and losing what was typed."""
    import threading

    from contest.robocon import referee
    from tests.helpers import race

    scheduled(app, world)
    fixture_id = first_run(app)
    real_summary = referee._result_summary
    holds = {}

    def slow_summary(result):
        holds[threading.current_thread().name]()  # flushed, not committed yet
        return real_summary(result)

    monkeypatch.setattr(referee, "_result_summary", slow_summary)

    def save(name: str, hold) -> int:
        holds[name] = hold
        with app.app_context():
            fx = _db.session.get(RoboconFixture, fixture_id)
            counts = {"xuat_phat": 1} if name == "first" else {"xuat_phat": 1, "ve_dich": 1}
            version = rs.save_result(fx, rs.SheetInput(rs.SideInput(counts, {}, 60))).version
            _db.session.commit()
            return version

    assert race(save) == {"first": 1, "second": 2}
