"""Demo judging: rubrics, judges, panels, assignments and scores.

* ``hoi-thi-sang-tao-ky-thuat-10`` (154 solutions at the province level): the general
  rubric of the final round, 15 province judges (the demo account ``giamkhao`` chairs the
  agriculture panel), six panels by field (one general panel for the small fields),
  a declared conflict, assignment with k = 3 and two linking entries between adjacent
  panels (``judging.panels.run_assignment``), and every sheet scored and submitted
  through ``judging.scoring`` (the tablet path). One judge is harsh and one erratic, so
  the results page has something to flag. Panels stay open and the results are not
  written into the level: closing panels and "Ghi kết quả" are left to the organiser
  (``judging.panels.close_panel``, ``judging.analysis.write_results``).
* ``sang-tao-tttn-2023``: rubrics for the district and province levels (and a
  category-specific one for software at the province level). Its entries are all at
  the school level (advancement is another module's job), so no panel is made here.

Deterministic (``random.Random`` with fixed seeds) and idempotent: an edition whose
panels exist is left alone; accounts and rubrics are looked up before they are made.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from contest.auth.demo import DEMO_PASSWORD
from contest.auth.services import create_user, find_user, grant_role
from contest.extensions import db
from contest.models import (
    JUDGE,
    Assignment,
    ConflictDeclaration,
    Edition,
    Entry,
    Institution,
    Panel,
    Rubric,
    User,
)
from judging import panels as panel_services
from judging import rubrics as rubric_services
from judging import scoring

SEED = 2026
TECH_SLUG = "hoi-thi-sang-tao-ky-thuat-10"
YOUTH_SLUG = "sang-tao-tttn-2023"
DEVICE = "Máy tính bảng Hội trường A (dữ liệu trình diễn)"


@dataclass(frozen=True)
class DemoJudge:
    username: str
    full_name: str
    institution: str  # name of an institution of the demo province
    severity: float | None = None  # fixed severity (points), else random
    noise: float = 3.0  # SD of the judge's random error (points)


JUDGES = [
    DemoJudge("giamkhao", "PGS.TS. Phạm Đức Cường", "Trường Đại học Nông Lâm Bắc Giang"),
    DemoJudge("gk.huongntt", "TS.BS. Nguyễn Thị Thanh Hương", "Sở Y tế"),
    DemoJudge("gk.hungtv", "BSCKII. Trần Văn Hùng", "Bệnh viện Đa khoa tỉnh Bắc Giang"),
    DemoJudge("gk.anhltm", "ThS.DS. Lê Thị Mai Anh", "Trường Cao đẳng Y tế Bắc Ninh", severity=-10.0),
    DemoJudge("gk.duchm", "TS. Hoàng Minh Đức", "Trung tâm Kiểm soát bệnh tật tỉnh"),
    DemoJudge("gk.lanvt", "ThS.BS. Vũ Thị Lan", "Bệnh viện Sản Nhi Bắc Ninh"),
    DemoJudge("gk.hungnq", "PGS.TS. Ngô Quang Hưng", "Trường Đại học Kinh Bắc"),
    DemoJudge("gk.thanhdv", "KS. Đặng Văn Thành", "Công ty Cổ phần Cơ khí chính xác Tân Phát"),
    DemoJudge("gk.trangbtt", "ThS. Bùi Thị Thu Trang", "Trường Cao đẳng Kỹ thuật Công nghiệp"),
    DemoJudge("gk.khaipv", "TS. Phan Văn Khải", "Sở Khoa học và Công nghệ"),
    DemoJudge("gk.tungdt", "TS. Đỗ Thanh Tùng", "Trường Đại học Quốc tế Bắc Hà"),
    DemoJudge("gk.namnh", "ThS. Nguyễn Hải Nam", "Công ty Điện lực Bắc Giang", noise=12.0),
    DemoJudge("gk.honglt", "TS. Lương Thị Hồng", "Sở Nông nghiệp và Môi trường"),
    DemoJudge("gk.vinhtq", "KS. Tạ Quang Vinh", "Trung tâm Ứng dụng tiến bộ khoa học và công nghệ"),
    DemoJudge("gk.ngocdt", "ThS. Đinh Thị Ngọc", "Sở Xây dựng"),
]

# (panel name, category code or None for "every other field", [(username, role)])
PANELS = [
    ("Tiểu ban Cơ khí – Tự động hoá", "ck-tdh",
     [("gk.hungnq", "chair"), ("gk.thanhdv", "member"), ("gk.trangbtt", "member"), ("gk.khaipv", "member")]),
    ("Tiểu ban Điện – Điện tử – Viễn thông – CNTT", "dt-cntt",
     [("gk.tungdt", "chair"), ("gk.namnh", "member"), ("gk.khaipv", "member"), ("gk.hungnq", "member")]),
    ("Tiểu ban Nông – Lâm – Ngư nghiệp", "nln",
     [("giamkhao", "chair"), ("gk.honglt", "member"), ("gk.vinhtq", "member"), ("gk.ngocdt", "member")]),
    ("Tiểu ban Y – Dược", "yd",
     [("gk.huongntt", "chair"), ("gk.hungtv", "member"), ("gk.anhltm", "member"), ("gk.duchm", "member"),
      ("gk.lanvt", "member")]),
    ("Tiểu ban Môi trường", "mt",
     [("gk.honglt", "chair"), ("giamkhao", "member"), ("gk.vinhtq", "member"), ("gk.ngocdt", "member")]),
    ("Tiểu ban Giáo dục, Xây dựng – Giao thông và các lĩnh vực khác", None,
     [("gk.ngocdt", "chair"), ("gk.tungdt", "member"), ("gk.thanhdv", "member"), ("gk.trangbtt", "member")]),
]

YOUTH_CRITERIA = [
    rubric_services.CriterionSpec(
        "Tính mới, sáng tạo", Decimal(30),
        description="Ý tưởng mới, cách giải quyết vấn đề sáng tạo so với lứa tuổi của tác giả.",
        bands=[{"from": 27, "to": 30, "label": "Hoàn toàn mới"}, {"from": 21, "to": 26, "label": "Có cải tiến lớn"},
               {"from": 11, "to": 20, "label": "Có cải tiến một phần"}, {"from": 0, "to": 10, "label": "Ít điểm mới"}],
    ),
    rubric_services.CriterionSpec(
        "Khả năng ứng dụng", Decimal(30),
        description="Dùng được trong học tập, sinh hoạt, sản xuất; dễ làm, dễ nhân rộng.",
    ),
    rubric_services.CriterionSpec(
        "Hiệu quả kinh tế – kỹ thuật – xã hội", Decimal(25),
        description="Chi phí thấp, tận dụng vật liệu sẵn có, an toàn, thân thiện môi trường.",
    ),
    rubric_services.CriterionSpec(
        "Trình bày, thuyết minh", Decimal(15),
        description="Bản thuyết minh rõ ràng; tác giả tự trình bày và trả lời câu hỏi.",
    ),
]

SOFTWARE_CRITERIA = [
    rubric_services.CriterionSpec("Tính mới, sáng tạo", Decimal(30)),
    rubric_services.CriterionSpec("Khả năng ứng dụng", Decimal(25)),
    rubric_services.CriterionSpec(
        "Chất lượng phần mềm, giao diện", Decimal(20),
        description="Chạy ổn định, dễ dùng, mã nguồn do tác giả viết.",
    ),
    rubric_services.CriterionSpec("Hiệu quả kinh tế – kỹ thuật – xã hội", Decimal(15)),
    rubric_services.CriterionSpec("Trình bày, thuyết minh", Decimal(10)),
]


def _edition(slug: str) -> Edition | None:
    return db.session.scalar(select(Edition).where(Edition.slug == slug))


def _rubric(edition: Edition, level_code: str, category_code: str | None, name: str, criteria) -> int:
    level = edition.level(level_code)
    if level is None:
        return 0
    category = None
    if category_code is not None:
        category = next((c for c in edition.categories if c.code == category_code), None)
        if category is None:
            return 0
    cat = Rubric.category_id.is_(None) if category is None else Rubric.category_id == category.id
    exists = db.session.scalar(
        select(Rubric.id).where(Rubric.edition_id == edition.id, Rubric.level_id == level.id, cat)
    )
    if exists is not None:
        return 0
    rubric_services.create_rubric(edition, level, category, name, criteria)
    return 1


def seed_rubrics() -> int:
    made = 0
    tech = _edition(TECH_SLUG)
    if tech is not None:
        made += _rubric(tech, "tinh", None, "Tiêu chí đánh giá giải pháp – vòng chung khảo",
                        rubric_services.TEMPLATE_CRITERIA)
    youth = _edition(YOUTH_SLUG)
    if youth is not None:
        made += _rubric(youth, "huyen", None, "Tiêu chí chấm mô hình, sản phẩm cấp huyện", YOUTH_CRITERIA)
        made += _rubric(youth, "tinh", None, "Tiêu chí chấm mô hình, sản phẩm cấp tỉnh", YOUTH_CRITERIA)
        made += _rubric(youth, "tinh", "th", "Tiêu chí chấm sản phẩm tin học – phần mềm cấp tỉnh", SOFTWARE_CRITERIA)
    return made


def seed_judges(edition: Edition) -> dict[str, User]:
    """The 15 judges' accounts (the existing ``giamkhao`` among them), judge role for
    the edition."""
    users: dict[str, User] = {}
    for judge in JUDGES:
        user = find_user(judge.username)
        if user is None:
            user = create_user(judge.username, judge.full_name, DEMO_PASSWORD)
        grant_role(user, JUDGE, edition_id=edition.id)
        users[judge.username] = user
    return users


def _institution_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Institution.name, Institution.id)).all())


def _quantize(value: float, step: Decimal, maximum: Decimal) -> Decimal:
    units = (Decimal(str(value)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    points = units * step
    return min(max(points, Decimal(0)), maximum)


def seed_technical(edition: Edition) -> dict[str, int]:
    """Panels, assignment and submitted scores for the 10th technical contest."""
    level = edition.level("tinh")
    if level is None:
        return {}
    has_panels = db.session.scalar(select(func.count()).select_from(Panel).where(Panel.edition_id == edition.id))
    if has_panels:
        return {}
    users = seed_judges(edition)
    institutions = _institution_ids()
    categories = {c.code: c for c in edition.categories}
    by_user = {j.username: j for j in JUDGES}
    made_panels = []
    for name, category_code, members in PANELS:
        category = categories.get(category_code) if category_code else None
        if category_code and category is None:
            continue
        panel = panel_services.create_panel(edition, level, category, name, judges_per_entry=3, rule="mean")
        for username, role in members:
            panel_services.add_member(
                panel, users[username], role=role, institution_id=institutions.get(by_user[username].institution)
            )
        made_panels.append(panel)
    db.session.flush()

    # A declared conflict: a judge of the medical panel knows one entry's mentor.
    medical = next((p for p in made_panels if p.category and p.category.code == "yd"), None)
    if medical is not None:
        entry = db.session.scalar(
            select(Entry).where(
                Entry.edition_id == edition.id, Entry.level_id == level.id, Entry.category_id == medical.category_id
            ).order_by(Entry.code).limit(1)
        )
        if entry is not None:
            db.session.add(ConflictDeclaration(
                user_id=users["gk.duchm"].id, entry_id=entry.id,
                reason="Người hướng dẫn của giải pháp là vợ của giám khảo",
            ))
    db.session.flush()

    report = panel_services.run_assignment(edition, level, links=2, seed=SEED)
    n_sheets = _score_all(edition, [p.id for p in made_panels], users)
    return {
        "giám khảo": len(users),
        "hội đồng": len(made_panels),
        "phân công": report.added,
        "phiếu chấm đã nộp": n_sheets,
    }


def _score_all(edition: Edition, panel_ids: list[int], users: dict[str, User]) -> int:
    """Every assignment scored on the tablet path and submitted. Entry quality, judge
    severity and noise are drawn from a fixed seed."""
    rng = random.Random(SEED)
    assignments = list(
        db.session.scalars(
            select(Assignment).where(Assignment.panel_id.in_(panel_ids)).order_by(Assignment.entry_id, Assignment.judge_id)
        )
    )
    quality: dict[int, float] = {}
    for entry_id in sorted({a.entry_id for a in assignments}):
        quality[entry_id] = min(94.0, max(38.0, rng.gauss(70.0, 9.0)))
    profile = {users[j.username].id: j for j in JUDGES}
    severity = {
        uid: (j.severity if j.severity is not None else rng.gauss(0.0, 1.5)) for uid, j in sorted(profile.items())
    }
    judge_of = {u.id: u for u in users.values()}
    rubric_cache: dict[int, Rubric] = {}
    key = 0
    for a in assignments:
        judge = profile.get(a.judge_id)
        user = judge_of.get(a.judge_id)
        if judge is None or user is None:
            continue
        rubric = scoring.rubric_for_assignment(a)
        if rubric is None:
            continue
        rubric_cache[rubric.id] = rubric
        total = quality[a.entry_id] + severity[a.judge_id] + rng.gauss(0.0, judge.noise)
        share = min(0.99, max(0.15, total / 100.0))
        for c in rubric.criteria:
            maximum = Decimal(c.max_points)
            raw = float(maximum) * share + rng.gauss(0.0, float(maximum) / 25.0)
            points = _quantize(raw, Decimal(c.step or Decimal("0.5")), maximum)
            key += 1
            scoring.record_score(
                a, c.id, points, user=user, idempotency_key=f"demo-{SEED}-{a.id}-{c.id}", device=DEVICE,
            )
        scoring.submit_sheet(a, user, idempotency_key=f"demo-{SEED}-{a.id}-submit", device=DEVICE)
    db.session.flush()
    return len(assignments)


def seed_judging() -> dict[str, int]:
    """Rubrics, judges, panels, assignments and scores of the demo (see the module
    docstring). Returns counts for the seed summary."""
    summary = {"bảng tiêu chí mới": seed_rubrics()}
    db.session.flush()
    tech = _edition(TECH_SLUG)
    if tech is not None:
        has_entries = db.session.scalar(
            select(func.count()).select_from(Entry).where(
                Entry.edition_id == tech.id, Entry.status == "accepted"
            )
        )
        if has_entries:
            for label, n in seed_technical(tech).items():
                summary[f"{label} ({TECH_SLUG})"] = n
    return summary


__all__ = ["JUDGES", "PANELS", "seed_judging", "seed_rubrics", "seed_technical"]
