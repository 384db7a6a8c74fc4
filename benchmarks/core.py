"""Benchmarks of the pure cores (no server): judging, allocation, certificates, Robocon."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """Run ``fn`` ``repeat`` times; return (best, median) wall-clock seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def figure(name: str, value: float, unit: str, target: str | None = None, ok: bool | None = None, note: str = "") -> dict:
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": ok, "note": note}


def bench_judging(smoke: bool = False) -> list[dict]:
    from judging.aggregation import Score, analyse

    n_entries, n_judges, k = (60, 8, 3) if smoke else (560, 30, 3)
    rng = random.Random(7)
    criteria = {"novelty": 30, "applicability": 25, "efficiency": 25, "presentation": 20, "extra": 0}
    criteria.pop("extra")
    criteria["documents"] = 10
    scale = 100 / sum(criteria.values())
    scores = []
    for entry in range(n_entries):
        quality = rng.gauss(0.7, 0.1)
        judges = rng.sample(range(n_judges), k)
        for judge in judges:
            parts = {c: round(max(0, min(m * scale, m * scale * (quality + rng.gauss(0, 0.06)))), 1)
                     for c, m in criteria.items()}
            scores.append(Score(entry, judge, round(sum(parts.values()), 1), parts))
    best, median = timed(lambda: analyse(scores, prize_boundaries=(2, 6, 12, 30)), repeat=3)
    label = f"Aggregation with all checks, {n_entries} entries × {k} judges × 5 criteria"
    return [figure(label, best, "s", "≤ 1 s", best <= 1.0, f"median {median:.3f} s")]


def bench_allocation(smoke: bool = False) -> list[dict]:
    from contest.results.allocation import Candidate, PrizeRules, allocate

    n = 400 if smoke else 4000
    rng = random.Random(11)
    ranked = [
        Candidate(i, Decimal(str(round(rng.uniform(40, 98), 2))), group=f"field-{i % 8}",
                  tiebreak=(rng.random(),))
        for i in range(n)
    ]
    rules = PrizeRules(quotas={"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18},
                       min_scores={"khuyen_khich": Decimal("50")}, tie_policy="cascade")
    best, median = timed(lambda: allocate(ranked, rules), repeat=3)
    return [figure(f"Prize allocation for {n} entries (2/4/6/18, cascade ties)", best, "s", "≤ 1 s (with statistics)",
                   best <= 1.0, f"median {median:.3f} s; pure function (with the database and statistics: see below)")]


def bench_certificates(smoke: bool = False) -> list[dict]:
    from contest.certificates.codes import new_code
    from contest.certificates.pdf import CertificateData, render_many

    n = 40 if smoke else 1484
    rng = random.Random(3)
    from contest.demo.data import person_name

    datas = [
        CertificateData(
            code=(code := new_code()), full_name=person_name(rng)[0], prize_label="Giấy chứng nhận tham gia",
            entry_title=f"Đội Robot số {i + 1}", contest_name="Cuộc thi Robocon tỉnh Bắc Giang",
            edition_name="Lần thứ nhất (2024)", institution="Trường THCS Lê Quý Đôn", issued_on=date(2024, 6, 30),
            register_number=f"{i + 1:04d}/RBC-2024", verify_url=f"https://lienhiephoi.bacninh.gov.vn/v/{code}",
            kind="participation",
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    pdf = render_many(datas)
    elapsed = time.perf_counter() - started
    return [figure(f"{n} certificates, one merged PDF with a vector QR each", elapsed, "s", "≤ 30 s", elapsed <= 30,
                   f"{len(pdf) / 1e6:.1f} MB")]


def bench_robocon_schedule(smoke: bool = False) -> list[dict]:
    try:
        from contest.robocon.schedule import DayWindow, schedule_runs
    except ImportError as exc:  # pragma: no cover - module still being written
        return [figure("Robocon schedule", float("nan"), "s", "≤ 10 s", None, f"not available: {exc}")]
    from datetime import time as dtime

    n = 60 if smoke else 432
    teams = [f"T{i:03d}" for i in range(n)]
    days = [DayWindow(date(2024, 5, 18), dtime(7, 30), dtime(17, 30)), DayWindow(date(2024, 5, 19), dtime(7, 30), dtime(17, 30))]
    started = time.perf_counter()
    schedule_runs(teams, runs_per_team=3, fields=[f"Sân {i}" for i in range(1, 7)], days=days, slot_minutes=5,
                  min_gap_slots=2, seed=1)
    elapsed = time.perf_counter() - started
    return [figure(f"Robocon schedule, {n} teams × 3 runs on 6 fields over 2 days", elapsed, "s", "≤ 10 s",
                   elapsed <= 10)]
