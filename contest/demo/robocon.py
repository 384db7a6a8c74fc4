"""Demo play of the first provincial Robocon (``robocon-2024``, 432 teams).

The qualifying round (vòng loại) runs mission runs, 3 per team, at three venues with
three fields each over two days (18–19/05/2024), one ranking across the venues; the top
16 of each division (primary, lower secondary, upper secondary) go to the final
(08/06/2024), a single-elimination bracket with a third-place match. Every team checks in
and passes technical inspection; every run and match has a committed result (a few runs
were corrected, so their history has two versions, and two corrections wait for the head
referee), so rankings, brackets and the audience display show at once. The prizes per
division are then allocated and published (:mod:`contest.demo.robocon_results`).

Everything goes through ``contest.robocon.services`` except the 1,296 qualifying results,
which are scored with the core's ``score_run`` and written in bulk. Deterministic
(``random.Random`` with a fixed seed) and idempotent: an edition that already has
Robocon fixtures is left alone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, inspect, select, update

from contest.extensions import db
from contest.models import Edition, User
from contest.models.base import utcnow
from contest.models.robocon import (
    RoboconCheckin,
    RoboconFixture,
    RoboconInspection,
    RoboconResult,
    RoboconStage,
)
from contest.robocon import services as rs
from contest.robocon.schedule import DayWindow
from contest.robocon.scoring import SheetSpec, score_run

SLUG = "robocon-2024"
SEED = 2024
FINALISTS = 16
QUALIFYING_VENUES = [
    ("Điểm thi TP Bắc Giang – Trường THPT Chuyên Bắc Giang", ["Sân 1", "Sân 2", "Sân 3"]),
    ("Điểm thi Lục Ngạn – Trường THPT Lục Ngạn số 1", ["Sân 1", "Sân 2", "Sân 3"]),
    ("Điểm thi Hiệp Hoà – Trường THPT Hiệp Hoà số 1", ["Sân 1", "Sân 2", "Sân 3"]),
]
QUALIFYING_DAYS = [
    DayWindow(date(2024, 5, 18), time(7, 30), time(11, 30)),
    DayWindow(date(2024, 5, 18), time(13, 30), time(17, 0)),
    DayWindow(date(2024, 5, 19), time(7, 30), time(11, 30)),
    DayWindow(date(2024, 5, 19), time(13, 30), time(17, 0)),
]
FINAL_VENUES = [("Nhà thi đấu tỉnh Bắc Giang", ["Sân A", "Sân B", "Sân C"])]
FINAL_DAYS = [
    DayWindow(date(2024, 6, 8), time(8, 0), time(11, 30)),
    DayWindow(date(2024, 6, 8), time(13, 30), time(17, 0)),
]
DQ_REASONS = [
    "Robot vượt kích thước cho phép khi xuất phát",
    "Thành viên đội chạm tay vào robot lần thứ ba sau hai lần cảnh cáo",
    "Robot làm hỏng đạo cụ trên sân thi đấu",
]
CORRECTIONS = [
    "Trọng tài bỏ sót một lần ghi điểm; đã xem lại video",
    "Trọng tài sân ghi nhầm số lần thực hiện nhiệm vụ",
    "Đội khiếu nại, tổng trọng tài xem lại video: tính thêm một lần ghi điểm",
]


def _user_id(username: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.username == username))


def _side(rng: random.Random, spec: SheetSpec, skill: float) -> tuple[dict, dict, float | None]:
    """What a referee writes for one run of a team of the given skill (0–1)."""
    counts = {}
    for it in spec.items:
        top = it.max_count if it.max_count is not None else 5
        p = min(0.9, max(0.03, 0.85 * skill + rng.gauss(0, 0.15)))
        counts[it.code] = sum(1 for _ in range(top) if rng.random() < p)
    penalties = {it.code: (1 if rng.random() < 0.15 * (1.2 - skill) else 0) for it in spec.penalties}
    finished = counts.get("ve_dich", 0) > 0
    limit = spec.time_limit_s or 180
    fast = 40 + 20 * rng.random()
    time_s = round(min(limit, max(fast, limit * (1.1 - skill) + rng.gauss(0, 15))), 1) if finished else None
    return counts, penalties, time_s


def _ready(edition: Edition, level, entry_ids: list[int], inspector: int | None, when: datetime) -> None:
    """Check in and pass inspection for many teams at once (bulk insert)."""
    items = [{"code": i["code"], "label": i["label"], "ok": True, "note": ""} for i in rs.inspection_items(edition)]
    db.session.execute(insert(RoboconCheckin), [
        {"entry_id": e, "level_id": level.id, "checked_in_at": when, "checked_in_by_id": inspector}
        for e in entry_ids])
    db.session.execute(insert(RoboconInspection), [
        {"entry_id": e, "level_id": level.id, "items": items, "passed": True, "inspector_id": inspector,
         "inspected_at": when} for e in entry_ids])


def _has_play(edition: Edition) -> bool:
    return bool(db.session.scalar(
        select(func.count(RoboconFixture.id)).join(RoboconStage).where(RoboconStage.edition_id == edition.id)))


def seed_robocon() -> dict[str, int]:
    """Play the demo qualifying round and final of robocon-2024, then transfer the final
    rankings and publish the prizes per division (:mod:`contest.demo.robocon_results`,
    which also runs on a database whose play was seeded earlier); returns counts."""
    from contest.demo.robocon_results import seed_robocon_results

    summary = _seed_play()
    summary.update(seed_robocon_results())
    return summary


def _seed_play() -> dict[str, int]:
    """Play the demo qualifying round and final of robocon-2024; returns counts (0 when
    the edition is missing, has no teams, or already has fixtures)."""
    if not inspect(db.engine).has_table("robocon_fixture"):  # database not migrated yet
        return {"lượt/trận Robocon mới": 0}
    edition = db.session.scalar(select(Edition).where(Edition.slug == SLUG))
    if edition is None or _has_play(edition):
        return {"lượt/trận Robocon mới": 0}
    qualifying = rs.level_of(edition, "vong_loai")
    final = rs.level_of(edition, "chung_ket")
    divisions = list(edition.divisions)
    if qualifying is None or final is None or not divisions:
        return {"lượt/trận Robocon mới": 0}
    if not any(rs.stage_entries(edition, qualifying, d) for d in divisions):
        return {"lượt/trận Robocon mới": 0}
    rng = random.Random(SEED)
    referee, head = _user_id("trongtai"), _user_id("tongtrongtai")

    for d in divisions:
        rs.save_format(edition, qualifying, d, rs.StageFormat(
            format="mission", runs_per_team=3, ranking="best", cut_size=FINALISTS, on_tie="exclude"))
        rs.save_format(edition, final, d, rs.StageFormat(
            format="head_to_head", group_size=0, third_place=True, cut_size=4))

    # ----- qualifying round: 3 runs each at three venues, one ranking ------------------
    rs.generate_schedule(edition, qualifying, divisions, rs.ScheduleParams(
        QUALIFYING_VENUES, QUALIFYING_DAYS, slot_minutes=5, min_gap_slots=3, seed=SEED))
    entries = {e.id: e for d in divisions for e in rs.stage_entries(edition, qualifying, d)}
    _ready(edition, qualifying, list(entries), referee, datetime(2024, 5, 18, 0, 30))
    skill = {eid: min(0.92, max(0.08, rng.betavariate(2.2, 2.4))) for eid in sorted(entries)}
    specs = {d.id: rs.sheet_spec(edition, d) for d in divisions}
    stage_ids = list(db.session.scalars(select(RoboconStage.id).where(
        RoboconStage.edition_id == edition.id, RoboconStage.level_id == qualifying.id)))
    runs = db.session.execute(
        select(RoboconFixture.id, RoboconFixture.entry_a_id, RoboconFixture.starts_at)
        .where(RoboconFixture.stage_id.in_(stage_ids)).order_by(RoboconFixture.id)).all()
    rows = []
    corrected: list[tuple[int, dict, SheetSpec, dict, dict, float | None]] = []
    for fixture_id, entry_id, starts_at in runs:
        entry = entries[entry_id]
        spec = specs[entry.division_id]
        counts, penalties, time_s = _side(rng, spec, skill[entry_id])
        dq = rng.random() < 0.01
        reason = rng.choice(DQ_REASONS) if dq else None
        score = score_run(spec, counts, penalties, time_s, dq, reason)
        # entered four minutes after the start of the slot (stored in UTC, the slot is local)
        stamp = starts_at - timedelta(hours=7) + timedelta(minutes=4) if starts_at else utcnow()
        row = {
            "fixture_id": fixture_id, "version": 1, "status": "committed", "source": "demo",
            "points_a": score.points, "time_a": time_s, "dq_a": score.dq, "dq_reason_a": score.dq_reason,
            "sheet": {"a": {"counts": {k: v for k, v in counts.items() if v},
                            "penalties": {k: v for k, v in penalties.items() if v},
                            "breakdown": score.breakdown}},
            "created_by_id": referee, "created_at": stamp, "committed_by_id": head, "committed_at": stamp,
        }
        if not dq and len(corrected) < 8 and rng.random() < 0.02:
            corrected.append((fixture_id, row, spec, counts, penalties, time_s))
        rows.append(row)
    # A few runs were corrected: version 1 superseded by version 2 (6 committed, 2 waiting).
    extra = []
    for i, (_, row, spec, counts, penalties, time_s) in enumerate(corrected):
        # the referee missed one scoring action: one more of the first item below its maximum
        more = dict(counts)
        item = next((it for it in spec.items if it.max_count is None or more.get(it.code, 0) < it.max_count), None)
        if item is not None:
            more[item.code] = more.get(item.code, 0) + 1
        score = score_run(spec, more, penalties, time_s)
        fixed = dict(row, version=2, note=CORRECTIONS[i % len(CORRECTIONS)], points_a=score.points,
                     sheet={"a": {"counts": {k: v for k, v in more.items() if v},
                                  "penalties": {k: v for k, v in penalties.items() if v},
                                  "breakdown": score.breakdown}})
        if i < len(corrected) - 2:
            row["status"] = "superseded"
        else:
            fixed.update(status="pending", committed_by_id=None, committed_at=None)
        extra.append(fixed)
    db.session.execute(insert(RoboconResult), rows + extra)
    db.session.execute(update(RoboconFixture).where(RoboconFixture.stage_id.in_(stage_ids))
                       .values(state="committed"))
    pending = [c[0] for c in corrected[-2:]]
    if pending:
        db.session.execute(update(RoboconFixture).where(RoboconFixture.id.in_(pending)).values(state="pending"))
    db.session.flush()
    db.session.expire_all()

    # ----- the cut line: top 16 of each division to the final -----------------------------
    for d in divisions:
        rs.close_cut(edition, qualifying, d)

    # ----- final: a 16-team bracket per division with a third-place match ------------------
    for d in divisions:
        rs.build_stage_bracket(edition, final, d)
    rs.generate_schedule(edition, final, divisions, rs.ScheduleParams(
        FINAL_VENUES, FINAL_DAYS, slot_minutes=10, min_gap_slots=1, seed=SEED))
    finalists = [e.id for d in divisions for e in rs.stage_entries(edition, final, d)]
    _ready(edition, final, finalists, referee, datetime(2024, 6, 8, 0, 30))
    referee_user = db.session.get(User, referee) if referee else None
    head_user = db.session.get(User, head) if head else None
    played = 0
    while True:
        ready = db.session.scalars(
            select(RoboconFixture).join(RoboconStage)
            .where(RoboconStage.edition_id == edition.id, RoboconStage.level_id == final.id,
                   RoboconFixture.state == "scheduled", RoboconFixture.entry_a_id.is_not(None),
                   RoboconFixture.entry_b_id.is_not(None))
            .order_by(RoboconFixture.starts_at, RoboconFixture.id)).all()
        if not ready:
            break
        for fx in ready:
            spec = specs[fx.stage.division_id]
            sides = []
            for eid in (fx.entry_a_id, fx.entry_b_id):
                counts, penalties, time_s = _side(rng, spec, min(0.97, skill[eid] + 0.08))
                sides.append(rs.SideInput(counts, penalties, time_s))
            data = rs.SheetInput(sides[0], sides[1])
            try:
                result = rs.save_result(fx, data, user=referee_user, source="demo")
            except rs.RoboconError:  # a draw on points and time: the referee decides
                data.winner = "a" if skill[fx.entry_a_id] >= skill[fx.entry_b_id] else "b"
                result = rs.save_result(fx, data, user=referee_user, source="demo")
            rs.commit_result(result, user=head_user)
            # entered and committed a few minutes after the match (UTC; the slot is local)
            result.created_at = fx.starts_at - timedelta(hours=7) + timedelta(minutes=6)
            result.committed_at = result.created_at + timedelta(minutes=2)
            played += 1
    db.session.flush()
    return {"lượt thi vòng loại Robocon": len(runs), "trận chung kết Robocon": played,
            "kết quả Robocon chờ duyệt": len(pending), "đội vào chung kết Robocon": len(finalists)}
