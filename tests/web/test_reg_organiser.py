"""The organiser's registration overview (counts and charts), quotas and deadline extensions."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from contest.extensions import db
from contest.models import (
    AuditLog,
    Category,
    DeadlineExtension,
    Division,
    Edition,
    Entry,
    Institution,
    Level,
    Quota,
    User,
)
from registration import services
from tests.helpers import inline_scripts, login, post_form

SLUG = "sang-tao-tttn-2026"
OVERVIEW = f"/e/{SLUG}/overview"
QUOTAS = f"/e/{SLUG}/quotas"
DEADLINES = f"/e/{SLUG}/deadlines"


def _person(role: str, name: str, born: date | None = None) -> services.PersonData:
    return services.PersonData(role, name, born)


@pytest.fixture
def reg(app, world):
    """The world's edition with a commune level between school and province, two fields,
    two divisions and five entries:

    Xã Tân Yên (school): e1 A/Bảng 1 accepted, nominated school → commune → province;
                         e2 A/Bảng 1 accepted, nominated school → commune; e3 B/Bảng 2 draft
    Phường Kinh Bắc (other_school): e4 A/Bảng 2 submitted; e5 B/Bảng 1 accepted
    School entries have two authors and a mentor each, the other school's one author.
    """
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        province = edition.level("tinh")
        province.position = 3
        db.session.flush()
        commune_level = Level(edition=edition, position=2, code="xa", name="Cấp xã", area_kind="commune")
        db.session.add(commune_level)
        cat_a = Category(edition=edition, position=1, code="a", name="Lĩnh vực Cơ khí")
        cat_b = Category(edition=edition, position=2, code="b", name="Lĩnh vực Tin học")
        div_1 = Division(edition=edition, position=1, code="d1", name="Bảng Tiểu học")
        div_2 = Division(edition=edition, position=2, code="d2", name="Bảng THCS")
        db.session.add_all([cat_a, cat_b, div_1, div_2])
        db.session.flush()
        db.session.refresh(edition)
        organiser = db.session.get(User, world["users"]["organiser"])
        school = db.session.get(Institution, world["school"])
        other = db.session.get(Institution, world["other_school"])
        n = iter(range(100))

        def make(inst, cat, div, status, authors, mentors):
            people = [_person("author", f"Học Sinh Số {next(n)}", date(2013, 1, 1)) for _ in range(authors)]
            people += [_person("mentor", f"Giáo Viên Số {next(n)}") for _ in range(mentors)]
            data = services.EntryData(title=f"Sản phẩm {next(n)}", category_id=cat.id, division_id=div.id, people=people)
            entry = services.create_entry(edition, inst, data, actor=organiser)
            if status in ("submitted", "accepted"):
                services.submit_entry(entry, actor=organiser)
            if status == "accepted":
                services.accept_entry(entry, actor=organiser)
            return entry

        e1 = make(school, cat_a, div_1, "accepted", 2, 1)
        e2 = make(school, cat_a, div_1, "accepted", 2, 1)
        make(school, cat_b, div_2, "draft", 2, 1)
        make(other, cat_a, div_2, "submitted", 1, 0)
        make(other, cat_b, div_1, "accepted", 1, 0)
        db.session.flush()
        services.nominate(e1, actor=organiser)
        services.nominate(e2, actor=organiser)
        services.set_quota(edition, 2, unit_id=world["commune"], level_id=commune_level.id, actor=organiser)
        services.nominate(e1, actor=organiser)
        db.session.commit()
        return {**world, "commune_level": commune_level.id, "school_level": edition.level("truong").id,
                "cat_a": cat_a.id}


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _row(section: str, label: str) -> list[str]:
    """The cells of the table row whose header is ``label`` (text only)."""
    match = re.search(rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', section, re.S)
    assert match, f"no row {label!r}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def _input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert match, f"no input {name!r}"
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def _svg(section: str) -> str:
    return section[section.index("<svg"): section.index("</svg>")]


# ----- overview -------------------------------------------------------------------------

def test_overview_counts_match_the_data(client, reg):
    login(client, "btc")
    html = _html(client, OVERVIEW)
    totals = _section(html, "totals")
    assert re.search(r'stat-n">5</span><span class="stat-l">Bài dự thi', totals)
    assert re.search(r'stat-n">2</span><span class="stat-l">Đơn vị có đăng ký', totals)
    assert re.search(r'stat-n">8</span><span class="stat-l">Tác giả, thành viên', totals)
    assert re.search(r'stat-n">3</span><span class="stat-l">Người hướng dẫn', totals)

    area = _section(html, "by-area")
    # institutions, entries, nominated from the commune level / quota
    assert _row(area, "Xã Tân Yên") == ["1", "3", "1/2"]
    assert _row(area, "Phường Kinh Bắc") == ["1", "2", "0 (không giới hạn)"]

    level = _section(html, "by-level")
    assert _row(level, "Cấp trường") == ["3", "5"]  # currently there, reached
    assert _row(level, "Cấp xã") == ["1", "2"]
    assert _row(level, "Cấp tỉnh") == ["1", "1"]

    category = _section(html, "by-category")
    assert _row(category, "Lĩnh vực Cơ khí") == ["3", "60,0%"]
    assert _row(category, "Lĩnh vực Tin học") == ["2", "40,0%"]
    division = _section(html, "by-division")
    assert _row(division, "Bảng Tiểu học")[0] == "3"
    assert _row(division, "Bảng THCS")[0] == "2"
    status = _section(html, "by-status")
    assert _row(status, "Đã tiếp nhận")[0] == "3"
    assert _row(status, "Bản nháp")[0] == "1"
    assert _row(status, "Đã gửi")[0] == "1"
    assert _row(status, "Đã rút")[0] == "0"
    people = _section(html, "by-people")
    assert _row(people, "Tác giả, thành viên") == ["8", "8"]
    assert _row(people, "Người hướng dẫn") == ["3", "3"]


def test_overview_svg_charts_carry_the_labels_and_numbers(client, reg):
    login(client, "btc")
    html = _html(client, OVERVIEW)
    svg = _svg(_section(html, "by-category"))
    assert '<title id="chart-category-title">Số bài theo lĩnh vực</title>' in svg
    assert "Lĩnh vực Cơ khí: 3 bài; Lĩnh vực Tin học: 2 bài" in svg
    assert ">Lĩnh vực Cơ khí</text>" in svg and ">3</text>" in svg
    area_svg = _svg(_section(html, "by-area"))
    assert "Xã Tân Yên: 3 bài; Phường Kinh Bắc: 2 bài" in area_svg  # largest first
    level_svg = _svg(_section(html, "by-level"))
    assert "Cấp trường: 5 bài; Cấp xã: 2 bài; Cấp tỉnh: 1 bài" in level_svg
    assert html.count("<svg") == 6
    # the CSP forbids inline styles and scripts
    assert "style=" not in html and inline_scripts(html) == []


def test_overview_filters_by_status(client, reg):
    login(client, "btc")
    html = _html(client, OVERVIEW + "?status=accepted")
    assert re.search(r'stat-n">3</span><span class="stat-l">Bài dự thi', html)
    area = _section(html, "by-area")
    assert _row(area, "Xã Tân Yên")[:2] == ["1", "2"]
    assert _row(area, "Phường Kinh Bắc")[:2] == ["1", "1"]
    assert 'value="accepted" selected' in html
    assert "chỉ tính bài dự thi ở trạng thái <strong>Đã tiếp nhận</strong>" in html


def test_overview_can_leave_out_withdrawn_entries(app, client, reg):
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.status == "submitted"))
        services.withdraw_entry(entry, actor=db.session.get(User, reg["users"]["organiser"]))
        db.session.commit()
    login(client, "btc")
    html = _html(client, OVERVIEW)
    assert re.search(r'stat-n">5</span><span class="stat-l">Bài dự thi', html)
    assert _row(_section(html, "by-status"), "Đã rút")[0] == "1"
    html = _html(client, OVERVIEW + "?status=active")
    assert re.search(r'stat-n">4</span><span class="stat-l">Bài dự thi', html)
    assert _row(_section(html, "by-area"), "Phường Kinh Bắc")[:2] == ["1", "1"]
    assert "trạng thái <strong>Đang tham gia (trừ bài đã rút)</strong>" in html


def test_overview_rejects_an_unknown_status_with_a_message(client, reg):
    login(client, "btc")
    html = _html(client, OVERVIEW + "?status=%3Cscript%3E")
    assert "Trạng thái cần lọc không hợp lệ" in html
    assert re.search(r'stat-n">5</span><span class="stat-l">Bài dự thi', html)


def test_area_organiser_sees_only_its_area(client, reg):
    login(client, "btc-xa")
    html = _html(client, OVERVIEW)
    assert "Số liệu trong địa bàn bạn phụ trách: Xã Tân Yên" in html
    assert re.search(r'stat-n">3</span><span class="stat-l">Bài dự thi', html)
    assert re.search(r'stat-n">6</span><span class="stat-l">Tác giả, thành viên', html)
    assert "Phường Kinh Bắc" not in html
    assert _row(_section(html, "by-area"), "Xã Tân Yên") == ["1", "3", "1/2"]
    assert _row(_section(html, "by-category"), "Lĩnh vực Tin học")[0] == "1"
    # no links to the organiser-only pages
    assert QUOTAS not in html and DEADLINES not in html


def test_overview_links_to_related_pages_only_when_they_exist(app, client, reg, monkeypatch):
    from registration import routes_organiser

    monkeypatch.setattr(routes_organiser, "RELATED_PAGES",
                        routes_organiser.RELATED_PAGES + [("registration.not_written_yet", "Trang chưa có")])
    login(client, "btc")
    html = _html(client, OVERVIEW)
    assert "Trang chưa có" not in html
    for endpoint, label, url in [
        ("registration.review_list", "Duyệt bài dự thi", f"/e/{SLUG}/review"),
        ("registration.excel_export", "Xuất danh sách Excel", None),
        ("registration.excel_import", "Nhập từ tệp Excel", None),
    ]:
        assert (label in html) == (endpoint in app.view_functions)
        if url and endpoint in app.view_functions:
            assert f'href="{url}"' in html
    assert f'href="{QUOTAS}"' in html and f'href="{DEADLINES}"' in html


def test_dashboard_links_each_edition_to_its_overview(client, reg):
    login(client, "btc")
    assert f'href="{OVERVIEW}"' in _html(client, "/dashboard")


def test_overview_of_an_empty_edition_renders(client, world):
    login(client, "btc")
    html = _html(client, OVERVIEW)
    assert "Chưa có bài dự thi nào." in html
    assert "Kỳ thi không chia lĩnh vực." in html
    assert _row(_section(html, "by-level"), "Cấp trường") == ["0", "0"]


@pytest.mark.parametrize("username", ["truong", "giamkhao", "trongtai"])
@pytest.mark.parametrize("url", [OVERVIEW, QUOTAS, DEADLINES])
def test_school_and_judges_are_refused(client, world, username, url):
    login(client, username)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [QUOTAS, DEADLINES])
def test_area_organiser_is_refused_quotas_and_deadlines(client, world, url):
    login(client, "btc-xa")
    assert client.get(url).status_code == 403
    token_page = OVERVIEW
    response = post_form(client, url, {"action": "default", "default-max_entries": "1"},
                         token_from=token_page, prefix="default")
    assert response.status_code == 403


@pytest.mark.parametrize("url", [OVERVIEW, QUOTAS, DEADLINES])
def test_anonymous_is_sent_to_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_edition_is_404(client, world):
    login(client, "btc")
    for url in ("/e/khong-co/overview", "/e/khong-co/quotas", "/e/khong-co/deadlines"):
        assert client.get(url).status_code == 404


# ----- quotas -----------------------------------------------------------------------------

def _audits(app, action: str) -> list[AuditLog]:
    with app.app_context():
        return db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_default_institution_quota_is_set_and_cleared(app, client, world):
    login(client, "btc")
    assert "mặc định của loại cuộc thi" in _html(client, QUOTAS)
    response = post_form(client, QUOTAS, {"action": "default", "default-max_entries": "4"}, prefix="default",
                         follow=True)
    html = response.get_data(as_text=True)
    assert "Đã lưu hạn mức chung: 4 bài mỗi đơn vị." in html
    assert "Hiện tại: <strong>4 bài mỗi đơn vị" in html
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        assert edition.settings["registration"]["entries_per_institution"] == 4
        assert services.rules_for(edition).entries_per_institution == 4
    post_form(client, QUOTAS, {"action": "default", "default-max_entries": ""}, prefix="default")
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        assert edition.settings["registration"]["entries_per_institution"] is None
    logs = _audits(app, "quota.default")
    assert [(log.old, log.new) for log in logs] == [
        ({"entries_per_institution": "mặc định"}, {"entries_per_institution": 4}),
        ({"entries_per_institution": 4}, {"entries_per_institution": None}),
    ]
    assert logs[0].user_id == world["users"]["organiser"]


@pytest.mark.parametrize("bad, message", [
    ("-3", "Hạn mức phải là số nguyên từ 0 đến 10.000; để trống nếu không giới hạn."),
    ("abc", "Vui lòng nhập một số nguyên."),
    ("2,5", "Vui lòng nhập một số nguyên."),
    ("20000", "Hạn mức phải là số nguyên từ 0 đến 10.000"),
])
def test_bad_default_quota_shows_a_vietnamese_error_and_keeps_input(app, client, world, bad, message):
    login(client, "btc")
    response = post_form(client, QUOTAS, {"action": "default", "default-max_entries": bad}, prefix="default")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert _input_value(html, "default-max_entries") == bad
    with app.app_context():
        assert "registration" not in (db.session.get(Edition, world["edition"]).settings or {})
    assert _audits(app, "quota.default") == []


def test_institution_override_is_set_listed_and_cleared(app, client, reg):
    login(client, "btc")
    html = _html(client, QUOTAS + "?q=tan+yen")  # accent-insensitive search
    assert "Trường THCS Tân Yên – Xã Tân Yên" in html
    assert "Trường THCS Kinh Bắc" not in _section(html, "institution-quotas")
    response = post_form(client, QUOTAS, {"action": "institution", "inst-institution_id": str(reg["school"]),
                                          "inst-max_entries": "2"}, prefix="inst", follow=True)
    html = response.get_data(as_text=True)
    assert "Đã đặt hạn mức riêng 2 bài cho Trường THCS Tân Yên." in html
    assert "đã đăng ký 3 bài, nhiều hơn hạn mức mới" in html
    overrides = _section(html, "institution-quotas")
    assert "vượt hạn mức" in overrides
    with app.app_context():
        edition = db.session.get(Edition, reg["edition"])
        assert services.institution_quota(edition, reg["school"]) == 2
        # the school may not register a fourth entry now
        problems = services.validate_entry(edition, reg["school"], services.EntryData(
            title="Thêm", category_id=reg["cat_a"], people=[_person("author", "Người Mới", date(2013, 2, 2))]))
        assert any("hạn mức của đơn vị là 2 bài" in p for p in problems)
    post_form(client, f"/e/{SLUG}/quotas/clear", {"clear-institution_id": str(reg["school"])},
              token_from=QUOTAS, prefix="clear")
    with app.app_context():
        assert services.institution_quota(db.session.get(Edition, reg["edition"]), reg["school"]) is None
    logs = _audits(app, "quota.set")
    mine = [log for log in logs if log.new.get("institution_id") == reg["school"]]
    assert [(log.old["max_entries"], log.new["max_entries"]) for log in mine] == [(None, 2), (2, None)]


def test_bad_institution_override_keeps_input(app, client, reg):
    login(client, "btc")
    response = post_form(client, QUOTAS, {"action": "institution", "inst-institution_id": str(reg["school"]),
                                          "inst-max_entries": "abc"}, prefix="inst")
    html = response.get_data(as_text=True)
    assert "Vui lòng nhập một số nguyên." in html
    assert _input_value(html, "inst-max_entries") == "abc"
    assert re.search(rf'<option selected value="{reg["school"]}">', html)
    response = post_form(client, QUOTAS, {"action": "institution", "inst-institution_id": "",
                                          "inst-max_entries": "3"}, prefix="inst")
    assert "Vui lòng chọn đơn vị dự thi." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Quota).where(Quota.institution_id.is_not(None))) is None


def test_area_quotas_are_set_and_cleared_and_audited(app, client, reg):
    login(client, "btc")
    level = reg["commune_level"]
    html = _html(client, QUOTAS)
    area = _section(html, "area-quotas")
    assert "Xã Tân Yên" in area and "Phường Kinh Bắc" in area
    assert _input_value(area, f"area{level}-u{reg['commune']}") == "2"
    assert _input_value(area, f"area{level}-u{reg['other_unit']}") == ""
    response = post_form(client, QUOTAS, {
        "action": f"area-{level}",
        f"area{level}-u{reg['commune']}": "",
        f"area{level}-u{reg['other_unit']}": "5",
    }, prefix=f"area{level}", follow=True)
    assert "Đã lưu hạn mức chọn lên cấp trên của 2 địa bàn (Cấp xã)." in response.get_data(as_text=True)
    with app.app_context():
        edition = db.session.get(Edition, reg["edition"])
        assert services.area_quota(edition, level, reg["commune"]) is None
        assert services.area_quota(edition, level, reg["other_unit"]) == 5
    logs = [log for log in _audits(app, "quota.set") if log.new.get("level_id") == level]
    changes = {(log.old["max_entries"], log.new["max_entries"], log.new["unit_id"]) for log in logs}
    assert changes == {(None, 2, reg["commune"]), (2, None, reg["commune"]), (None, 5, reg["other_unit"])}
    # the overview shows the new quota
    assert _row(_section(_html(client, OVERVIEW), "by-area"), "Phường Kinh Bắc")[2] == "0/5"


def test_bad_area_quota_saves_nothing_and_keeps_every_input(app, client, reg):
    login(client, "btc")
    level = reg["commune_level"]
    response = post_form(client, QUOTAS, {
        "action": f"area-{level}",
        f"area{level}-u{reg['commune']}": "-3",
        f"area{level}-u{reg['other_unit']}": "7",
    }, prefix=f"area{level}")
    assert response.status_code == 200
    html = _section(response.get_data(as_text=True), "area-quotas")
    assert "Hạn mức phải là số nguyên từ 0 đến 10.000" in html
    assert _input_value(html, f"area{level}-u{reg['commune']}") == "-3"
    assert _input_value(html, f"area{level}-u{reg['other_unit']}") == "7"
    with app.app_context():
        edition = db.session.get(Edition, reg["edition"])
        assert services.area_quota(edition, level, reg["commune"]) == 2
        assert services.area_quota(edition, level, reg["other_unit"]) is None


def test_edition_without_area_levels_explains_there_are_no_area_quotas(client, world):
    login(client, "btc")
    assert "Kỳ thi không có cấp thi theo địa bàn" in _html(client, QUOTAS)


def test_posts_without_csrf_are_refused(app, client, reg):
    login(client, "btc")
    response = client.post(QUOTAS, data={"action": "default", "default-max_entries": "1"})
    assert response.status_code == 400
    response = client.post(DEADLINES, data={"institution_id": str(reg["school"]), "until": "2027-01-10",
                                            "reason": "x"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(DeadlineExtension)) is None


# ----- deadline extensions ------------------------------------------------------------------

def _extend(client, institution_id, until="2027-01-15", reason="Trường bị ngập lụt, mất điện nhiều ngày"):
    return post_form(client, DEADLINES, {"institution_id": str(institution_id), "until": until, "reason": reason})


def test_extension_lets_the_school_register_past_the_general_deadline(app, client, world):
    late = date(2027, 1, 10)
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        assert not services.registration_open(edition, world["school"], today=late)
    login(client, "btc")
    html = _html(client, DEADLINES)
    assert "Các đơn vị đăng ký đến hết ngày <strong>31/12/2026</strong>" in html
    response = _extend(client, world["school"])
    assert response.status_code == 302
    html = _html(client, DEADLINES)
    assert "Đã gia hạn đăng ký cho Trường THCS Tân Yên đến hết ngày 15/01/2027." in html
    row = _row(_section(html, "extensions"), "Trường THCS Tân Yên")
    assert row[0] == "15/01/2027"
    assert row[1] == "Trường bị ngập lụt, mất điện nhiều ngày"
    assert row[2] == "Người dùng btc"
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", row[3])
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        assert services.registration_open(edition, world["school"], today=late)
        assert services.registration_open(edition, world["school"], today=date(2027, 1, 15))
        assert not services.registration_open(edition, world["school"], today=date(2027, 1, 16))
        assert not services.registration_open(edition, world["other_school"], today=late)
        assert services.deadline_for(edition, world["school"]) == date(2027, 1, 15)
    log = _audits(app, "deadline.extend")[-1]
    assert log.new == {"until": "2027-01-15", "institution_id": world["school"]}
    assert log.user_id == world["users"]["organiser"]


def test_extension_can_be_removed_and_the_removal_is_audited(app, client, world):
    login(client, "btc")
    _extend(client, world["school"])
    with app.app_context():
        ext_id = db.session.scalar(select(DeadlineExtension.id))
    response = post_form(client, f"{DEADLINES}/{ext_id}/remove", {}, token_from=DEADLINES, follow=True)
    html = response.get_data(as_text=True)
    assert "Đã bỏ gia hạn của Trường THCS Tân Yên" in html
    assert "Chưa có đơn vị nào được gia hạn." in html
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        assert db.session.scalar(select(DeadlineExtension)) is None
        assert not services.registration_open(edition, world["school"], today=date(2027, 1, 10))
    log = _audits(app, "deadline.remove")[-1]
    assert log.old["until"] == "2027-01-15" and log.old["institution_id"] == world["school"]
    assert client.post(f"{DEADLINES}/{ext_id}/remove").status_code in (400, 404)


@pytest.mark.parametrize("until, reason, message", [
    ("2027-01-15", "   ", "Vui lòng nhập lý do gia hạn."),
    ("", "Lý do", "Vui lòng nhập ngày gia hạn."),
    ("ngày mai", "Lý do", "Ngày không hợp lệ: &#39;ngày mai&#39; (định dạng dd/mm/yyyy)"),
    ("31/02/2027", "Lý do", "Ngày không hợp lệ"),
    ("2026-12-31", "Lý do", "Ngày gia hạn phải sau hạn đăng ký chung (31/12/2026)."),
    ("20/11/2026", "Lý do", "Ngày gia hạn phải sau hạn đăng ký chung (31/12/2026)."),
])
def test_bad_extension_shows_a_vietnamese_error_and_keeps_input(app, client, world, until, reason, message):
    login(client, "btc")
    response = _extend(client, world["school"], until=until, reason=reason)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert re.search(rf'<option selected value="{world["school"]}">', html)
    if reason.strip():
        assert f"{reason}</textarea>" in html
    if until:
        assert _input_value(html, "until") == until
    with app.app_context():
        assert db.session.scalar(select(DeadlineExtension)) is None
    assert _audits(app, "deadline.extend") == []


def test_extension_needs_an_institution(app, client, world):
    login(client, "btc")
    response = _extend(client, "")
    assert "Vui lòng chọn đơn vị được gia hạn." in response.get_data(as_text=True)
    response = _extend(client, "999999")
    assert "Không tìm thấy đơn vị đã chọn." in response.get_data(as_text=True)


def test_extension_accepts_a_vietnamese_date_and_replaces_an_older_one(app, client, world):
    login(client, "btc")
    _extend(client, world["school"], until="10/01/2027")
    _extend(client, world["school"], until="20/01/2027", reason="Gia hạn thêm lần hai")
    with app.app_context():
        rows = db.session.scalars(select(DeadlineExtension)).all()
        assert [(r.until, r.reason) for r in rows] == [(date(2027, 1, 20), "Gia hạn thêm lần hai")]
    assert [log.old["until"] for log in _audits(app, "deadline.extend")] == [None, "2027-01-10"]


def test_entries_listed_in_overview_are_from_the_edition_only(app, client, reg):
    """Entries of another edition never leak into the counts."""
    with app.app_context():
        edition = db.session.get(Edition, reg["edition"])
        other = Edition(contest_id=edition.contest_id, number=23, slug="khac", name="Kỳ khác", year_start=2027,
                        year_end=2027, status="registration", settings={})
        other.levels = [Level(position=1, code="truong", name="Cấp trường")]
        db.session.add(other)
        db.session.flush()
        services.create_entry(other, db.session.get(Institution, reg["school"]), services.EntryData(
            title="Khác", people=[_person("author", "Người Khác", date(2013, 3, 3))]), check_deadline=False)
        db.session.commit()
        assert db.session.scalar(select(Entry).where(Entry.edition_id == other.id)) is not None
    login(client, "btc")
    assert re.search(r'stat-n">5</span><span class="stat-l">Bài dự thi', _html(client, OVERVIEW))


def test_pages_carry_no_inline_style_or_script(client, reg):
    """The Content-Security-Policy forbids both; the pages must not rely on them."""
    login(client, "btc")
    for url in (OVERVIEW, QUOTAS, DEADLINES):
        html = _html(client, url)
        assert "style=" not in html and inline_scripts(html) == [], url
        assert "/static/css/registration.css" in html
