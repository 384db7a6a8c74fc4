"""The judge's side of judging: the scoring service (exactly-once saves, bounds, rubric
locking, submit/reopen, independence), the pages and the JSON API with CSRF."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contest.extensions import db as _db
from contest.models import (
    Assignment,
    Category,
    Criterion,
    Edition,
    Entry,
    EntryPerson,
    Panel,
    PanelMember,
    Rubric,
    ScoreChange,
    ScoreItem,
    ScoreSheet,
    User,
)
from judging import scoring
from judging.scoring import ScoringError
from tests.helpers import PASSWORD, csrf_token, inline_scripts, login

CRITERIA = [
    # code, name, max, step, bands
    ("moi", "Tính mới, sáng tạo", "30", "0.5", [{"from": 0, "to": 14.5, "label": "Chưa mới"},
                                               {"from": 15, "to": 30, "label": "Mới, sáng tạo"}]),
    ("thuc_tien", "Khả năng ứng dụng", "30", "1", None),
    ("trinh_bay", "Trình bày", "25", "2", None),
]


def build_judging(app, world, *, blind: bool = False) -> dict:
    """Rubric (3 criteria), one panel at the province level with a chair and a
    secretary, judges A and B, two entries; A and B both assigned to entry 1, A also to
    entry 2. Returns ids."""
    from contest.auth.services import create_user, grant_role

    with app.app_context():
        edition = _db.session.get(Edition, world["edition"])
        edition.blind_judging = blind
        level = edition.level("tinh")
        category = Category(edition=edition, code="ky-thuat", name="Kỹ thuật", position=1)
        _db.session.add(category)
        _db.session.flush()
        rubric = Rubric(edition_id=edition.id, level_id=level.id, category_id=None, version=1,
                        name="Tiêu chí chấm cấp tỉnh")
        rubric.criteria = [
            Criterion(position=i, code=code, name=name, max_points=Decimal(mx), step=Decimal(st), bands=bands)
            for i, (code, name, mx, st, bands) in enumerate(CRITERIA)
        ]
        _db.session.add(rubric)
        panel = Panel(edition_id=edition.id, level_id=level.id, name="Tiểu ban Kỹ thuật", judges_per_entry=2)
        _db.session.add(panel)
        entries = []
        for i, title in enumerate(["Máy tưới cây tự động", "Robot phân loại rác"], start=1):
            entry = Entry(edition_id=edition.id, institution_id=world["school"], code=f"T{i:03d}", title=title,
                          category_id=category.id, description=f"Mô tả bài {i}", status="accepted",
                          level_id=level.id)
            entry.people = [EntryPerson(role="author", position=0, full_name=f"Nguyễn Văn Tác Giả {i}"),
                            EntryPerson(role="mentor", position=1, full_name=f"Trần Thị Hướng Dẫn {i}")]
            entries.append(entry)
        _db.session.add_all(entries)
        users = {}
        for username, name in [("gk-a", "Giám khảo A"), ("gk-b", "Giám khảo B"), ("chutich", "Chủ tịch HĐ"),
                                ("thuky", "Thư ký HĐ")]:
            user = create_user(username, name, PASSWORD)
            grant_role(user, "judge", edition_id=edition.id)
            users[username] = user
        _db.session.flush()
        panel.members = [
            PanelMember(user_id=users["gk-a"].id, role="member"),
            PanelMember(user_id=users["gk-b"].id, role="member"),
            PanelMember(user_id=users["chutich"].id, role="chair"),
            PanelMember(user_id=users["thuky"].id, role="secretary"),
        ]
        a1 = Assignment(panel=panel, entry=entries[0], judge_id=users["gk-a"].id)
        b1 = Assignment(panel=panel, entry=entries[0], judge_id=users["gk-b"].id)
        a2 = Assignment(panel=panel, entry=entries[1], judge_id=users["gk-a"].id)
        _db.session.add_all([a1, b1, a2])
        _db.session.commit()
        return {
            "rubric": rubric.id, "panel": panel.id, "criteria": [c.id for c in rubric.criteria],
            "entries": [e.id for e in entries], "a1": a1.id, "b1": b1.id, "a2": a2.id,
            "users": {k: u.id for k, u in users.items()}, "edition": edition.id,
        }


@pytest.fixture
def jw(app, world):
    return build_judging(app, world)


def key() -> str:
    return str(uuid.uuid4())


def _get(model, ident):
    return _db.session.get(model, ident)


def _changes(sheet_id=None, field="points"):
    stmt = select(ScoreChange).where(ScoreChange.field == field)
    if sheet_id is not None:
        stmt = stmt.where(ScoreChange.sheet_id == sheet_id)
    return list(_db.session.scalars(stmt.order_by(ScoreChange.id)))


def _save(jw, assignment="a1", criterion=0, points="7,5", user="gk-a", k=None, **kw):
    a = _get(Assignment, jw[assignment])
    result = scoring.record_score(a, jw["criteria"][criterion], points, user=_get(User, jw["users"][user]),
                                  idempotency_key=k or key(), **kw)
    _db.session.commit()
    return result


# ----- service: saving ----------------------------------------------------------------

def test_first_score_creates_sheet_locks_rubric_and_logs(db, jw):
    assert _get(Rubric, jw["rubric"]).locked_at is None
    result = _save(jw, points="7,5", device="may-1", client_time="2026-05-10T08:00:00Z")
    assert result.saved and not result.duplicate
    assert result.total == Decimal("7.50") and result.sheet_status == "draft"
    sheet = _get(Assignment, jw["a1"]).sheet
    assert sheet.rubric_id == jw["rubric"] and sheet.total == Decimal("7.50") and sheet.source == "tablet"
    assert _get(Rubric, jw["rubric"]).locked_at is not None
    [change] = _changes(sheet.id)
    assert (change.old, change.new, change.criterion_id) == (None, "7.50", jw["criteria"][0])
    assert change.user_id == jw["users"]["gk-a"] and change.device == "may-1"
    assert change.client_time == datetime(2026, 5, 10, 8, 0)
    _save(jw, criterion=1, points=20)
    _save(jw, criterion=0, points=8)
    sheet = _get(Assignment, jw["a1"]).sheet
    assert sheet.total == Decimal("28.00")
    changes = _changes(sheet.id)
    assert [(c.old, c.new) for c in changes] == [(None, "7.50"), (None, "20.00"), ("7.50", "8.00")]


def test_same_key_twice_stores_one_change_and_one_value(db, jw):
    k = key()
    first = _save(jw, points="9", k=k)
    again = _save(jw, points="9", k=k)
    assert again.duplicate and again.saved and again.change_id == first.change_id
    assert again.total == Decimal("9.00")
    # A retried stale request (same key, other value) does not overwrite either.
    _save(jw, points="12", k=key())
    third = _save(jw, points="9", k=k)
    assert third.duplicate
    sheet = _get(Assignment, jw["a1"]).sheet
    assert len(_changes(sheet.id)) == 2
    assert [i.points for i in sheet.items] == [Decimal("12.00")]


def test_a_refused_batch_leaves_nothing_behind(db, jw):
    """A paper sheet saves several scores in one transaction: when one is refused, none
    of them stays (the SAVEPOINT of each save must not commit on its own)."""
    secretary = _get(User, jw["users"]["thuky"])

    def batch():
        for criterion, points in [(0, "12"), (1, "99")]:
            scoring.record_score(_get(Assignment, jw["a1"]), jw["criteria"][criterion], points, user=secretary,
                                 idempotency_key=key(), source="paper")

    with pytest.raises(ScoringError, match="phải từ 0 đến 30"):
        scoring.commit_with_retry(batch)
    _db.session.remove()
    assert _db.session.scalar(select(func.count()).select_from(ScoreChange)) == 0
    assert _db.session.scalar(select(func.count()).select_from(ScoreSheet)) == 0
    assert _get(Rubric, jw["rubric"]).locked_at is None


def test_key_reused_for_another_sheet_is_refused(db, jw):
    k = key()
    _save(jw, k=k)
    with pytest.raises(ScoringError) as exc:
        _save(jw, assignment="a2", k=k)
    assert exc.value.status == 409
    assert "đã được dùng" in exc.value.message


def test_duplicate_found_only_at_flush_returns_stored_result(db, jw, monkeypatch):
    """The race: the key check passed, then the other copy committed first; the UNIQUE
    constraint fails the flush inside the SAVEPOINT and the stored result comes back."""
    k = key()
    first = _save(jw, points="10", k=k)
    real = scoring._change_by_key
    calls = {"n": 0}

    def blind_once(value):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(value)

    monkeypatch.setattr(scoring, "_change_by_key", blind_once)
    result = _save(jw, points="10", k=k)
    assert calls["n"] == 2
    assert result.duplicate and result.change_id == first.change_id
    assert _db.session.scalar(select(func.count()).select_from(ScoreChange)) == 1
    assert _db.session.scalar(select(func.count()).select_from(ScoreSheet)) == 1


def test_concurrent_duplicates_in_two_sessions_land_once(app, jw):
    """Two threads (two sessions, two connections) save the same change at once."""
    k = key()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                a = _db.session.get(Assignment, jw["a1"])
                user = _db.session.get(User, jw["users"]["gk-a"])
                _ = a.panel, a.entry, user.grants  # load before the race
                barrier.wait(timeout=10)
                results.append(scoring.commit_with_retry(
                    lambda: scoring.record_score(_db.session.get(Assignment, jw["a1"]), jw["criteria"][0], "11",
                                                 user=user, idempotency_key=k)))
                _db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(r.duplicate for r in results) == [False, True]
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(ScoreChange)) == 1
        assert _db.session.scalar(select(func.count()).select_from(ScoreItem)) == 1
        assert _db.session.scalar(select(ScoreItem.points)) == Decimal("11.00")


@pytest.mark.parametrize("points, message", [
    ("31", "phải từ 0 đến 30"),
    (-1, "phải từ 0 đến 30"),
    ("7,3", "chia hết cho bước 0,5"),
    ("bảy", "Điểm phải là một số"),
    (None, "Điểm phải là một số"),
    (True, "Điểm phải là một số"),
    ("1e3", "Điểm phải là một số"),
])
def test_out_of_bounds_and_off_step_are_refused(db, jw, points, message):
    with pytest.raises(ScoringError) as exc:
        _save(jw, points=points)
    assert exc.value.status == 422
    assert message in exc.value.message
    assert _get(Assignment, jw["a1"]).sheet is None
    assert _get(Rubric, jw["rubric"]).locked_at is None


def test_step_of_the_criterion_and_the_maximum(db, jw):
    with pytest.raises(ScoringError, match="chia hết cho bước 2"):
        _save(jw, criterion=2, points="7")
    _save(jw, criterion=2, points="8")
    _save(jw, criterion=2, points="25")  # the maximum is always allowed
    assert _get(Assignment, jw["a1"]).sheet.total == Decimal("25.00")


def test_criterion_of_another_rubric_is_not_found(db, jw):
    with pytest.raises(ScoringError) as exc:
        scoring.record_score(_get(Assignment, jw["a1"]), 999999, "5", user=_get(User, jw["users"]["gk-a"]),
                             idempotency_key=key())
    assert exc.value.status == 404


def test_no_rubric_is_a_clear_message(db, jw):
    _db.session.delete(_get(Rubric, jw["rubric"]))
    _db.session.commit()
    with pytest.raises(ScoringError) as exc:
        scoring.record_score(_get(Assignment, jw["a1"]), 1, "5", user=_get(User, jw["users"]["gk-a"]),
                             idempotency_key=key())
    assert exc.value.status == 409 and "Chưa có bộ tiêu chí" in exc.value.message


def test_category_rubric_is_preferred_and_newest_version(db, jw):
    entry = _get(Entry, jw["entries"][0])
    old = _get(Rubric, jw["rubric"])
    newer = Rubric(edition_id=old.edition_id, level_id=old.level_id, category_id=entry.category_id, version=2,
                   name="Riêng lĩnh vực Kỹ thuật")
    newer.criteria = [Criterion(position=0, code="x", name="Tổng hợp", max_points=Decimal("100"), step=Decimal("1"))]
    _db.session.add(newer)
    _db.session.commit()
    assert scoring.rubric_for_assignment(_get(Assignment, jw["a1"])).id == newer.id


def test_only_the_assigned_judge_saves(db, jw):
    with pytest.raises(ScoringError) as exc:
        _save(jw, assignment="a1", user="gk-b")
    assert exc.value.status == 404
    assert _changes() == []


def test_closed_panel_refuses(db, jw):
    _save(jw)
    _get(Panel, jw["panel"]).closed_at = scoring.utcnow()
    _db.session.commit()
    with pytest.raises(ScoringError, match="Hội đồng chấm đã kết thúc"):
        _save(jw, points="9")
    with pytest.raises(ScoringError, match="Hội đồng chấm đã kết thúc"):
        _save(jw, points="9", user="thuky", source="paper", reason="Phiếu giấy")


def test_comment_is_saved_once_and_logged(db, jw):
    a = _get(Assignment, jw["a1"])
    user = _get(User, jw["users"]["gk-a"])
    k = key()
    scoring.record_comment(a, "  Sản phẩm  tốt.\nCần hoàn thiện vỏ.  ", user=user, idempotency_key=k)
    scoring.record_comment(a, "khác", user=user, idempotency_key=k)
    _db.session.commit()
    assert a.sheet.comment == "Sản phẩm tốt.\nCần hoàn thiện vỏ."
    assert len(_changes(field="comment")) == 1


# ----- service: submit and reopen -------------------------------------------------------

def _score_all(jw, assignment="a1", user="gk-a"):
    for i, points in enumerate(["20", "15", "10"]):
        _save(jw, assignment=assignment, criterion=i, points=points, user=user)


def test_submit_needs_every_criterion(db, jw):
    a = _get(Assignment, jw["a1"])
    user = _get(User, jw["users"]["gk-a"])
    with pytest.raises(ScoringError, match="chưa có điểm"):
        scoring.submit_sheet(a, user)
    _save(jw, criterion=0, points="20")
    with pytest.raises(ScoringError) as exc:
        scoring.submit_sheet(a, user)
    assert exc.value.status == 422
    assert "“Khả năng ứng dụng”" in exc.value.message and "“Trình bày”" in exc.value.message
    _save(jw, criterion=1, points="15")
    _save(jw, criterion=2, points="10")
    result = scoring.submit_sheet(_get(Assignment, jw["a1"]), user, idempotency_key=key())
    _db.session.commit()
    assert result.sheet_status == "submitted"
    sheet = _get(Assignment, jw["a1"]).sheet
    assert sheet.status == "submitted" and sheet.submitted_at is not None and sheet.total == Decimal("45.00")
    [change] = _changes(field="status")
    assert (change.old, change.new) == ("draft", "submitted")
    # Submitted: the judge can no longer change a score; a repeated submit is harmless.
    with pytest.raises(ScoringError) as exc:
        _save(jw, criterion=0, points="21")
    assert exc.value.status == 409 and "đã nộp" in exc.value.message
    again = scoring.submit_sheet(_get(Assignment, jw["a1"]), user)
    assert again.duplicate and len(_changes(field="status")) == 1


def test_paper_correction_of_a_submitted_sheet_needs_secretary_and_reason(db, jw):
    _score_all(jw)
    scoring.submit_sheet(_get(Assignment, jw["a1"]), _get(User, jw["users"]["gk-a"]))
    _db.session.commit()
    with pytest.raises(ScoringError) as exc:
        _save(jw, points="22", user="gk-b", source="paper", reason="Theo phiếu giấy")
    assert exc.value.status == 403
    with pytest.raises(ScoringError, match="cần ghi lý do"):
        _save(jw, points="22", user="thuky", source="paper")
    result = _save(jw, points="22", user="thuky", source="paper", reason="Nhập theo phiếu giấy số 12")
    assert result.total == Decimal("47.00")
    sheet = _get(Assignment, jw["a1"]).sheet
    assert sheet.source == "paper" and sheet.status == "submitted"
    last = _changes(sheet.id)[-1]
    assert last.user_id == jw["users"]["thuky"] and last.reason == "Nhập theo phiếu giấy số 12"


def test_organiser_may_enter_paper_scores(db, jw, world):
    a = _get(Assignment, jw["a2"])
    organiser = _get(User, world["users"]["organiser"])
    scoring.record_score(a, jw["criteria"][1], "16", user=organiser, idempotency_key=key(), source="paper")
    _db.session.commit()
    assert a.sheet.source == "paper" and a.sheet.total == Decimal("16.00")


def test_reopen_only_by_chair_or_organiser_with_reason(db, jw, world):
    _score_all(jw)
    scoring.submit_sheet(_get(Assignment, jw["a1"]), _get(User, jw["users"]["gk-a"]))
    _db.session.commit()
    a = _get(Assignment, jw["a1"])
    for who in ("gk-a", "gk-b", "thuky"):
        with pytest.raises(ScoringError) as exc:
            scoring.reopen_sheet(a, _get(User, jw["users"][who]), "Chấm nhầm")
        assert exc.value.status == 403
    with pytest.raises(ScoringError, match="lý do"):
        scoring.reopen_sheet(a, _get(User, jw["users"]["chutich"]), "   ")
    scoring.reopen_sheet(a, _get(User, jw["users"]["chutich"]), "Giám khảo nhập nhầm tiêu chí 1")
    _db.session.commit()
    assert a.sheet.status == "draft" and a.sheet.submitted_at is None
    last = _changes(field="status")[-1]
    assert (last.old, last.new, last.user_id) == ("submitted", "draft", jw["users"]["chutich"])
    assert last.reason == "Giám khảo nhập nhầm tiêu chí 1"
    _save(jw, points="18")  # the judge may correct again
    with pytest.raises(ScoringError, match="chưa nộp"):
        scoring.reopen_sheet(a, _get(User, world["users"]["organiser"]), "Lý do")
    scoring.submit_sheet(_get(Assignment, jw["a1"]), _get(User, jw["users"]["gk-a"]))
    scoring.reopen_sheet(_get(Assignment, jw["a1"]), _get(User, world["users"]["organiser"]), "Ban Tổ chức yêu cầu")
    _db.session.commit()
    assert _get(Assignment, jw["a1"]).sheet.status == "draft"


def test_overview_and_state_are_the_judges_own(db, jw):
    _score_all(jw)
    scoring.submit_sheet(_get(Assignment, jw["a1"]), _get(User, jw["users"]["gk-a"]))
    _db.session.commit()
    _save(jw, assignment="b1", user="gk-b", points="3")
    [group] = scoring.judge_overview(_get(User, jw["users"]["gk-a"]))
    assert (group.done, group.count) == (1, 2)
    assert [r.status_label for r in group.rows] == ["Đã nộp", "Chưa chấm"]
    state = scoring.sheet_state(_get(Assignment, jw["a1"]))
    assert state["status"] == "submitted" and state["total"] == 45
    assert state["points"] == {str(jw["criteria"][0]): 20, str(jw["criteria"][1]): 15, str(jw["criteria"][2]): 10}
    b_state = scoring.sheet_state(_get(Assignment, jw["b1"]))
    assert b_state["points"] == {str(jw["criteria"][0]): 3}


# ----- web: pages -----------------------------------------------------------------------

def test_judge_list_shows_progress(client, jw):
    login(client, "gk-a")
    html = client.get("/judge").get_data(as_text=True)
    assert "Tiểu ban Kỹ thuật" in html
    assert "đã chấm 0/2" in html
    assert "Máy tưới cây tự động" in html and "Robot phân loại rác" in html
    assert f'href="/judge/a/{jw["a1"]}"' in html
    assert f'href="/judge/a/{jw["b1"]}"' not in html


def test_judge_list_without_assignments(client, world):
    login(client, "giamkhao")
    assert "Bạn chưa được phân công chấm bài nào" in client.get("/judge").get_data(as_text=True)


def test_scoring_page_shows_entry_and_controls(client, jw):
    login(client, "gk-a")
    response = client.get(f"/judge/a/{jw['a1']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Máy tưới cây tự động" in html and "Mô tả bài 1" in html
    assert "Nguyễn Văn Tác Giả 1" in html and "Trường THCS Tân Yên" in html
    assert 'aria-label="Điểm: Tính mới, sáng tạo"' in html
    assert "Chưa mới" in html and "Mới, sáng tạo" in html  # bands as hints
    assert "Nộp phiếu chấm" in html
    assert '<meta name="csrf-token"' in html
    assert "Mất kết nối – điểm vẫn được lưu trên máy, sẽ tự gửi khi có mạng" in html
    assert inline_scripts(html) == [] and "style=" not in html  # CSP: no inline scripts or styles


def test_blind_judging_hides_authors_and_school(app, client, world):
    jw = build_judging(app, world, blind=True)
    login(client, "gk-a")
    html = client.get(f"/judge/a/{jw['a1']}").get_data(as_text=True)
    assert "Máy tưới cây tự động" in html
    assert "Nguyễn Văn Tác Giả 1" not in html
    assert "Trần Thị Hướng Dẫn 1" not in html
    assert "Trường THCS Tân Yên" not in html
    assert "Chấm ẩn danh" in html


def test_scoring_page_is_only_for_the_assigned_judge(client, jw):
    login(client, "gk-b")
    assert client.get(f"/judge/a/{jw['b1']}").status_code == 200
    # Entry 1 is B's too, but this is A's sheet of it.
    assert client.get(f"/judge/a/{jw['a1']}").status_code == 404
    assert client.get(f"/judge/a/{jw['a2']}").status_code == 404
    assert client.get("/judge/a/999999").status_code == 404


def test_judge_pages_are_forbidden_to_non_judges(client, jw):
    login(client, "truong")
    assert client.get("/judge").status_code == 403
    assert client.get(f"/judge/a/{jw['a1']}").status_code == 403


def test_page_of_judge_b_never_shows_judge_a_scores(client, jw, app):
    with app.app_context():
        _save(jw, points="27,5")
        scoring.record_comment(_get(Assignment, jw["a1"]), "Nhận xét riêng của A", user=_get(User, jw["users"]["gk-a"]),
                               idempotency_key=key())
        _db.session.commit()
    login(client, "gk-b")
    html = client.get(f"/judge/a/{jw['b1']}").get_data(as_text=True)
    assert "27,5" not in html and "Nhận xét riêng của A" not in html
    state = client.get(f"/api/v1/judge/assignments/{jw['b1']}/state").get_json()
    assert state["points"] == {} and state["comment"] is None
    assert client.get(f"/api/v1/judge/assignments/{jw['a1']}/state").status_code == 404


def test_service_worker_is_served_with_its_scope(client):
    response = client.get("/judge/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/judge"
    assert "addEventListener(\"fetch\"" in response.get_data(as_text=True)


def test_assigned_judge_may_see_entry_photos(db, jw):
    from registration.uploads import can_see_files

    entry = _get(Entry, jw["entries"][1])
    assert can_see_files(_get(User, jw["users"]["gk-a"]), entry)
    assert not can_see_files(_get(User, jw["users"]["gk-b"]), entry)


# ----- web: JSON API --------------------------------------------------------------------

def api(client, path, payload, token):
    return client.post(f"/api/v1/judge/{path}", data=json.dumps(payload), content_type="application/json",
                       headers={"X-CSRFToken": token})


@pytest.fixture
def judge_a(client, jw):
    login(client, "gk-a")
    return csrf_token(client, f"/judge/a/{jw['a1']}")


def test_api_saves_a_score(client, jw, judge_a, app):
    k = key()
    body = {"assignment_id": jw["a1"], "criterion_id": jw["criteria"][0], "points": "12,5", "idempotency_key": k,
            "client_time": "2026-05-10T08:00:00.000Z", "device": "may-test"}
    response = api(client, "scores", body, judge_a)
    assert response.status_code == 200
    data = response.get_json()
    assert data["saved"] is True and data["total"] == 12.5 and data["sheet_status"] == "draft"
    assert data["server_time"].endswith("Z")
    again = api(client, "scores", body, judge_a)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    with app.app_context():
        [change] = _changes()
        assert change.idempotency_key == k and change.device == "may-test"
    state = client.get(f"/api/v1/judge/assignments/{jw['a1']}/state").get_json()
    assert state["points"] == {str(jw["criteria"][0]): 12.5} and state["total"] == 12.5
    assert state["csrf_token"]


def test_api_without_csrf_is_refused_in_json(client, jw, judge_a):
    response = client.post("/api/v1/judge/scores", json={"assignment_id": jw["a1"]})
    assert response.status_code == 400
    assert response.get_json()["code"] == "csrf"
    assert "tải lại trang" in response.get_json()["error"]


@pytest.mark.parametrize("payload, status, text", [
    ("không phải json", 400, "không phải JSON"),
    ([1, 2], 400, "không phải JSON"),
    ({}, 422, "Mã phiếu chấm không hợp lệ"),
    ({"assignment_id": "abc"}, 422, "Mã phiếu chấm không hợp lệ"),
    ({"assignment_id": 999999, "criterion_id": 1, "points": 5, "idempotency_key": "k" * 20}, 404, "Không tìm thấy"),
])
def test_api_bad_requests(client, jw, judge_a, payload, status, text):
    data = payload if isinstance(payload, str) else json.dumps(payload)
    response = client.post("/api/v1/judge/scores", data=data, content_type="application/json",
                           headers={"X-CSRFToken": judge_a})
    assert response.status_code == status
    assert text in response.get_json()["error"]


def test_api_out_of_bounds_and_bad_key(client, jw, judge_a):
    base = {"assignment_id": jw["a1"], "criterion_id": jw["criteria"][0]}
    r = api(client, "scores", {**base, "points": 31, "idempotency_key": key()}, judge_a)
    assert r.status_code == 422 and "phải từ 0 đến 30" in r.get_json()["error"]
    r = api(client, "scores", {**base, "points": 5, "idempotency_key": ""}, judge_a)
    assert r.status_code == 422 and "mã thao tác" in r.get_json()["error"]
    r = api(client, "scores", {**base, "idempotency_key": key()}, judge_a)
    assert r.status_code == 422 and "Điểm phải là một số" in r.get_json()["error"]
    r = api(client, "scores", {"assignment_id": jw["a1"], "criterion_id": 999999, "points": 1,
                               "idempotency_key": key()}, judge_a)
    assert r.status_code == 404


def test_api_other_judges_sheet_is_not_found(client, jw, judge_a, app):
    body = {"assignment_id": jw["b1"], "criterion_id": jw["criteria"][0], "points": 5, "idempotency_key": key()}
    response = api(client, "scores", body, judge_a)
    assert response.status_code == 404
    with app.app_context():
        assert _changes() == []


def test_api_comment_and_submit(client, jw, judge_a, app):
    r = api(client, "comment", {"assignment_id": jw["a1"], "comment": "Ý tưởng hay", "idempotency_key": key()}, judge_a)
    assert r.status_code == 200 and r.get_json()["saved"]
    r = api(client, "submit", {"assignment_id": jw["a1"], "idempotency_key": key()}, judge_a)
    assert r.status_code == 422 and "Chưa chấm đủ các tiêu chí" in r.get_json()["error"]
    for cid, pts in zip(jw["criteria"], ["20", "15", "10"], strict=True):
        assert api(client, "scores", {"assignment_id": jw["a1"], "criterion_id": cid, "points": pts,
                                      "idempotency_key": key()}, judge_a).status_code == 200
    r = api(client, "submit", {"assignment_id": jw["a1"], "idempotency_key": key()}, judge_a)
    assert r.status_code == 200 and r.get_json()["sheet_status"] == "submitted" and r.get_json()["total"] == 45
    r = api(client, "scores", {"assignment_id": jw["a1"], "criterion_id": jw["criteria"][0], "points": 1,
                               "idempotency_key": key()}, judge_a)
    assert r.status_code == 409 and "đã nộp" in r.get_json()["error"]
    html = client.get("/judge").get_data(as_text=True)
    assert "đã chấm 1/2" in html
    with app.app_context():
        sheet = _get(Assignment, jw["a1"]).sheet
        assert sheet.comment == "Ý tưởng hay" and sheet.status == "submitted"


def test_api_for_anonymous_and_non_judges(client, jw):
    token = csrf_token(client, "/login")
    r = api(client, "scores", {"assignment_id": jw["a1"]}, token)
    assert r.status_code == 401 and "đăng nhập lại" in r.get_json()["error"]
    assert client.get(f"/api/v1/judge/assignments/{jw['a1']}/state").status_code == 401
    login(client, "truong")
    token = _token_after_login(client)
    r = api(client, "scores", {"assignment_id": jw["a1"]}, token)
    assert r.status_code == 403


def _token_after_login(client) -> str:
    return csrf_token(client, "/account/password")
