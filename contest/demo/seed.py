"""The demo province: units, institutions, contests, editions and one account per role.

Idempotent: every object is looked up by its code, slug or user name before it is made,
so running it twice changes nothing. Later issues add registrations, scores and results.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from contest.admin.services import DivisionSpec, ItemSpec, LevelSpec, save_edition
from contest.auth.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from contest.auth.services import create_user, find_user, grant_role
from contest.demo import data
from contest.demo.judging import seed_judging
from contest.demo.open_judging import seed_open_judging
from contest.demo.pipeline import run_pipeline
from contest.demo.registrations import seed_registrations
from contest.demo.robocon import seed_robocon
from contest.extensions import db
from contest.models import (
    AdminUnit,
    Contest,
    Edition,
    Institution,
    UnitSuccession,
)

REFORM_DAY = date(2025, 7, 1)
SEED = 2026

CONTESTS = [
    dict(
        slug="sang-tao-thanh-thieu-nien",
        kind="youth_creativity",
        name="Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh",
        short_name="Sáng tạo thanh thiếu niên, nhi đồng",
        description=(
            "Cuộc thi hằng năm dành cho học sinh, sinh viên với các mô hình, sản phẩm sáng tạo; "
            "thi từ cấp cơ sở, qua cấp huyện (nay là cấp xã, cụm) lên cấp tỉnh và chọn gửi dự thi toàn quốc."
        ),
    ),
    dict(
        slug="hoi-thi-sang-tao-ky-thuat",
        kind="technical_innovation",
        name="Hội thi Sáng tạo kỹ thuật tỉnh",
        short_name="Sáng tạo kỹ thuật",
        description=(
            "Tổ chức hai năm một lần cho kỹ sư, công nhân, người lao động với các giải pháp kỹ thuật "
            "đã áp dụng vào thực tế; chấm ở vòng chung khảo cấp tỉnh."
        ),
    ),
    dict(
        slug="robocon",
        kind="robocon",
        name="Cuộc thi Robocon tỉnh",
        short_name="Robocon",
        description="Cuộc thi chế tạo robot cho học sinh phổ thông, có vòng loại và chung kết theo từng bảng.",
    ),
    dict(
        slug="giai-thuong-khcn",
        kind="st_award",
        name="Giải thưởng Khoa học và Công nghệ tỉnh",
        short_name="Giải thưởng KH&CN",
        description="Xét tặng giải thưởng cho các công trình khoa học và công nghệ theo năm lĩnh vực.",
    ),
]

YOUTH_DIVISIONS_2023 = [
    DivisionSpec("tieu_hoc", "Bảng A – Tiểu học", date(2011, 1, 1), date(2017, 12, 31)),
    DivisionSpec("thcs", "Bảng B – Trung học cơ sở", date(2007, 1, 1), date(2013, 12, 31)),
    DivisionSpec("thpt", "Bảng C – Trung học phổ thông", date(2004, 1, 1), date(2009, 12, 31)),
]


def _shift_divisions(divisions: list[DivisionSpec], years: int) -> list[DivisionSpec]:
    return [
        DivisionSpec(d.code, d.name, d.born_from.replace(year=d.born_from.year + years),
                     d.born_to.replace(year=d.born_to.year + years))
        for d in divisions
    ]


def _items(rows) -> list[ItemSpec]:
    return [ItemSpec(r["code"].lower(), r["name"]) for r in rows]


def demo_area_commune_code() -> str:
    """The commune of the demo area organiser and school: a ward of the former Bắc Giang city."""
    for row in data.BAC_NINH_COMMUNES_2025:
        if row["name"] == "Phường Bắc Giang":
            return row["code"]
    return data.BAC_NINH_COMMUNES_2025[0]["code"]


def _editions() -> list[dict]:
    youth_fields = _items(data.FIELDS_YOUTH)
    tech_fields = _items(data.FIELDS_TECHNICAL)
    robocon_divisions = [DivisionSpec(d["code"].lower(), "Bảng " + d["name"]) for d in data.DIVISIONS_ROBOCON]
    old_chain = [
        LevelSpec("truong", "Cấp cơ sở (trường)"),
        LevelSpec("huyen", "Cấp huyện", "district"),
        LevelSpec("tinh", "Cấp tỉnh"),
        LevelSpec("toan_quoc", "Đề cử dự thi toàn quốc"),
    ]
    new_chain = [
        LevelSpec("truong", "Cấp cơ sở (trường)"),
        LevelSpec("cum", "Cấp cụm xã, phường", "cluster"),
        LevelSpec("tinh", "Cấp tỉnh"),
        LevelSpec("toan_quoc", "Đề cử dự thi toàn quốc"),
    ]
    return [
        dict(
            contest="sang-tao-thanh-thieu-nien", number=19, slug="sang-tao-tttn-2023",
            name="Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh Bắc Giang lần thứ 19 (2023)",
            year_start=2023, year_end=2023, province_name="Bắc Giang", status="closed",
            starts_on=date(2023, 3, 1), ends_on=date(2023, 11, 30),
            registration_opens_on=date(2023, 3, 1), registration_deadline=date(2023, 5, 31),
            blind_judging=False, levels=old_chain, categories=youth_fields, divisions=YOUTH_DIVISIONS_2023,
        ),
        dict(
            contest="sang-tao-thanh-thieu-nien", number=20, slug="sang-tao-tttn-2024",
            name="Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh Bắc Giang lần thứ 20 (2024)",
            year_start=2024, year_end=2024, province_name="Bắc Giang", status="closed",
            starts_on=date(2024, 3, 1), ends_on=date(2024, 11, 30),
            registration_opens_on=date(2024, 3, 1), registration_deadline=date(2024, 5, 31),
            blind_judging=False, levels=old_chain, categories=youth_fields,
            divisions=_shift_divisions(YOUTH_DIVISIONS_2023, 1),
        ),
        dict(
            contest="sang-tao-thanh-thieu-nien", number=22, slug="sang-tao-tttn-2026",
            name="Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh Bắc Ninh lần thứ 22 (2026)",
            year_start=2026, year_end=2026, province_name="Bắc Ninh", status="registration",
            starts_on=date(2026, 9, 1), ends_on=date(2027, 3, 31),
            registration_opens_on=date(2026, 9, 15), registration_deadline=date(2026, 12, 31),
            blind_judging=True, levels=new_chain, categories=youth_fields,
            divisions=_shift_divisions(YOUTH_DIVISIONS_2023, 3),
        ),
        dict(
            contest="hoi-thi-sang-tao-ky-thuat", number=10, slug="hoi-thi-sang-tao-ky-thuat-10",
            name="Hội thi Sáng tạo kỹ thuật tỉnh Bắc Giang lần thứ 10 (2022–2023)",
            year_start=2022, year_end=2023, province_name="Bắc Giang", status="closed",
            starts_on=date(2022, 6, 1), ends_on=date(2023, 12, 31),
            registration_opens_on=date(2022, 6, 1), registration_deadline=date(2023, 6, 30),
            blind_judging=False,
            levels=[LevelSpec("tinh", "Vòng chung khảo cấp tỉnh"), LevelSpec("toan_quoc", "Giới thiệu dự thi toàn quốc (VIFOTEC)")],
            categories=tech_fields, divisions=[],
        ),
        dict(
            contest="hoi-thi-sang-tao-ky-thuat", number=11, slug="hoi-thi-sang-tao-ky-thuat-11",
            name="Hội thi Sáng tạo kỹ thuật tỉnh lần thứ 11 (2024–2025)",
            year_start=2024, year_end=2025, province_name="Bắc Ninh", status="judging",
            starts_on=date(2024, 6, 1), ends_on=date(2026, 3, 31),
            registration_opens_on=date(2024, 6, 1), registration_deadline=date(2025, 9, 30),
            blind_judging=False,
            levels=[LevelSpec("tinh", "Vòng chung khảo cấp tỉnh"), LevelSpec("toan_quoc", "Giới thiệu dự thi toàn quốc (VIFOTEC)")],
            categories=tech_fields, divisions=[],
        ),
        dict(
            contest="robocon", number=1, slug="robocon-2024",
            name="Cuộc thi Robocon tỉnh Bắc Giang lần thứ nhất (2024)",
            year_start=2024, year_end=2024, province_name="Bắc Giang", status="closed",
            starts_on=date(2024, 4, 1), ends_on=date(2024, 6, 30),
            registration_opens_on=date(2024, 3, 1), registration_deadline=date(2024, 4, 15),
            blind_judging=False,
            levels=[LevelSpec("vong_loai", "Vòng loại"), LevelSpec("chung_ket", "Chung kết"), LevelSpec("toan_quoc", "Dự thi toàn quốc")],
            categories=[], divisions=robocon_divisions,
        ),
    ]


def _unit(code: str) -> AdminUnit | None:
    return db.session.scalar(select(AdminUnit).where(AdminUnit.code == code))


def _upsert_unit(code, name, kind, parent=None, valid_from=None, valid_to=None) -> AdminUnit:
    unit = _unit(code)
    if unit is None:
        unit = AdminUnit(code=code)
        db.session.add(unit)
    unit.name, unit.kind, unit.parent = name, kind, parent
    unit.valid_from, unit.valid_to = valid_from, valid_to
    return unit


def seed_units() -> dict[str, AdminUnit]:
    units: dict[str, AdminUnit] = {}
    bg = _upsert_unit("tinh-bac-giang", "Tỉnh Bắc Giang", "province", valid_to=date(2025, 6, 30))
    bn_old = _upsert_unit("tinh-bac-ninh-cu", "Tỉnh Bắc Ninh (trước hợp nhất)", "province", valid_to=date(2025, 6, 30))
    bn = _upsert_unit("tinh-bac-ninh", "Tỉnh Bắc Ninh", "province", valid_from=REFORM_DAY)
    for row in data.FORMER_BAC_GIANG_UNITS:
        units[row["code"]] = _upsert_unit(row["code"], row["name"], row["kind"], bg, row.get("valid_from"), row.get("valid_to"))
    for row in data.FORMER_BAC_NINH_UNITS:
        units[row["code"]] = _upsert_unit(row["code"], row["name"], row["kind"], bn_old, row.get("valid_from"), row.get("valid_to"))
    for row in data.BAC_NINH_COMMUNES_2025:
        units[row["code"]] = _upsert_unit(row["code"], row["name"], row["kind"], bn, row.get("valid_from", REFORM_DAY), row.get("valid_to"))
    db.session.flush()
    existing = {
        (s.predecessor_id, s.successor_id)
        for s in db.session.scalars(select(UnitSuccession)).all()
    }
    for row in data.BAC_NINH_COMMUNES_2025:
        former = units.get(row.get("former_district_code") or "")
        commune = units[row["code"]]
        if former is not None and (former.id, commune.id) not in existing:
            db.session.add(UnitSuccession(predecessor_id=former.id, successor_id=commune.id, effective_on=REFORM_DAY))
    for row in data.CLUSTERS_2025:
        cluster = _upsert_unit(row["code"], row["name"], "cluster", bn, REFORM_DAY, None)
        cluster.members = [units[c] for c in row["commune_codes"] if c in units]
        units[row["code"]] = cluster
    units["tinh-bac-ninh"] = bn
    return units


def seed_institutions(units: dict[str, AdminUnit]) -> int:
    rng = random.Random(SEED)
    rows = data.institutions(rng, data.BAC_NINH_COMMUNES_2025, data.FORMER_BAC_GIANG_UNITS)
    existing = {i.code: i for i in db.session.scalars(select(Institution)).all()}
    for row in rows:
        code = row["code"]
        inst = existing.get(code)
        if inst is None:
            inst = Institution(code=code, name=row["name"], kind=row["kind"], active=True)
            db.session.add(inst)
            existing[code] = inst
        inst.unit = units[row["unit_code"]]
    db.session.flush()
    return len(rows)


def seed_contests() -> int:
    contests = {}
    for position, spec in enumerate(CONTESTS, start=1):
        contest = db.session.scalar(select(Contest).where(Contest.slug == spec["slug"]))
        if contest is None:
            contest = Contest(slug=spec["slug"])
            db.session.add(contest)
        contest.kind, contest.name, contest.short_name = spec["kind"], spec["name"], spec["short_name"]
        contest.description, contest.position = spec["description"], position
        contests[spec["slug"]] = contest
    db.session.flush()
    count = 0
    for spec in _editions():
        spec = dict(spec)
        contest = contests[spec.pop("contest")]
        levels, categories, divisions = spec.pop("levels"), spec.pop("categories"), spec.pop("divisions")
        edition = db.session.scalar(select(Edition).where(Edition.slug == spec["slug"]))
        if edition is not None:
            continue  # organisers may have edited it: never overwrite
        save_edition(None, spec | {"contest_id": contest.id}, levels=levels, categories=categories, divisions=divisions)
        count += 1
    return count


def seed_accounts(units: dict[str, AdminUnit]) -> int:
    editions = {e.slug: e for e in db.session.scalars(select(Edition)).all()}
    area_commune = units[demo_area_commune_code()]
    former = db.session.scalar(
        select(AdminUnit).join(UnitSuccession, UnitSuccession.predecessor_id == AdminUnit.id)
        .where(UnitSuccession.successor_id == area_commune.id)
    )
    school = db.session.scalar(
        select(Institution).where(Institution.unit_id == area_commune.id, Institution.kind == "lower_secondary")
        .order_by(Institution.name)
    ) or db.session.scalar(select(Institution).where(Institution.unit_id == area_commune.id).order_by(Institution.name))
    grants = {
        "btc": [("organiser", {})],
        "btc-xa": [("area_organiser", {"unit_id": area_commune.id})]
        + ([("area_organiser", {"unit_id": former.id})] if former is not None else []),
        "truong": [("institution", {"institution_id": school.id})],
        "giamkhao": [("judge", {"edition_id": editions["sang-tao-tttn-2023"].id}),
                     ("judge", {"edition_id": editions["hoi-thi-sang-tao-ky-thuat-10"].id})],
        "trongtai": [("referee", {"edition_id": editions["robocon-2024"].id})],
        "tongtrongtai": [("head_referee", {"edition_id": editions["robocon-2024"].id})],
    }
    names = {
        "btc": "Nguyễn Thị Thu Hà",
        "btc-xa": "Trần Văn Dũng",
        "truong": "Lê Thị Hồng Nhung",
        "giamkhao": "PGS.TS. Phạm Đức Cường",
        "trongtai": "Đỗ Minh Tuấn",
        "tongtrongtai": "Hoàng Văn Thắng",
    }
    created = 0
    for username, _label in DEMO_ACCOUNTS:
        user = find_user(username)
        if user is None:
            user = create_user(username, names[username], DEMO_PASSWORD)
            created += 1
        for role, scope in grants[username]:
            grant_role(user, role, **scope)
    return created


def seed() -> dict[str, int]:
    units = seed_units()
    n_inst = seed_institutions(units)
    n_ed = seed_contests()
    n_users = seed_accounts(units)
    db.session.flush()
    registrations = seed_registrations()
    return {
        "địa bàn": len(units),
        "đơn vị dự thi": n_inst,
        "kỳ thi mới": n_ed,
        "tài khoản mới": n_users,
        **{f"bài dự thi mới {slug}": n for slug, n in registrations.items()},
        **seed_judging(),
        **seed_robocon(),
        **run_pipeline(),
        **seed_open_judging(),
    }
