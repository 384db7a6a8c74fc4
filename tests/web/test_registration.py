"""Schools register entries; reviewers accept, return and nominate; rules and access hold."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditLog, Division, Edition, Entry, Institution, User
from registration import services
from tests.helpers import login, post_form

NFD_NAME = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")


def _entry_form(**overrides):
    data = {
        "title": "Thiết bị cảnh báo đuối nước",
        "category_id": "0",
        "division_id": "0",
        "description": "Mô tả ngắn",
        "people-0-full_name": NFD_NAME,
        "people-0-birth_date": "2012-05-14",
        "people-0-gender": "female",
        "people-0-class_name": "8A",
        "mentors-0-full_name": "Trần Văn Bình",
    }
    data.update(overrides)
    return data


@pytest.fixture
def edition_with_division(app, world):
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        edition.divisions.append(
            Division(code="thcs", name="Bảng B – THCS", position=1, born_from=date(2010, 1, 1), born_to=date(2014, 12, 31))
        )
        db.session.commit()
        return edition.divisions[0].id


def _create(app, world, title="Máy tưới cây tự động", school="school", status="draft", born=date(2012, 1, 2),
            name="Lê Văn Cường"):
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        inst = db.session.get(Institution, world[school])
        data = services.EntryData(title=title, people=[services.PersonData("author", name, born)])
        entry = services.create_entry(edition, inst, data, check_deadline=False)
        if status in ("submitted", "accepted"):
            services.submit_entry(entry)
        if status == "accepted":
            services.accept_entry(entry)
        db.session.commit()
        return entry.id


def test_school_registers_an_entry_and_submits_it(app, client, world):
    login(client, "truong")
    assert "Đăng ký bài mới" in client.get("/e/sang-tao-tttn-2026/entries").get_data(as_text=True)
    response = post_form(client, "/e/sang-tao-tttn-2026/entries/new", _entry_form())
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(Entry))
        assert entry.status == "draft"
        assert entry.institution_id == world["school"]
        assert entry.authors[0].full_name == "Nguyễn Thị Ánh Tuyết"
        assert unicodedata.is_normalized("NFC", entry.authors[0].full_name)
        assert entry.mentors[0].full_name == "Trần Văn Bình"
        entry_id = entry.id
    html = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert "Bản nháp" in html and "14/05/2012" in html
    response = post_form(client, f"/entries/{entry_id}/submit", {}, token_from=f"/entries/{entry_id}", follow=True)
    assert "Đã gửi bài dự thi tới Ban Tổ chức." in response.get_data(as_text=True)
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.status == "submitted" and entry.submitted_at is not None
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.submitted")) is not None


def test_form_errors_keep_input_and_explain_in_vietnamese(app, client, world, edition_with_division):
    login(client, "truong")
    data = _entry_form(division_id=str(edition_with_division), **{"people-0-birth_date": "2008-03-02"})
    response = post_form(client, "/e/sang-tao-tttn-2026/entries/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "không thuộc độ tuổi của Bảng B – THCS" in html
    assert 'value="Thiết bị cảnh báo đuối nước"' in html
    assert 'value="2008-03-02"' in html  # exactly what was typed
    with app.app_context():
        assert db.session.scalar(select(Entry)) is None


def test_bad_date_gives_vietnamese_message(client, world):
    login(client, "truong")
    html = post_form(client, "/e/sang-tao-tttn-2026/entries/new",
                     _entry_form(**{"people-0-birth_date": "31/02/2012"})).get_data(as_text=True)
    assert "Ngày không hợp lệ" in html
    assert "Not a valid" not in html


def test_a_pupil_cannot_be_in_two_entries(app, client, world):
    _create(app, world, name="Nguyễn Thị Ánh Tuyết", born=date(2012, 5, 14))
    login(client, "truong")
    html = post_form(client, "/e/sang-tao-tttn-2026/entries/new", _entry_form()).get_data(as_text=True)
    assert "đã có trong 1 bài dự thi khác" in html


def test_registration_is_read_only_after_the_deadline_unless_extended(app, client, world):
    entry_id = _create(app, world)
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        edition.registration_deadline = date.today() - timedelta(days=3)
        db.session.commit()
    login(client, "truong")
    html = client.get("/e/sang-tao-tttn-2026/entries").get_data(as_text=True)
    assert "không nhận đăng ký lúc này" in html and "Đăng ký bài mới" not in html
    html = post_form(client, "/e/sang-tao-tttn-2026/entries/new", _entry_form(), token_from="/dashboard").get_data(as_text=True)
    assert "không còn nhận đăng ký" in html
    response = post_form(client, f"/entries/{entry_id}/edit", _entry_form(title="Đổi tên"))
    assert "không còn nhận đăng ký" in response.get_data(as_text=True)
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        organiser = db.session.get(User, world["users"]["organiser"])
        services.extend_deadline(edition, world["school"], date.today() + timedelta(days=2), "Trường bị mất điện",
                                 actor=organiser)
        db.session.commit()
    assert post_form(client, "/e/sang-tao-tttn-2026/entries/new", _entry_form()).status_code == 302


def test_area_organiser_accepts_and_returns_with_reason(app, client, world):
    entry_id = _create(app, world, status="submitted")
    login(client, "btc-xa")
    html = client.get("/e/sang-tao-tttn-2026/review").get_data(as_text=True)
    assert "Máy tưới cây tự động" in html
    html = post_form(client, f"/entries/{entry_id}/return", {"reason": ""}, token_from=f"/entries/{entry_id}",
                     follow=True).get_data(as_text=True)
    assert "Cần ghi lý do trả lại" in html
    post_form(client, f"/entries/{entry_id}/return", {"reason": "Thiếu ảnh sản phẩm"}, token_from=f"/entries/{entry_id}")
    school = app.test_client()
    login(school, "truong")
    html = school.get("/e/sang-tao-tttn-2026/entries").get_data(as_text=True)
    assert "Bị trả lại" in html and "Thiếu ảnh sản phẩm" in html
    # the school fixes and resubmits; the area organiser accepts
    assert post_form(school, f"/entries/{entry_id}/edit", _entry_form(title="Máy tưới cây (bản sửa)")).status_code == 302
    post_form(school, f"/entries/{entry_id}/submit", {}, token_from=f"/entries/{entry_id}")
    post_form(client, f"/entries/{entry_id}/accept", {}, token_from=f"/entries/{entry_id}")
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.status == "accepted" and entry.title == "Máy tưới cây (bản sửa)"
        stmt = select(AuditLog).where(AuditLog.object_type == "entry", AuditLog.object_id == str(entry_id))
        actions = [a.action for a in db.session.scalars(stmt.order_by(AuditLog.id))]
        assert actions == ["entry.create", "entry.submitted", "entry.returned", "entry.update", "entry.submitted",
                           "entry.accepted"]


def test_accepted_entries_cannot_be_edited_by_the_school(app, client, world):
    entry_id = _create(app, world, status="accepted")
    login(client, "truong")
    html = post_form(client, f"/entries/{entry_id}/edit", _entry_form()).get_data(as_text=True)
    assert "không sửa được" in html


def test_other_schools_and_areas_see_nothing(app, world):
    entry_id = _create(app, world, school="other_school")
    school = app.test_client()
    login(school, "truong")
    for url in (f"/entries/{entry_id}", f"/entries/{entry_id}/edit"):
        assert school.get(url).status_code == 404
    assert post_form(school, f"/entries/{entry_id}/submit", {}, token_from="/dashboard").status_code == 404
    area = app.test_client()
    login(area, "btc-xa")  # scoped to the other commune
    assert area.get(f"/entries/{entry_id}").status_code == 404
    assert "Máy tưới cây" not in area.get("/e/sang-tao-tttn-2026/review").get_data(as_text=True)
    judge = app.test_client()
    login(judge, "giamkhao")
    assert judge.get(f"/entries/{entry_id}").status_code == 403
    assert judge.get("/e/sang-tao-tttn-2026/review").status_code == 403
    organiser = app.test_client()
    login(organiser, "btc")
    assert organiser.get(f"/entries/{entry_id}").status_code == 200


def test_nomination_respects_the_area_quota(app, client, world):
    first = _create(app, world, status="accepted", name="A Một")
    second = _create(app, world, status="accepted", title="Đèn học thông minh", name="B Hai")
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        entry = db.session.get(Entry, first)
        services.set_quota(edition, 1, unit_id=entry.area_unit_id or world["commune"], level_id=edition.levels[0].id)
        if entry.area_unit_id is None:
            for e in db.session.scalars(select(Entry)).all():
                e.area_unit_id = world["commune"]
        db.session.commit()
    login(client, "btc-xa")
    html = post_form(client, f"/entries/{first}/nominate", {"reason": ""}, token_from=f"/entries/{first}",
                     follow=True).get_data(as_text=True)
    assert "Đã chọn bài dự thi lên cấp trên." in html
    html = post_form(client, f"/entries/{second}/nominate", {}, token_from=f"/entries/{second}",
                     follow=True).get_data(as_text=True)
    assert "đã chọn đủ hạn mức 1 bài" in html
    with app.app_context():
        assert db.session.get(Entry, first).level.code == "tinh"
        assert db.session.get(Entry, second).level.code == "truong"


def test_stale_edit_is_refused(app, client, world):
    entry_id = _create(app, world)
    login(client, "truong")
    data = _entry_form(version="1")
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        entry.title = "Sửa ở nơi khác"
        db.session.commit()
    html = post_form(client, f"/entries/{entry_id}/edit", data).get_data(as_text=True)
    assert "vừa được người khác sửa" in html


def test_institution_quota_stops_extra_entries(app, client, world):
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        services.set_quota(edition, 1, institution_id=world["school"])
        db.session.commit()
    _create(app, world)
    login(client, "truong")
    html = post_form(client, "/e/sang-tao-tttn-2026/entries/new", _entry_form()).get_data(as_text=True)
    assert "hạn mức của đơn vị là 1 bài" in html


def test_organiser_registers_for_any_school(app, client, world):
    login(client, "btc")
    data = _entry_form(institution_id=str(world["other_school"]))
    assert post_form(client, "/e/sang-tao-tttn-2026/entries/new", data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Entry)).institution_id == world["other_school"]


def test_garbage_form_values_never_500(client, world):
    login(client, "truong")
    data = _entry_form(category_id="abc", division_id="-1", **{"people-0-gender": "x", "people-0-birth_date": "hôm qua"})
    response = post_form(client, "/e/sang-tao-tttn-2026/entries/new", data)
    assert response.status_code == 200
    assert client.get("/e/khong-co/entries").status_code == 404
    assert client.get("/entries/999999").status_code == 404


def test_review_list_pages_through_many_entries(app, client, world):
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        inst = db.session.get(Institution, world["school"])
        rows = [(inst, services.EntryData(title=f"Sản phẩm {i:03d}",
                                          people=[services.PersonData("author", f"Học Sinh {i}", date(2012, 1, 1))]))
                for i in range(55)]
        edition.settings = {"registration": {"entries_per_institution": None}}
        services.bulk_create_entries(edition, rows, status="submitted", check_deadline=False)
        db.session.commit()
    login(client, "btc")
    html = client.get("/e/sang-tao-tttn-2026/review").get_data(as_text=True)
    assert "Trang 1 / 2" in html and "Trang sau" in html
    html = client.get("/e/sang-tao-tttn-2026/review?page=2").get_data(as_text=True)
    assert "Sản phẩm 054" in html and "Trang trước" in html
