"""The demo pipeline: the 2023 results of the Union's reports reproduced through the real
services (advancement, judging, allocation, publication), not written as final numbers.

``sang-tao-tttn-2023`` (youth creativity, 19th edition):

1. the schools' own judging: a score for each of the 1,552 school-level entries
   (``EntryLevel.score`` at "truong");
2. quotas per former district at the school level (total 560) and advancement by quota
   (:func:`contest.results.advancing.apply`) -> 560 at the district level;
3. district judging: one panel per field, 18 district judges, 3 judges per entry
   (:mod:`judging.panels`), submitted score sheets written in bulk with their
   ``ScoreChange`` log, panels closed, :func:`judging.analysis.write_results`;
4. quotas per district at the district level (total 111), advancement -> 111 at the
   province level;
5. province judging the same way, 5 judges per entry;
6. prizes 2/4/6/18 (:func:`contest.results.service.propose_allocation`), approved with
   the award decision and published;
7. the best 12 nominated to the national contest and their national results recorded
   (one second prize, one consolation prize).

``hoi-thi-sang-tao-ky-thuat-10`` (technical innovation, 10th edition): the 154 solutions
scored by :mod:`contest.demo.judging` -> panels closed, results written, prizes 4/6/16/20
with prize money per rank (demo amounts), approved, published.

Plus the report-only history of earlier editions (:mod:`contest.demo.history`).

Deterministic (``random.Random`` with fixed seeds) and idempotent: every stage checks
whether its output exists before it runs. Judges' scores are simulated from a latent
quality per entry, a severity per judge and noise; where two entries would tie exactly
at a cut (a district's quota, a prize boundary) one judge's point on one criterion is
nudged by one step, as a panel would settle it, so the reports' numbers come out exact.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask import current_app
from sqlalchemy import func, insert, select, update

from contest import audit
from contest.auth.demo import DEMO_PASSWORD
from contest.auth.services import create_user, find_user, grant_role
from contest.demo import data
from contest.demo.history import seed_history
from contest.demo.registrations import apportion
from contest.extensions import db
from contest.models import (
    JUDGE,
    Assignment,
    Edition,
    Entry,
    EntryLevel,
    Level,
    NationalResult,
    Panel,
    Quota,
    Rubric,
    ScoreChange,
    ScoreItem,
    ScoreSheet,
    User,
    utcnow,
)
from contest.results import advancing
from contest.results import service as results
from judging import analysis
from judging import panels as panel_services
from judging.rubrics import lock_rubric, rubric_for
from registration.services import set_quota

SEED = 2023
YOUTH_SLUG = "sang-tao-tttn-2023"
TECH_SLUG = "hoi-thi-sang-tao-ky-thuat-10"
ORGANISER_USERNAME = "btc"

YOUTH_DISTRICT_TOTAL = 560
YOUTH_PROVINCE_TOTAL = 111
YOUTH_NATIONAL = 12
YOUTH_PRIZES = {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}
# Demo amounts (VND per prize): the real ones are set by the provincial resolution in force.
YOUTH_AMOUNTS = {"nhat": 10_000_000, "nhi": 7_000_000, "ba": 5_000_000, "khuyen_khich": 2_000_000}
TECH_PRIZES = {"nhat": 4, "nhi": 6, "ba": 16, "khuyen_khich": 20}
# Demo amounts modelled on resolution 26/2018/NQ-HĐND (not its exact figures).
TECH_AMOUNTS = {"nhat": 20_000_000, "nhi": 15_000_000, "ba": 10_000_000, "khuyen_khich": 5_000_000}
YOUTH_DECISION = ("1234/QĐ-LHH", date(2023, 10, 20))
TECH_DECISION = ("1235/QĐ-LHH", date(2023, 10, 20))
# What the 2023 nominees won nationally, by their place in the province ranking.
NATIONAL_PRIZES_BY_PLACE = {1: "nhi", 4: "khuyen_khich"}
NATIONAL_NOTE = "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng toàn quốc lần thứ 19 (2022–2023)"

DISTRICT_JUDGES = 18
DISTRICT_PANEL_SIZE = 4
PROVINCE_NEW_JUDGES = [
    ("gk.binhnv", "ThS. Nguyễn Văn Bình", "Sở Giáo dục và Đào tạo"),
    ("gk.thuyntt", "TS. Nguyễn Thị Thu Thủy", "Trường Đại học Nông Lâm Bắc Giang"),
    ("gk.quangld", "ThS. Lê Đức Quang", "Tỉnh đoàn Bắc Giang"),
]
# (panel name, category code or None for the other fields, [(username, role)]), 5 judges per entry.
PROVINCE_PANELS = [
    ("Hội đồng chấm cấp tỉnh – Tin học, phần mềm", "th",
     [("gk.tungdt", "chair"), ("gk.quangld", "member"), ("gk.namnh", "member"), ("gk.khaipv", "member"),
      ("gk.binhnv", "member")]),
    ("Hội đồng chấm cấp tỉnh – Các lĩnh vực khác", None,
     [("giamkhao", "chair"), ("gk.hungnq", "member"), ("gk.trangbtt", "member"), ("gk.honglt", "member"),
      ("gk.ngocdt", "member"), ("gk.thuyntt", "member"), ("gk.vinhtq", "member")]),
]
TITLES = ("ThS.", "ThS.", "CN.", "GV.")
DEVICE_DISTRICT = "Máy tính bảng – Hội đồng chấm cấp huyện (dữ liệu trình diễn)"
DEVICE_PROVINCE = "Máy tính bảng – Hội đồng chấm cấp tỉnh (dữ liệu trình diễn)"
# Judging days (local time 08:00 is 01:00 UTC).
DISTRICT_DAY = datetime(2023, 4, 20, 1, 0)
PROVINCE_DAY = datetime(2023, 9, 15, 1, 0)


def _edition(slug: str) -> Edition | None:
    return db.session.scalar(select(Edition).where(Edition.slug == slug))


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def _organiser() -> User | None:
    return find_user(ORGANISER_USERNAME)


# ----------------------------------------------------------------------------- entry quality


def _quality(rng_seed: str, entry_ids: list[int]) -> dict[int, float]:
    """A latent quality (0–100) per entry, fixed for the edition."""
    rng = random.Random(rng_seed)
    return {eid: min(96.0, max(28.0, rng.gauss(62.0, 11.0))) for eid in sorted(entry_ids)}


def _school_scores(edition: Edition, level: Level, quality: dict[int, float]) -> int:
    """Each school's own score for its entries (two decimals, distinct within a district
    so that the district's quota never cuts through a tie)."""
    rows = db.session.execute(
        select(EntryLevel.id, EntryLevel.entry_id, EntryLevel.area_unit_id, EntryLevel.score)
        .join(Entry, Entry.id == EntryLevel.entry_id)
        .where(EntryLevel.level_id == level.id, Entry.edition_id == edition.id, Entry.status == "accepted")
        .order_by(EntryLevel.entry_id)
    ).all()
    if not rows or any(score is not None for *_rest, score in rows):
        return 0
    rng = random.Random(f"{SEED}:school")
    used: dict[int | None, set[Decimal]] = defaultdict(set)
    updates = []
    for el_id, entry_id, area, _score in rows:
        while True:
            raw = min(99.5, max(20.0, quality[entry_id] + rng.gauss(4.0, 6.0)))
            score = Decimal(str(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if score not in used[area]:
                used[area].add(score)
                break
        updates.append({"id": el_id, "score": score})
    db.session.execute(update(EntryLevel), updates)
    audit.record("results.school_scores", "level", level.id, new={"entries": len(updates)},
                 reason="Điểm chấm cấp cơ sở do các trường gửi lên (dữ liệu trình diễn)")
    return len(updates)


def _area_sizes(edition: Edition, level: Level) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Entry.area_unit_id, func.count())
            .join(EntryLevel, (EntryLevel.entry_id == Entry.id) & (EntryLevel.level_id == level.id))
            .where(Entry.edition_id == edition.id, Entry.status == "accepted", Entry.area_unit_id.is_not(None))
            .group_by(Entry.area_unit_id)
        ).all()
    )


def _set_quotas(edition: Edition, level: Level, total: int, actor) -> dict[int, int]:
    """Quotas per area at ``level`` proportional to its entries, summing to ``total``
    (kept when the organiser has set any)."""
    current = dict(
        db.session.execute(
            select(Quota.unit_id, Quota.max_entries).where(
                Quota.edition_id == edition.id, Quota.level_id == level.id, Quota.unit_id.is_not(None)
            )
        ).all()
    )
    if current:
        return current
    sizes = _area_sizes(edition, level)
    units = sorted(sizes)
    counts = apportion(min(total, sum(sizes.values())), [sizes[u] for u in units])
    quotas = {}
    for unit_id, n in zip(units, counts, strict=True):
        set_quota(edition, min(n, sizes[unit_id]), unit_id=unit_id, level_id=level.id, actor=actor)
        quotas[unit_id] = min(n, sizes[unit_id])
    db.session.flush()
    return quotas


def _advance(edition: Edition, level: Level, spec: advancing.RuleSpec, actor) -> int:
    target = advancing.next_level(edition, level)
    if target is None:
        return 0
    if _count(select(func.count()).select_from(EntryLevel).join(Entry, Entry.id == EntryLevel.entry_id)
              .where(Entry.edition_id == edition.id, EntryLevel.level_id == target.id)):
        return 0
    plan = advancing.apply(edition, level, spec, actor=actor)
    if plan.counts.get("pending"):
        current_app.logger.warning("demo pipeline: %s entries left pending at %s", plan.counts["pending"], level.code)
    return plan.counts.get("advanced", 0)


# ----------------------------------------------------------------------------- judges


def _judge_account(username: str, full_name: str, edition: Edition, template: User | None) -> User:
    """A judge account with the demo password. The password hash is copied from the
    demo organiser's (same password) instead of hashing again: scrypt costs ~0.2 s each."""
    user = find_user(username)
    if user is None:
        if template is None:
            user = create_user(username, full_name, DEMO_PASSWORD)
        else:
            user = User(username=username, full_name=full_name, active=True,
                        password_hash=template.password_hash, password_changed_at=utcnow())
            db.session.add(user)
            db.session.flush()
            audit.record("user.create", "user", user.id, new={"username": username})
    grant_role(user, JUDGE, edition_id=edition.id)
    return user


def _district_judges(edition: Edition, template: User | None) -> list[User]:
    rng = random.Random(f"{SEED}:district-judges")
    users = []
    for i in range(1, DISTRICT_JUDGES + 1):
        name, _gender = data.person_name(rng)
        users.append(_judge_account(f"gk.huyen{i:02d}", f"{rng.choice(TITLES)} {name}", edition, template))
    return users


# ----------------------------------------------------------------------------- bulk scoring


@dataclass
class _Sheet:
    assignment_id: int
    entry_id: int
    judge_id: int
    rubric_id: int
    items: list[list]  # [criterion id, points, max points, step]
    total: Decimal = Decimal(0)

    def recompute(self) -> None:
        self.total = sum((Decimal(i[1]) for i in self.items), Decimal(0))


@dataclass
class _Scores:
    sheets: dict[int, list[_Sheet]] = field(default_factory=lambda: defaultdict(list))  # entry -> sheets

    def official(self, entry_id: int) -> Decimal:
        """The official score as judging.aggregation computes it: mean, 2 decimals half up."""
        sheets = self.sheets[entry_id]
        mean = sum((Fraction(s.total) for s in sheets), Fraction(0)) / len(sheets)
        return (Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def bump(self, entry_id: int) -> bool:
        """One step more on one criterion of one of the entry's sheets (a judge settling
        a tie); False when every criterion is at its maximum."""
        for sheet in self.sheets[entry_id]:
            for item in sheet.items:
                if item[1] + item[3] <= item[2]:
                    item[1] += item[3]
                    sheet.recompute()
                    return True
        return False


def separate_ties(scores: _Scores, groups: list[tuple[list[int], list[int]]], limit: int = 2000) -> int:
    """Nudge scores until no two entries tie across a cut. ``groups``: (entry ids,
    cut sizes), e.g. (a district's entries, [its quota]) or (the level, [2, 6, 12, 30]).
    Returns the number of nudges."""
    nudges = 0
    for _ in range(limit):
        clean = True
        for entry_ids, cuts in groups:
            ranked = sorted(entry_ids, key=lambda e: (-scores.official(e), e))
            for cut in cuts:
                if 0 < cut < len(ranked) and scores.official(ranked[cut - 1]) == scores.official(ranked[cut]):
                    if scores.bump(ranked[cut - 1]) or scores.bump(ranked[cut]):
                        nudges += 1
                    clean = False
        if clean:
            return nudges
    return nudges


def _simulate(level: Level, assignments: list[tuple[int, int, int]], quality: dict[int, float],
              entries: dict[int, Entry], seed: str, noise: float) -> _Scores:
    """Score sheets for (assignment id, entry id, judge id) rows: a judge's total is the
    entry's quality plus the judge's severity and noise, spread over the criteria."""
    rng = random.Random(seed)
    judges = sorted({j for _a, _e, j in assignments})
    severity = {j: rng.gauss(0.0, 2.5) for j in judges}
    rubrics: dict[int | None, Rubric] = {}
    scores = _Scores()
    for assignment_id, entry_id, judge_id in sorted(assignments):
        entry = entries[entry_id]
        if entry.category_id not in rubrics:
            rubrics[entry.category_id] = rubric_for(entry, level)
        rubric = rubrics[entry.category_id]
        if rubric is None:
            continue
        total = quality[entry_id] + severity[judge_id] + rng.gauss(0.0, noise)
        share = min(0.99, max(0.12, total / 100.0))
        items = []
        for c in rubric.criteria:
            maximum = Decimal(c.max_points)
            step = Decimal(c.step or Decimal("0.5"))
            raw = float(maximum) * share + rng.gauss(0.0, float(maximum) / 30.0)
            units = (Decimal(str(raw)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            points = min(max(units * step, Decimal(0)), maximum)
            items.append([c.id, points, maximum, step])
        sheet = _Sheet(assignment_id, entry_id, judge_id, rubric.id, items)
        sheet.recompute()
        scores.sheets[entry_id].append(sheet)
    for rubric in rubrics.values():
        if rubric is not None:
            lock_rubric(rubric)
    return scores


def _write_sheets(scores: _Scores, day: datetime, device: str, key_prefix: str) -> int:
    """Submitted sheets, their items and the change log (one row per point and one for
    the submission), inserted in bulk."""
    sheets = [s for rows in scores.sheets.values() for s in rows]
    sheets.sort(key=lambda s: s.assignment_id)
    rng = random.Random(f"{key_prefix}:times")
    times = {}
    sheet_rows = []
    for s in sheets:
        started = day + timedelta(minutes=rng.randint(0, 420), seconds=rng.randint(0, 59))
        done = started + timedelta(minutes=rng.randint(3, 12))
        times[s.assignment_id] = (started, done)
        sheet_rows.append({
            "assignment_id": s.assignment_id, "rubric_id": s.rubric_id, "status": "submitted",
            "total": s.total.quantize(Decimal("0.01")), "comment": None, "source": "tablet",
            "submitted_at": done, "updated_at": done, "version": 1,
        })
    ids = db.session.scalars(
        insert(ScoreSheet).returning(ScoreSheet.id, sort_by_parameter_order=True), sheet_rows
    ).all()
    items, changes = [], []
    for s, sheet_id in zip(sheets, ids, strict=True):
        started, done = times[s.assignment_id]
        step = (done - started) / (len(s.items) + 1)
        for k, (criterion_id, points, _max, _step) in enumerate(s.items, start=1):
            at = started + step * k
            items.append({"sheet_id": sheet_id, "criterion_id": criterion_id, "points": points, "updated_at": at})
            changes.append({
                "sheet_id": sheet_id, "criterion_id": criterion_id, "field": "points", "old": None,
                "new": f"{points:f}", "user_id": s.judge_id, "at": at, "device": device, "reason": None,
                "idempotency_key": f"{key_prefix}-{sheet_id}-{criterion_id}", "client_time": at,
            })
        changes.append({
            "sheet_id": sheet_id, "criterion_id": None, "field": "status", "old": "draft", "new": "submitted",
            "user_id": s.judge_id, "at": done, "device": device, "reason": None,
            "idempotency_key": f"{key_prefix}-{sheet_id}-submit", "client_time": done,
        })
    db.session.execute(insert(ScoreItem), items)
    db.session.execute(insert(ScoreChange), changes)
    return len(sheets)


def _judge_level(
    edition: Edition,
    level: Level,
    panel_specs: list[tuple[str, object, list[tuple[User, str]], int]],
    *,
    quality: dict[int, float],
    cuts: list[tuple[list[int], list[int]]] | None,
    cut_of_areas: dict[int, int] | None,
    day: datetime,
    device: str,
    noise: float,
    actor,
) -> dict[str, int]:
    """Panels, assignment, bulk scores, closed panels and results written into the level.
    ``cut_of_areas``: area -> how many go up (no tie across it); ``cuts``: extra groups."""
    if _count(select(func.count()).select_from(Panel).where(Panel.edition_id == edition.id, Panel.level_id == level.id)):
        return {}
    made = []
    for name, category, members, k in panel_specs:
        panel = panel_services.create_panel(edition, level, category, name, judges_per_entry=k, rule="mean", actor=actor)
        for user, role in members:
            panel_services.add_member(panel, user, role=role, actor=actor)
        made.append(panel)
    db.session.flush()
    report = panel_services.run_assignment(edition, level, links=2, seed=SEED, actor=actor)
    rows = db.session.execute(
        select(Assignment.id, Assignment.entry_id, Assignment.judge_id).where(
            Assignment.panel_id.in_([p.id for p in made])
        )
    ).all()
    entry_ids = sorted({r[1] for r in rows})
    entries = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_(entry_ids)))}
    scores = _simulate(level, [tuple(r) for r in rows], quality, entries, f"{SEED}:{edition.slug}:{level.code}", noise)
    groups = list(cuts or [])
    if cut_of_areas:
        by_area: dict[int | None, list[int]] = defaultdict(list)
        for eid in scores.sheets:
            by_area[entries[eid].area_unit_id].append(eid)
        groups += [(ids, [cut_of_areas.get(area, 0)]) for area, ids in by_area.items()]
    nudges = separate_ties(scores, groups)
    n_sheets = _write_sheets(scores, day, device, f"demo-{SEED}-{level.id}")
    db.session.flush()
    for panel in made:
        panel_services.close_panel(panel, actor=actor)
    written, _missing = analysis.write_results(edition, level, actor=actor)
    return {
        "hội đồng": len(made), "phân công": report.added, "phiếu chấm": n_sheets,
        "bài có điểm": written, "điều chỉnh đồng điểm": nudges,
    }


# ----------------------------------------------------------------------------- prizes


def _publish_prizes(edition: Edition, level: Level, prizes: dict, amounts: dict, decision, actor,
                    nominations: int) -> dict[str, int]:
    if results.published_version(edition, level) is not None:
        return {}
    if results.level_settings(edition, level) is None:
        results.save_prize_settings(edition, level, {
            "quotas": prizes, "min_scores": {}, "tie_policy": "cascade", "amounts": amounts,
            "nominations": nominations,
        }, actor=actor)
    version = results.open_version(edition, level)
    if version is None or version.status == "draft":
        version = results.propose_allocation(edition, level, actor=actor)
    counts = results.counts_of(version)
    if counts != {**dict.fromkeys(counts, 0), **prizes}:
        current_app.logger.warning("demo pipeline: %s prizes %s differ from %s", edition.slug, counts, prizes)
    if version.status == "draft":
        number, day = decision
        results.approve(version, decision_number=number, decision_date=day, actor=actor)
    results.publish(version, actor=actor)
    return {"giải": sum(counts.values()), "tiền thưởng (đồng)": results.money_summary(version).total}


# ----------------------------------------------------------------------------- editions


def run_youth(edition: Edition, actor) -> dict[str, int]:
    summary: dict[str, int] = {}
    truong, huyen, tinh = edition.level("truong"), edition.level("huyen"), edition.level("tinh")
    if truong is None or huyen is None or tinh is None:
        return summary
    entry_ids = list(db.session.scalars(
        select(Entry.id).where(Entry.edition_id == edition.id, Entry.status == "accepted")
    ))
    if not entry_ids:
        return summary
    quality = _quality(f"{SEED}:{edition.slug}:quality", entry_ids)
    template = _organiser()

    summary["điểm cấp trường"] = _school_scores(edition, truong, quality)
    _set_quotas(edition, truong, YOUTH_DISTRICT_TOTAL, actor)
    summary["lên cấp huyện"] = _advance(edition, truong, advancing.RuleSpec("quota"), actor)

    # District level: quotas for the next step first, so that judging settles ties at the cuts.
    province_quotas = _set_quotas(edition, huyen, YOUTH_PROVINCE_TOTAL, actor)
    judges = _district_judges(edition, template)
    present = set(db.session.scalars(
        select(Entry.category_id).where(Entry.edition_id == edition.id, Entry.level_id == huyen.id)
    ))
    specs = []
    slot = 0
    for category in edition.categories:
        if category.id not in present:
            continue
        members = [(judges[(slot * 2 + i) % len(judges)], "chair" if i == 0 else "member")
                   for i in range(DISTRICT_PANEL_SIZE)]
        specs.append((f"Tiểu ban cấp huyện – {category.name}", category, members, 3))
        slot += 1
    done = _judge_level(edition, huyen, specs, quality=quality, cuts=None, cut_of_areas=province_quotas,
                        day=DISTRICT_DAY, device=DEVICE_DISTRICT, noise=4.0, actor=actor)
    summary.update({f"{k} cấp huyện": v for k, v in done.items()})
    summary["lên cấp tỉnh"] = _advance(edition, huyen, advancing.RuleSpec("quota"), actor)

    # Province level: 5 judges per entry; no tie at the prize boundaries or the nominations.
    from contest.demo.judging import seed_judges

    users = seed_judges(edition)
    for username, full_name, _where in PROVINCE_NEW_JUDGES:
        users[username] = _judge_account(username, full_name, edition, template)
    categories = {c.code: c for c in edition.categories}
    specs = []
    for name, code, members in PROVINCE_PANELS:
        category = categories.get(code) if code else None
        if code and category is None:
            continue
        specs.append((name, category, [(users[u], role) for u, role in members], 5))
    province_ids = list(db.session.scalars(
        select(Entry.id).where(Entry.edition_id == edition.id, Entry.level_id == tinh.id)
    ))
    boundaries, total = [], 0
    for n in YOUTH_PRIZES.values():
        total += n
        boundaries.append(total)
    done = _judge_level(edition, tinh, specs, quality=quality,
                        cuts=[(province_ids, sorted({*boundaries, YOUTH_NATIONAL}))], cut_of_areas=None,
                        day=PROVINCE_DAY, device=DEVICE_PROVINCE, noise=3.0, actor=actor)
    summary.update({f"{k} cấp tỉnh": v for k, v in done.items()})

    summary.update(_publish_prizes(edition, tinh, YOUTH_PRIZES, YOUTH_AMOUNTS, YOUTH_DECISION, actor,
                                   YOUTH_NATIONAL))
    summary["đề cử toàn quốc"] = _advance(edition, tinh, advancing.RuleSpec("top", top_n=YOUTH_NATIONAL), actor)
    summary["kết quả toàn quốc"] = _national_results(edition, actor)
    return summary


def _national_results(edition: Edition, actor) -> int:
    if _count(select(func.count()).select_from(NationalResult).where(NationalResult.edition_id == edition.id)):
        return 0
    rows = advancing.national_rows(edition)
    entries = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_([r.entry_id for r in rows])))}
    for place, row in enumerate(rows, start=1):
        advancing.record_national_result(
            edition, entries[row.entry_id], NATIONAL_PRIZES_BY_PLACE.get(place), note=NATIONAL_NOTE, actor=actor
        )
    return len(rows)


def run_technical(edition: Edition, actor) -> dict[str, int]:
    level = edition.level("tinh")
    if level is None:
        return {}
    panels = panel_services.panels_of(edition, level)
    if not panels:
        return {}
    for panel in panels:
        if not panel.closed:
            panel_services.close_panel(panel, actor=actor)
    unscored = _count(
        select(func.count()).select_from(EntryLevel).join(Entry, Entry.id == EntryLevel.entry_id)
        .where(Entry.edition_id == edition.id, EntryLevel.level_id == level.id, EntryLevel.score.is_(None))
    )
    summary: dict[str, int] = {}
    if unscored:
        summary["bài có điểm"], _ = analysis.write_results(edition, level, actor=actor)
    summary.update(_publish_prizes(edition, level, TECH_PRIZES, TECH_AMOUNTS, TECH_DECISION, actor, 0))
    return summary


def run_pipeline() -> dict:
    """Run every stage that has not run yet; returns counts for the seed summary."""
    started = time.perf_counter()
    summary: dict = {"lịch sử kỳ thi (báo cáo)": seed_history()}
    actor = _organiser()
    youth = _edition(YOUTH_SLUG)
    if youth is not None:
        summary.update({f"{k} ({YOUTH_SLUG})": v for k, v in run_youth(youth, actor).items()})
    tech = _edition(TECH_SLUG)
    if tech is not None:
        summary.update({f"{k} ({TECH_SLUG})": v for k, v in run_technical(tech, actor).items()})
    db.session.flush()
    current_app.logger.info("demo pipeline took %.1f s", time.perf_counter() - started)
    return summary


__all__ = ["run_pipeline", "run_technical", "run_youth", "separate_ties"]

