"""Benchmark of the Excel import and export of entries.

Builds a province in a temporary SQLite database, imports a list of ``n_import`` rows
(one row per author, as school offices send it, with the organiser's Trường column) and
exports a list of at least ``n_export`` rows (one per author). Targets: import of a
1,552-row file ≤ 3 s, export of 4,000 rows ≤ 3 s.

    .venv/bin/python benchmarks/bench_excel.py
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thu", "Ngọc", "Quang", "Hải", "Thanh", "Bảo", "Gia", "Khánh"]
GIVEN = ["An", "Anh", "Ân", "Bình", "Châu", "Cường", "Dũng", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Huy",
         "Khôi", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngọc", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
         "Tú", "Vy", "Yến"]
THINGS = ["Máy lọc nước", "Đèn học", "Xe tự hành", "Robot tưới cây", "Thùng rác", "Mô hình nhà", "Bộ cảnh báo",
          "Máy sấy", "Cánh tay robot", "Hệ thống tưới"]
QUALITIES = ["thông minh", "tiết kiệm điện", "năng lượng mặt trời", "cho gia đình", "an toàn", "đa năng"]
HEADER = ["STT", "Tên sản phẩm", "Lĩnh vực", "Bảng", "Mô tả", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp",
          "Trường", "Người hướng dẫn"]


def _province(db, n_units: int = 12, per_unit: int = 5):
    from contest.models import AdminUnit, Category, Contest, Division, Edition, Institution, Level

    province = AdminUnit(code="tinh-bac-ninh", name="Tỉnh Bắc Ninh", kind="province")
    db.session.add(province)
    schools = []
    for u in range(n_units):
        unit = AdminUnit(code=f"xa-{u}", name=f"Xã Số {u + 1}", kind="commune", parent=province)
        db.session.add(unit)
        for s in range(per_unit):
            schools.append(Institution(code=f"thcs-{u}-{s}", name=f"Trường THCS Số {u + 1}.{s + 1}",
                                       kind="lower_secondary", unit=unit))
    contest = Contest(slug="sang-tao", kind="youth_creativity", name="Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng",
                      short_name="Sáng tạo TTN")
    edition = Edition(contest=contest, number=22, slug="bench-2026", name="Cuộc thi Sáng tạo TTNNĐ lần thứ 22",
                      year_start=2026, year_end=2026, status="registration", settings={},
                      registration_deadline=date(2099, 12, 31))
    edition.levels = [Level(position=1, code="truong", name="Cấp trường"),
                      Level(position=2, code="xa", name="Cấp xã", area_kind="commune"),
                      Level(position=3, code="tinh", name="Cấp tỉnh")]
    edition.categories = [Category(position=i, code=f"lv{i}", name=n) for i, n in enumerate(
        ["Kỹ thuật cơ khí", "Tin học", "Tự động hoá", "Môi trường", "Nông nghiệp", "Đồ dùng học tập"])]
    edition.divisions = [
        Division(position=1, code="a", name="Bảng A – Tiểu học", born_from=date(2014, 1, 1), born_to=date(2020, 12, 31)),
        Division(position=2, code="b", name="Bảng B – THCS", born_from=date(2010, 1, 1), born_to=date(2013, 12, 31)),
    ]
    db.session.add_all([*schools, edition])
    db.session.flush()
    return edition, schools


def _people(rng: random.Random, count: int, serial: int):
    """``count`` distinct pupils (the serial makes name + birth date unique)."""
    out = []
    for i in range(count):
        n = serial + i
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {GIVEN[n % len(GIVEN)]}"
        born = date(2010, 1, 1) + timedelta(days=n % 1400)
        out.append((name, born))
    return out


def build_import_file(schools, n_rows: int, seed: int = 7) -> tuple[bytes, int]:
    """An organiser's list of ``n_rows`` author rows; returns (bytes, number of entries)."""
    from contest.xlsx import SheetSpec, build_workbook

    rng = random.Random(seed)
    rows = []
    serial = 0
    entries = 0
    while len(rows) < n_rows:
        size = min(rng.choice([1, 1, 2, 2, 3]), n_rows - len(rows))
        entries += 1
        school = rng.choice(schools)
        school_text = school.name if rng.random() < 0.7 else school.name.replace("Trường ", "")
        title = f"{rng.choice(THINGS)} {rng.choice(QUALITIES)} số {entries}"
        category = rng.choice(["Kỹ thuật cơ khí", "Tin học", "lv2", "Môi trường"])
        for i, (name, born) in enumerate(_people(rng, size, serial)):
            born_cell = born.strftime("%d/%m/%Y") if rng.random() < 0.5 else born
            rows.append([
                entries if i == 0 else None, title if i == 0 else None, category if i == 0 else None,
                "Bảng B – THCS" if i == 0 else None, "Mô tả ngắn" if i == 0 else None, name.upper() if i == 1 else name,
                born_cell, rng.choice(["Nam", "Nữ"]), f"{rng.randint(6, 9)}A", school_text if i == 0 else None,
                "Trần Thị Hướng; Lê Văn Dẫn" if i == 0 else None,
            ])
        serial += size
    content = build_workbook(SheetSpec(title="DS", headers=HEADER, rows=rows,
                                       heading_lines=("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "DANH SÁCH DỰ THI")))
    return content, entries


def _fill_for_export(db, edition, schools, target_rows: int, seed: int = 11) -> None:
    from registration.services import EntryData, PersonData, bulk_create_entries

    rng = random.Random(seed)
    current = sum(len(e.authors) for e in edition_entries(db, edition))
    serial = 100_000
    batch = []
    while current < target_rows:
        size = rng.choice([1, 2, 3])
        people = [PersonData(role="author", full_name=n, birth_date=b, gender="male", class_name="8A")
                  for n, b in _people(rng, size, serial)]
        people.append(PersonData(role="mentor", full_name="Trần Thị Hướng"))
        serial += size
        current += size
        batch.append((rng.choice(schools), EntryData(
            title=f"{rng.choice(THINGS)} bổ sung {serial}", category_id=edition.categories[0].id,
            division_id=edition.divisions[1].id, people=people)))
    if batch:
        bulk_create_entries(edition, batch, status="submitted", check_deadline=False)
    db.session.commit()


def edition_entries(db, edition):
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from contest.models import Entry

    return db.session.scalars(select(Entry).where(Entry.edition_id == edition.id)
                              .options(selectinload(Entry.people))).all()


def run(n_import: int = 1552, n_export: int = 4000) -> dict:
    from contest import create_app
    from contest.auth.services import create_user, grant_role
    from contest.extensions import db
    from registration.excel_reader import read_table
    from registration.exporting import export_entries
    from registration.importing import import_entries, read_specs

    tmp = Path(tempfile.mkdtemp(prefix="bench-excel-"))
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    })
    figures: dict = {"import_rows": n_import}
    try:
        with app.app_context():
            db.create_all()
            edition, schools = _province(db)
            organiser = create_user("btc-bench", "Ban Tổ chức", "mat-khau-bench")
            grant_role(organiser, "organiser")
            db.session.commit()
            content, expected_entries = build_import_file(schools, n_import)
            figures["import_file_bytes"] = len(content)

            started = time.perf_counter()
            read_table(content, read_specs("youth_creativity", has_categories=True, has_divisions=True))
            figures["read_seconds"] = round(time.perf_counter() - started, 3)

            started = time.perf_counter()
            dry = import_entries(edition, content, actor=organiser, status="accepted", dry_run=True)
            db.session.rollback()
            figures["dry_run_seconds"] = round(time.perf_counter() - started, 3)
            if not dry.ok:
                raise RuntimeError(f"benchmark file rejected: {dry.errors[:5]}")

            started = time.perf_counter()
            result = import_entries(edition, content, actor=organiser, status="accepted")
            db.session.commit()
            figures["import_seconds"] = round(time.perf_counter() - started, 3)
            figures["import_entries"] = result.entries
            figures["import_people"] = result.people
            assert result.imported and result.entries == expected_entries

            _fill_for_export(db, edition, schools, n_export)
            timings = []
            for _ in range(3):  # the first run is what a user waits for; the best shows the noise
                db.session.expire_all()
                started = time.perf_counter()
                exported = export_entries(edition)
                timings.append(time.perf_counter() - started)
            figures["export_seconds"] = round(timings[0], 3)
            figures["export_seconds_best_of_3"] = round(min(timings), 3)
            figures["export_rows"] = exported.rows
            figures["export_entries"] = exported.entries
            figures["export_file_bytes"] = len(exported.content)
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
