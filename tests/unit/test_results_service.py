"""Results service: prize rules from edition settings, the proposed allocation (quotas,
thresholds, ties across a boundary, cascade tie-breaks from judging data, largest
remainder split per category), adjustments with a reason, approval, publication,
immutability, corrections, money, follow-on lists and the official outputs."""

from __future__ import annotations

import io
import threading
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from contest.auth.services import create_user
from contest.extensions import db
from contest.models import (
    Assignment,
    AuditLog,
    Award,
    Category,
    Criterion,
    Edition,
    Entry,
    EntryLevel,
    EntryPerson,
    Panel,
    ResultVersion,
    Rubric,
    ScoreItem,
    ScoreSheet,
    User,
)
from contest.results import exports, service
from contest.results.publication import ImmutableResultError
from contest.results.service import ResultsError
from contest.text import name_sort_key
from tests.helpers import PASSWORD, race

# Names typed in no particular order; the annex sorts them by given name within a prize.
NAMES = [
    "Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thị Giang",
    "Vũ Đức Hải", "Đặng Thu Hà", "Bùi Văn Khánh", "Đỗ Thị Lan", "Ngô Minh Long",
    "Dương Văn Mạnh", "Lý Thị Ngọc", "Phan Văn Phúc", "Trịnh Thị Quỳnh", "Mai Văn Sơn",
    "Tạ Thị Thảo", "Hồ Văn Tùng", "Chu Thị Uyên", "Lương Văn Việt", "Kiều Thị Yến",
]
QUOTAS = {"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 4}
AMOUNTS = {"nhat": 5_000_000, "nhi": 3_000_000, "ba": 2_000_000, "khuyen_khich": 1_000_000}


def build(app, world, scores, *, settings=None, categories=None, kind=None, people=None) -> dict:
    """Entries E01.. of the world's edition, each accepted with an official score at the
    province level ("tinh"). ``categories`` maps entry index -> category code (codes
    C1.. are created). ``people`` maps entry index -> list of EntryPerson kwargs."""
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        if kind:
            edition.contest.kind = kind
        level = edition.level("tinh")
        cats = {}
        for code in sorted(set((categories or {}).values())):
            cats[code] = Category(edition=edition, code=code, name=f"Lĩnh vực {code}", position=len(cats))
            db.session.add(cats[code])
        ids = []
        for i, score in enumerate(scores):
            entry = Entry(
                edition=edition, institution_id=world["school"] if i % 2 == 0 else world["other_school"],
                area_unit_id=world["commune"] if i % 2 == 0 else world["other_unit"],
                code=f"E{i + 1:02d}", title=f"Sản phẩm số {i + 1}", status="accepted",
                category=cats.get((categories or {}).get(i)),
            )
            persons = (people or {}).get(i) or [{"role": "author", "full_name": NAMES[i % len(NAMES)]}]
            entry.people = [EntryPerson(position=k, **p) for k, p in enumerate(persons)]
            db.session.add(entry)
            db.session.flush()
            if score is not None:
                db.session.add(EntryLevel(entry_id=entry.id, level_id=level.id, score=Decimal(str(score)), rank=i + 1))
            else:
                db.session.add(EntryLevel(entry_id=entry.id, level_id=level.id))
            ids.append(entry.id)
        prizes = {"quotas": QUOTAS, "amounts": AMOUNTS, **(settings or {})}
        edition.settings = {"prizes": {"tinh": prizes}}
        db.session.commit()
        return {"edition": edition.id, "level": level.id, "entries": ids, "organiser": world["users"]["organiser"]}


def _edition(ids) -> Edition:
    return db.session.get(Edition, ids["edition"])


def _actor(ids) -> User:
    return db.session.get(User, ids["organiser"])


def _ranks(version) -> dict[int, str]:
    return {a.entry_id: a.rank_code for a in version.awards}


def _publish(ids, version, number="125/QĐ-LHH", day=date(2026, 11, 20)):
    service.approve(version, decision_number=number, decision_date=day, actor=_actor(ids))
    service.publish(version, actor=_actor(ids))
    db.session.commit()
    return version


SCORES = [95, 92, 90, 88, 86, 84, 82, 80, 78, 76, 74, 72]


# --------------------------------------------------------------------- prize rules


def test_prize_rules_come_from_the_edition_settings(app, world):
    ids = build(app, world, SCORES, settings={"min_scores": {"nhat": "90,5"}, "tie_policy": "cascade",
                                              "per_group": "category"})
    with app.app_context():
        rules = service.prize_rules_for(_edition(ids), "tinh")
        assert dict(rules.quotas) == QUOTAS
        assert rules.min_scores == {"nhat": Decimal("90.5")}
        assert rules.tie_policy == "cascade" and rules.per_group and rules.group_split == "proportional"


def test_prize_rules_accept_the_older_flat_settings_and_refuse_bad_ones(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        edition = _edition(ids)
        edition.settings = {"prizes": {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}}
        assert dict(service.prize_rules_for(edition, "tinh").quotas)["khuyen_khich"] == 18
        edition.settings = {}
        with pytest.raises(ResultsError, match="Chưa đặt cơ cấu giải cho Cấp tỉnh"):
            service.prize_rules_for(edition, "tinh")
        edition.settings = {"prizes": {"tinh": {"quotas": {"nhat": -1}}}}
        with pytest.raises(ResultsError, match="Số lượng Giải Nhất phải là số nguyên không âm"):
            service.prize_rules_for(edition, "tinh")
        edition.settings = {"prizes": {"tinh": {"quotas": {"nhat": 1}, "tie_policy": "coin"}}}
        with pytest.raises(ResultsError, match="đồng điểm không hợp lệ"):
            service.prize_rules_for(edition, "tinh")
        with pytest.raises(ResultsError, match="không có cấp thi"):
            service.prize_rules_for(edition, "huyen")


def test_save_prize_settings_validates_and_audits(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        edition = _edition(ids)
        stored = service.save_prize_settings(edition, "tinh", {
            "quotas": {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}, "min_scores": {"nhat": "85,5"},
            "amounts": {"nhat": 10_000_000}, "tie_policy": "share"}, actor=_actor(ids))
        db.session.commit()
        assert stored["min_scores"] == {"nhat": "85.5"}
        assert _edition(ids).settings["prizes"]["tinh"]["amounts"] == {"nhat": 10_000_000}
        log = db.session.scalar(select(AuditLog).where(AuditLog.action == "results.rules"))
        assert log.new["settings"]["quotas"]["khuyen_khich"] == 18
        with pytest.raises(ResultsError, match="Cần ít nhất một giải"):
            service.save_prize_settings(edition, "tinh", {"quotas": {}}, actor=None)
        with pytest.raises(ResultsError, match="Tiền thưởng Giải Nhì phải là số nguyên không âm"):
            service.save_prize_settings(edition, "tinh", {"quotas": {"nhi": 1}, "amounts": {"nhi": "nhiều"}}, actor=None)


# --------------------------------------------------------------------- allocation


def test_proposal_fills_each_quota_from_the_top(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh", actor=_actor(ids))
        db.session.commit()
        e = ids["entries"]
        assert version.status == "draft" and version.number == 1
        assert service.counts_of(version) == {"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 4}
        assert _ranks(version) == {e[0]: "nhat", e[1]: "nhi", e[2]: "nhi", e[3]: "ba", e[4]: "ba", e[5]: "ba",
                                   e[6]: "khuyen_khich", e[7]: "khuyen_khich", e[8]: "khuyen_khich",
                                   e[9]: "khuyen_khich"}
        money = service.money_summary(version)
        assert money.total == 5_000_000 + 2 * 3_000_000 + 3 * 2_000_000 + 4 * 1_000_000 == 21_000_000
        assert {a.prize_money for a in version.awards if a.rank_code == "nhi"} == {3_000_000}
        assert version.rules["quotas"] == QUOTAS and version.rules["amounts"] == AMOUNTS
        log = db.session.scalar(select(AuditLog).where(AuditLog.action == "results.propose"))
        assert log.new["candidates"] == 12 and log.user_id == ids["organiser"]


def test_minimum_scores_leave_prizes_unfilled(app, world):
    ids = build(app, world, SCORES, settings={"min_scores": {"nhat": 96, "khuyen_khich": 79}})
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        e = ids["entries"]
        counts = service.counts_of(version)
        # Nobody reaches 96: no first prize (its place is not passed down); 79 stops the
        # consolation prizes after 84, 82, 80.
        assert counts == {"nhat": 0, "nhi": 2, "ba": 3, "khuyen_khich": 3}
        assert _ranks(version)[e[0]] == "nhi" and _ranks(version)[e[7]] == "khuyen_khich"
        assert e[8] not in _ranks(version)
        assert any("điểm sàn 96" in n and "1 giải không trao" in n for n in version.notes)
        assert any("điểm sàn 79" in n and "1 giải không trao" in n for n in version.notes)


def test_tie_straddling_a_boundary_is_shared_and_the_next_rank_shrinks(app, world):
    # Second and third places tie on 92: under "share" both get the second prize... with
    # one first prize and two second prizes, a tie between places 3 and 4 gives 3 second prizes.
    scores = [95, 92, 90, 90, 86, 84, 82, 80, 78, 76, 74, 72]
    ids = build(app, world, scores)
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        e = ids["entries"]
        ranks = _ranks(version)
        assert ranks[e[2]] == ranks[e[3]] == "nhi"
        assert service.counts_of(version) == {"nhat": 1, "nhi": 3, "ba": 2, "khuyen_khich": 4}
        shared = next(a for a in version.awards if a.entry_id == e[3])
        assert "Đồng hạng 3" in shared.reason and "cùng nhận Giải Nhì" in shared.reason


def _judging(ids, sheets):
    """Score sheets at the province level: ``sheets`` maps entry index -> list of
    (criterion points for 'sang_tao' (heaviest, 40), 'ung_dung' (30), 'trinh_bay' (30))."""
    edition = _edition(ids)
    level = edition.level("tinh")
    rubric = Rubric(edition_id=edition.id, level_id=level.id, name="Tiêu chí cấp tỉnh")
    rubric.criteria = [
        Criterion(code="ung_dung", name="Tính ứng dụng", max_points=Decimal(30), position=1),
        Criterion(code="sang_tao", name="Tính sáng tạo", max_points=Decimal(40), position=2),
        Criterion(code="trinh_bay", name="Trình bày", max_points=Decimal(30), position=3),
    ]
    panel = Panel(edition_id=edition.id, level_id=level.id, name="Hội đồng cấp tỉnh")
    db.session.add_all([rubric, panel])
    judges = [create_user(f"gk{k}", f"Giám khảo {k}", PASSWORD) for k in range(3)]
    db.session.flush()
    crit = {c.code: c for c in rubric.criteria}
    for index, per_judge in sheets.items():
        for judge, (s, u, t) in zip(judges, per_judge, strict=False):
            assignment = Assignment(panel_id=panel.id, entry_id=ids["entries"][index], judge_id=judge.id)
            db.session.add(assignment)
            db.session.flush()
            sheet = ScoreSheet(assignment_id=assignment.id, rubric_id=rubric.id, status="submitted",
                               total=Decimal(s + u + t))
            sheet.items = [ScoreItem(criterion_id=crit["sang_tao"].id, points=Decimal(s)),
                           ScoreItem(criterion_id=crit["ung_dung"].id, points=Decimal(u)),
                           ScoreItem(criterion_id=crit["trinh_bay"].id, points=Decimal(t))]
            db.session.add(sheet)
    db.session.commit()


def test_cascade_breaks_a_tie_by_heaviest_criterion_then_median(app, world):
    scores = [95, 90, 90, 90, 80]
    ids = build(app, world, scores, settings={"tie_policy": "cascade", "quotas": {"nhat": 1, "nhi": 2}})
    with app.app_context():
        _judging(ids, {
            0: [(38, 29, 28)] * 3,
            # entries 1-3 all average 90; entry 2 is strongest on creativity (the heaviest criterion)
            1: [(30, 30, 30), (30, 30, 30), (30, 30, 30)],
            2: [(36, 27, 27), (36, 27, 27), (36, 27, 27)],
            # entry 3 equals entry 1 on creativity; a higher median judge total wins
            3: [(30, 25, 25), (30, 32, 33), (30, 30, 35)],
            4: [(30, 25, 25)] * 3,
        })
        tiebreaks = service.judging_tiebreaks(_edition(ids), _edition(ids).level("tinh"))
        e = ids["entries"]
        assert tiebreaks[e[2]] == (Decimal("36.0000"), Decimal("90.0000"))
        assert tiebreaks[e[3]] == (Decimal("30.0000"), Decimal("95.0000"))
        version = service.propose_allocation(_edition(ids), "tinh")
        ranks = _ranks(version)
        assert ranks[e[0]] == "nhat"
        assert ranks[e[2]] == ranks[e[3]] == "nhi"  # creativity 36, then median 95 beats 90
        assert e[1] not in ranks
        assert any("tiêu chí phụ" in n for n in version.notes)


def test_cascade_without_judging_data_shares_ties_and_says_so(app, world):
    ids = build(app, world, [95, 90, 90, 80], settings={"tie_policy": "cascade", "quotas": {"nhat": 1, "nhi": 1}})
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        e = ids["entries"]
        assert _ranks(version)[e[1]] == _ranks(version)[e[2]] == "nhi"
        assert any("Chưa đủ dữ liệu phiếu chấm" in n for n in version.notes)


def test_quotas_split_across_categories_by_largest_remainder(app, world):
    # 10 entries: C1 has 5, C2 has 3, C3 has 2. Two first prizes: shares 1.0/0.6/0.4 ->
    # C1 1, C2 1 (remainder .6 beats .4), C3 0. Five consolation prizes: 2.5/1.5/1.0 ->
    # C1 2, C2 1, C3 1 and the last seat to the larger group on equal remainders (C1).
    cats = {0: "C1", 1: "C1", 2: "C1", 3: "C1", 4: "C1", 5: "C2", 6: "C2", 7: "C2", 8: "C3", 9: "C3"}
    ids = build(app, world, [90, 89, 88, 87, 86, 85, 84, 83, 82, 81], categories=cats,
                settings={"per_group": "category", "quotas": {"nhat": 2, "khuyen_khich": 5}})
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        by_group: dict[str, dict[str, int]] = {}
        for a in version.awards:
            by_group.setdefault(a.group_key, {}).setdefault(a.rank_code, 0)
            by_group[a.group_key][a.rank_code] += 1
        assert by_group == {"C1": {"nhat": 1, "khuyen_khich": 3}, "C2": {"nhat": 1, "khuyen_khich": 1},
                            "C3": {"khuyen_khich": 1}}
        assert version.rules["per_group"] == "category"
        assert any("số dư lớn nhất" in n for n in version.notes)


def test_fixed_quotas_per_category(app, world):
    cats = {0: "C1", 1: "C1", 2: "C2", 3: "C2"}
    ids = build(app, world, [90, 80, 70, 60], categories=cats, settings={
        "per_group": "category", "group_split": "fixed", "quotas": {},
        "group_quotas": {"C1": {"nhat": 1}, "C2": {"nhat": 1, "nhi": 1}}})
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        e = ids["entries"]
        assert _ranks(version) == {e[0]: "nhat", e[2]: "nhat", e[3]: "nhi"}


def test_entries_without_a_score_or_not_accepted_are_left_out(app, world):
    ids = build(app, world, [90, None, 80])
    with app.app_context():
        edition = _edition(ids)
        db.session.get(Entry, ids["entries"][2]).status = "withdrawn"
        db.session.commit()
        version = service.propose_allocation(edition, "tinh")
        assert set(_ranks(version)) == {ids["entries"][0]}
        assert any("1 bài dự thi ở Cấp tỉnh chưa có điểm chính thức" in n for n in version.notes)


def test_no_scores_no_proposal(app, world):
    ids = build(app, world, [None, None])
    with app.app_context(), pytest.raises(ResultsError, match="Chưa có bài dự thi nào có điểm chính thức"):
        service.propose_allocation(_edition(ids), "tinh")


def test_a_new_proposal_replaces_the_draft(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        first = service.propose_allocation(_edition(ids), "tinh")
        db.session.commit()
        first_id = first.id
        second = service.propose_allocation(_edition(ids), "tinh")
        db.session.commit()
        versions = db.session.scalars(select(ResultVersion)).all()
        assert [(v.number, v.status) for v in versions] == [(1, "draft")] and versions[0] is second
        assert db.session.scalar(select(AuditLog.object_id).where(AuditLog.action == "results.discard")) == str(first_id)
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "results.discard")) is not None


# --------------------------------------------------------------------- adjustments


def test_adjust_with_a_reason_is_logged(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        e = ids["entries"]
        service.adjust_award(version, e[3], "nhi", "Bài có giá trị ứng dụng cao, Hội đồng đề nghị nâng giải",
                             actor=_actor(ids))
        service.adjust_award(version, e[10], "khuyen_khich", "Bổ sung theo kết luận phúc khảo", actor=_actor(ids))
        service.adjust_award(version, e[9], None, "Vi phạm thể lệ: sản phẩm đã đạt giải ở cuộc thi khác",
                             actor=_actor(ids))
        db.session.commit()
        ranks = _ranks(version)
        assert ranks[e[3]] == "nhi" and ranks[e[10]] == "khuyen_khich" and e[9] not in ranks
        raised = service.award_of(version, e[3])
        assert raised.adjusted and raised.adjust_reason.startswith("Bài có giá trị ứng dụng cao")
        assert raised.prize_money == 3_000_000
        assert "Ban Tổ chức điều chỉnh từ Giải Ba thành Giải Nhì" in raised.reason
        assert service.counts_of(version) == {"nhat": 1, "nhi": 3, "ba": 2, "khuyen_khich": 4}
        assert service.quota_warnings(version) == ["Giải Nhì có 3 giải, nhiều hơn số lượng 2 của cơ cấu giải."]
        assert any("E10" in n and "Giải Khuyến khích → Không đạt giải" in n and "Vi phạm thể lệ" in n
                   for n in version.notes)
        logs = db.session.scalars(select(AuditLog).where(AuditLog.action == "results.adjust").order_by(AuditLog.id)).all()
        assert [(log.old["rank"], log.new["rank"]) for log in logs] == [
            ("ba", "nhi"), (None, "khuyen_khich"), ("khuyen_khich", None)]
        assert all(log.user_id == ids["organiser"] and log.reason for log in logs)


@pytest.mark.parametrize("entry_index,rank,reason,message", [
    (3, "nhi", "   ", "Cần ghi rõ lý do"),
    (3, "ba", "Không đổi", "đã ở mức “Giải Ba”"),
    (3, "dac_biet", "Giải đặc biệt", "Hạng giải không xác định"),
    (None, "nhi", "Bài không tồn tại", "không có điểm ở cấp thi"),
])
def test_adjust_refuses_bad_input(app, world, entry_index, rank, reason, message):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        entry_id = ids["entries"][entry_index] if entry_index is not None else 999_999
        before = _ranks(version)
        with pytest.raises(ResultsError, match=message):
            service.adjust_award(version, entry_id, rank, reason, actor=None)
        assert _ranks(version) == before


# --------------------------------------------------------------------- publication


def test_draft_approved_published(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        with pytest.raises(ResultsError, match="chỉ công bố được bản ở trạng thái “Đã phê duyệt”"):
            service.publish(version, actor=None)
        with pytest.raises(ResultsError, match="Cần nhập số quyết định"):
            service.approve(version, decision_number="  ", decision_date=date(2026, 11, 20), actor=None)
        with pytest.raises(ResultsError, match="Cần nhập ngày quyết định"):
            service.approve(version, decision_number="125/QĐ-LHH", decision_date=None, actor=None)
        assert service.published_version(_edition(ids), "tinh") is None
        _publish(ids, version)
        assert version.status == "published" and version.decision_number == "125/QĐ-LHH"
        assert version.published_at is not None and version.approved_by_id == ids["organiser"]
        assert service.published_version(_edition(ids), "tinh").id == version.id
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "result_version")).all()
        assert {"results.propose", "results.approve", "results.publish"} <= set(actions)


def test_published_results_are_immutable_through_services(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        before = _ranks(version)
        with pytest.raises(ResultsError, match="chỉ điều chỉnh giải được bản ở trạng thái “Dự thảo”"):
            service.adjust_award(version, ids["entries"][0], None, "Sửa thử", actor=None)
        with pytest.raises(ResultsError, match="phê duyệt"):
            service.approve(version, decision_number="1", decision_date=date(2026, 1, 1), actor=None)
        with pytest.raises(ResultsError):
            service.publish(version, actor=None)
        with pytest.raises(ResultsError, match="đã công bố"):
            service.propose_allocation(_edition(ids), "tinh")
        db.session.rollback()
        assert _ranks(db.session.get(ResultVersion, version.id)) == before


@pytest.mark.parametrize("change", ["award_rank", "award_delete", "award_add", "decision", "version_delete"])
def test_published_results_are_immutable_in_the_database(app, world, change):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        version_id = version.id
        award = version.awards[0]
        if change == "award_rank":
            award.rank_code = "khuyen_khich"
        elif change == "award_delete":
            db.session.delete(award)
        elif change == "award_add":
            db.session.add(Award(version_id=version.id, entry_id=ids["entries"][11], rank_code="ba", place=12))
        elif change == "decision":
            version.decision_number = "999/QĐ-SỬA"
        else:
            db.session.delete(version)
        with pytest.raises(ImmutableResultError, match="Kết quả đã công bố không thể thay đổi"):
            db.session.commit()
        db.session.rollback()
        kept = db.session.get(ResultVersion, version_id)
        assert kept.decision_number == "125/QĐ-LHH" and len(kept.awards) == 10
        assert {a.rank_code for a in kept.awards if a.entry_id == ids["entries"][0]} == {"nhat"}


def test_correction_supersedes_the_published_version(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        v1 = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        with pytest.raises(ResultsError, match="Cần ghi rõ nội dung đính chính"):
            service.correct(v1, change_note="", actor=None)
        v2 = service.correct(v1, change_note="Sửa giải của bài E05 do nhầm điểm khi nhập", actor=_actor(ids))
        db.session.commit()
        assert v2.status == "draft" and v2.number == 2 and v2.supersedes_id == v1.id
        assert _ranks(v2) == _ranks(v1)
        with pytest.raises(ResultsError, match="Đang có bản số 2"):
            service.correct(v1, change_note="Lần nữa", actor=None)
        service.adjust_award(v2, ids["entries"][4], "nhi", "Nhầm điểm khi nhập", actor=_actor(ids))
        assert service.published_version(_edition(ids), "tinh").id == v1.id  # until v2 is published
        _publish(ids, v2, number="130/QĐ-LHH", day=date(2026, 11, 25))
        assert db.session.get(ResultVersion, v1.id).status == "superseded"
        current = service.published_version(_edition(ids), "tinh")
        assert current.id == v2.id and _ranks(current)[ids["entries"][4]] == "nhi"
        assert _ranks(db.session.get(ResultVersion, v1.id))[ids["entries"][4]] == "ba"


def test_a_signed_decision_keeps_the_names_it_was_approved_with(app, world):
    """Editing an entry after approval does not change the decision, its annex or the
    public page; a correction takes the entry as it is now and freezes that."""
    ids = build(app, world, SCORES)
    with app.app_context():
        v1 = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        first = db.session.get(Entry, ids["entries"][0])
        assert {"title": "Sản phẩm số 1", "authors": ["Nguyễn Văn An"], "code": "E01"}.items() <= (
            next(a for a in v1.awards if a.entry_id == first.id).snapshot.items())
        first.title = "Sản phẩm số 1 (đổi tên)"
        first.authors[0].full_name = "Nguyễn Văn Ân"
        db.session.commit()

        row = next(r for r in service.award_rows(v1) if r.entry_id == first.id)
        assert (row.title, row.authors) == ("Sản phẩm số 1", ["Nguyễn Văn An"])
        annex = exports.annex_rows(v1)
        assert any("Nguyễn Văn An" in map(str, cells) for cells in annex)
        assert not any("Nguyễn Văn Ân" in map(str, cells) for cells in annex)

        v2 = service.correct(v1, change_note="Sửa tên tác giả bài E01", actor=_actor(ids))
        db.session.commit()
        row = next(r for r in service.award_rows(v2) if r.entry_id == first.id)
        assert (row.title, row.authors) == ("Sản phẩm số 1 (đổi tên)", ["Nguyễn Văn Ân"])
        _publish(ids, v2, number="131/QĐ-LHH", day=date(2026, 11, 26))
        first.title = "Lại đổi tên"
        db.session.commit()
        assert next(r for r in service.award_rows(v2) if r.entry_id == first.id).title == "Sản phẩm số 1 (đổi tên)"
        old = next(r for r in service.award_rows(db.session.get(ResultVersion, v1.id)) if r.entry_id == first.id)
        assert old.authors == ["Nguyễn Văn An"]


def test_money_summary_needs_an_amount_for_every_awarded_rank(app, world):
    ids = build(app, world, SCORES, settings={"amounts": {"nhat": 5_000_000}})
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        with pytest.raises(ResultsError, match="Chưa có mức tiền thưởng cho: Giải Nhì, Giải Ba, Giải Khuyến khích"):
            service.money_summary(version)


# --------------------------------------------------------------------- follow-on lists


def test_honour_lists(app, world):
    people = {
        0: [{"role": "author", "full_name": "Nguyễn Văn An", "birth_date": date(1998, 12, 1), "trade_union_member": True},
            {"role": "author", "full_name": "Trần Thị Bình", "birth_date": date(1990, 1, 1), "trade_union_member": False},
            {"role": "mentor", "full_name": "Lê Văn Thầy", "trade_union_member": True}],
        1: [{"role": "author", "full_name": "Phạm Quốc Dũng", "trade_union_member": None}],
        3: [{"role": "author", "full_name": "Kim Thị Hoa", "trade_union_member": True,
             "birth_date": date(2000, 1, 1)}],
    }
    ids = build(app, world, SCORES, kind="technical_innovation", people=people, settings={"nominations": 3})
    with app.app_context():
        version = service.propose_allocation(_edition(ids), "tinh")
        service.approve(version, decision_number="12/QĐ-BTC", decision_date=date(2026, 11, 30), actor=None)
        h = service.honours(version)
        assert [p.full_name for p in h.bang_khen.proposals] == ["Nguyễn Văn An", "Trần Thị Bình"]
        assert [p.full_name for p in h.labour.proposals] == ["Nguyễn Văn An", "Kim Thị Hoa"]
        # Third prize or higher with membership unknown: listed as missing data, not proposed.
        assert [m.full_name for m in h.labour.missing_data] == [
            "Phạm Quốc Dũng", "Lê Minh Châu", "Hoàng Thị Giang", "Vũ Đức Hải"]
        # 27 on 30/11/2026 (born 01/12/1998): youth; 36: not
        assert [p.full_name for p in h.youth.proposals] == ["Nguyễn Văn An"]
        assert "27 tuổi tại ngày 30/11/2026" in h.youth.proposals[0].reason
        assert h.nominations_n == 3 and h.nominations.advanced == tuple(ids["entries"][:3])


def test_labour_list_only_for_the_technical_contest(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        assert service.honours(service.propose_allocation(_edition(ids), "tinh")).labour is None


# --------------------------------------------------------------------- official outputs


def _sheet_rows(data: bytes, title: str) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(r) for r in wb[title].iter_rows(values_only=True)]


def _table(rows: list[tuple]) -> list[tuple]:
    start = next(i for i, r in enumerate(rows) if r[0] == "STT")
    return rows[start + 1:]


def test_annex_and_money_workbook(app, world):
    people = {1: [{"role": "author", "full_name": "Trần Thị Bình"}, {"role": "author", "full_name": "Lê Văn Cường"}]}
    ids = build(app, world, SCORES, people=people)
    with app.app_context():
        version = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        data = exports.results_workbook(version)
        wb = openpyxl.load_workbook(io.BytesIO(data))
        assert wb.sheetnames == ["Danh sách công nhận giải", "Chi trả tiền thưởng"]
        annex = _sheet_rows(data, "Danh sách công nhận giải")
        flat = [c for r in annex[:8] for c in r if c]
        assert "DANH SÁCH CÔNG NHẬN GIẢI" in flat
        assert "(Kèm theo Quyết định số 125/QĐ-LHH ngày 20/11/2026)" in flat
        header = next(r for r in annex if r[0] == "STT")
        assert header == ("STT", "Họ và tên", "Đơn vị", "Tên sản phẩm/giải pháp", "Giải")
        body = _table(annex)
        assert [r[0] for r in body] == list(range(1, 11))
        prizes = [r[4] for r in body]
        assert prizes == ["Giải Nhất"] + ["Giải Nhì"] * 2 + ["Giải Ba"] * 3 + ["Giải Khuyến khích"] * 4
        for label in ("Giải Ba", "Giải Khuyến khích"):
            names = [r[1] for r in body if r[4] == label]
            assert names == sorted(names, key=name_sort_key)
        third = [r[1] for r in body if r[4] == "Giải Ba"]
        assert third == ["Phạm Quốc Dũng", "Hoàng Thị Giang", "Vũ Đức Hải"]  # Dũng < Giang < Hải
        assert ("Trần Thị Bình, Lê Văn Cường", "Trường THCS Kinh Bắc", "Sản phẩm số 2") in [r[1:4] for r in body]

        money = _table(_sheet_rows(data, "Chi trả tiền thưởng"))
        header = next(r for r in _sheet_rows(data, "Chi trả tiền thưởng") if r[0] == "STT")
        assert header == ("STT", "Họ và tên/đại diện nhóm", "Đơn vị", "Giải", "Số tiền", "Ký nhận")
        assert money[0][1:5] == ("Nguyễn Văn An", "Trường THCS Tân Yên", "Giải Nhất", 5_000_000)
        assert any(r[1] == "Trần Thị Bình (đại diện nhóm 2 tác giả)" for r in money)
        total = next(r for r in money if r[1] == "Tổng cộng")
        assert total[4] == 21_000_000 and total[3] == "10 giải"
        assert any(r[1] == "Bằng chữ: Hai mươi mốt triệu đồng" for r in money)


def test_annex_and_money_pdf(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        annex = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(exports.annex_pdf(version))).pages)
        for text in ("DANH SÁCH CÔNG NHẬN GIẢI", "Quyết định số 125/QĐ-LHH ngày 20/11/2026", "Họ và tên",
                     "Nguyễn Văn An", "Giải Khuyến khích", "Tổng số: 10 giải"):
            assert text in annex
        money = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(exports.money_pdf(version))).pages)
        for text in ("DANH SÁCH CHI TRẢ TIỀN THƯỞNG", "Ký nhận", "5.000.000 đ", "21.000.000 đ",
                     "Hai mươi mốt triệu đồng", "NGƯỜI LẬP BIỂU"):
            assert text in money


def test_honours_workbook(app, world):
    people = {0: [{"role": "author", "full_name": "Nguyễn Văn An", "birth_date": date(2008, 1, 2)}]}
    ids = build(app, world, SCORES, people=people)
    with app.app_context():
        version = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        data = exports.honours_workbook(version)
        wb = openpyxl.load_workbook(io.BytesIO(data))
        assert wb.sheetnames == ["Bằng khen", "Huy hiệu Tuổi trẻ sáng tạo", "Đề cử toàn quốc"]
        badge = _table(_sheet_rows(data, "Huy hiệu Tuổi trẻ sáng tạo"))
        assert badge[0][1] == "Nguyễn Văn An" and "18 tuổi tại ngày 20/11/2026" in badge[0][5]
        nominated = [r for r in _sheet_rows(data, "Đề cử toàn quốc")[6:] if r[0] is not None]
        assert len(nominated) == 12  # default: the best 12


def test_money_in_words():
    assert exports.money_in_words(908_500_000) == "Chín trăm linh tám triệu năm trăm nghìn đồng"
    assert exports.money_in_words(2_050_000) == "Hai triệu không trăm năm mươi nghìn đồng"
    assert exports.money_in_words(21_000_000) == "Hai mươi mốt triệu đồng"
    assert exports.money_in_words(15_000) == "Mười lăm nghìn đồng"


def test_version_dates_are_recorded(app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = _publish(ids, service.propose_allocation(_edition(ids), "tinh"))
        assert isinstance(version.approved_at, datetime) and version.published_by_id == ids["organiser"]


# --------------------------------------------------------------------- page cache


def test_page_cache_is_bounded_and_tied_to_a_generation(monkeypatch):
    from contest.results.cache import PageCache

    clock = [100.0]
    monkeypatch.setattr("contest.results.cache.time.monotonic", lambda: clock[0])
    pages = PageCache(max_entries=2, ttl=60)
    pages.put("a", b"g1", b"<p>a</p>")
    pages.put("b", b"g1", b"<p>b</p>")
    assert pages.get("a", b"g1").body == b"<p>a</p>"  # "a" is now the most recent
    pages.put("c", b"g1", b"<p>c</p>")
    assert pages.get("b", b"g1") is None and len(pages) == 2  # least recently used went
    assert pages.get("a", b"g2") is None  # another generation: stale, dropped
    assert pages.get("a", b"g1") is None
    clock[0] += 61
    assert pages.get("c", b"g1") is None  # older than the TTL
    page = pages.put("d", b"g1", b"x")
    assert page.etag != pages.put("d", b"g2", b"x").etag


def test_a_double_click_on_propose_or_publish_gives_one_outcome(app, world, monkeypatch):
    """Two requests at once (a double click): the second waits for the first and then
    replaces its draft, or finds the version already published: no duplicate number,
    no error page."""
    ids = build(app, world, SCORES)
    real_allocate = service.alloc.allocate
    holds = {}

    def slow_allocate(candidates, rules):
        result = real_allocate(candidates, rules)
        holds[threading.current_thread().name]()
        return result

    monkeypatch.setattr(service.alloc, "allocate", slow_allocate)

    def propose(name: str, hold) -> int:
        holds[name] = hold
        with app.app_context():
            number = service.propose_allocation(_edition(ids), "tinh", actor=_actor(ids)).number
            db.session.commit()
            return number

    assert race(propose) == {"first": 1, "second": 1}  # the second replaced the first's draft
    with app.app_context():
        drafts = db.session.scalars(select(ResultVersion).where(ResultVersion.edition_id == ids["edition"])).all()
        assert [(v.number, v.status) for v in drafts] == [(1, "draft")]
        version = drafts[0]
        service.approve(version, decision_number="125/QĐ-LHH", decision_date=date(2026, 11, 20), actor=_actor(ids))
        db.session.commit()
        version_id = version.id

    def publish(name: str, hold) -> str:
        with app.app_context():
            try:
                service.publish(db.session.get(ResultVersion, version_id), actor=_actor(ids))
            except ResultsError as exc:
                return str(exc)
            hold()
            db.session.commit()
            return "published"

    outcome = race(publish)
    assert outcome["first"] == "published"
    assert outcome["second"] != "published" and "công bố" in outcome["second"], outcome
