"""Panel results: database rows in, :func:`judging.aggregation.analyse` out, and the
official score and rank written into ``EntryLevel``.

The official score is the edition's rule (mean of the judges' totals; the trimmed mean,
when a panel uses it, only for entries with 5 or more judges). Everything else on the
results page - severity-adjusted score, judge severity and consistency, ICC(1) and
Krippendorff's alpha, flags - is advice for the panel chair, never the result.

Only submitted sheets count. One query reads every sheet and criterion point of the
panels (560 entries x 3 judges x 5 criteria: 8,400 rows).
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.models import (
    Assignment,
    Category,
    Criterion,
    Edition,
    Entry,
    EntryLevel,
    Institution,
    Level,
    Panel,
    PanelMember,
    ScoreItem,
    ScoreSheet,
    User,
)
from contest.results.ranks import PRIZE_RANKS
from judging.aggregation import Analysis, Score, analyse
from judging.panels import PanelError, judge_labels, panels_of

__all__ = [
    "DEFAULT_BOUNDARIES",
    "Report",
    "analyse_level",
    "analyse_panel",
    "can_view_results",
    "prize_boundaries",
    "write_results",
]

DEFAULT_BOUNDARIES = (2, 6, 12, 30)  # 2 first, 4 second, 6 third, 18 consolation
TRIM_MIN_JUDGES = 5
KIND_LABELS = {"harsh": "Chặt tay", "lenient": "Lỏng tay", "inconsistent": "Thiếu nhất quán"}


def prize_boundaries(edition: Edition, level: Level | None = None) -> tuple[tuple[int, ...], bool]:
    """Cumulative prize counts from ``edition.settings["prizes"]`` and whether they came
    from the settings. The prize rules are kept per level code
    (``{"tinh": {"quotas": {"nhat": 2, …}, …}}``, see contest.results.service); older
    forms are accepted too: ``{"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}`` (rank
    codes, best first by :data:`PRIZE_RANKS`), a list of counts best first, or
    ``{"quotas": {...}}``. Otherwise (2, 6, 12, 30)."""
    raw = (edition.settings or {}).get("prizes")
    if isinstance(raw, dict) and level is not None and isinstance(raw.get(level.code), dict):
        raw = raw[level.code]
    if isinstance(raw, dict) and isinstance(raw.get("quotas"), dict | list):
        raw = raw["quotas"]
    counts: list[int] = []
    try:
        if isinstance(raw, dict):
            order = {r.code: r.order for r in PRIZE_RANKS}
            keys = sorted(raw, key=lambda k: (order.get(k, 99), str(k)))
            counts = [int(raw[k]) for k in keys]
        elif isinstance(raw, list):
            counts = [int(n) for n in raw]
    except (TypeError, ValueError):
        counts = []
    counts = [n for n in counts if n > 0]
    if not counts:
        return DEFAULT_BOUNDARIES, False
    cumulative, total = [], 0
    for n in counts:
        total += n
        cumulative.append(total)
    return tuple(cumulative), True


# ----------------------------------------------------------------------------- report


@dataclass
class EntryRow:
    entry_id: int
    code: str
    title: str
    institution: str
    category: str
    panel: str
    score: Decimal | None = None
    rank: int | None = None
    tied: bool = False
    n_judges: int = 0
    spread: float | None = None
    rule_applied: str = "mean"
    dropped: tuple[str, ...] = ()
    judge_totals: list[tuple[str, float]] = field(default_factory=list)
    adjusted: float | None = None
    component: int | None = None
    flags: list[str] = field(default_factory=list)
    rescore: bool = False
    boundary: bool = False
    submitted: int = 0
    assigned: int = 0


@dataclass
class JudgeRow:
    user_id: int
    label: str
    panels: list[str]
    assigned: int = 0
    submitted: int = 0
    n_scores: int = 0
    severity: float | None = None
    severity_se: float | None = None
    residual_sd: float | None = None
    misfit: float | None = None
    component: int | None = None
    flags: list[tuple[str, str]] = field(default_factory=list)  # (kind label, reason)

    @property
    def done(self) -> bool:
        return self.assigned > 0 and self.submitted >= self.assigned


@dataclass
class PanelStats:
    name: str
    n_entries: int
    n_judges: int
    icc1: float
    alpha: float


@dataclass
class Report:
    """Everything the results page shows."""

    edition: Edition
    level: Level
    panels: list[Panel]
    scope_label: str
    rule: str
    entries: list[EntryRow]  # ranked ones first (by rank), then the ones without scores
    judges: list[JudgeRow]
    reliability: list[PanelStats]
    rescore: list[tuple[EntryRow, str]]
    boundary: list[tuple[EntryRow, str]]
    sheet_flags: list[tuple[EntryRow, str, str]]  # (entry, judge, reason)
    notes: list[str]
    boundaries: tuple[int, ...]
    boundaries_from_settings: bool
    connected: bool
    n_components: int
    assigned: int
    submitted: int
    mixed_versions: bool
    analysis: Analysis | None
    seconds: float

    @property
    def scored_entries(self) -> list[EntryRow]:
        return [e for e in self.entries if e.score is not None]

    @property
    def unscored_entries(self) -> list[EntryRow]:
        return [e for e in self.entries if e.score is None]

    @property
    def progress_percent(self) -> int:
        return int(100 * self.submitted / self.assigned) if self.assigned else 0

    @property
    def all_closed(self) -> bool:
        return all(p.closed for p in self.panels)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _rows(panel_ids: Sequence[int]):
    """One row per (assignment, criterion point); assignments without a sheet or points
    still appear once (outer joins)."""
    stmt = (
        select(
            Assignment.id,
            Assignment.panel_id,
            Assignment.entry_id,
            Assignment.judge_id,
            Assignment.is_link,
            ScoreSheet.status,
            ScoreSheet.total,
            ScoreSheet.rubric_id,
            ScoreItem.points,
            Criterion.name,
        )
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .outerjoin(ScoreItem, ScoreItem.sheet_id == ScoreSheet.id)
        .outerjoin(Criterion, Criterion.id == ScoreItem.criterion_id)
        .where(Assignment.panel_id.in_(list(panel_ids)))
    )
    return db.session.execute(stmt).all()


def _build(edition: Edition, level: Level, panels: list[Panel], scope_label: str) -> Report:
    started = time.perf_counter()
    panel_ids = [p.id for p in panels]
    panel_name = {p.id: p.name for p in panels}
    rows = _rows(panel_ids) if panel_ids else []

    sheets: dict[int, dict] = {}
    for aid, pid, eid, jid, is_link, status, total, rubric_id, points, crit_name in rows:
        sheet = sheets.get(aid)
        if sheet is None:
            sheet = sheets[aid] = {
                "panel": pid, "entry": eid, "judge": jid, "link": is_link, "status": status,
                "total": total, "rubric": rubric_id, "items": {},
            }
        if points is not None and crit_name is not None:
            sheet["items"][crit_name] = points

    user_ids = {s["judge"] for s in sheets.values()}
    for p in panels:
        user_ids.update(m.user_id for m in p.members if m.role in ("member", "chair"))
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids)))) if user_ids else []
    labels = judge_labels(users)

    entry_ids = {s["entry"] for s in sheets.values()}
    info: dict[int, tuple] = {}
    if entry_ids:
        for eid, code, title, inst, cat in db.session.execute(
            select(Entry.id, Entry.code, Entry.title, Institution.name, Category.name)
            .join(Institution, Institution.id == Entry.institution_id)
            .outerjoin(Category, Category.id == Entry.category_id)
            .where(Entry.id.in_(entry_ids))
        ):
            info[eid] = (code, title, inst, cat or "")

    entry_panel: dict[int, int] = {}
    for s in sheets.values():
        if not s["link"] or s["entry"] not in entry_panel:
            entry_panel[s["entry"]] = s["panel"]
    entry_rows: dict[int, EntryRow] = {}
    for eid in entry_ids:
        code, title, inst, cat = info.get(eid, (str(eid), "", "", ""))
        entry_rows[eid] = EntryRow(eid, code, title, inst, cat, panel_name.get(entry_panel[eid], ""))

    scores: list[Score] = []
    assigned: Counter = Counter()
    submitted: Counter = Counter()
    rubric_versions: dict[int, set[int]] = defaultdict(set)
    for s in sheets.values():
        assigned[s["judge"]] += 1
        row = entry_rows[s["entry"]]
        row.assigned += 1
        if s["rubric"] is not None:
            rubric_versions[s["panel"]].add(s["rubric"])
        if s["status"] != "submitted":
            continue
        total = s["total"]
        if total is None:
            if not s["items"]:
                continue
            total = sum(s["items"].values(), Decimal(0))
        submitted[s["judge"]] += 1
        row.submitted += 1
        scores.append(Score(s["entry"], labels.get(s["judge"], str(s["judge"])), total, s["items"] or None))

    rules = {p.rule for p in panels}
    rule = rules.pop() if len(rules) == 1 else "mean"
    notes: list[str] = []
    if len({p.rule for p in panels}) > 1:
        notes.append(
            "Các hội đồng dùng cách tính điểm khác nhau; trang này tính trung bình cộng. "
            "Xem điểm chính thức ở trang kết quả của từng hội đồng."
        )
    boundaries, from_settings = prize_boundaries(edition, level)
    thresholds = {p.id: float(p.disagreement_threshold) for p in panels}
    threshold = min(thresholds.values()) if thresholds else 20.0
    mixed = any(len(v) > 1 for v in rubric_versions.values())
    if mixed:
        notes.append(
            "Có hội đồng chấm theo nhiều phiên bản bảng tiêu chí; tổng điểm giữa các phiên bản có thể không so sánh được."
        )

    analysis = None
    rescore: list[tuple[EntryRow, str]] = []
    boundary: list[tuple[EntryRow, str]] = []
    sheet_flags: list[tuple[EntryRow, str, str]] = []
    reliability: list[PanelStats] = []
    connected, n_components = True, 0
    judge_rows: dict[int, JudgeRow] = {}
    user_by_label = {label: uid for uid, label in labels.items()}
    member_panels: dict[int, list[str]] = defaultdict(list)
    for p in panels:
        for m in p.members:
            if m.role in ("member", "chair"):
                member_panels[m.user_id].append(p.name)
    for uid in set(assigned) | set(member_panels):
        judge_rows[uid] = JudgeRow(
            uid, labels.get(uid, str(uid)), member_panels.get(uid, []),
            assigned=assigned[uid], submitted=submitted[uid],
        )

    if scores:
        analysis = analyse(
            scores,
            rule=rule,
            trim_min_judges=TRIM_MIN_JUDGES,
            panel_of_entry={e: entry_rows[e].panel for e in entry_rows},
            disagreement_threshold=threshold,
            prize_boundaries=boundaries,
        )
        fit = analysis.fit
        connected, n_components = fit.connected, len(fit.components)
        for line in analysis.ranking:
            row = entry_rows[line.entry_id]
            res = line.result
            row.score, row.rank, row.tied = line.score, line.rank, line.tied
            row.n_judges, row.spread, row.rule_applied = res.n_judges, res.spread, res.rule_applied
            row.dropped = tuple(str(j) for j in res.dropped)
            row.judge_totals = sorted(((str(j), t) for j, t in res.judge_totals.items()), key=lambda x: x[0])
            row.adjusted = _finite(fit.adjusted.get(line.entry_id))
            row.component = fit.component_of_entry.get(line.entry_id)
        for flag in analysis.flags.rescore:
            row = entry_rows[flag.entry_id]
            if flag.kind == "disagreement":
                own = thresholds.get(entry_panel.get(flag.entry_id), threshold)
                if flag.value <= own:
                    continue
            row.rescore = True
            row.flags.append("Cần chấm lại: " + flag.reason)
            rescore.append((row, flag.reason))
        for flag in analysis.flags.boundary:
            row = entry_rows[flag.entry_id]
            row.boundary = True
            row.flags.append(flag.reason)
            boundary.append((row, flag.reason))
        for flag in analysis.flags.sheets:
            row = entry_rows[flag.entry_id]
            sheet_flags.append((row, str(flag.judge_id), flag.reason))
        notes.extend(analysis.flags.notes)
        for label, uid in user_by_label.items():
            row = judge_rows.get(uid)
            if row is None or label not in fit.severity:
                continue
            row.n_scores = fit.n_scores.get(label, 0)
            row.severity = _finite(fit.severity.get(label))
            row.severity_se = _finite(fit.severity_se.get(label))
            row.residual_sd = _finite(fit.residual_sd.get(label))
            row.misfit = _finite(fit.misfit.get(label))
            row.component = fit.component_of_judge.get(label)
        for flag in analysis.flags.judges:
            uid = user_by_label.get(flag.judge_id)
            if uid in judge_rows:
                judge_rows[uid].flags.append((KIND_LABELS.get(flag.kind, flag.kind), flag.reason))
        for name, stats in analysis.reliability.items():
            reliability.append(
                PanelStats(str(name), int(stats["n_entries"]), int(stats["n_judges"]), stats["icc1"], stats["alpha"])
            )
        reliability.sort(key=lambda s: [p.name for p in panels].index(s.name) if s.name in panel_name.values() else 99)

    ranked = sorted((r for r in entry_rows.values() if r.score is not None), key=lambda r: (r.rank, r.code))
    unranked = sorted((r for r in entry_rows.values() if r.score is None), key=lambda r: r.code)
    judges = sorted(judge_rows.values(), key=lambda j: j.label)
    return Report(
        edition=edition,
        level=level,
        panels=panels,
        scope_label=scope_label,
        rule=rule,
        entries=ranked + unranked,
        judges=judges,
        reliability=reliability,
        rescore=rescore,
        boundary=boundary,
        sheet_flags=sheet_flags,
        notes=list(dict.fromkeys(notes)),
        boundaries=boundaries,
        boundaries_from_settings=from_settings,
        connected=connected,
        n_components=n_components,
        assigned=sum(assigned.values()),
        submitted=sum(submitted.values()),
        mixed_versions=mixed,
        analysis=analysis,
        seconds=time.perf_counter() - started,
    )


def analyse_panel(panel: Panel) -> Report:
    edition = db.session.get(Edition, panel.edition_id)
    level = db.session.get(Level, panel.level_id)
    return _build(edition, level, [panel], panel.name)


def analyse_level(edition: Edition, level: Level) -> Report:
    return _build(edition, level, panels_of(edition, level), level.name)


def can_view_results(user, panel: Panel) -> bool:
    """Organisers always; the panel's chair once the panel is closed."""
    if user.has_role("organiser"):
        return True
    if not panel.closed:
        return False
    return db.session.scalar(
        select(PanelMember.id).where(
            PanelMember.panel_id == panel.id, PanelMember.user_id == user.id, PanelMember.role == "chair"
        )
    ) is not None


def write_results(edition: Edition, level: Level, *, actor=None) -> tuple[int, int]:
    """Write each entry's official score and rank across the whole level into
    ``EntryLevel`` (created when missing). Every panel of the level must be closed.
    Returns (entries written, entries of the level without a score). Audited with the
    old and new values."""
    panels = panels_of(edition, level)
    if not panels:
        raise PanelError("Cấp thi này chưa có hội đồng giám khảo.")
    still_open = [p.name for p in panels if not p.closed]
    if still_open:
        raise PanelError("Cần đóng mọi hội đồng của cấp thi trước khi ghi kết quả. Còn mở: " + ", ".join(still_open) + ".")
    report = analyse_level(edition, level)
    scored = report.scored_entries
    if not scored:
        raise PanelError("Chưa có phiếu chấm nào đã nộp; chưa có kết quả để ghi.")
    existing = {
        r.entry_id: r
        for r in db.session.scalars(
            select(EntryLevel).where(EntryLevel.level_id == level.id, EntryLevel.entry_id.in_([e.entry_id for e in scored]))
        )
    }
    areas = dict(
        db.session.execute(select(Entry.id, Entry.area_unit_id).where(Entry.id.in_([e.entry_id for e in scored]))).all()
    )
    old: dict[str, list] = {}
    new: dict[str, list] = {}
    for row in scored:
        result = existing.get(row.entry_id)
        if result is None:
            result = EntryLevel(entry_id=row.entry_id, level_id=level.id, area_unit_id=areas.get(row.entry_id), decision="pending")
            db.session.add(result)
        before = [None if result.score is None else str(result.score), result.rank]
        after = [str(row.score), row.rank]
        if before != after:
            old[str(row.entry_id)] = before
            new[str(row.entry_id)] = after
            result.score, result.rank = row.score, row.rank
    db.session.flush()
    audit.record(
        "results.write", "level", level.id, user=actor, old=old or None,
        new={"entries": new, "rule": report.rule, "panels": [p.id for p in panels]},
    )
    return len(scored), len(report.unscored_entries)
