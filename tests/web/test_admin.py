"""Organiser administration: accounts and roles, institutions, editions with level chains."""

from __future__ import annotations

from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditLog, Edition, Institution, User
from tests.helpers import login, post_form

EDITION_FORM = {
    "contest_id": None,
    "number": "23",
    "name": "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng lần thứ 23 (2027)",
    "slug": "sang-tao-tttn-2027",
    "year_start": "2027",
    "year_end": "2027",
    "province_name": "Bắc Ninh",
    "status": "draft",
    "registration_deadline": "2027-05-31",
    "levels_text": "truong | Cấp trường\ncum | Cấp cụm | cluster\ntinh | Cấp tỉnh\ntoan_quoc | Toàn quốc",
    "categories_text": "co_khi | Kỹ thuật cơ khí\ntin_hoc | Tin học",
    "divisions_text": "thcs | Bảng B – THCS | 01/01/2012 | 31/12/2015",
}


def test_organiser_creates_an_edition_with_its_chain_of_levels(app, client, world):
    login(client, "btc")
    data = dict(EDITION_FORM, contest_id=str(world["contest"]))
    response = post_form(client, "/admin/editions/new", data)
    assert response.status_code == 302
    with app.app_context():
        edition = db.session.scalar(select(Edition).where(Edition.slug == "sang-tao-tttn-2027"))
        assert [lv.code for lv in edition.levels] == ["truong", "cum", "tinh", "toan_quoc"]
        assert edition.levels[1].area_kind == "cluster"
        assert [c.name for c in edition.categories] == ["Kỹ thuật cơ khí", "Tin học"]
        assert edition.divisions[0].born_from.isoformat() == "2012-01-01"
        log = db.session.scalar(select(AuditLog).where(AuditLog.action == "edition.create"))
        assert log is not None and log.user_id == world["users"]["organiser"]


def test_edition_form_keeps_input_and_explains_errors(client, world):
    login(client, "btc")
    data = dict(
        EDITION_FORM,
        contest_id=str(world["contest"]),
        slug="sang-tao-tttn-2026",  # already used
        levels_text="truong Cấp trường\ntinh | Cấp tỉnh | tinh_thanh",
        divisions_text="thcs | Bảng B | 31/02/2012",
    )
    response = post_form(client, "/admin/editions/new", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Dòng 1: cần ghi theo dạng" in html
    assert "loại địa bàn &#39;tinh_thanh&#39; không hợp lệ" in html or "loại địa bàn 'tinh_thanh' không hợp lệ" in html
    assert "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng lần thứ 23 (2027)" in html  # input kept
    assert "Biểu mẫu còn lỗi" in html


def test_edition_slug_clash_is_reported(client, world):
    login(client, "btc")
    data = dict(EDITION_FORM, contest_id=str(world["contest"]), slug="sang-tao-tttn-2026")
    html = post_form(client, "/admin/editions/new", data).get_data(as_text=True)
    assert "đã được dùng" in html


def test_editing_levels_reorders_and_keeps_existing_rows(app, client, world):
    login(client, "btc")
    url = f"/admin/editions/{world['edition']}"
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        tinh_id = edition.level("tinh").id
    data = dict(
        EDITION_FORM,
        contest_id=str(world["contest"]),
        number="22",
        slug="sang-tao-tttn-2026",
        levels_text="tinh | Cấp tỉnh\nxa | Cấp xã | commune\ntruong | Cấp trường",
    )
    assert post_form(client, url, data).status_code == 302
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        assert [lv.code for lv in edition.levels] == ["tinh", "xa", "truong"]
        assert edition.level("tinh").id == tinh_id


def test_organiser_creates_a_school_account_scoped_to_its_institution(app, client, world):
    login(client, "btc")
    data = {
        "username": "thcs.kinhbac",
        "full_name": "Nguyễn Văn An",
        "password": "mat khau truong 2026",
        "role": "institution",
        "unit_id": "0",
        "institution_id": str(world["other_school"]),
        "edition_id": "0",
    }
    assert post_form(client, "/admin/users/new", data).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "thcs.kinhbac"))
        assert user.institution_ids() == {world["other_school"]}
    school = client.application.test_client()
    assert login(school, "thcs.kinhbac", "mat khau truong 2026").status_code == 302
    assert "Trường THCS Kinh Bắc" in school.get("/dashboard").get_data(as_text=True)


def test_school_account_without_institution_is_refused_with_message(client, world):
    login(client, "btc")
    data = {
        "username": "truong-moi",
        "full_name": "Trần Thị Bình",
        "password": "mat khau dai du",
        "role": "institution",
        "unit_id": "0",
        "institution_id": "0",
        "edition_id": "0",
    }
    response = post_form(client, "/admin/users/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "phải gắn với một trường/cơ quan" in html
    assert 'value="Trần Thị Bình"' in html


def test_duplicate_username_refused(client, world):
    login(client, "btc")
    data = {"username": "giamkhao", "full_name": "X Y", "password": "mat khau dai du", "role": "judge",
            "unit_id": "0", "institution_id": "0", "edition_id": "0"}
    html = post_form(client, "/admin/users/new", data).get_data(as_text=True)
    assert "đã có người dùng" in html


def test_grant_and_revoke_roles_are_logged(app, client, world):
    login(client, "btc")
    url = f"/admin/users/{world['users']['judge']}"
    data = {"action": "grant", "g-role": "referee", "g-unit_id": "0", "g-institution_id": "0",
            "g-edition_id": str(world["edition"])}
    assert post_form(client, url, data, prefix="g").status_code == 302
    with app.app_context():
        user = db.session.get(User, world["users"]["judge"])
        assert user.roles == {"judge", "referee"}
        grant_id = next(g.id for g in user.grants if g.role == "referee")
    assert post_form(client, f"{url}/grants/{grant_id}/revoke", {}, token_from=url).status_code == 302
    with app.app_context():
        assert db.session.get(User, world["users"]["judge"]).roles == {"judge"}
        actions = db.session.scalars(select(AuditLog.action)).all()
        assert "role.grant" in actions and "role.revoke" in actions


def test_organiser_cannot_revoke_own_last_organiser_role(app, client, world):
    login(client, "btc")
    with app.app_context():
        user = db.session.get(User, world["users"]["organiser"])
        grant_id = user.grants[0].id
    url = f"/admin/users/{user.id}"
    html = post_form(client, f"{url}/grants/{grant_id}/revoke", {}, token_from=url, follow=True).get_data(as_text=True)
    assert "Không thể tự thu hồi" in html


def test_institution_create_normalises_and_refuses_duplicates(app, client, world):
    login(client, "btc")
    nfd = "Trường Tiểu học Ngọc Thiện".encode().decode()  # typed
    import unicodedata

    data = {"name": "  " + unicodedata.normalize("NFD", nfd) + "  ", "kind": "primary", "unit_id": str(world["commune"]),
            "address": "", "phone": "", "email": "", "active": "y"}
    assert post_form(client, "/admin/institutions/new", data).status_code == 302
    with app.app_context():
        inst = db.session.scalar(select(Institution).where(Institution.kind == "primary"))
        assert inst.name == unicodedata.normalize("NFC", nfd)
    html = post_form(client, "/admin/institutions/new", data).get_data(as_text=True)
    assert "Đơn vị cùng tên đã có trên cùng địa bàn." in html


def test_institution_list_filters(client, world):
    login(client, "btc")
    html = client.get("/admin/institutions?q=kinh").get_data(as_text=True)
    assert "Trường THCS Kinh Bắc" in html and "Trường THCS Tân Yên" not in html
    html = client.get(f"/admin/institutions?unit={world['commune']}").get_data(as_text=True)
    assert "Trường THCS Tân Yên" in html and "Trường THCS Kinh Bắc" not in html


def test_bad_query_parameters_never_500(client, world):
    login(client, "btc")
    for url in ["/admin/institutions?page=abc&unit=x", "/admin/users?page=-5", "/admin/audit?page=999999"]:
        assert client.get(url).status_code == 200


def test_units_page_shows_former_and_current_units(client, world):
    login(client, "btc")
    html = client.get("/admin/units").get_data(as_text=True)
    assert "Huyện Yên Dũng" in html and "Xã Tân Yên" in html
    assert "31/12/2024" in html


def test_organiser_sets_registration_rules_of_an_edition(app, client, world):
    login(client, "btc")
    url = f"/admin/editions/{world['edition']}"
    html = client.get(url).get_data(as_text=True)
    assert 'name="rule_max_authors"' in html and 'value="3"' in html  # the contest default is shown
    data = dict(EDITION_FORM, contest_id=str(world["contest"]), number="22", slug="sang-tao-tttn-2026",
                rule_max_authors="2", rule_max_entries_per_person="2", rule_min_authors="1")
    assert post_form(client, url, data).status_code == 302
    with app.app_context():
        from registration.services import rules_for

        rules = rules_for(db.session.get(Edition, world["edition"]))
        assert rules.max_authors == 2 and rules.max_entries_per_person == 2
    data.update(rule_min_authors="3", rule_max_authors="2")
    html = post_form(client, url, data).get_data(as_text=True)
    assert "Số tối đa phải không nhỏ hơn số tối thiểu." in html
