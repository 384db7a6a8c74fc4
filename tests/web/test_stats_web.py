"""Advancement between levels (preview, apply, area organisers, refusals), national
results, the statistics API and CLI, the annual-report page and the trends page."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contest.auth.services import create_user, find_user, grant_role
from contest.extensions import db
from contest.models import (
    AdminUnit,
    AuditLog,
    Category,
    Contest,
    Edition,
    EditionHistory,
    Entry,
    EntryLevel,
    EntryPerson,
    Institution,
    Level,
    NationalResult,
    ResultVersion,
    User,
)
from contest.results import service as results
from registration.services import set_quota
from tests.helpers import PASSWORD, csrf_token, login, post_form

SLUG = "sang-tao-tttn-2023"
CONTEST = "sang-tao-thanh-thieu-nien"
INDEX = f"/e/{SLUG}/advancement"
SCHOOL = f"/e/{SLUG}/advancement/truong"
API = f"/api/v1/editions/{SLUG}/statistics"
REPORT = f"/e/{SLUG}/statistics"
TRENDS = f"/contests/{CONTEST}/trends"
SECRET_NAME = "Nguyễn Thị Bí Mật"


@pytest.fixture
def adv(app):
    """Two former districts; school A has 5 entries (scores 90, 80, 70, 60, 50), school B
    has 4 (88, 77, 77, 55); all accepted at the school level. Users: btc (organiser),
    huyen-a (area organiser of district A), truong (school account)."""
    with app.app_context():
        province = AdminUnit(code="tinh-bac-giang", name="Tỉnh Bắc Giang", kind="province")
        dist_a = AdminUnit(code="BG-H-A", name="Huyện Yên Dũng", kind="district", parent=province)
        dist_b = AdminUnit(code="BG-H-B", name="Huyện Lục Nam", kind="district", parent=province)
        db.session.add_all([province, dist_a, dist_b])
        db.session.flush()
        school_a = Institution(code="thcs-a", name="Trường THCS Yên Dũng", kind="lower_secondary", unit=dist_a)
        school_b = Institution(code="thcs-b", name="Trường THCS Lục Nam", kind="lower_secondary", unit=dist_b)
        contest = Contest(slug=CONTEST, kind="youth_creativity", name="Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh",
                          short_name="Sáng tạo TTNNĐ")
        edition = Edition(contest=contest, number=19, slug=SLUG, name="Cuộc thi Sáng tạo TTNNĐ lần thứ 19 (2023)",
                          year_start=2023, year_end=2023, status="closed", province_name="Bắc Giang", settings={})
        edition.levels = [
            Level(position=1, code="truong", name="Cấp cơ sở (trường)"),
            Level(position=2, code="huyen", name="Cấp huyện", area_kind="district"),
            Level(position=3, code="tinh", name="Cấp tỉnh"),
            Level(position=4, code="toan_quoc", name="Đề cử dự thi toàn quốc"),
        ]
        cat = Category(edition=edition, position=1, code="ck", name="Kỹ thuật cơ khí")
        db.session.add_all([school_a, school_b, contest, edition, cat])
        db.session.flush()
        truong = edition.level("truong")
        ids = {}
        specs = [(school_a, dist_a, s) for s in (90, 80, 70, 60, 50)] + [(school_b, dist_b, s) for s in (88, 77, 77, 55)]
        for i, (school, dist, score) in enumerate(specs, start=1):
            entry = Entry(edition=edition, institution=school, area_unit=dist, code=f"{i:05d}",
                          title=f"Mô hình số {i}", category=cat, status="accepted", level=truong, extra={})
            entry.level_results.append(EntryLevel(level=truong, area_unit=dist, decision="pending", score=Decimal(score)))
            entry.people.append(EntryPerson(role="author", full_name=SECRET_NAME if i == 1 else f"Học sinh {i}",
                                            birth_date=date(2010, 5, 17), phone="0912345678"))
            db.session.add(entry)
            db.session.flush()
            ids[f"e{i}"] = entry.id
        users = {}
        for username, role, scope in [
            ("btc", "organiser", {}),
            ("huyen-a", "area_organiser", {"unit_id": dist_a.id}),
            ("truong", "institution", {"institution_id": school_a.id}),
        ]:
            user = create_user(username, f"Người dùng {username}", PASSWORD)
            grant_role(user, role, **scope)
            users[username] = user.id
        db.session.commit()
        return {"edition": edition.id, "dist_a": dist_a.id, "dist_b": dist_b.id, "users": users,
                "levels": {lv.code: lv.id for lv in edition.levels}, **ids}


def _quotas(app, adv, a: int, b: int) -> None:
    with app.app_context():
        edition = db.session.get(Edition, adv["edition"])
        set_quota(edition, a, unit_id=adv["dist_a"], level_id=adv["levels"]["truong"])
        set_quota(edition, b, unit_id=adv["dist_b"], level_id=adv["levels"]["truong"])
        db.session.commit()


def _text(response) -> str:
    return response.get_data(as_text=True)


def _fingerprint(html: str) -> str:
    match = re.search(r'name="fingerprint"[^>]*value="([^"]*)"', html) or re.search(
        r'value="([^"]*)"[^>]*name="fingerprint"', html)
    assert match, "no fingerprint on the page"
    return match.group(1)


def _decisions(app, adv, level: str = "truong") -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            select(Entry.code, EntryLevel.decision).join(EntryLevel, EntryLevel.entry_id == Entry.id)
            .where(EntryLevel.level_id == adv["levels"][level])
        ).all()
        return dict(rows)


def _at_level(app, adv, level: str) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Entry.code).where(Entry.level_id == adv["levels"][level])))


# ----------------------------------------------------------------------------- advancement


def test_quota_rule_previews_then_applies_and_audits(app, client, adv):
    _quotas(app, adv, 2, 1)
    login(client, "btc")
    html = _text(client.get(SCHOOL))
    assert "Xem trước: 3 bài được chọn lên cấp huyện" in html
    assert "Trong hạn ngạch 2 của đơn vị" in html
    assert _at_level(app, adv, "huyen") == set()  # a preview writes nothing

    data = {"kind": "quota", "preview": "1"}
    html = _text(post_form(client, SCHOOL, data))
    token = _fingerprint(html)
    response = post_form(client, SCHOOL, {"kind": "quota", "fingerprint": token, "confirm": "1"}, follow=True)
    html = _text(response)
    assert "Đã áp dụng: 3 bài được chọn lên cấp huyện, 6 bài không được chọn, 0 bài đang chờ quyết định." in html
    assert _at_level(app, adv, "huyen") == {"00001", "00002", "00006"}
    decisions = _decisions(app, adv)
    assert decisions["00003"] == "not_advanced" and decisions["00001"] == "advanced"
    with app.app_context():
        upper = db.session.scalars(select(EntryLevel).where(EntryLevel.level_id == adv["levels"]["huyen"])).all()
        assert len(upper) == 3 and {u.decision for u in upper} == {"pending"}
        el = db.session.scalar(select(EntryLevel).where(EntryLevel.entry_id == adv["e1"],
                                                         EntryLevel.level_id == adv["levels"]["truong"]))
        assert el.decided_by_id == adv["users"]["btc"] and el.decided_at is not None
        assert el.reason == "Trong hạn ngạch 2 của đơn vị"
        actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
        assert actions.count("entry.nominate") == 3 and actions.count("advancement.apply") == 1

    # Applying the same rule again changes nothing.
    html = _text(client.get(SCHOOL))
    assert "Quy tắc này không làm thay đổi quyết định nào" in html


def test_tie_at_the_cut_is_left_pending_or_taken_when_asked(app, client, adv):
    _quotas(app, adv, 1, 2)  # district B: 88, 77, 77 -> the two 77s tie for the last seat
    login(client, "btc")
    html = _text(post_form(client, SCHOOL, {"kind": "quota", "preview": "1"}))
    assert "2 bài đồng 77 điểm tranh 1 suất cuối của hạn ngạch 2; cần chọn." in html
    assert "Đang chờ quyết định: <strong>2</strong>" in html
    html = _text(post_form(client, SCHOOL, {"kind": "quota", "include_ties": "y", "preview": "1"}))
    assert "lấy tất cả, đi tiếp 3 bài" in html
    token = _fingerprint(html)
    post_form(client, SCHOOL, {"kind": "quota", "include_ties": "y", "fingerprint": token, "confirm": "1"})
    assert _at_level(app, adv, "huyen") == {"00001", "00006", "00007", "00008"}


def test_stale_preview_is_refused(app, client, adv):
    _quotas(app, adv, 2, 1)
    login(client, "btc")
    token = _fingerprint(_text(post_form(client, SCHOOL, {"kind": "quota", "preview": "1"})))
    _quotas(app, adv, 3, 1)  # someone changes a quota meanwhile
    html = _text(post_form(client, SCHOOL, {"kind": "quota", "fingerprint": token, "confirm": "1"}))
    assert "Số liệu đã thay đổi kể từ lúc xem trước" in html
    assert _at_level(app, adv, "huyen") == set()


def test_missing_quotas_and_bad_input_get_vietnamese_messages(app, client, adv):
    login(client, "btc")
    response = client.get(SCHOOL)
    assert response.status_code == 200
    assert "Chưa đặt hạn ngạch chọn lên cấp trên cho: Huyện Lục Nam, Huyện Yên Dũng." in _text(response)
    html = _text(post_form(client, SCHOOL, {"kind": "cutoff", "min_score": "abc", "preview": "1"}))
    assert "Phải là một số" in html and 'value="abc"' in html
    html = _text(post_form(client, SCHOOL, {"kind": "cutoff", "min_score": "", "preview": "1"}))
    assert "Cần nhập điểm sàn là một số không âm." in html
    html = _text(post_form(client, SCHOOL, {"kind": "bogus", "preview": "1"}))
    assert "Lựa chọn không hợp lệ" in html
    html = _text(post_form(client, SCHOOL, {"kind": "manual", "chosen": ["abc"], "preview": "1"}))
    assert "Danh sách bài được chọn không hợp lệ" in html
    html = _text(post_form(client, SCHOOL, {"kind": "quota", "confirm": "1"}))  # apply without a preview
    assert "Hãy bấm “Xem trước” và kiểm tra các quyết định trước khi áp dụng." in html
    assert _at_level(app, adv, "huyen") == set()
    html = _text(post_form(client, SCHOOL, {"kind": "top", "top_n": "0", "preview": "1"}))
    assert "Số bài phải từ 1 đến 10.000." in html
    assert client.get(f"/e/{SLUG}/advancement/khong-co").status_code == 404
    assert client.get("/e/khong-co/advancement").status_code == 404
    html = _text(client.get(f"/e/{SLUG}/advancement/toan_quoc"))
    assert "Đây là cấp cao nhất của kỳ thi" in html


def test_cutoff_rule_needs_every_score(app, client, adv):
    with app.app_context():
        el = db.session.scalar(select(EntryLevel).where(EntryLevel.entry_id == adv["e9"]))
        el.score = None
        db.session.commit()
    login(client, "btc")
    html = _text(post_form(client, SCHOOL, {"kind": "cutoff", "min_score": "75,5", "preview": "1"}))
    assert "Còn 1 bài chưa có điểm ở cấp này (00009)" in html
    with app.app_context():
        el = db.session.scalar(select(EntryLevel).where(EntryLevel.entry_id == adv["e9"]))
        el.score = Decimal(55)
        db.session.commit()
    html = _text(post_form(client, SCHOOL, {"kind": "cutoff", "min_score": "75,5", "preview": "1"}))
    assert "Xem trước: 5 bài được chọn lên cấp huyện" in html and "Đạt điểm sàn 75,5" in html


def test_area_organiser_chooses_within_quota_for_own_area_only(app, client, adv):
    _quotas(app, adv, 2, 1)
    login(client, "huyen-a")
    html = _text(client.get(SCHOOL))
    assert "Mô hình số 1" in html and "Mô hình số 6" not in html  # only district A
    assert '<option value="cutoff"' not in html and '<option value="top"' not in html
    # A rule reserved to the province is refused even when posted by hand.
    html = _text(post_form(client, SCHOOL, {"kind": "top", "top_n": "3", "preview": "1"}))
    assert "Lựa chọn không hợp lệ" in html

    # The area's own choice: the 3rd and 1st best, with a reason.
    data = {"kind": "manual", "chosen": [str(adv["e3"]), str(adv["e1"])], "reason": "Sản phẩm đã ứng dụng tại trường",
            "preview": "1"}
    html = _text(post_form(client, SCHOOL, data))
    assert "Đơn vị chọn trong hạn ngạch 2: Sản phẩm đã ứng dụng tại trường" in html
    token = _fingerprint(html)
    post_form(client, SCHOOL, {**data, "fingerprint": token, "confirm": "1", "preview": ""})
    assert _at_level(app, adv, "huyen") == {"00001", "00003"}
    decisions = _decisions(app, adv)
    assert decisions["00002"] == "not_advanced" and decisions["00006"] == "pending"  # district B untouched

    # Over the quota, an entry of another area, no reason.
    html = _text(post_form(client, SCHOOL, {**data, "chosen": [str(adv["e1"]), str(adv["e2"]), str(adv["e3"])]}))
    assert "vượt hạn ngạch 2 bài" in html
    html = _text(post_form(client, SCHOOL, {**data, "chosen": [str(adv["e6"])]}))
    assert "Chưa chọn bài nào để đưa lên cấp trên." in html
    html = _text(post_form(client, SCHOOL, {**data, "reason": ""}))
    assert "Cần ghi lý do chọn bài 00001." in html


def test_decision_is_locked_once_the_upper_level_has_judged(app, client, adv):
    _quotas(app, adv, 2, 1)
    login(client, "btc")
    token = _fingerprint(_text(post_form(client, SCHOOL, {"kind": "quota", "preview": "1"})))
    post_form(client, SCHOOL, {"kind": "quota", "fingerprint": token, "confirm": "1"})
    with app.app_context():
        upper = db.session.scalar(select(EntryLevel).where(EntryLevel.entry_id == adv["e2"],
                                                            EntryLevel.level_id == adv["levels"]["huyen"]))
        upper.score = Decimal("71.5")
        db.session.commit()
    _quotas(app, adv, 1, 1)  # the quota shrinks: entry 2 would drop out
    html = _text(post_form(client, SCHOOL, {"kind": "quota", "preview": "1"}))
    assert "đã được chấm hoặc quyết định ở cấp huyện" in html
    token = _fingerprint(html)
    html = _text(post_form(client, SCHOOL, {"kind": "quota", "fingerprint": token, "confirm": "1"}))
    assert "không thể thay đổi quyết định của các bài này" in html
    assert "00002" in _at_level(app, adv, "huyen")


def test_quota_shrink_before_judging_moves_entries_back(app, client, adv):
    _quotas(app, adv, 2, 1)
    login(client, "btc")
    token = _fingerprint(_text(post_form(client, SCHOOL, {"kind": "quota", "preview": "1"})))
    post_form(client, SCHOOL, {"kind": "quota", "fingerprint": token, "confirm": "1"})
    _quotas(app, adv, 1, 1)
    token = _fingerprint(_text(post_form(client, SCHOOL, {"kind": "quota", "preview": "1"})))
    post_form(client, SCHOOL, {"kind": "quota", "fingerprint": token, "confirm": "1"})
    assert _at_level(app, adv, "huyen") == {"00001", "00006"}
    assert _at_level(app, adv, "truong") >= {"00002"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "entry.unnominate")) == 1


@pytest.mark.parametrize("url", [INDEX, SCHOOL, REPORT, f"/e/{SLUG}/national"])
def test_schools_are_refused_and_anonymous_sent_to_login(client, adv, url):
    assert client.get(url).status_code == 302
    login(client, "truong")
    assert client.get(url).status_code == 403


def test_area_organiser_cannot_open_the_report_or_national_pages(client, adv):
    login(client, "huyen-a")
    assert client.get(INDEX).status_code == 200
    assert client.get(REPORT).status_code == 403
    assert client.get(f"/e/{SLUG}/national").status_code == 403


# ----------------------------------------------------------------------------- prizes, national, statistics


def _through_province(app, adv, publish: bool = True) -> None:
    """Entries 1, 2, 6 go up to the province (quota rule), get province scores and
    prizes (1 first, 1 second, 1 third), and entry 1 is nominated nationally."""
    from contest.results import advancing

    with app.app_context():
        edition = db.session.get(Edition, adv["edition"])
        actor = db.session.get(User, adv["users"]["btc"])
        truong, huyen, tinh = edition.level("truong"), edition.level("huyen"), edition.level("tinh")
        set_quota(edition, 2, unit_id=adv["dist_a"], level_id=truong.id)
        set_quota(edition, 1, unit_id=adv["dist_b"], level_id=truong.id)
        advancing.apply(edition, truong, advancing.RuleSpec("quota"), actor=actor)
        for eid, score in ((adv["e1"], 85), (adv["e2"], 75), (adv["e6"], 80)):
            el = db.session.scalar(select(EntryLevel).where(EntryLevel.entry_id == eid, EntryLevel.level_id == huyen.id))
            el.score = Decimal(score)
        advancing.apply(edition, huyen, advancing.RuleSpec("cutoff", min_score=Decimal(70)), actor=actor)
        for eid, score in ((adv["e1"], 92), (adv["e2"], 81.5), (adv["e6"], 86)):
            el = db.session.scalar(select(EntryLevel).where(EntryLevel.entry_id == eid, EntryLevel.level_id == tinh.id))
            el.score = Decimal(str(score))
        results.save_prize_settings(edition, tinh, {
            "quotas": {"nhat": 1, "nhi": 1, "ba": 1, "khuyen_khich": 0}, "tie_policy": "share",
            "amounts": {"nhat": 10_000_000, "nhi": 7_000_000, "ba": 5_000_000}, "nominations": 1,
        }, actor=actor)
        version = results.propose_allocation(edition, tinh, actor=actor)
        if publish:
            results.approve(version, decision_number="1234/QĐ-LHH", decision_date=date(2023, 10, 20), actor=actor)
            results.publish(version, actor=actor)
        advancing.apply(edition, tinh, advancing.RuleSpec("top", top_n=1), actor=actor)
        db.session.commit()


def test_statistics_api_is_public_aggregate_and_counts_only_published_prizes(app, client, adv):
    _through_province(app, adv, publish=False)
    data = client.get(API).get_json()
    assert data["entries_by_level"] == {"truong": 9, "huyen": 3, "tinh": 3, "toan_quoc": 1}
    assert data["national_nominations"] == 1
    assert data["prizes_by_rank"] == {"nhat": 0, "nhi": 0, "ba": 0, "khuyen_khich": 0}  # a draft counts for nothing
    assert data["prize_money_total_vnd"] == 0 and data["result"] is None
    with app.app_context():
        edition = db.session.get(Edition, adv["edition"])
        version = results.open_version(edition, "tinh")
        actor = find_user("btc")
        results.approve(version, decision_number="1234/QĐ-LHH", decision_date=date(2023, 10, 20), actor=actor)
        db.session.commit()
    assert client.get(API).get_json()["prizes_by_rank"]["nhat"] == 0  # approved, not yet published
    with app.app_context():
        version = db.session.scalars(select(ResultVersion)).one()
        results.publish(version, actor=find_user("btc"))
        db.session.commit()
    response = client.get(API)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["prizes_by_rank"] == {"nhat": 1, "nhi": 1, "ba": 1, "khuyen_khich": 0}
    assert data["prize_money_total_vnd"] == 22_000_000
    assert data["result"]["decision_number"] == "1234/QĐ-LHH" and data["result"]["decision_date"] == "2023-10-20"
    by_area = {a["name"]: a for a in data["areas"]}
    assert by_area["Huyện Yên Dũng"]["entries_by_level"]["huyen"] == 2
    assert by_area["Huyện Lục Nam"]["prizes_by_rank"]["nhi"] == 1
    assert data["entries_by_category"]["ck"]["tinh"] == 3
    assert data["people"]["authors"] == 9
    body = response.get_data(as_text=True)
    for private in (SECRET_NAME, "2010-05-17", "0912345678", "Mô hình số 1"):
        assert private not in body

    missing = client.get("/api/v1/editions/khong-co/statistics")
    assert missing.status_code == 404 and missing.get_json() == {"error": "Không tìm thấy kỳ thi."}


def test_cli_json_is_exactly_the_api_body(app, client, runner, adv):
    _through_province(app, adv)
    result = runner.invoke(args=["stats", SLUG, "--json"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n") == client.get(API).get_data(as_text=True)
    assert json.loads(result.output)["prizes_by_rank"]["nhat"] == 1
    summary = runner.invoke(args=["stats", SLUG])
    assert "Cấp huyện: 3" in summary.output and "Tổng tiền thưởng: 22.000.000 đồng" in summary.output
    missing = runner.invoke(args=["stats", "khong-co", "--json"])
    assert missing.exit_code == 1 and "không tìm thấy kỳ thi" in missing.output


def test_national_results_are_recorded_and_reported(app, client, adv):
    _through_province(app, adv)
    login(client, "btc")
    html = _text(client.get(f"/e/{SLUG}/national"))
    assert "Các bài được đề cử dự thi toàn quốc (1 bài)" in html and "Chưa ghi kết quả" in html
    page = f"/e/{SLUG}/national"
    html = _text(post_form(client, page, {"entry_id": str(adv["e1"]), "rank_code": "nhi", "note": "Giải Nhì toàn quốc"},
                           follow=True))
    assert "Đã ghi kết quả toàn quốc của bài 00001: Giải Nhì." in html
    with app.app_context():
        row = db.session.scalars(select(NationalResult)).one()
        assert (row.entry_id, row.rank_code) == (adv["e1"], "nhi")
    # Not nominated, a bad rank, a stranger's id: refused with a message, nothing written.
    html = _text(post_form(client, page, {"entry_id": str(adv["e2"]), "rank_code": "nhat"}, follow=True))
    assert "Bài 00002 chưa được đề cử dự thi toàn quốc." in html
    html = _text(post_form(client, page, {"entry_id": str(adv["e1"]), "rank_code": "vang"}, follow=True))
    assert "Kết quả gửi lên không hợp lệ" in html
    html = _text(post_form(client, page, {"entry_id": "abc", "rank_code": "nhat"}, follow=True))
    assert "Không tìm thấy bài dự thi này trong kỳ thi." in html
    assert client.get(API).get_json()["national_results"] == {"nhat": 0, "nhi": 1, "ba": 0, "khuyen_khich": 0}


def test_report_page_shows_the_union_s_tables_and_sentence(app, client, adv):
    _through_province(app, adv)
    login(client, "btc")
    html = _text(client.get(REPORT))
    assert ("Kết quả toàn tỉnh có 09 mô hình tham gia Cuộc thi cấp cơ sở (trường); 03 mô hình tham gia "
            "Cuộc thi cấp huyện; 03 mô hình tham gia Cuộc thi cấp tỉnh, giới thiệu 01 mô hình tham gia Cuộc thi "
            "toàn quốc. Đã trao 03 giải gồm: 01 giải Nhất, 01 giải Nhì và 01 giải Ba, tổng trị giá tiền thưởng "
            "22.000.000 đồng (Quyết định số 1234/QĐ-LHH ngày 20/10/2023).") in html
    prizes = html.split('id="prize-table"', 1)[1].split("</table>", 1)[0]
    assert "10.000.000" in prizes and "22.000.000" in prizes
    assert "<svg" in html and 'role="img"' in html
    assert "Huyện Yên Dũng" in html and "Kỹ thuật cơ khí" in html
    assert SECRET_NAME not in html


def test_report_of_an_edition_without_results_renders(app, client, adv):
    login(client, "btc")
    html = _text(client.get(REPORT))
    assert "Chưa công bố kết quả giải cấp tỉnh" in html
    assert "Kết quả toàn tỉnh có 09 mô hình tham gia Cuộc thi cấp cơ sở (trường)." in html


def test_trends_merge_reports_and_the_system(app, client, adv):
    _through_province(app, adv)
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == CONTEST))
        db.session.add_all([
            EditionHistory(contest_id=contest.id, year=2018, label="Lần thứ 14 (2018)",
                           figures={"entries_by_level": {"tinh": 426}, "national_results": {"ba": 1, "khuyen_khich": 1}},
                           source="Báo cáo chính trị: “Năm 2018: 426 mô hình, sản phẩm dự Cuộc thi cấp tỉnh.”"),
            EditionHistory(contest_id=contest.id, year=2023, label="Lần thứ 19 (2023)",
                           figures={"entries_by_level": {"tinh": 111}, "prizes_by_rank": {"nhat": 2}},
                           source="Báo cáo năm 2023"),
        ])
        db.session.commit()
    response = client.get(TRENDS)  # public
    assert response.status_code == 200
    html = _text(response)
    entries = html.split('id="entries-table"', 1)[1].split("</table>", 1)[0]
    row_2018 = entries.split("<th scope=\"row\">2018</th>", 1)[1].split("</tr>", 1)[0]
    assert "426" in row_2018 and "source-report" in row_2018
    row_2023 = entries.split("<th scope=\"row\">2023</th>", 1)[1].split("</tr>", 1)[0]
    assert ">3<" in row_2023 and "(báo cáo: 111)" in row_2023  # the system's figure, the report's beside it
    prizes = html.split('id="prizes-table"', 1)[1].split("</table>", 1)[0]
    assert "22.000.000" in prizes.split("2023", 1)[1].split("</tr>", 1)[0]
    assert "Năm 2018: 426 mô hình" in html
    assert "<title id=\"chart-trend-entries-title\">" in html
    assert client.get("/contests/khong-co/trends").status_code == 404


def test_index_counts_decisions_per_level(app, client, adv):
    _through_province(app, adv)
    login(client, "btc")
    html = _text(client.get(INDEX))
    levels = html.split('id="levels"', 1)[1].split("</table>", 1)[0]
    school = levels.split("Cấp cơ sở (trường)", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', school)[:5] == ["9", "3", "6", "0", "3"]


def test_posts_without_csrf_are_refused(app, client, adv):
    _quotas(app, adv, 2, 1)
    login(client, "btc")
    csrf_token(client, SCHOOL)
    response = client.post(SCHOOL, data={"kind": "quota", "confirm": "1"})
    assert response.status_code in (200, 400)
    assert _at_level(app, adv, "huyen") == set()
