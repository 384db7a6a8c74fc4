"""Judging services of the organiser side: rubrics (versions, locking, which rubric an
entry uses), panels and the assignment written to the database, the analysis of a
planted harsh judge, writing results, and the paper score sheet PDF."""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pypdf
import pytest
from sqlalchemy import func, select

from contest.auth.services import create_user, grant_role
from contest.models import (
    AdminUnit,
    Assignment,
    AuditLog,
    Category,
    Contest,
    Edition,
    Entry,
    EntryLevel,
    Institution,
    Level,
    ScoreChange,
    ScoreSheet,
    utcnow,
)
from judging import analysis, panels, paper, rubrics, scoring

PASSWORD = "mat-khau-thu-nghiem"


# ----------------------------------------------------------------------------- pure parts


def test_bands_are_parsed_from_vietnamese_lines():
    bands = rubrics.parse_bands("21 - 26: Có cải tiến lớn\n27–30: Hoàn toàn mới\n\n0—10 Ít điểm mới\n", Decimal(30))
    assert bands == [
        {"from": 27, "to": 30, "label": "Hoàn toàn mới"},
        {"from": 21, "to": 26, "label": "Có cải tiến lớn"},
        {"from": 0, "to": 10, "label": "Ít điểm mới"},
    ]
    assert rubrics.parse_bands("7,5-10: Tốt", Decimal(10)) == [{"from": 7.5, "to": 10, "label": "Tốt"}]
    assert rubrics.format_bands(bands).splitlines()[0] == "27–30: Hoàn toàn mới"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("27-30", "chưa có mô tả"),
        ("Hoàn toàn mới", "chưa đúng dạng"),
        ("25-35: Quá điểm", "vượt quá điểm tối đa 30"),
        ("20-30: A\n25-28: B", "chồng lên nhau"),
    ],
)
def test_bad_bands_are_refused_in_vietnamese(text, message):
    with pytest.raises(rubrics.RubricError, match=message):
        rubrics.parse_bands(text, Decimal(30))


def test_total_other_than_100_is_warned():
    assert rubrics.total_warning(rubrics.TEMPLATE_CRITERIA) is None
    warning = rubrics.total_warning([SimpleNamespace(max_points=Decimal(30)), SimpleNamespace(max_points=Decimal(40))])
    assert "70" in warning and "100" in warning


def test_prize_boundaries_from_settings_or_default():
    assert analysis.prize_boundaries(SimpleNamespace(settings={})) == ((2, 6, 12, 30), False)
    quotas = {"prizes": {"khuyen_khich": 20, "nhat": 4, "ba": 16, "nhi": 6}}
    assert analysis.prize_boundaries(SimpleNamespace(settings=quotas)) == ((4, 10, 26, 46), True)
    assert analysis.prize_boundaries(SimpleNamespace(settings={"prizes": [1, 2]})) == ((1, 3), True)
    assert analysis.prize_boundaries(SimpleNamespace(settings={"prizes": "hỏng"})) == ((2, 6, 12, 30), False)


def test_paper_pdf_holds_titles_and_criteria_in_nfc():
    nfd_title = unicodedata.normalize("NFD", "Máy tưới nước tự động dùng cảm biến độ ẩm")
    criteria = tuple(
        paper.PaperCriterion(c.name, c.max_points, c.step, c.description, tuple(c.bands))
        for c in rubrics.TEMPLATE_CRITERIA
    )
    sheet = paper.sheet_from_rows(
        edition_name="Hội thi Sáng tạo kỹ thuật lần thứ 10",
        level_name="Vòng chung khảo cấp tỉnh",
        panel_name="Tiểu ban Cơ khí",
        judge_name="TS. Nguyễn Văn Ánh",
        entries=[paper.PaperEntry("KT-001", nfd_title, criteria, "Công ty Điện lực Bắc Giang")],
    )
    for layout in paper.LAYOUTS:
        reader = pypdf.PdfReader(io.BytesIO(paper.render_sheets(sheet, layout)))
        text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
        flat = " ".join(text.split())
        assert "PHIẾU CHẤM ĐIỂM" in flat
        assert unicodedata.normalize("NFC", nfd_title) in flat
        assert "TS. Nguyễn Văn Ánh" in flat
        for c in rubrics.TEMPLATE_CRITERIA:
            assert c.name.split(",")[0] in flat
    page_layout = pypdf.PdfReader(io.BytesIO(paper.render_sheets(sheet, "page")))
    assert len(page_layout.pages) == 1
    flat = " ".join(page_layout.pages[0].extract_text().split())
    assert "27–30 điểm: Hoàn toàn mới" in flat and "(Ký, ghi rõ họ tên)" in flat


# ----------------------------------------------------------------------------- database


@pytest.fixture
def scene(db):
    """An edition with a district level (area conflicts) and a province level, two
    categories, three districts with two schools each, entries at both levels."""
    province = AdminUnit(code="tinh", name="Tỉnh Bắc Giang", kind="province", valid_to=date(2025, 6, 30))
    districts = [
        AdminUnit(code=f"huyen-{i}", name=name, kind="district", parent=province)
        for i, name in enumerate(["Huyện Yên Dũng", "Huyện Tân Yên", "Huyện Lục Nam"])
    ]
    db.session.add_all([province, *districts])
    schools = []
    for d in districts:
        for k in range(2):
            schools.append(Institution(code=f"{d.code}-s{k}", name=f"Trường THCS số {k + 1} {d.name[6:]}",
                                       kind="lower_secondary", unit=d))
    contest = Contest(slug="stttn", kind="youth_creativity", name="Cuộc thi Sáng tạo TTNNĐ", short_name="STTTN")
    edition = Edition(contest=contest, number=19, slug="stttn-2023", name="Cuộc thi Sáng tạo TTNNĐ lần thứ 19",
                      year_start=2023, year_end=2023, status="judging", settings={})
    edition.levels = [
        Level(position=1, code="truong", name="Cấp trường"),
        Level(position=2, code="huyen", name="Cấp huyện", area_kind="district"),
        Level(position=3, code="tinh", name="Cấp tỉnh"),
    ]
    edition.categories = [Category(position=1, code="ck", name="Cơ khí"), Category(position=2, code="th", name="Tin học")]
    db.session.add_all([*schools, contest, edition])
    db.session.flush()
    huyen, tinh = edition.level("huyen"), edition.level("tinh")
    ck, th = edition.categories
    entries = []
    for i in range(24):
        school = schools[i % len(schools)]
        level = huyen if i < 18 else tinh
        entries.append(Entry(edition_id=edition.id, institution_id=school.id, area_unit_id=school.unit_id,
                             code=f"B{i + 1:03d}", title=f"Mô hình sáng tạo số {i + 1}", status="accepted",
                             category_id=(ck if i % 3 else th).id, level_id=level.id))
    db.session.add_all(entries)
    organiser = create_user("btc-test", "Ban Tổ chức", PASSWORD)
    grant_role(organiser, "organiser")
    judges = []
    for i in range(7):
        judge = create_user(f"gk{i}", f"Giám khảo {chr(65 + i)}", PASSWORD)
        grant_role(judge, "judge", edition_id=edition.id)
        judges.append(judge)
    db.session.flush()
    return SimpleNamespace(edition=edition, huyen=huyen, tinh=tinh, ck=ck, th=th, schools=schools,
                           districts=districts, entries=entries, judges=judges, organiser=organiser)


def test_rubric_edit_lock_and_new_version(db, scene):
    rubric = rubrics.create_rubric(scene.edition, scene.tinh, None, "Tiêu chí cấp tỉnh", rubrics.TEMPLATE_CRITERIA,
                                   actor=scene.organiser)
    assert rubric.version == 1 and rubric.max_total == 100
    assert [c.name for c in rubric.criteria][0] == "Tính mới, sáng tạo"
    assert rubric.criteria[0].bands[0] == {"from": 27, "to": 30, "label": "Hoàn toàn mới"}
    specs = [rubrics.CriterionSpec("Tính mới, sáng tạo", Decimal(40), code=rubric.criteria[0].code),
             rubrics.CriterionSpec("Khả năng ứng dụng", Decimal(60))]
    rubrics.update_rubric(rubric, "Tiêu chí cấp tỉnh (sửa)", specs, actor=scene.organiser)
    assert [(c.name, c.max_points) for c in rubric.criteria] == [("Tính mới, sáng tạo", 40), ("Khả năng ứng dụng", 60)]
    with pytest.raises(rubrics.RubricError, match="Đã có bảng tiêu chí"):
        rubrics.create_rubric(scene.edition, scene.tinh, None, "Bảng thứ hai", rubrics.TEMPLATE_CRITERIA)

    rubric.locked_at = utcnow()  # what scoring does on the first score
    with pytest.raises(rubrics.RubricError, match="đã khoá"):
        rubrics.update_rubric(rubric, "Không được", specs, actor=scene.organiser)
    with pytest.raises(rubrics.RubricError, match="không xoá được"):
        rubrics.delete_rubric(rubric)

    v2 = rubrics.new_version(rubric, actor=scene.organiser, reason="Sửa thang điểm")
    assert (v2.version, v2.locked, v2.name) == (2, False, "Tiêu chí cấp tỉnh (sửa)")
    assert [(c.code, c.name, c.max_points) for c in v2.criteria] == [
        (c.code, c.name, c.max_points) for c in rubric.criteria
    ]
    rubrics.update_rubric(v2, "Tiêu chí cấp tỉnh v2", rubrics.TEMPLATE_CRITERIA, actor=scene.organiser)
    assert rubric.criteria[0].max_points == 40  # the locked version is untouched
    with pytest.raises(rubrics.RubricError, match="mới nhất"):
        rubrics.new_version(rubric)
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "rubric")).all()
    assert actions.count("rubric.update") == 2 and "rubric.new_version" in actions and "rubric.create" in actions


def test_rubric_criteria_are_checked(db, scene):
    with pytest.raises(rubrics.RubricError, match="chia hết cho bước điểm"):
        rubrics.create_rubric(scene.edition, scene.tinh, None, "X",
                              [rubrics.CriterionSpec("A", Decimal(10), step=Decimal(3))])
    with pytest.raises(rubrics.RubricError, match="trùng tên"):
        rubrics.create_rubric(scene.edition, scene.tinh, None, "X",
                              [rubrics.CriterionSpec("A", Decimal(10)), rubrics.CriterionSpec("a", Decimal(10))])


def test_rubric_for_prefers_the_category_then_the_newest_general(db, scene):
    entry_ck = next(e for e in scene.entries if e.level_id == scene.tinh.id and e.category_id == scene.ck.id)
    entry_th = next(e for e in scene.entries if e.level_id == scene.tinh.id and e.category_id == scene.th.id)
    assert rubrics.rubric_for(entry_ck, scene.tinh) is None
    general = rubrics.create_rubric(scene.edition, scene.tinh, None, "Chung", rubrics.TEMPLATE_CRITERIA)
    specific = rubrics.create_rubric(scene.edition, scene.tinh, scene.th, "Tin học", rubrics.TEMPLATE_CRITERIA)
    assert rubrics.rubric_for(entry_ck, scene.tinh) == general
    assert rubrics.rubric_for(entry_th, scene.tinh) == specific
    general.locked_at = utcnow()
    general_v2 = rubrics.new_version(general)
    assert rubrics.rubric_for(entry_ck, scene.tinh) == general_v2
    assert rubrics.rubric_for(entry_th, scene.tinh) == specific
    assert rubrics.rubric_for(entry_ck, scene.huyen) is None


def _district_panel(scene, judges_per_entry=3):
    panel = panels.create_panel(scene.edition, scene.huyen, None, "Hội đồng cấp huyện",
                                judges_per_entry=judges_per_entry, actor=scene.organiser)
    # Judge i works at school i % 6 and lives in that school's district.
    for i, judge in enumerate(scene.judges[:6]):
        school = scene.schools[i]
        panels.add_member(panel, judge, role="chair" if i == 0 else "member", institution_id=school.id,
                          area_unit_id=school.unit_id, actor=scene.organiser)
    return panel


def test_assignment_respects_institution_area_and_declared_conflicts(db, scene):
    panel = _district_panel(scene)
    declared_entry = scene.entries[1]
    conflict, removed = panels.declare_conflict(scene.judges[3], declared_entry, "Người thân là người hướng dẫn",
                                                actor=scene.organiser)
    assert removed == 0
    report = panels.run_assignment(scene.edition, scene.huyen, links=0, seed=7, actor=scene.organiser)
    rows = db.session.scalars(select(Assignment).where(Assignment.panel_id == panel.id)).all()
    member = {m.user_id: m for m in panel.members}
    district_entries = [e for e in scene.entries if e.level_id == scene.huyen.id]
    assert {a.entry_id for a in rows} == {e.id for e in district_entries}
    entry_by_id = {e.id: e for e in district_entries}
    for a in rows:
        entry = entry_by_id[a.entry_id]
        assert member[a.judge_id].institution_id != entry.institution_id
        assert member[a.judge_id].area_unit_id != entry.area_unit_id  # area level: no judge of the same district
        assert (a.judge_id, a.entry_id) != (scene.judges[3].id, declared_entry.id)
    # 6 judges, two per district: each entry has 4 judges outside its district, 3 needed.
    per_entry = {e.id: sum(1 for a in rows if a.entry_id == e.id) for e in district_entries}
    assert set(per_entry.values()) == {3} and not report.infeasible
    loads = sorted(sum(1 for a in rows if a.judge_id == j.id) for j in scene.judges[:6])
    assert loads[-1] - loads[0] <= 1 and sum(loads) == 54
    assert panels.current_problems(scene.edition, scene.huyen) == []
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "assignment.run")).one()
    assert len(log.new["added"]) == 54 and log.user_id == scene.organiser.id


def test_infeasible_entries_get_vietnamese_reasons(db, scene):
    _district_panel(scene, judges_per_entry=5)
    report = panels.run_assignment(scene.edition, scene.huyen, links=0, seed=1)
    assert len(report.infeasible) == 18
    reason = report.infeasible[0].reason
    assert "không xung đột lợi ích" in reason and "cùng địa bàn" in reason
    assert any("có 4 giám khảo, cần 5" in p for p in panels.current_problems(scene.edition, scene.huyen))


def _score(assignment, user, points: list[Decimal], submit=True):
    rubric = scoring.rubric_for_assignment(assignment)
    for c, value in zip(rubric.criteria, points, strict=True):
        scoring.record_score(assignment, c.id, value, user=user, idempotency_key=f"test-{assignment.id}-{c.id}-{value}")
    if submit:
        scoring.submit_sheet(assignment, user)


def test_rerun_keeps_scored_assignments_and_manual_changes_are_audited(db, scene):
    rubrics.create_rubric(scene.edition, scene.huyen, None, "Chung", rubrics.TEMPLATE_CRITERIA)
    panel = _district_panel(scene)
    panels.run_assignment(scene.edition, scene.huyen, links=0, seed=1)
    first = db.session.scalars(select(Assignment).where(Assignment.panel_id == panel.id).order_by(Assignment.id)).first()
    judge = first.judge
    _score(first, judge, [Decimal(25), Decimal(20), Decimal("20.5"), Decimal(10)])
    kept = (first.id, first.entry_id, first.judge_id)
    report = panels.run_assignment(scene.edition, scene.huyen, links=0, seed=99)
    assert report.kept_scored == 1
    again = db.session.get(Assignment, kept[0])
    assert again is not None and (again.entry_id, again.judge_id) == kept[1:]
    assert db.session.scalar(select(func.count()).select_from(Assignment).where(Assignment.entry_id == kept[1])) == 3

    with pytest.raises(panels.PanelError, match="cần ghi lý do"):
        panels.remove_assignment(again, actor=scene.organiser, reason="  ")
    panels.remove_assignment(again, actor=scene.organiser, reason="Giám khảo có người thân dự thi")
    assert db.session.get(Assignment, kept[0]) is None
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "assignment.remove")).one()
    assert log.reason == "Giám khảo có người thân dự thi"
    assert log.old["sheet"]["total"] == "75.50" and log.old["judge_id"] == kept[2]

    entry = db.session.get(Entry, kept[1])
    outsider = next(
        m for m in panel.members
        if m.area_unit_id != entry.area_unit_id
        and not db.session.scalar(select(Assignment.id).where(Assignment.entry_id == entry.id, Assignment.judge_id == m.user_id))
    )
    added = panels.add_assignment(panel, entry, outsider.user, actor=scene.organiser, reason="Thay giám khảo")
    assert not added.is_link
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "assignment.add")).one()
    assert log.new == {"panel_id": panel.id, "entry_id": entry.id, "judge_id": outsider.user_id, "is_link": False}
    same_area = next(m for m in panel.members if m.area_unit_id == entry.area_unit_id)
    with pytest.raises(panels.PanelError, match="cùng (đơn vị|địa bàn)"):
        panels.add_assignment(panel, entry, same_area.user, actor=scene.organiser)


def _province_panels(db, scene):
    """Two panels at the province level (40 entries by category), 6 judges each."""
    rubrics.create_rubric(scene.edition, scene.tinh, None, "Chung", rubrics.TEMPLATE_CRITERIA)
    extra = []
    for i in range(34):
        school = scene.schools[i % len(scene.schools)]
        extra.append(Entry(edition_id=scene.edition.id, institution_id=school.id, area_unit_id=school.unit_id,
                           code=f"T{i:03d}", title=f"Sản phẩm cấp tỉnh {i}", status="accepted",
                           category_id=(scene.ck if i % 2 else scene.th).id, level_id=scene.tinh.id))
    db.session.add_all(extra)
    judges = list(scene.judges)
    for i in range(5):
        judge = create_user(f"gkx{i}", f"Giám khảo X{i}", PASSWORD)
        grant_role(judge, "judge")
        judges.append(judge)
    made = []
    for category, members in ((scene.ck, judges[:6]), (scene.th, judges[6:])):
        panel = panels.create_panel(scene.edition, scene.tinh, category, f"Tiểu ban {category.name}")
        for k, judge in enumerate(members):
            panels.add_member(panel, judge, role="chair" if k == 0 else "member")
        made.append(panel)
    panels.run_assignment(scene.edition, scene.tinh, links=2, seed=3)
    return made, judges


def test_analysis_flags_a_planted_harsh_judge_and_writes_results(db, scene):
    import random

    made, judges = _province_panels(db, scene)
    harsh = judges[2]
    rng = random.Random(5)
    quality = {}
    for a in db.session.scalars(select(Assignment).order_by(Assignment.id)):
        q = quality.setdefault(a.entry_id, rng.uniform(55, 85))
        total = q + rng.gauss(0, 2) - (14 if a.judge_id == harsh.id else 0)
        shares = [Decimal(int(total * m / 100 * 2)) / 2 for m in (30, 30, 25, 15)]
        _score(a, a.judge, shares)
    report = analysis.analyse_level(scene.edition, scene.tinh)
    assert report.connected and report.submitted == report.assigned > 0
    flagged = {j.label: [k for k, _ in j.flags] for j in report.judges if j.flags}
    assert flagged.get(harsh.full_name) == ["Chặt tay"]
    assert all(row.score is not None for row in report.entries)
    assert [row.rank for row in report.entries][:3] == sorted(row.rank for row in report.entries)[:3]
    assert report.boundary  # (2, 6, 12, 30) cuts inside 40 entries

    with pytest.raises(panels.PanelError, match="Cần đóng mọi hội đồng"):
        analysis.write_results(scene.edition, scene.tinh, actor=scene.organiser)
    for p in made:
        panels.close_panel(p, actor=scene.organiser)
    with pytest.raises(scoring.ScoringError):
        a = db.session.scalars(select(Assignment)).first()
        scoring.record_score(a, a.sheet.rubric.criteria[0].id, 1, user=a.judge, idempotency_key="closed-panel-1")
    written, missing = analysis.write_results(scene.edition, scene.tinh, actor=scene.organiser)
    assert (written, missing) == (len(report.entries), 0)
    results = {r.entry_id: r for r in db.session.scalars(select(EntryLevel).where(EntryLevel.level_id == scene.tinh.id))}
    for row in report.entries:
        assert results[row.entry_id].score == row.score and results[row.entry_id].rank == row.rank
    assert min(r.rank for r in results.values()) == 1
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "results.write")).one()
    assert len(log.new["entries"]) == len(results)


def test_paper_scores_go_through_scoring_with_source_paper(db, scene):
    made, judges = _province_panels(db, scene)
    panel = made[0]
    secretary = create_user("thuky", "Thư ký hội đồng", PASSWORD)
    grant_role(secretary, "judge")
    panels.add_member(panel, secretary, role="secretary")
    a = db.session.scalars(select(Assignment).where(Assignment.panel_id == panel.id)).first()
    rubric = scoring.rubric_for_assignment(a)
    for c in rubric.criteria:
        scoring.record_score(a, c.id, c.max_points - 5, user=secretary, idempotency_key=f"paper-{a.id}-{c.id}",
                             source="paper", reason="Nhập từ phiếu giấy")
    scoring.submit_sheet(a, secretary, source="paper")
    sheet = db.session.scalars(select(ScoreSheet).where(ScoreSheet.assignment_id == a.id)).one()
    assert (sheet.status, sheet.source, sheet.total) == ("submitted", "paper", Decimal(80))
    reasons = db.session.scalars(select(ScoreChange.reason).where(ScoreChange.sheet_id == sheet.id, ScoreChange.field == "points"))
    assert set(reasons) == {"Nhập từ phiếu giấy"}
