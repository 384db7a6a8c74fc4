"""Benchmark of the results path on an edition of 4,000 entries: prize allocation into a
draft version (``contest.results.service.propose_allocation``: read the scores, allocate,
write the awards), rule-based advancement preview (quota per area over 4,000
candidates), and the edition statistics (``contest.results.statistics``) after
publication, alone and through the public JSON API. Target: allocation + statistics
≤ 1 s.

Builds the edition in a temporary SQLite database (``create_all``), 10 areas, 4,000
accepted entries with two authors each, scores at the school and province levels.

    .venv/bin/python benchmarks/bench_stats.py [--smoke]
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.core import figure  # noqa: E402

TARGET = 1.0


def _build(db, n: int) -> int:
    from sqlalchemy import insert, select

    from contest.models import (
        AdminUnit,
        Category,
        Contest,
        Edition,
        Entry,
        EntryLevel,
        EntryPerson,
        Institution,
        Level,
        Quota,
    )

    rng = random.Random(5)
    province = AdminUnit(code="tinh-bac-ninh", name="Tỉnh Bắc Ninh", kind="province")
    db.session.add(province)
    areas = [AdminUnit(code=f"huyen-{i}", name=f"Huyện số {i}", kind="district", parent=province) for i in range(10)]
    db.session.add_all(areas)
    db.session.flush()
    schools = [Institution(code=f"truong-{i}", name=f"Trường số {i}", kind="lower_secondary", unit=areas[i % 10])
               for i in range(200)]
    contest = Contest(slug="bench", kind="youth_creativity", name="Cuộc thi thử", short_name="Thử")
    edition = Edition(contest=contest, number=1, slug="bench-stats", name="Kỳ thi thử 4.000 bài", year_start=2023,
                      year_end=2023, status="judging", settings={})
    edition.levels = [Level(position=1, code="truong", name="Cấp trường"),
                      Level(position=2, code="tinh", name="Cấp tỉnh"),
                      Level(position=3, code="toan_quoc", name="Toàn quốc")]
    cats = [Category(edition=edition, position=i, code=f"c{i}", name=f"Lĩnh vực {i}") for i in range(9)]
    db.session.add_all([*schools, contest, edition, *cats])
    db.session.flush()
    truong, tinh = edition.level("truong"), edition.level("tinh")
    rows = []
    for i in range(n):
        school = schools[i % len(schools)]
        rows.append({"edition_id": edition.id, "institution_id": school.id, "area_unit_id": school.unit_id,
                     "code": f"{i + 1:05d}", "title": f"Mô hình số {i + 1}", "category_id": cats[i % 9].id,
                     "status": "accepted", "level_id": tinh.id, "version": 1, "extra": {}})
    db.session.execute(insert(Entry), rows)
    entries = db.session.execute(select(Entry.id, Entry.area_unit_id).where(Entry.edition_id == edition.id)).all()
    levels, people = [], []
    for entry_id, area in entries:
        for level, decision in ((truong, "advanced"), (tinh, "pending")):
            levels.append({"entry_id": entry_id, "level_id": level.id, "area_unit_id": area, "decision": decision,
                           "score": Decimal(str(round(rng.uniform(35, 98), 2)))})
        for k in range(2):
            people.append({"entry_id": entry_id, "role": "author", "position": k, "full_name": f"Học sinh {entry_id}-{k}",
                           "person_key": f"hs-{entry_id}-{k}"})
    db.session.execute(insert(EntryLevel), levels)
    db.session.execute(insert(EntryPerson), people)
    for area in areas:
        db.session.add(Quota(edition_id=edition.id, level_id=truong.id, unit_id=area.id, max_entries=n // 25))
    db.session.commit()
    return edition.id


def run(smoke: bool = False) -> list[dict]:
    from contest import create_app
    from contest.extensions import db
    from contest.models import Edition
    from contest.results import advancing, service, statistics

    n = 400 if smoke else 4000
    tmp = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    try:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "SECRET_KEY": "bench-" + "x" * 40,
            "RATELIMIT_ENABLED": False, "TESTING": True,
        })
        with app.app_context():
            db.create_all()
            edition_id = _build(db, n)
            edition = db.session.get(Edition, edition_id)
            service.save_prize_settings(edition, "tinh", {
                "quotas": {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}, "tie_policy": "share",
                "amounts": {"nhat": 10_000_000, "nhi": 7_000_000, "ba": 5_000_000, "khuyen_khich": 2_000_000},
            }, actor=None)
            db.session.commit()

            alloc_times = []
            for _ in range(3):
                started = time.perf_counter()
                version = service.propose_allocation(edition, "tinh")
                db.session.commit()
                alloc_times.append(time.perf_counter() - started)
            service.approve(version, decision_number="1/QĐ-THU", decision_date=date(2023, 10, 20), actor=None)
            service.publish(version, actor=None)
            db.session.commit()

            adv_times = []
            for _ in range(3):
                started = time.perf_counter()
                plan = advancing.preview(edition, edition.level("truong"), advancing.RuleSpec("quota"))
                adv_times.append(time.perf_counter() - started)
            stat_times = []
            for _ in range(3):
                db.session.expire_all()
                started = time.perf_counter()
                data = statistics.edition_statistics(edition)
                stat_times.append(time.perf_counter() - started)
            assert data["entries_by_level"]["tinh"] == n and data["prizes_total"] == 30
            assert plan.counts["advanced"] == 10 * (n // 25)
        client = app.test_client()
        api_times = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get("/api/v1/editions/bench-stats/statistics")
            api_times.append(time.perf_counter() - started)
            assert response.status_code == 200
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    alloc, stats_s, adv, api = min(alloc_times), min(stat_times), min(adv_times), min(api_times)
    both = alloc + stats_s
    return [
        figure(f"Prize allocation into a draft version, {n} scored entries (read, allocate 2/4/6/18, write)",
               alloc, "s", "≤ 1 s (with statistics)", both <= TARGET, f"best of 3; worst {max(alloc_times):.3f} s"),
        figure(f"Edition statistics, {n} entries (levels, prizes, money, areas, fields, people)", stats_s, "s",
               "≤ 1 s (with allocation)", both <= TARGET, f"best of 3; worst {max(stat_times):.3f} s"),
        figure(f"Allocation + statistics, {n} entries", both, "s", "≤ 1 s", both <= TARGET, ""),
        figure(f"Advancement preview by quota per area, {n} candidates", adv, "s", "≤ 1 s", adv <= TARGET,
               f"best of 3; worst {max(adv_times):.3f} s"),
        figure(f"GET /api/v1/editions/<slug>/statistics, {n} entries", api, "s", "≤ 1 s", api <= TARGET,
               f"best of 3; {len(response.data) / 1e3:.1f} kB JSON"),
    ]


if __name__ == "__main__":
    for row in run(smoke="--smoke" in sys.argv):
        mark = "OK" if row["ok"] else "CHẬM"
        print(f"{mark:5} {row['value']:.3f} {row['unit']}  {row['name']} ({row['note']})")
