"""Benchmark of the Robocon services over a database (the pure core is in core.py).

Builds a temporary SQLite database with the first provincial Robocon's size (432 teams of
about 150 schools in three divisions) and measures, through ``contest.robocon.services``:

* the qualifying schedule: 3 runs per team at three venues × three fields over two days,
  with the DB writes and the commit (target ≤ 10 s);
* the audience display's JSON payload of a 150-team division once every run is committed
  (what each big screen asks for every few seconds);
* one referee sheet saved and committed by the head referee, the ranking recomputed.

    .venv/bin/python benchmarks/bench_robocon_app.py [--smoke]
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from datetime import time as dtime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DIVISIONS = [("th", "Bảng Tiểu học", "primary"), ("thcs", "Bảng THCS", "lower_secondary"),
             ("thpt", "Bảng THPT", "upper_secondary")]


def figure(name: str, value: float, unit: str, target: str | None = None, ok: bool | None = None,
           note: str = "") -> dict:
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": ok, "note": note}


def _province(db, n_teams: int):
    from contest.models import (
        AdminUnit,
        Contest,
        Division,
        Edition,
        Entry,
        EntryLevel,
        Institution,
        Level,
    )

    rng = random.Random(2024)
    province = AdminUnit(code="tinh-bac-ninh", name="Tỉnh Bắc Ninh", kind="province")
    units = [AdminUnit(code=f"xa-{i}", name=f"Xã Số {i + 1}", kind="commune", parent=province) for i in range(30)]
    contest = Contest(slug="robocon", kind="robocon", name="Cuộc thi Robocon tỉnh", short_name="Robocon")
    edition = Edition(contest=contest, number=1, slug="robocon-bench", name="Cuộc thi Robocon tỉnh (benchmark)",
                      year_start=2024, year_end=2024, status="judging", settings={})
    edition.levels = [Level(position=1, code="vong_loai", name="Vòng loại"),
                      Level(position=2, code="chung_ket", name="Chung kết")]
    edition.divisions = [Division(position=i, code=c, name=n) for i, (c, n, _) in enumerate(DIVISIONS)]
    db.session.add_all([province, *units, contest, edition])
    db.session.flush()
    n_schools = max(3, n_teams // 3)
    schools = []
    for i in range(n_schools):
        kind = DIVISIONS[i % 3][2]
        schools.append(Institution(code=f"truong-{i}", name=f"Trường {kind} số {i + 1}", kind=kind,
                                   unit=units[i % len(units)]))
    db.session.add_all(schools)
    db.session.flush()
    qualifying = edition.levels[0]
    for n in range(n_teams):
        school = schools[n % n_schools]
        division = edition.divisions[(n % n_schools) % 3]
        entry = Entry(edition=edition, institution=school, code=f"{n + 1:05d}", title=f"Đội Robot {n + 1}",
                      division=division, status="accepted", level=qualifying,
                      robot_name=f"Rô-bốt {rng.randint(1, 99)}")
        entry.level_results = [EntryLevel(level=qualifying, decision="pending")]
        db.session.add(entry)
    db.session.commit()
    return edition


def run(smoke: bool = False) -> list[dict]:
    from sqlalchemy import func, select

    from contest import create_app
    from contest.extensions import db
    from contest.models.robocon import RoboconFixture
    from contest.robocon import services as rs
    from contest.robocon.schedule import DayWindow

    n_teams = 60 if smoke else 432
    tmp = Path(tempfile.mkdtemp(prefix="bench-robocon-"))
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    })
    figures: list[dict] = []
    try:
        with app.app_context():
            db.create_all()
            edition = _province(db, n_teams)
            level = rs.level_of(edition, "vong_loai")
            params = rs.ScheduleParams(
                [(f"Điểm thi {v}", ["Sân 1", "Sân 2", "Sân 3"]) for v in ("Bắc Giang", "Lục Ngạn", "Hiệp Hoà")],
                [DayWindow(date(2024, 5, d), dtime(h0, m0), dtime(h1, m1))
                 for d in (18, 19) for (h0, m0, h1, m1) in ((7, 30, 11, 30), (13, 30, 17, 0))],
                slot_minutes=5, min_gap_slots=3, seed=2024)
            timings = []
            for _ in range(3):  # the schedule is regenerated (replaced) each time
                started = time.perf_counter()
                summary = rs.generate_schedule(edition, level, list(edition.divisions), params)
                db.session.commit()
                timings.append(time.perf_counter() - started)
            stored = db.session.scalar(select(func.count(RoboconFixture.id)))
            assert stored == summary.fixtures == 3 * n_teams, (stored, summary.fixtures)
            figures.append(figure(
                f"Robocon qualifying schedule through the service, {n_teams} teams × 3 runs on 9 fields "
                f"at 3 venues over 2 days, written to the DB", timings[0], "s", "≤ 10 s", timings[0] <= 10,
                f"{summary.fixtures} fixtures; best of 3 {min(timings):.2f} s, median {statistics.median(timings):.2f} s"))

            # every team ready, every run committed (in bulk, as the demo does)
            from sqlalchemy import insert, update

            from contest.models.robocon import RoboconCheckin, RoboconInspection, RoboconResult

            rng = random.Random(7)
            entry_ids = [e.id for d in edition.divisions for e in rs.stage_entries(edition, level, d)]
            db.session.execute(insert(RoboconCheckin), [{"entry_id": e, "level_id": level.id} for e in entry_ids])
            db.session.execute(insert(RoboconInspection), [
                {"entry_id": e, "level_id": level.id, "items": [], "passed": True} for e in entry_ids])
            fixtures = db.session.execute(select(RoboconFixture.id)).scalars().all()
            db.session.execute(insert(RoboconResult), [
                {"fixture_id": f, "version": 1, "status": "committed", "source": "demo",
                 "points_a": rng.choice(range(0, 175, 5)), "time_a": round(rng.uniform(40, 180), 1), "sheet": {}}
                for f in fixtures])
            db.session.execute(update(RoboconFixture).values(state="committed"))
            db.session.commit()

            division = max(edition.divisions, key=lambda d: len(rs.stage_entries(edition, level, d)))
            teams = len(rs.stage_entries(edition, level, division))
            timings = []
            for _ in range(5):
                db.session.expire_all()
                started = time.perf_counter()
                payload = rs.display_payload(edition, level, division)
                timings.append(time.perf_counter() - started)
            assert payload["ranking"]
            figures.append(figure(
                f"Audience display JSON payload, {teams}-team division, all runs committed",
                statistics.median(timings), "s", "≤ 0.2 s", statistics.median(timings) <= 0.2,
                f"best {min(timings) * 1000:.0f} ms over 5"))

            # a correction: the referee saves a new version, the head referee commits it
            fx = db.session.get(RoboconFixture, fixtures[0])
            started = time.perf_counter()
            result = rs.save_result(fx, rs.SheetInput(rs.SideInput({"xuat_phat": 1, "ve_dich": 1}, {}, 50.0),
                                                      note="Đo lại thời gian"))
            rs.commit_result(result)
            db.session.commit()
            rows = rs.mission_ranking(rs.stage_context(edition, level, fx.stage.division))
            elapsed = time.perf_counter() - started
            assert rows
            figures.append(figure("Referee sheet saved, committed and the division ranking recomputed",
                                  elapsed, "s", "≤ 0.5 s", elapsed <= 0.5))
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


if __name__ == "__main__":
    for f in run(smoke="--smoke" in sys.argv):
        mark = "" if f["ok"] is None else (" ✓" if f["ok"] else " ✗")
        print(f"{f['name']}: {f['value']:.3f} {f['unit']} (mục tiêu {f['target']}){mark} {f['note']}")
