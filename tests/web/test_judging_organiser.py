"""The organiser's judging pages: who may open them, rubrics (template, errors, locking,
versions), panels and judge accounts, conflicts and assignment, results with a planted
harsh judge, closing panels and writing results, paper score sheets."""

from __future__ import annotations

import io
import random
import re
import unicodedata
from decimal import Decimal
from types import SimpleNamespace

import pypdf
import pytest
from sqlalchemy import func, select

from contest.auth.services import create_user, grant_role
from contest.extensions import db
from contest.models import (
    Assignment,
    AuditLog,
    Category,
    ConflictDeclaration,
    Edition,
    Entry,
    EntryLevel,
    Panel,
    PanelMember,
    Rubric,
    ScoreChange,
    ScoreSheet,
    User,
    utcnow,
)
from judging import panels, rubrics, scoring
from tests.helpers import PASSWORD, login, post_form

SLUG = "sang-tao-tttn-2026"


@pytest.fixture
def jw(app, world):
    """The world's edition with two fields, 20 accepted entries at the province level
    (half from the demo school), six judges (giamkhao works at that school), a rubric
    and one panel per field."""
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        edition.categories = [Category(position=1, code="ck", name="Cơ khí"), Category(position=2, code="th", name="Tin học")]
        db.session.flush()
        tinh = edition.level("tinh")
        ck, th = edition.categories
        for i in range(20):
            db.session.add(Entry(
                edition_id=edition.id, institution_id=world["school"] if i % 2 else world["other_school"],
                code=f"T{i + 1:03d}", title=f"Mô hình tưới cây tự động số {i + 1}", status="accepted",
                category_id=(ck if i < 10 else th).id, level_id=tinh.id,
            ))
        judges = {"giamkhao": db.session.get(User, world["users"]["judge"])}
        for i in range(1, 6):
            user = create_user(f"gk{i}", f"TS. Giám khảo Số {i}", PASSWORD)
            grant_role(user, "judge", edition_id=edition.id)
            judges[f"gk{i}"] = user
        rubric = rubrics.create_rubric(edition, tinh, None, "Tiêu chí cấp tỉnh", rubrics.TEMPLATE_CRITERIA)
        made = {}
        for category in (ck, th):
            panel = panels.create_panel(edition, tinh, category, f"Tiểu ban {category.name}")
            for k, (username, user) in enumerate(judges.items()):
                panels.add_member(
                    panel, user, role="chair" if k == (0 if category is ck else 1) else "member",
                    institution_id=world["school"] if username == "giamkhao" else None,
                )
            made[category.code] = panel.id
        db.session.commit()
        return SimpleNamespace(
            edition_id=edition.id, level_id=tinh.id, rubric_id=rubric.id, panels=made,
            judges={u: j.id for u, j in judges.items()}, school=world["school"],
        )


def _assign(app, jw, links=1):
    with app.app_context():
        edition = db.session.get(Edition, jw.edition_id)
        panels.run_assignment(edition, edition.level("tinh"), links=links, seed=4)
        db.session.commit()


def _score_everything(app, harsh_username: str | None = None, skip_panel: int | None = None):
    """Every judge scores every assigned entry and submits; one judge is 15 points harsher."""
    rng = random.Random(11)
    with app.app_context():
        quality: dict[int, float] = {}
        for a in db.session.scalars(select(Assignment).order_by(Assignment.id)):
            if a.panel_id == skip_panel:
                continue
            q = quality.setdefault(a.entry_id, rng.uniform(55, 85))
            total = q + rng.gauss(0, 2) - (15 if a.judge.username == harsh_username else 0)
            rubric = scoring.rubric_for_assignment(a)
            for c in rubric.criteria:
                points = Decimal(int(total * float(c.max_points) / 100 * 2)) / 2
                scoring.record_score(a, c.id, points, user=a.judge, idempotency_key=f"test-{a.id}-{c.id}")
            scoring.submit_sheet(a, a.judge)
        db.session.commit()


def _text(response) -> str:
    return response.get_data(as_text=True)


# ----------------------------------------------------------------------------- access


def _organiser_urls(jw) -> list[str]:
    ck = jw.panels["ck"]
    return [
        f"/judging/e/{SLUG}",
        f"/judging/e/{SLUG}/rubrics",
        f"/judging/e/{SLUG}/rubrics/new",
        f"/judging/rubrics/{jw.rubric_id}",
        f"/judging/e/{SLUG}/panels",
        f"/judging/panels/{ck}",
        f"/judging/e/{SLUG}/conflicts",
        f"/judging/e/{SLUG}/levels/{jw.level_id}/assignment",
        f"/judging/e/{SLUG}/levels/{jw.level_id}/results",
        f"/judging/panels/{ck}/results",
    ]


def test_organiser_pages_open_for_organisers_only(client, jw):
    login(client, "btc")
    for url in _organiser_urls(jw):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="vi"' in _text(response)
    for username in ("giamkhao", "truong", "btc-xa"):
        other = client.application.test_client()
        login(other, username)
        for url in _organiser_urls(jw):
            response = other.get(url)
            assert response.status_code == 403, (username, url)
            assert "Không có quyền truy cập" in _text(response)
    anonymous = client.application.test_client()
    assert "/login" in anonymous.get(f"/judging/e/{SLUG}").headers["Location"]


def test_every_judging_organiser_route_declares_access(app):
    from contest.auth.access import declared_access

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("judging.org_"):
            roles = declared_access(app.view_functions[rule.endpoint])
            assert roles and roles <= {"organiser", "judge"}, rule.endpoint


def test_unknown_objects_are_404(client, jw):
    login(client, "btc")
    assert client.get("/judging/e/khong-co").status_code == 404
    assert client.get("/judging/panels/999999").status_code == 404
    assert client.get("/judging/rubrics/999999").status_code == 404
    assert client.get(f"/judging/e/{SLUG}/levels/999999/results").status_code == 404


# ----------------------------------------------------------------------------- rubrics


def _criterion_rows(rows: list[tuple[str, str, str, str]]) -> dict:
    data = {}
    for i, (name, max_points, step, bands) in enumerate(rows):
        data.update({
            f"criteria-{i}-name": name, f"criteria-{i}-max_points": max_points,
            f"criteria-{i}-step": step, f"criteria-{i}-bands": bands, f"criteria-{i}-description": "",
        })
    return data


def test_new_rubric_is_prefilled_with_the_usual_criteria(client, jw):
    login(client, "btc")
    html = _text(client.get(f"/judging/e/{SLUG}/rubrics/new"))
    for name in ("Tính mới, sáng tạo", "Khả năng ứng dụng", "Hiệu quả kinh tế – kỹ thuật – xã hội", "Trình bày, thuyết minh"):
        assert name in html
    assert "27–30: Hoàn toàn mới" in html


def test_rubric_for_a_category_is_created_and_used_first(app, client, jw):
    login(client, "btc")
    with app.app_context():
        th = db.session.scalar(select(Category).where(Category.code == "th"))
        th_id = th.id
    data = {"level_id": jw.level_id, "category_id": th_id, "name": "Tiêu chí Tin học",
            **_criterion_rows([("Tính mới", "40", "0,5", "35–40: Hoàn toàn mới\n0-34,5: Chưa mới"),
                               ("Chất lượng phần mềm", "50", "1", ""), ("Trình bày", "5", "0,5", "")])}
    response = post_form(client, f"/judging/e/{SLUG}/rubrics/new", data)
    assert response.status_code == 302
    follow = client.get(response.headers["Location"])
    html = _text(follow)
    assert "Đã lưu bảng tiêu chí." in html
    assert "Tổng điểm tối đa là 95, thường là 100 điểm" in html
    with app.app_context():
        rubric = db.session.scalar(select(Rubric).where(Rubric.category_id == th_id))
        assert [(c.name, c.max_points, c.step) for c in rubric.criteria] == [
            ("Tính mới", 40, Decimal("0.5")), ("Chất lượng phần mềm", 50, 1), ("Trình bày", 5, Decimal("0.5"))]
        assert rubric.criteria[0].bands == [{"from": 35, "to": 40, "label": "Hoàn toàn mới"},
                                            {"from": 0, "to": 34.5, "label": "Chưa mới"}]
        entry_th = db.session.scalar(select(Entry).where(Entry.category_id == th_id).limit(1))
        entry_ck = db.session.scalar(select(Entry).where(Entry.category_id != th_id).limit(1))
        level = entry_th.level
        assert rubrics.rubric_for(entry_th, level).id == rubric.id
        assert rubrics.rubric_for(entry_ck, level).id == jw.rubric_id


def test_rubric_form_errors_keep_what_was_typed(client, jw):
    login(client, "btc")
    data = {"level_id": jw.level_id, "category_id": 0, "name": "Bảng thử",
            **_criterion_rows([("Tính mới", "ba mươi", "0,5", ""), ("Ứng dụng", "30", "0,5", "25-40: Quá")])}
    response = post_form(client, f"/judging/e/{SLUG}/rubrics/new", data)
    assert response.status_code == 200
    html = _text(response)
    assert "Biểu mẫu còn lỗi" in html
    assert "Phải là một số, ví dụ 30 hoặc 0,5." in html
    assert "vượt quá điểm tối đa 30" in html
    assert 'value="ba mươi"' in html and "Bảng thử" in html
    # A second general rubric for the same level is refused with a clear message.
    data = {"level_id": jw.level_id, "category_id": 0, "name": "Bảng thứ hai",
            **_criterion_rows([("Tính mới", "100", "1", "")])}
    html = _text(post_form(client, f"/judging/e/{SLUG}/rubrics/new", data))
    assert "Đã có bảng tiêu chí cho Cấp tỉnh (mọi lĩnh vực)" in html


def test_locked_rubric_refuses_edits_and_a_new_version_is_used(app, client, jw):
    login(client, "btc")
    url = f"/judging/rubrics/{jw.rubric_id}"
    data = {"name": "Tiêu chí đã sửa", **_criterion_rows([("Tính mới, sáng tạo", "60", "1", ""), ("Ứng dụng", "40", "1", "")])}
    assert post_form(client, url, data).status_code == 302
    with app.app_context():
        rubric = db.session.get(Rubric, jw.rubric_id)
        assert rubric.name == "Tiêu chí đã sửa" and rubric.max_total == 100
        rubric.locked_at = utcnow()
        db.session.commit()
    html = _text(client.get(url))
    assert "Đã khoá" in html and "Tạo phiên bản mới" in html and 'name="criteria-0-name"' not in html
    response = post_form(client, url, {**data, "name": "Không được sửa"}, token_from=url, follow=True)
    assert "không sửa được" in _text(response)
    response = post_form(client, f"/judging/rubrics/{jw.rubric_id}/version", {"version-reason": "Đổi thang điểm"},
                         token_from=url, prefix="version")
    assert response.status_code == 302
    html = _text(client.get(response.headers["Location"]))
    assert "phiên bản 2" in html and 'name="criteria-0-name"' in html
    with app.app_context():
        rubric = db.session.get(Rubric, jw.rubric_id)
        assert rubric.name == "Tiêu chí đã sửa"
        v2 = db.session.scalar(select(Rubric).where(Rubric.version == 2))
        entry = db.session.scalar(select(Entry).limit(1))
        assert rubrics.rubric_for(entry, entry.level).id == v2.id
        log = db.session.scalar(select(AuditLog).where(AuditLog.action == "rubric.new_version"))
        assert log.reason == "Đổi thang điểm"


# ----------------------------------------------------------------------------- panels


def test_panel_is_created_and_judges_added_or_created_inline(app, client, jw):
    login(client, "btc")
    with app.app_context():
        level_id = jw.level_id
    response = post_form(client, f"/judging/e/{SLUG}/panels", {
        "level_id": level_id, "category_id": 0, "name": "Hội đồng chung khảo", "judges_per_entry": "5",
        "rule": "trimmed_mean", "disagreement_threshold": "15,5"})
    assert response.status_code == 302
    panel_url = response.headers["Location"]
    html = _text(client.get(panel_url))
    assert "Hội đồng chung khảo" in html and "Hãy thêm giám khảo" in html
    with app.app_context():
        panel = db.session.scalar(select(Panel).where(Panel.name == "Hội đồng chung khảo"))
        assert (panel.judges_per_entry, panel.rule, panel.disagreement_threshold) == (5, "trimmed_mean", Decimal("15.5"))
        panel_id = panel.id
    response = post_form(client, f"/judging/panels/{panel_id}/members", {
        "add-user_id": jw.judges["gk1"], "add-role": "chair", "add-institution_id": jw.school,
        "add-area_unit_id": 0, "add-max_load": ""}, token_from=panel_url, prefix="add")
    assert response.status_code == 302
    response = post_form(client, f"/judging/panels/{panel_id}/judges/new", {
        "new-full_name": "ThS. Trần Thị Bích Ngọc", "new-username": "gk.ngoc", "new-password": "mat-khau-dai-du",
        "new-role": "member", "new-institution_id": 0, "new-area_unit_id": 0, "new-max_load": "12"},
        token_from=panel_url, prefix="new")
    assert response.status_code == 302
    html = _text(client.get(panel_url))
    assert "ThS. Trần Thị Bích Ngọc" in html and "TS. Giám khảo Số 1" in html
    # A taken user name is refused; the form keeps what was typed.
    response = post_form(client, f"/judging/panels/{panel_id}/judges/new", {
        "new-full_name": "Người Trùng Tên", "new-username": "gk.ngoc", "new-password": "mat-khau-dai-du",
        "new-role": "member", "new-institution_id": 0, "new-area_unit_id": 0, "new-max_load": ""},
        token_from=panel_url, prefix="new")
    assert response.status_code == 422
    html = _text(response)
    assert "đã có người dùng" in html and 'value="Người Trùng Tên"' in html
    with app.app_context():
        members = {m.user.username: m for m in db.session.scalars(select(PanelMember).where(PanelMember.panel_id == panel_id))}
        assert members["gk1"].role == "chair" and members["gk1"].institution_id == jw.school
        assert members["gk.ngoc"].max_load == 12
        new_user = db.session.scalar(select(User).where(User.username == "gk.ngoc"))
        assert new_user.has_role("judge") and new_user.check_password("mat-khau-dai-du")
    # The new judge can sign in.
    fresh = app.test_client()
    assert login(fresh, "gk.ngoc", "mat-khau-dai-du").status_code == 302


# ----------------------------------------------------------------------------- assignment


def test_assignment_respects_conflicts_and_manual_changes_are_audited(app, client, jw):
    login(client, "btc")
    conflict_url = f"/judging/e/{SLUG}/conflicts"
    response = post_form(client, conflict_url, {"user_id": jw.judges["gk2"], "entry_code": "t002",
                                                "reason": "Người hướng dẫn là em gái giám khảo"})
    assert response.status_code == 302
    assert "Người hướng dẫn là em gái giám khảo" in _text(client.get(conflict_url))
    bad = post_form(client, conflict_url, {"user_id": jw.judges["gk2"], "entry_code": "KHONG-CO", "reason": "x"})
    assert bad.status_code == 422 and "Không có bài nào mang mã này" in _text(bad)

    url = f"/judging/e/{SLUG}/levels/{jw.level_id}/assignment"
    response = post_form(client, url, {"links": "1", "seed": "5"})
    assert response.status_code == 200
    html = _text(response)
    assert "Đã phân công: 20 bài" in html
    with app.app_context():
        rows = db.session.scalars(select(Assignment)).all()
        own = [a for a in rows if not a.is_link]
        assert len(own) == 60 and len([a for a in rows if a.is_link]) == 1
        giamkhao = jw.judges["giamkhao"]
        for a in rows:
            if a.judge_id == giamkhao:
                assert a.entry.institution_id != jw.school  # own school's entries never
            assert not (a.judge_id == jw.judges["gk2"] and a.entry.code == "T002")
        assert panels.current_problems(db.session.get(Edition, jw.edition_id), db.session.get(Entry, rows[0].entry_id).level) == []

    _score_everything(app)
    with app.app_context():
        a = db.session.scalars(select(Assignment).where(Assignment.is_link.is_(False)).order_by(Assignment.id)).first()
        a_id, code, judge_name = a.id, a.entry.code, a.judge.full_name
    remove_url = f"/judging/assignments/{a_id}/remove"
    page = _text(client.get(remove_url))
    assert "Giám khảo đã chấm bài này" in page and judge_name in page
    response = post_form(client, remove_url, {"reason": ""})
    assert response.status_code == 422
    assert "cần ghi lý do khi bỏ phân công" in _text(response)
    response = post_form(client, remove_url, {"reason": "Giám khảo là đồng tác giả của bài"})
    assert response.status_code == 302
    assert f"Đã bỏ phân công {judge_name} chấm bài {code}" in _text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Assignment, a_id) is None
        log = db.session.scalar(select(AuditLog).where(AuditLog.action == "assignment.remove"))
        assert log.reason == "Giám khảo là đồng tác giả của bài"
        assert log.old["sheet"]["status"] == "submitted" and log.old["sheet"]["items"]
        entry = db.session.scalar(select(Entry).where(Entry.code == code))
        panel_id = db.session.scalar(select(Assignment.panel_id).where(Assignment.entry_id == entry.id).limit(1))
        taken = set(db.session.scalars(select(Assignment.judge_id).where(Assignment.entry_id == entry.id)))
        member_ids = set(db.session.scalars(select(PanelMember.user_id).where(PanelMember.panel_id == panel_id)))
        free = next(uid for uid in member_ids - taken if uid != jw.judges["giamkhao"] or entry.institution_id != jw.school)
    problems_html = _text(client.get(url + f"?panel={panel_id}"))
    assert f"Bài {code} có 2 giám khảo, cần 3" in problems_html
    response = post_form(client, f"/judging/panels/{panel_id}/assignments",
                         {"entry_code": code, "user_id": free, "reason": "Thay giám khảo"}, token_from=url)
    assert response.status_code == 302
    with app.app_context():
        log = db.session.scalar(select(AuditLog).where(AuditLog.action == "assignment.add"))
        assert log.new["judge_id"] == free and log.reason == "Thay giám khảo"
    # A conflicting manual assignment is refused with the reason.
    with app.app_context():
        own_entry = db.session.scalar(
            select(Entry).where(Entry.institution_id == jw.school, Entry.category.has(code="ck")).order_by(Entry.code).limit(1)
        )
        own_code = own_entry.code
    response = post_form(client, f"/judging/panels/{jw.panels['ck']}/assignments",
                         {"entry_code": own_code, "user_id": jw.judges["giamkhao"], "reason": ""}, token_from=url)
    assert response.status_code == 422
    assert "cùng đơn vị với bài" in _text(response)


def test_rerunning_assignment_keeps_scored_sheets(app, client, jw):
    _assign(app, jw)
    _score_everything(app, skip_panel=jw.panels["th"])
    with app.app_context():
        scored = {(a.entry_id, a.judge_id) for a in db.session.scalars(select(Assignment).where(Assignment.panel_id == jw.panels["ck"]))}
    login(client, "btc")
    html = _text(post_form(client, f"/judging/e/{SLUG}/levels/{jw.level_id}/assignment", {"links": "0", "seed": "77"}))
    assert "giữ nguyên" in html
    with app.app_context():
        after = {(a.entry_id, a.judge_id) for a in db.session.scalars(select(Assignment).where(Assignment.panel_id == jw.panels["ck"]))}
        assert scored <= after
        assert db.session.scalar(select(func.count()).select_from(ScoreSheet).where(ScoreSheet.status == "submitted")) >= 30


# ----------------------------------------------------------------------------- results


def test_results_flag_the_harsh_judge_and_write_into_the_level(app, client, jw):
    _assign(app, jw)
    _score_everything(app, harsh_username="gk3")
    login(client, "btc")
    url = f"/judging/e/{SLUG}/levels/{jw.level_id}/results"
    html = _text(client.get(url))
    assert "Điểm chính thức và thứ hạng" in html
    flagged = re.search(r'<tr class="flagged">\s*<th scope="row">([^<]+)</th>', html)
    assert flagged and flagged.group(1) == "TS. Giám khảo Số 3"
    assert "Chặt tay" in html and "Chấm chặt tay hơn mặt bằng chung" in html
    assert "61 / 61 phiếu đã nộp (100%)" in html
    assert "ICC(1)" in html and "Sát ranh giới giải" in html

    response = post_form(client, url + "/write", {"confirm": "y"}, token_from=url, follow=True)
    assert "Cần đóng mọi hội đồng của cấp thi trước khi ghi kết quả" in _text(response)
    for panel_id in jw.panels.values():
        response = post_form(client, f"/judging/panels/{panel_id}/close", {}, token_from=url, prefix="close")
        assert response.status_code == 302
    response = post_form(client, url + "/write", {}, token_from=url)
    assert response.status_code == 422 and "Cần đánh dấu xác nhận" in _text(response)
    response = post_form(client, url + "/write", {"confirm": "y"}, token_from=url, follow=True)
    assert "Đã ghi điểm và thứ hạng chính thức của 20 bài" in _text(response)
    with app.app_context():
        results = db.session.scalars(select(EntryLevel).where(EntryLevel.level_id == jw.level_id)).all()
        assert len(results) == 20
        assert sorted(r.rank for r in results)[0] == 1
        best = min(results, key=lambda r: r.rank)
        sheets = db.session.scalars(
            select(ScoreSheet.total).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .where(Assignment.entry_id == best.entry_id)
        ).all()
        assert best.score == (sum(sheets) / len(sheets)).quantize(Decimal("0.01"))
        assert all(r.score is not None and r.score <= best.score for r in results)
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "results.write")).user.username == "btc"
        # A closed panel takes no more scores.
        a = db.session.scalars(select(Assignment)).first()
        with pytest.raises(scoring.ScoringError, match="kết thúc"):
            scoring.record_score(a, a.sheet.rubric.criteria[0].id, 1, user=a.judge, idempotency_key="after-close-1")


def test_chair_sees_own_closed_panel_only(app, client, jw):
    _assign(app, jw)
    _score_everything(app)
    ck, th = jw.panels["ck"], jw.panels["th"]  # giamkhao chairs ck, gk1 chairs th
    login(client, "giamkhao")
    assert client.get(f"/judging/panels/{ck}/results").status_code == 403  # still open
    with app.app_context():
        for panel_id in (ck, th):
            panels.close_panel(db.session.get(Panel, panel_id))
        db.session.commit()
    response = client.get(f"/judging/panels/{ck}/results")
    assert response.status_code == 200
    html = _text(response)
    assert "Tiểu ban Cơ khí" in html and "Điểm chính thức và thứ hạng" in html
    assert "Ghi kết quả" not in html and "Đóng hội đồng" not in html
    assert client.get(f"/judging/panels/{th}/results").status_code == 403  # closed, but not their panel
    assert client.get(f"/judging/e/{SLUG}/levels/{jw.level_id}/results").status_code == 403
    member = app.test_client()
    login(member, "gk2")  # a member, not the chair
    assert member.get(f"/judging/panels/{ck}/results").status_code == 403


# ----------------------------------------------------------------------------- paper


def test_paper_pdf_has_the_judges_entries_and_criteria(app, client, jw):
    _assign(app, jw)
    login(client, "btc")
    with app.app_context():
        user_id = jw.judges["gk1"]
        titles = db.session.scalars(
            select(Entry.title).join(Assignment, Assignment.entry_id == Entry.id)
            .where(Assignment.judge_id == user_id, Assignment.panel_id == jw.panels["ck"])
        ).all()
    assert titles
    for layout in ("page", "table"):
        response = client.get(f"/judging/panels/{jw.panels['ck']}/paper/{user_id}.pdf?layout={layout}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        reader = pypdf.PdfReader(io.BytesIO(response.data))
        text = " ".join(unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages)).split())
        if layout == "page":
            assert len(reader.pages) == len(titles)
        for title in titles:
            assert title in text
        for name in ("Tính mới, sáng tạo", "Khả năng ứng dụng", "Trình bày, thuyết minh"):
            assert name in text
        assert "TS. Giám khảo Số 1" in text and "GIÁM KHẢO" in text
    # A judge may print their own sheets, not someone else's.
    other = app.test_client()
    login(other, "gk1")
    assert other.get(f"/judging/panels/{jw.panels['ck']}/paper/{user_id}.pdf").status_code == 200
    assert other.get(f"/judging/panels/{jw.panels['ck']}/paper/{jw.judges['gk2']}.pdf").status_code == 403


def test_secretary_types_in_paper_scores(app, client, jw):
    _assign(app, jw)
    with app.app_context():
        secretary = create_user("thuky", "Thư ký Nguyễn Thị Thu", PASSWORD)
        grant_role(secretary, "judge", edition_id=jw.edition_id)
        panels.add_member(db.session.get(Panel, jw.panels["ck"]), secretary, role="secretary")
        db.session.commit()
        judge_id = jw.judges["gk1"]
        rows = db.session.scalars(
            select(Assignment).where(Assignment.judge_id == judge_id, Assignment.panel_id == jw.panels["ck"]).order_by(Assignment.id)
        ).all()
        criteria = [c.id for c in scoring.rubric_for_assignment(rows[0]).criteria]
        ids = [a.id for a in rows]
    url = f"/judging/panels/{jw.panels['ck']}/paper/{judge_id}"
    member = app.test_client()
    login(member, "gk2")
    assert member.get(url).status_code == 403  # a plain judge cannot type in paper sheets
    login(client, "thuky")
    html = _text(client.get(url))
    assert "Nhập điểm từ phiếu giấy" in html
    values = ["27,5", "25", "20", "12,5"]
    data = {"submit_sheets": "y"}
    data.update({f"p{ids[0]}_{cid}": v for cid, v in zip(criteria, values, strict=True)})
    data[f"p{ids[1]}_{criteria[0]}"] = "31"  # above the maximum of 30
    data[f"p{ids[1]}_{criteria[1]}"] = "abc"
    response = post_form(client, url, data)
    assert response.status_code == 422
    html = _text(response)
    assert "phải từ 0 đến 30" in html and "Phải là một số" in html and 'value="27,5"' in html
    del data[f"p{ids[1]}_{criteria[0]}"], data[f"p{ids[1]}_{criteria[1]}"]
    data[f"p{ids[1]}_{criteria[0]}"] = "18"
    response = post_form(client, url, data, follow=True)
    assert "Đã lưu 5 điểm từ phiếu giấy; đã nộp 1 phiếu." in _text(response)
    with app.app_context():
        full = db.session.get(Assignment, ids[0]).sheet
        assert (full.status, full.source, full.total) == ("submitted", "paper", Decimal("85.00"))
        partial = db.session.get(Assignment, ids[1]).sheet
        assert partial.status == "draft" and partial.total == Decimal(18)
        reasons = set(db.session.scalars(select(ScoreChange.reason).where(ScoreChange.sheet_id == full.id, ScoreChange.field == "points")))
        assert reasons == {"Nhập từ phiếu giấy"}
        assert db.session.scalar(select(ScoreChange.user_id).where(ScoreChange.sheet_id == full.id).limit(1)) != judge_id
    # Changing a submitted sheet needs a reason.
    data = {f"p{ids[0]}_{criteria[0]}": "29"}
    response = post_form(client, url, data)
    assert response.status_code == 422 and "cần ghi lý do sửa điểm" in _text(response)
    response = post_form(client, url, {**data, "fix_reason": "Đọc nhầm chữ số trên phiếu"}, follow=True)
    assert "Đã lưu 1 điểm" in _text(response)
    with app.app_context():
        change = db.session.scalar(select(ScoreChange).where(ScoreChange.new == "29.00"))
        assert change.reason == "Nhập từ phiếu giấy: Đọc nhầm chữ số trên phiếu"


def test_declared_conflict_removes_unscored_assignment(app, client, jw):
    _assign(app, jw)
    with app.app_context():
        a = db.session.scalars(select(Assignment).where(Assignment.is_link.is_(False)).order_by(Assignment.id)).first()
        judge_id, code = a.judge_id, a.entry.code
    login(client, "btc")
    response = post_form(client, f"/judging/e/{SLUG}/conflicts",
                         {"user_id": judge_id, "entry_code": code, "reason": "Là người hướng dẫn"}, follow=True)
    assert "Đã bỏ 1 phân công chưa chấm của cặp này." in _text(response)
    with app.app_context():
        assert db.session.scalar(select(ConflictDeclaration.reason)) == "Là người hướng dẫn"
        entry_id = db.session.scalar(select(Entry.id).where(Entry.code == code))
        assert db.session.scalar(select(Assignment).where(Assignment.judge_id == judge_id, Assignment.entry_id == entry_id)) is None


def test_bad_input_gets_vietnamese_messages_never_a_500(app, client, jw):
    login(client, "btc")
    ck = jw.panels["ck"]
    panel_url = f"/judging/panels/{ck}"
    with app.app_context():
        truong = db.session.get(Edition, jw.edition_id).level("truong").id
    cases = [
        (f"/judging/e/{SLUG}/panels", {"level_id": "abc", "category_id": "999999", "name": "", "judges_per_entry": "ba",
                                       "rule": "median", "disagreement_threshold": "NaN"}, None,
         ["Hãy chọn cấp thi.", "Lĩnh vực không hợp lệ.", "Vui lòng nhập một số nguyên.", "Lựa chọn không hợp lệ, vui lòng chọn lại.",
          "Cần nhập tên hội đồng."]),
        (f"/judging/panels/{ck}/members", {"add-user_id": "999999", "add-role": "member", "add-institution_id": "999999",
                                          "add-area_unit_id": "0", "add-max_load": "-4"}, "add",
         ["Hãy chọn một giám khảo.", "Lựa chọn không hợp lệ, vui lòng chọn lại.", "Số bài tối đa phải từ 1 trở lên."]),
        (f"/judging/e/{SLUG}/rubrics/new", {"level_id": truong, "category_id": 0, "name": "X",
                                            **_criterion_rows([("A", "1e9", "0,5", ""), ("B", "10", "3", "")])}, None,
         []),
        (f"/judging/e/{SLUG}/levels/{jw.level_id}/assignment", {"links": "999", "seed": "-1"}, None,
         ["Số bài nối phải từ 0 đến 50.", "Số khởi tạo phải từ 0 trở lên."]),
    ]
    for url, data, prefix, messages in cases:
        response = post_form(client, url, data, token_from=panel_url if prefix else None, prefix=prefix)
        assert response.status_code in (200, 422), url
        html = _text(response)
        for message in messages:
            assert message in html, (url, message)
    assert "không quá 1000" in _text(post_form(client, f"/judging/e/{SLUG}/rubrics/new", cases[2][1]))
    response = post_form(client, f"/judging/e/{SLUG}/rubrics/new",
                         {**cases[2][1], "criteria-0-max_points": "30"})
    assert "chia hết cho bước điểm 3" in _text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Panel)) == 2
        assert db.session.scalar(select(func.count()).select_from(Rubric)) == 1
