"""Rule-based advancement between an edition's levels, and national results.

The decisions come from the pure :mod:`contest.results.advancement` (quota per area,
score cut-off, the area organiser's choice within the quota, the best N province-wide);
this module reads the level's entries and scores from the database, previews the
decisions, and writes them the same way :func:`registration.services.nominate` writes a
single move: the entry's ``EntryLevel`` at the level gets the decision and its reason,
an advanced entry gets a pending ``EntryLevel`` at the next level and ``Entry.level_id``
moves up. Every change is audited (one ``entry.nominate``/``entry.unnominate`` record
per entry, as for single moves, and one ``advancement.apply`` record for the batch).

Applying twice is harmless: only decisions that change are written. A decision can be
changed while the next level has not judged or decided the entry yet; after that it is
refused.

Services take explicit arguments, never ``request``, and never commit.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from contest import audit
from contest.audit import ACTION_LABELS
from contest.extensions import db
from contest.models import (
    AdminUnit,
    Edition,
    Entry,
    EntryLevel,
    Institution,
    Level,
    NationalResult,
    Quota,
    utcnow,
)
from contest.results.advancement import (
    AdvancementCandidate,
    AdvancementResult,
    ManualWithinQuota,
    QuotaPerArea,
    ScoreCutoff,
    advance,
    national_nominations,
)
from contest.results.ranks import PRIZE_RANKS, rank_label
from contest.text import normalize_text

__all__ = [
    "RULE_KINDS",
    "AdvancingError",
    "Plan",
    "RuleSpec",
    "apply",
    "national_rows",
    "next_level",
    "preview",
    "record_national_result",
]

RULE_KINDS = {
    "quota": "Theo hạn ngạch của từng địa bàn (lấy các bài điểm cao nhất)",
    "cutoff": "Theo điểm sàn (mọi bài đạt điểm sàn)",
    "manual": "Địa bàn tự chọn trong hạn ngạch (ghi lý do)",
    "top": "Chọn số bài điểm cao nhất toàn tỉnh",
}
AREA_RULES = ("quota", "manual")  # the rules an area organiser may apply to their area
NO_AREA = "Chưa xác định địa bàn"
MAX_REASON = 1000

ACTION_LABELS.update(
    {
        "advancement.apply": "Xét chọn bài lên cấp trên theo quy tắc",
        "national.record": "Ghi kết quả dự thi toàn quốc",
        "national.remove": "Xoá kết quả dự thi toàn quốc",
    }
)


class AdvancingError(ValueError):
    """A Vietnamese message for the user."""


@dataclass(frozen=True)
class RuleSpec:
    """Which rule to apply, with its parameters.

    ``chosen`` (manual rule): unit id -> entry ids the area picked; ``reasons``: entry id
    -> why (one ``reason`` for all when an entry has none of its own).
    """

    kind: str
    include_ties: bool = False
    min_score: Decimal | None = None
    top_n: int | None = None
    chosen: Mapping[int | None, Sequence[int]] = field(default_factory=dict)
    reasons: Mapping[int, str] = field(default_factory=dict)
    reason: str | None = None

    def describe(self) -> dict:
        out: dict = {"kind": self.kind, "label": RULE_KINDS.get(self.kind, self.kind)}
        if self.kind == "quota":
            out["include_ties"] = self.include_ties
        if self.kind == "cutoff" and self.min_score is not None:
            out["min_score"] = str(self.min_score)
        if self.kind == "top":
            out["top_n"] = self.top_n
            out["include_ties"] = self.include_ties
        if self.kind == "manual":
            out["chosen"] = {str(k): list(v) for k, v in self.chosen.items()}
            if self.reason:
                out["reason"] = self.reason
        return out


@dataclass
class Row:
    """One entry of the level, with its current and proposed decision."""

    entry_id: int
    code: str
    title: str
    institution: str
    area_id: int | None
    area_name: str
    score: Decimal | None
    level_rank: int | None
    current: str  # decision now
    current_reason: str | None
    new: str = "pending"  # decision proposed
    reason: str = ""
    rank_in_area: int | None = None
    locked: bool = False  # the next level has already judged or decided it

    @property
    def changed(self) -> bool:
        return self.new != self.current

    @property
    def blocked(self) -> bool:
        return self.locked and self.changed


@dataclass
class AreaSummary:
    unit_id: int | None
    name: str
    quota: int | None
    candidates: int = 0
    advanced: int = 0
    pending: int = 0
    currently_advanced: int = 0


@dataclass
class Plan:
    edition: Edition
    level: Level
    target: Level
    spec: RuleSpec
    rows: list[Row]
    areas: list[AreaSummary]
    notes: list[str]
    result: AdvancementResult

    @property
    def counts(self) -> Counter:
        return Counter(r.new for r in self.rows)

    @property
    def changes(self) -> list[Row]:
        return [r for r in self.rows if r.changed]

    @property
    def blocked(self) -> list[Row]:
        return [r for r in self.rows if r.blocked]

    @property
    def fingerprint(self) -> str:
        """A short digest of the proposed decisions: apply refuses when the data changed
        after the preview the user saw."""
        payload = json.dumps(
            [[r.entry_id, r.new, r.current] for r in self.rows] + [self.spec.describe()],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:20]


# ----------------------------------------------------------------------------- helpers


def next_level(edition: Edition, level: Level) -> Level | None:
    levels = list(edition.levels)
    idx = next((i for i, lv in enumerate(levels) if lv.id == level.id), None)
    if idx is None or idx + 1 >= len(levels):
        return None
    return levels[idx + 1]


def _area_labels(units: Mapping[int | None, str]) -> dict[int | None, str]:
    """A unique readable key per area (the name; with the id when two share a name)."""
    counts = Counter(units.values())
    return {uid: name if counts[name] == 1 else f"{name} (#{uid})" for uid, name in units.items()}


def _rows(edition: Edition, level: Level, target: Level, area_ids: Collection[int] | None) -> list[Row]:
    stmt = (
        select(
            Entry.id, Entry.code, Entry.title, Institution.name, Entry.area_unit_id,
            EntryLevel.score, EntryLevel.rank, EntryLevel.decision, EntryLevel.reason,
        )
        .join(EntryLevel, (EntryLevel.entry_id == Entry.id) & (EntryLevel.level_id == level.id))
        .join(Institution, Institution.id == Entry.institution_id)
        .where(Entry.edition_id == edition.id, Entry.status == "accepted")
    )
    if area_ids is not None:
        stmt = stmt.where(Entry.area_unit_id.in_(list(area_ids)))
    raw = db.session.execute(stmt).all()
    unit_ids = {r[4] for r in raw if r[4] is not None}
    names = dict(db.session.execute(select(AdminUnit.id, AdminUnit.name).where(AdminUnit.id.in_(unit_ids))).all()) if unit_ids else {}
    locked: set[int] = set()
    if raw:
        ids = [r[0] for r in raw]
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            locked.update(
                db.session.scalars(
                    select(EntryLevel.entry_id).where(
                        EntryLevel.level_id == target.id,
                        EntryLevel.entry_id.in_(chunk),
                        (EntryLevel.decision != "pending") | EntryLevel.score.is_not(None),
                    )
                )
            )
    return [
        Row(
            entry_id=eid, code=code, title=title, institution=inst, area_id=area,
            area_name=names.get(area, NO_AREA) if area is not None else NO_AREA,
            score=_plain(score), level_rank=rank, current=decision or "pending", current_reason=reason,
            locked=eid in locked,
        )
        for eid, code, title, inst, area, score, rank, decision, reason in raw
    ]


def _plain(score: Decimal | None) -> Decimal | None:
    """77.00 -> 77, 77.50 -> 77.5: reasons read "77 điểm", not "77,00 điểm"."""
    if score is None:
        return None
    value = Decimal(score)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _quotas(edition: Edition, level: Level) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Quota.unit_id, Quota.max_entries).where(
                Quota.edition_id == edition.id, Quota.level_id == level.id, Quota.unit_id.is_not(None)
            )
        ).all()
    )


def _clean_reason(text: str | None) -> str:
    return normalize_text(text)[:MAX_REASON]


def _rule(spec: RuleSpec, rows: list[Row], key_of: dict[int | None, str], quotas: dict[int, int]):
    """The pure rule over area keys, after checking what the user must fix first."""
    if spec.kind not in RULE_KINDS:
        raise AdvancingError("Quy tắc xét chọn không hợp lệ.")
    needs_scores = spec.kind in ("quota", "cutoff", "top")
    if needs_scores:
        missing = [r for r in rows if r.score is None]
        if missing:
            codes = ", ".join(r.code for r in sorted(missing, key=lambda r: r.code)[:10])
            more = "…" if len(missing) > 10 else ""
            raise AdvancingError(
                f"Còn {len(missing)} bài chưa có điểm ở cấp này ({codes}{more}). "
                "Hãy ghi kết quả chấm của cấp này trước khi xét chọn theo điểm."
            )
    if spec.kind in ("quota", "manual"):
        without = sorted({key_of[r.area_id] for r in rows if r.area_id is None or r.area_id not in quotas})
        if without:
            raise AdvancingError(
                "Chưa đặt hạn ngạch chọn lên cấp trên cho: " + ", ".join(without) + ". "
                "Hãy đặt hạn ngạch ở trang Hạn mức trước."
            )
        area_quotas = {key_of[uid]: n for uid, n in quotas.items() if uid in key_of}
        if spec.kind == "quota":
            return QuotaPerArea(area_quotas, include_ties=spec.include_ties)
        by_id = {r.entry_id: r for r in rows}
        chosen: dict[str, list[int]] = {}
        reasons: dict[int, str] = {}
        for unit_id, entry_ids in spec.chosen.items():
            picked = sorted({int(e) for e in entry_ids}, key=lambda e: (by_id[e].code if e in by_id else "", e))
            if not picked:
                continue
            for entry_id in picked:
                row = by_id.get(entry_id)
                if row is None or row.area_id != unit_id:
                    raise AdvancingError("Có bài được chọn không thuộc địa bàn hoặc không ở cấp thi này.")
                reason = _clean_reason(spec.reasons.get(entry_id) or spec.reason)
                if not reason:
                    raise AdvancingError(f"Cần ghi lý do chọn bài {row.code}.")
                reasons[entry_id] = reason
            chosen[key_of[unit_id]] = picked
        if not chosen:
            raise AdvancingError("Chưa chọn bài nào để đưa lên cấp trên.")
        return ManualWithinQuota(area_quotas, chosen, reasons)
    if spec.kind == "cutoff":
        if spec.min_score is None or not spec.min_score.is_finite() or spec.min_score < 0:
            raise AdvancingError("Cần nhập điểm sàn là một số không âm.")
        return ScoreCutoff(spec.min_score)
    if spec.top_n is None or spec.top_n < 1:
        raise AdvancingError("Số bài cần chọn phải là số nguyên dương.")
    return None  # "top": national_nominations


# ----------------------------------------------------------------------------- preview


def preview(
    edition: Edition,
    level: Level,
    spec: RuleSpec,
    *,
    area_ids: Collection[int] | None = None,
) -> Plan:
    """The decisions ``spec`` gives for the level's entries (restricted to ``area_ids``
    for an area organiser), without writing anything."""
    if level.edition_id != edition.id:
        raise AdvancingError("Cấp thi không thuộc kỳ thi này.")
    target = next_level(edition, level)
    if target is None:
        raise AdvancingError("Đây là cấp cao nhất của kỳ thi; không còn cấp trên để chọn lên.")
    if area_ids is not None and spec.kind not in AREA_RULES:
        raise AdvancingError("Địa bàn chỉ được xét chọn theo hạn ngạch hoặc tự chọn trong hạn ngạch.")
    rows = _rows(edition, level, target, area_ids)
    if not rows:
        raise AdvancingError("Chưa có bài dự thi nào ở cấp này trong phạm vi của bạn.")
    key_of = _area_labels({r.area_id: r.area_name for r in rows})
    quotas = _quotas(edition, level)
    rule = _rule(spec, rows, key_of, quotas)
    zero = Decimal(0)
    candidates = [
        AdvancementCandidate(r.entry_id, r.score if r.score is not None else zero, key_of[r.area_id]) for r in rows
    ]
    try:
        if rule is None:
            result = national_nominations(candidates, int(spec.top_n), include_ties=spec.include_ties)
        else:
            result = advance(candidates, rule)
    except ValueError as exc:  # the pure rules speak Vietnamese
        raise AdvancingError(str(exc)) from None

    by_id = {r.entry_id: r for r in rows}
    order: list[Row] = []
    for decision in result.decisions:
        row = by_id[decision.entry_id]
        row.new, row.reason, row.rank_in_area = decision.status, decision.reason, decision.rank_in_area
        order.append(row)
    if rule is not None and isinstance(rule, ManualWithinQuota):
        # Areas that have not chosen keep what they had.
        for row in order:
            if key_of[row.area_id] not in rule.chosen:
                row.new, row.reason = row.current, row.current_reason or ""
    if spec.kind == "top":
        order.sort(key=lambda r: (r.rank_in_area or 0, r.code))
    else:
        order.sort(key=lambda r: (r.area_id is None, r.area_name, r.rank_in_area or 0, r.code))

    summaries: dict[int | None, AreaSummary] = {}
    for row in order:
        s = summaries.get(row.area_id)
        if s is None:
            s = summaries[row.area_id] = AreaSummary(row.area_id, row.area_name, quotas.get(row.area_id))
        s.candidates += 1
        s.advanced += row.new == "advanced"
        s.pending += row.new == "pending"
        s.currently_advanced += row.current == "advanced"
    areas = sorted(summaries.values(), key=lambda s: (s.unit_id is None, s.name))
    return Plan(edition, level, target, spec, order, areas, list(result.notes), result)


# ----------------------------------------------------------------------------- apply


def apply(
    edition: Edition,
    level: Level,
    spec: RuleSpec,
    *,
    actor=None,
    area_ids: Collection[int] | None = None,
    expected: str | None = None,
) -> Plan:
    """Write the decisions of :func:`preview`. ``expected`` is the fingerprint of the
    preview the user confirmed: a different plan now (someone changed scores, quotas or
    decisions meanwhile) is refused. Returns the plan that was written."""
    plan = preview(edition, level, spec, area_ids=area_ids)
    if expected is not None and expected != plan.fingerprint:
        raise AdvancingError(
            "Số liệu đã thay đổi kể từ lúc xem trước (điểm, hạn ngạch hoặc quyết định). "
            "Hãy xem trước lại rồi mới áp dụng."
        )
    if plan.blocked:
        codes = ", ".join(r.code for r in plan.blocked[:10])
        raise AdvancingError(
            f"{len(plan.blocked)} bài đã được chấm hoặc quyết định ở {plan.target.name.lower()} ({codes}); "
            "không thể thay đổi quyết định của các bài này."
        )
    changed = [r for r in plan.rows if r.changed or (r.new != "pending" and r.reason != (r.current_reason or ""))]
    if not changed:
        return plan
    ids = [r.entry_id for r in changed]
    here: dict[int, EntryLevel] = {}
    above: dict[int, EntryLevel] = {}
    entries: dict[int, Entry] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for el in db.session.scalars(
            select(EntryLevel).where(EntryLevel.level_id.in_([level.id, plan.target.id]), EntryLevel.entry_id.in_(chunk))
        ):
            (here if el.level_id == level.id else above)[el.entry_id] = el
        entries.update((e.id, e) for e in db.session.scalars(select(Entry).where(Entry.id.in_(chunk))))

    now = utcnow()
    actor_id = getattr(actor, "id", None)
    old_log: dict[str, str] = {}
    new_log: dict[str, str] = {}
    for row in changed:
        result = here[row.entry_id]
        entry = entries[row.entry_id]
        was_advanced = result.decision == "advanced"
        old_log[str(row.entry_id)] = result.decision
        new_log[str(row.entry_id)] = row.new
        result.decision = row.new
        result.reason = row.reason or None
        result.decided_by_id = actor_id if row.new != "pending" else None
        result.decided_at = now if row.new != "pending" else None
        if row.new == "advanced" and not was_advanced:
            if row.entry_id not in above:
                db.session.add(
                    EntryLevel(entry_id=entry.id, level_id=plan.target.id, area_unit_id=entry.area_unit_id,
                               decision="pending")
                )
            entry.level_id = plan.target.id
            audit.record("entry.nominate", "entry", entry.id, user=actor, old={"level_id": level.id},
                         new={"level_id": plan.target.id}, reason=row.reason or None)
        elif was_advanced and row.new != "advanced":
            upper = above.get(row.entry_id)
            if upper is not None:
                db.session.delete(upper)
            entry.level_id = level.id
            audit.record("entry.unnominate", "entry", entry.id, user=actor, old={"level_id": plan.target.id},
                         new={"level_id": level.id}, reason=row.reason or None)
    db.session.flush()
    counts = plan.counts
    audit.record(
        "advancement.apply", "level", level.id, user=actor,
        old={"decisions": old_log},
        new={
            "rule": spec.describe(),
            "target_level_id": plan.target.id,
            "decisions": new_log,
            "advanced": counts.get("advanced", 0),
            "not_advanced": counts.get("not_advanced", 0),
            "pending": counts.get("pending", 0),
            "area_ids": sorted(area_ids) if area_ids is not None else None,
        },
        reason=spec.reason or None,
    )
    return plan


# ----------------------------------------------------------------------------- national results


NATIONAL_RANKS = [(r.code, r.label) for r in PRIZE_RANKS]


@dataclass
class NationalRow:
    entry_id: int
    code: str
    title: str
    institution: str
    score: Decimal | None  # at the level below the national one
    rank_code: str | None
    note: str | None
    recorded: bool

    @property
    def rank_label(self) -> str:
        if not self.recorded:
            return "Chưa ghi kết quả"
        return rank_label(self.rank_code) if self.rank_code else "Tham dự, không đạt giải"


def national_level(edition: Edition) -> Level | None:
    return edition.level("toan_quoc")


def national_rows(edition: Edition) -> list[NationalRow]:
    """The entries nominated to the national contest and what they won."""
    level = national_level(edition)
    if level is None:
        return []
    below = next((lv for lv in reversed(edition.levels) if lv.position < level.position), None)
    rows = db.session.execute(
        select(Entry.id, Entry.code, Entry.title, Institution.name)
        .join(EntryLevel, (EntryLevel.entry_id == Entry.id) & (EntryLevel.level_id == level.id))
        .join(Institution, Institution.id == Entry.institution_id)
        .where(Entry.edition_id == edition.id)
    ).all()
    ids = [r[0] for r in rows]
    results = {
        n.entry_id: n for n in db.session.scalars(select(NationalResult).where(NationalResult.entry_id.in_(ids)))
    } if ids else {}
    scores = dict(
        db.session.execute(
            select(EntryLevel.entry_id, EntryLevel.score).where(EntryLevel.level_id == below.id, EntryLevel.entry_id.in_(ids))
        ).all()
    ) if ids and below is not None else {}
    out = [
        NationalRow(
            eid, code, title, inst, scores.get(eid),
            results[eid].rank_code if eid in results else None,
            results[eid].note if eid in results else None,
            eid in results,
        )
        for eid, code, title, inst in rows
    ]
    out.sort(key=lambda r: (-(r.score if r.score is not None else Decimal(-1)), r.code))
    return out


def record_national_result(
    edition: Edition, entry: Entry, rank_code: str | None, *, note: str | None = None, actor=None
) -> NationalResult:
    """What a nominee won at the national contest (``None``: took part, no prize)."""
    level = national_level(edition)
    if level is None:
        raise AdvancingError("Kỳ thi này không có cấp dự thi toàn quốc.")
    if entry.edition_id != edition.id:
        raise AdvancingError("Bài dự thi không thuộc kỳ thi này.")
    nominated = db.session.scalar(
        select(EntryLevel.id).where(EntryLevel.entry_id == entry.id, EntryLevel.level_id == level.id)
    )
    if nominated is None:
        raise AdvancingError(f"Bài {entry.code} chưa được đề cử dự thi toàn quốc.")
    codes = {code for code, _ in NATIONAL_RANKS}
    if rank_code is not None and rank_code not in codes:
        raise AdvancingError("Hạng giải toàn quốc không hợp lệ.")
    note = normalize_text(note)[:MAX_REASON] or None
    row = db.session.scalar(select(NationalResult).where(NationalResult.entry_id == entry.id))
    old = {"rank_code": row.rank_code, "note": row.note} if row is not None else None
    if row is None:
        row = NationalResult(edition_id=edition.id, entry_id=entry.id)
        db.session.add(row)
    row.rank_code, row.note, row.recorded_at = rank_code, note, utcnow()
    db.session.flush()
    audit.record("national.record", "entry", entry.id, user=actor, old=old,
                 new={"rank_code": rank_code, "note": note})
    return row
