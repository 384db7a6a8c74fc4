"""Results of an edition's level: prize rules, the proposed allocation, the organiser's
adjustments, approval, publication and corrections, prize money and follow-on lists.

The stable API used by other modules (statistics, advancement, the demo pipeline):

* :func:`prize_rules_for` (edition, level) -> :class:`PrizeRules`, from
  ``edition.settings["prizes"][<level code>]``;
* :func:`propose_allocation` -> a new *draft* :class:`ResultVersion`;
* :func:`adjust_award`, :func:`approve`, :func:`publish`, :func:`correct`;
* :func:`published_version`, :func:`money_summary`.

Prize settings of one level (data, from the Thể lệ and the provincial resolution)::

    {"quotas": {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18},
     "min_scores": {"nhat": 85},            # optional, per rank
     "tie_policy": "share" | "cascade",
     "share_overflow": "reduce_lower" | "extend",
     "per_group": null | "category" | "division",
     "group_split": "proportional" | "fixed",
     "group_quotas": {"<category/division code>": {"nhat": 1, ...}},   # when fixed
     "amounts": {"nhat": 5000000, ...},     # VND per prize
     "nominations": 12}                     # national nominations (best N)

A published version is immutable: the services refuse to touch it and a flush guard
(:mod:`contest.results.publication`) refuses any change that slips past them. A
correction copies it into a new draft that supersedes it once published.

Services take explicit arguments, never read ``request`` and never commit; messages
are Vietnamese (:class:`ResultsError`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.extensions import db
from contest.locking import lock_row
from contest.models import (
    Assignment,
    Award,
    Criterion,
    Edition,
    Entry,
    EntryLevel,
    Institution,
    Level,
    Panel,
    ResultVersion,
    ScoreItem,
    ScoreSheet,
)
from contest.models.base import utcnow
from contest.results import allocation as alloc
from contest.results.advancement import (
    AdvancementResult,
    Author,
    HonourList,
    bang_khen_proposals,
    labour_creativity_proposals,
    national_nominations,
    youth_badge_proposals,
)
from contest.results.allocation import (
    Candidate,
    MoneySummary,
    PrizeRules,
    format_score,
    prize_money,
)
from contest.results.ranks import PRIZE_RANKS, SCIENCE_AWARD_RANKS, PrizeRank, rank_label
from contest.text import name_sort_key, normalize_text

__all__ = [
    "DEFAULT_NOMINATIONS",
    "ResultsError",
    "adjust_award",
    "approve",
    "correct",
    "group_kind",
    "level_settings",
    "money_summary",
    "open_version",
    "prize_rules_for",
    "propose_allocation",
    "publish",
    "published_version",
    "ranks_for",
    "save_prize_settings",
]

DEFAULT_NOMINATIONS = 12
GROUP_KINDS = {"category": "Lĩnh vực", "division": "Bảng, khối"}
TIE_POLICIES = {
    "share": "Đồng hạng: các bài bằng điểm ở vị trí cuối cùng nhận giải cao hơn",
    "cascade": "Phân định: tiêu chí có trọng số lớn nhất, rồi trung vị điểm các giám khảo",
}
SHARE_OVERFLOW = {
    "reduce_lower": "Giảm số giải của hạng sau tương ứng (giữ tổng số giải)",
    "extend": "Giữ số giải của hạng sau (tổng số giải tăng)",
}
GROUP_SPLITS = {
    "proportional": "Chia theo tỷ lệ số bài (phương pháp số dư lớn nhất)",
    "fixed": "Số giải cố định cho từng nhóm",
}
MAX_DECISION_NUMBER = 80


class ResultsError(ValueError):
    """A results operation was refused; the message is Vietnamese and meant for a person."""


# ---------------------------------------------------------------------------
# Levels and ranks
# ---------------------------------------------------------------------------


def ranks_for(edition: Edition) -> tuple[PrizeRank, ...]:
    """Prize ranks of the edition's contest (A/B/C for the S&T award)."""
    kind = edition.contest.kind if edition.contest is not None else None
    return SCIENCE_AWARD_RANKS if kind == "st_award" else PRIZE_RANKS


def _level(edition: Edition, level: Level | str | int) -> Level:
    if isinstance(level, Level):
        if level.edition_id != edition.id:
            raise ResultsError("Cấp thi không thuộc kỳ thi này.")
        return level
    for lv in edition.levels:
        if (isinstance(level, int) and lv.id == level) or lv.code == level:
            return lv
    raise ResultsError(f"Kỳ thi không có cấp thi “{level}”.")


def _version_ranks(version: ResultVersion) -> tuple[PrizeRank, ...]:
    stored = (version.rules or {}).get("ranks")
    if stored:
        try:
            return tuple(PrizeRank(str(c), str(label), int(o)) for c, label, o in stored)
        except (TypeError, ValueError):
            pass
    return ranks_for(version.edition)


# ---------------------------------------------------------------------------
# Prize rules (edition settings)
# ---------------------------------------------------------------------------


def level_settings(edition: Edition, level: Level | str | int) -> dict | None:
    """The prize settings of one level, or None when none are set.

    ``settings["prizes"]`` is keyed by level code; an older flat form
    (``{"quotas": {...}}`` or ``{"nhat": 2, ...}``) applies to every level.
    """
    lv = _level(edition, level)
    prizes = (edition.settings or {}).get("prizes")
    if not isinstance(prizes, dict) or not prizes:
        return None
    own = prizes.get(lv.code)
    if isinstance(own, dict):
        return own
    if isinstance(prizes.get("quotas"), dict):
        return prizes
    codes = {r.code for r in ranks_for(edition)}
    if all(k in codes for k in prizes) and all(isinstance(v, int) for v in prizes.values()):
        return {"quotas": dict(prizes)}
    return None


def group_kind(edition: Edition, level: Level | str | int) -> str | None:
    """"category", "division" or None: what the level's prizes are split by."""
    settings = level_settings(edition, level) or {}
    kind = settings.get("per_group")
    return kind if kind in GROUP_KINDS else None


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ResultsError(f"{what} phải là số nguyên không âm.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ResultsError(f"{what} phải là số nguyên không âm.") from None
    if number < 0 or (isinstance(value, float) and value != number):
        raise ResultsError(f"{what} phải là số nguyên không âm.")
    return number


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ResultsError(f"{what} không phải là số.") from None
    if not number.is_finite():
        raise ResultsError(f"{what} không phải là số.")
    return number


def _rules_from(settings: Mapping[str, Any], ranks: tuple[PrizeRank, ...]) -> PrizeRules:
    labels = {r.code: r.label for r in ranks}

    def label(code: str) -> str:
        return labels.get(code, code)

    quotas = {
        str(code): _int(n, f"Số lượng {label(code)}")
        for code, n in (settings.get("quotas") or {}).items()
    }
    min_scores = {
        str(code): _decimal(v, f"Điểm sàn của {label(code)}")
        for code, v in (settings.get("min_scores") or {}).items()
        if v is not None and v != ""
    }
    kind = settings.get("per_group")
    if kind not in (None, "", *GROUP_KINDS):
        raise ResultsError(f"Cách chia nhóm không hợp lệ: {kind!r}.")
    per_group = kind in GROUP_KINDS
    split = settings.get("group_split") or "proportional"
    group_quotas = None
    if per_group and split == "fixed":
        group_quotas = {
            str(group): {
                str(code): _int(n, f"Số lượng {label(code)} của nhóm {group}")
                for code, n in (quotas_of_group or {}).items()
            }
            for group, quotas_of_group in (settings.get("group_quotas") or {}).items()
        }
    try:
        return PrizeRules(
            quotas=quotas,
            min_scores=min_scores,
            tie_policy=settings.get("tie_policy") or "share",
            per_group=per_group,
            group_split=split,
            group_quotas=group_quotas,
            share_overflow=settings.get("share_overflow") or "reduce_lower",
            ranks=ranks,
        )
    except ValueError as exc:
        raise ResultsError(str(exc)) from None


def prize_rules_for(edition: Edition, level: Level | str | int) -> PrizeRules:
    """The :class:`PrizeRules` of one level of an edition (ResultsError when unset or invalid)."""
    lv = _level(edition, level)
    settings = level_settings(edition, lv)
    if settings is None:
        raise ResultsError(
            f"Chưa đặt cơ cấu giải cho {lv.name} của {edition.name}. "
            "Vào “Cơ cấu giải” để nhập số lượng giải từng hạng."
        )
    return _rules_from(settings, ranks_for(edition))


def amounts_of(settings: Mapping[str, Any] | None, ranks: Iterable[PrizeRank]) -> dict[str, int]:
    """Prize money per rank (VND) from level settings; ranks without an amount are left out."""
    raw = (settings or {}).get("amounts") or {}
    result: dict[str, int] = {}
    for rank in ranks:
        value = raw.get(rank.code)
        if value is None or value == "":
            continue
        result[rank.code] = _int(value, f"Tiền thưởng {rank.label}")
    return result


def nominations_of(edition: Edition, settings: Mapping[str, Any] | None) -> int:
    value = (settings or {}).get("nominations")
    if value is None:
        value = (edition.settings or {}).get("national_nominations", DEFAULT_NOMINATIONS)
    try:
        return _int(value, "Số bài đề cử toàn quốc")
    except ResultsError:
        return DEFAULT_NOMINATIONS


def save_prize_settings(
    edition: Edition, level: Level | str | int, settings: Mapping[str, Any], *, actor
) -> dict:
    """Validate and store one level's prize settings; returns what was stored. Audited."""
    lv = _level(edition, level)
    ranks = ranks_for(edition)
    clean: dict[str, Any] = {
        "quotas": {r.code: _int((settings.get("quotas") or {}).get(r.code, 0), f"Số lượng {r.label}")
                   for r in ranks},
        "min_scores": {},
        "tie_policy": settings.get("tie_policy") or "share",
        "share_overflow": settings.get("share_overflow") or "reduce_lower",
        "per_group": settings.get("per_group") or None,
        "group_split": settings.get("group_split") or "proportional",
        "amounts": amounts_of(settings, ranks),
        "nominations": _int(settings.get("nominations", DEFAULT_NOMINATIONS), "Số bài đề cử toàn quốc"),
    }
    for r in ranks:
        value = (settings.get("min_scores") or {}).get(r.code)
        if value is not None and value != "":
            number = _decimal(value, f"Điểm sàn của {r.label}")
            if number < 0:
                raise ResultsError(f"Điểm sàn của {r.label} không được âm.")
            clean["min_scores"][r.code] = format(number.normalize(), "f")
    if clean["per_group"] and clean["group_split"] == "fixed":
        clean["group_quotas"] = {
            str(g): {r.code: _int(q.get(r.code, 0), f"Số lượng {r.label} của nhóm {g}") for r in ranks}
            for g, q in (settings.get("group_quotas") or {}).items()
        }
        sums = {r.code: sum(q[r.code] for q in clean["group_quotas"].values()) for r in ranks}
        clean["quotas"] = sums
    if sum(clean["quotas"].values()) == 0:
        raise ResultsError("Cần ít nhất một giải: nhập số lượng cho ít nhất một hạng giải.")
    _rules_from(clean, ranks)  # raises ResultsError when the rules do not hold together
    old = level_settings(edition, lv)
    prizes: dict[str, Any] = {}
    for other in edition.levels:  # keyed by level code (an older flat form is spelt out)
        current = level_settings(edition, other)
        if other.id != lv.id and current is not None:
            prizes[other.code] = current
    prizes[lv.code] = clean
    edition.settings = {**(edition.settings or {}), "prizes": prizes}
    audit.record("results.rules", "edition", edition.id, user=actor,
                 old={"level": lv.code, "settings": old}, new={"level": lv.code, "settings": clean})
    return clean


# ---------------------------------------------------------------------------
# Candidates: scores at a level, groups, judging tie-breaks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    entry_id: int
    score: Decimal
    group: str | None
    rank: int | None


def _scored(edition: Edition, level: Level, kind: str | None) -> tuple[list[Scored], int]:
    """Accepted entries with a score at ``level`` and the number of those without one."""
    rows = db.session.execute(
        select(Entry.id, EntryLevel.score, EntryLevel.rank, Entry.category_id, Entry.division_id)
        .join(EntryLevel, EntryLevel.entry_id == Entry.id)
        .where(EntryLevel.level_id == level.id, Entry.edition_id == edition.id, Entry.status == "accepted")
    ).all()
    codes: dict[int, str] = {}
    if kind == "category":
        codes = {c.id: c.code for c in edition.categories}
    elif kind == "division":
        codes = {d.id: d.code for d in edition.divisions}
    scored: list[Scored] = []
    missing = 0
    for entry_id, score, rank, category_id, division_id in rows:
        if score is None:
            missing += 1
            continue
        group_id = category_id if kind == "category" else division_id if kind == "division" else None
        scored.append(Scored(entry_id, Decimal(score), codes.get(group_id), rank))
    return scored, missing


def judging_tiebreaks(edition: Edition, level: Level) -> dict[int, tuple[Decimal, Decimal]]:
    """(mean points on the heaviest criterion, median judge total) per entry, from the
    submitted score sheets of the level's panels. Entries without sheets, or whose sheets
    have no points on the heaviest criterion, are left out."""
    sheets = db.session.execute(
        select(ScoreSheet.id, Assignment.entry_id, ScoreSheet.rubric_id, ScoreSheet.total)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Panel, Panel.id == Assignment.panel_id)
        .where(Panel.edition_id == edition.id, Panel.level_id == level.id, ScoreSheet.status == "submitted")
    ).all()
    if not sheets:
        return {}
    rubric_ids = {rubric_id for _, _, rubric_id, _ in sheets}
    heaviest: dict[int, int] = {}
    for rubric_id, criterion_id in db.session.execute(
        select(Criterion.rubric_id, Criterion.id)
        .where(Criterion.rubric_id.in_(rubric_ids))
        .order_by(Criterion.rubric_id, Criterion.max_points.desc(), Criterion.position, Criterion.id)
    ):
        heaviest.setdefault(rubric_id, criterion_id)
    items: dict[int, dict[int, Decimal]] = defaultdict(dict)
    sheet_ids = [s[0] for s in sheets]
    for start in range(0, len(sheet_ids), 900):
        for sheet_id, criterion_id, points in db.session.execute(
            select(ScoreItem.sheet_id, ScoreItem.criterion_id, ScoreItem.points)
            .where(ScoreItem.sheet_id.in_(sheet_ids[start:start + 900]))
        ):
            items[sheet_id][criterion_id] = Decimal(points)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    heavy: dict[int, list[Decimal]] = defaultdict(list)
    for sheet_id, entry_id, rubric_id, total in sheets:
        points = items.get(sheet_id, {})
        if total is None:
            if not points:
                continue
            total = sum(points.values(), Decimal(0))
        totals[entry_id].append(Decimal(total))
        crit = heaviest.get(rubric_id)
        if crit is not None and crit in points:
            heavy[entry_id].append(points[crit])
    result: dict[int, tuple[Decimal, Decimal]] = {}
    for entry_id, values in totals.items():
        if not heavy.get(entry_id):
            continue
        mean = (sum(heavy[entry_id], Decimal(0)) / len(heavy[entry_id])).quantize(Decimal("0.0001"))
        median = Decimal(statistics.median(values)).quantize(Decimal("0.0001"))
        result[entry_id] = (mean, median)
    return result


# ---------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------


def _frozen_rules(rules: PrizeRules, settings: Mapping[str, Any], kind: str | None,
                  amounts: Mapping[str, int], nominations: int) -> dict:
    return {
        "quotas": dict(rules.quotas),
        "min_scores": {k: format(Decimal(v).normalize(), "f") for k, v in rules.min_scores.items()},
        "tie_policy": rules.tie_policy,
        "share_overflow": rules.share_overflow,
        "per_group": kind,
        "group_split": rules.group_split,
        "group_quotas": {str(g): dict(q) for g, q in (rules.group_quotas or {}).items()} or None,
        "amounts": dict(amounts),
        "nominations": nominations,
        "ranks": [[r.code, r.label, r.order] for r in rules.ranks],
    }


def versions_of(edition: Edition, level: Level) -> list[ResultVersion]:
    return list(db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.edition_id == edition.id, ResultVersion.level_id == level.id)
        .order_by(ResultVersion.number.desc())
    ))


def published_version(edition: Edition, level: Level | str | int) -> ResultVersion | None:
    """The version of the level the public sees now (None when nothing is published)."""
    lv = _level(edition, level)
    return db.session.scalar(
        select(ResultVersion)
        .where(ResultVersion.edition_id == edition.id, ResultVersion.level_id == lv.id,
               ResultVersion.status == "published")
        .order_by(ResultVersion.number.desc())
        .limit(1)
    )


def open_version(edition: Edition, level: Level | str | int) -> ResultVersion | None:
    """The draft or approved (not yet published) version of the level, if any."""
    lv = _level(edition, level)
    return db.session.scalar(
        select(ResultVersion)
        .where(ResultVersion.edition_id == edition.id, ResultVersion.level_id == lv.id,
               ResultVersion.status.in_(("draft", "approved")))
        .order_by(ResultVersion.number.desc())
        .limit(1)
    )


def _one_at_a_time(edition_id: int, version: ResultVersion | None = None) -> None:
    """Result changes of an edition run one after another (a double click, two
    organisers): hold the edition's row until commit and re-read the version's status,
    which the other request may just have changed."""
    db.session.flush()
    lock_row(Edition, edition_id)
    if version is not None and version.id is not None:
        db.session.refresh(version)


def _next_number(edition: Edition, level: Level) -> int:
    current = db.session.scalar(
        select(func.max(ResultVersion.number))
        .where(ResultVersion.edition_id == edition.id, ResultVersion.level_id == level.id)
    )
    return (current or 0) + 1


def _status_problem(version: ResultVersion, wanted: str, action: str) -> None:
    if version.status != wanted:
        raise ResultsError(
            f"Bản kết quả số {version.number} đang ở trạng thái “{version.status_label}”; "
            f"chỉ {action} được bản ở trạng thái “{_STATUS_LABEL[wanted]}”."
        )


_STATUS_LABEL = {"draft": "Dự thảo", "approved": "Đã phê duyệt", "published": "Đã công bố"}


def propose_allocation(edition: Edition, level: Level | str | int, *, actor=None) -> ResultVersion:
    """A new draft version: prizes allocated by the level's rules from the official
    scores (``EntryLevel.score``) of the accepted entries at that level.

    An earlier draft of the level is replaced (discarded, audited). Refused while a
    version is approved but not published, and once results are published (a change
    then is a correction, :func:`correct`). Under the "cascade" tie policy the
    tie-break is (mean points on the heaviest criterion, median judge total) when every
    entry has judging data, else nothing (ties are then shared, with a note).
    """
    _one_at_a_time(edition.id)
    lv = _level(edition, level)
    settings = level_settings(edition, lv)
    rules = prize_rules_for(edition, lv)
    kind = group_kind(edition, lv)
    amounts = amounts_of(settings, rules.ranks)
    published = published_version(edition, lv)
    if published is not None:
        raise ResultsError(
            f"Kết quả {lv.name} đã công bố (bản số {published.number}). "
            "Muốn thay đổi, hãy lập bản đính chính từ bản đã công bố."
        )
    pending = open_version(edition, lv)
    if pending is not None and pending.status == "approved":
        raise ResultsError(
            f"Bản số {pending.number} đã được phê duyệt (Quyết định số {pending.decision_number}) "
            "nhưng chưa công bố; hãy công bố bản đó trước."
        )
    scored, missing = _scored(edition, lv, kind)
    if not scored:
        raise ResultsError(
            f"Chưa có bài dự thi nào có điểm chính thức ở {lv.name}. "
            "Hãy ghi kết quả chấm (trang kết quả chấm của hội đồng) trước khi xét giải."
        )
    notes: list[str] = []
    tiebreaks: dict[int, tuple] = {}
    if rules.tie_policy == "cascade":
        found = judging_tiebreaks(edition, lv)
        if found and all(s.entry_id in found for s in scored):
            tiebreaks = found
        else:
            notes.append(
                "Chưa đủ dữ liệu phiếu chấm để phân định đồng điểm (tiêu chí có trọng số lớn nhất, "
                "trung vị điểm giám khảo): các bài đồng điểm được xử lý theo cách đồng hạng."
            )
    candidates = [Candidate(s.entry_id, s.score, s.group, tiebreaks.get(s.entry_id, ())) for s in scored]
    try:
        allocation = alloc.allocate(candidates, rules)
    except ValueError as exc:
        raise ResultsError(str(exc)) from None
    if missing:
        notes.append(f"{missing} bài dự thi ở {lv.name} chưa có điểm chính thức nên không được xét giải.")
    discarded = []
    for old in versions_of(edition, lv):
        if old.status == "draft":
            discarded.append(old.number)
            audit.record("results.discard", "result_version", old.id, user=actor,
                         reason="Thay bằng bản đề xuất mới",
                         old={"number": old.number, "awards": len(old.awards)})
            db.session.delete(old)
    if discarded:
        db.session.flush()
    version = ResultVersion(
        edition_id=edition.id,
        level_id=lv.id,
        number=_next_number(edition, lv),
        status="draft",
        rules=_frozen_rules(rules, settings or {}, kind, amounts, nominations_of(edition, settings)),
        notes=list(allocation.notes) + notes,
        created_by_id=getattr(actor, "id", None),
    )
    for award in allocation.awards:
        version.awards.append(Award(
            entry_id=award.entry_id,
            rank_code=award.rank_code,
            place=award.place,
            score=Decimal(award.score),
            group_key=None if award.group is None else str(award.group),
            reason=award.reason,
            adjusted=False,
            prize_money=amounts.get(award.rank_code),
        ))
    db.session.add(version)
    db.session.flush()
    audit.record("results.propose", "result_version", version.id, user=actor, new={
        "edition": edition.slug, "level": lv.code, "number": version.number,
        "candidates": len(scored), "counts": allocation.counts, "unfilled": allocation.unfilled,
        "replaced_drafts": discarded,
    })
    return version


def _places(scored: Iterable[Scored]) -> dict[int, int]:
    """Competition places (1, 2, 2, 4) by score within each group."""
    by_group: dict[Hashable, list[Scored]] = defaultdict(list)
    for s in scored:
        by_group[s.group].append(s)
    places: dict[int, int] = {}
    for items in by_group.values():
        items.sort(key=lambda s: -s.score)
        for k, s in enumerate(items):
            places[s.entry_id] = places[items[k - 1].entry_id] if k and s.score == items[k - 1].score else k + 1
    return places


def _allocation_of(version: ResultVersion) -> alloc.Allocation:
    """The version as an :class:`~contest.results.allocation.Allocation`: its awards, and
    every other scored entry of the level as "no prize"."""
    ranks = _version_ranks(version)
    kind = (version.rules or {}).get("per_group")
    scored, _ = _scored(version.edition, version.level, kind)
    places = _places(scored)
    awarded = {a.entry_id for a in version.awards}
    awards = tuple(
        alloc.Award(a.entry_id, a.rank_code, a.place, a.group_key, a.reason or "",
                    a.score if a.score is not None else Decimal(0))
        for a in version.awards
    )
    others = tuple(
        alloc.Award(s.entry_id, None, places[s.entry_id], s.group,
                    f"Hạng {places[s.entry_id]} ({format_score(s.score)} điểm)", s.score)
        for s in sorted(scored, key=lambda s: (-s.score, s.entry_id))
        if s.entry_id not in awarded
    )
    codes = [r.code for r in ranks]
    counts = dict.fromkeys(codes, 0)
    for a in version.awards:
        counts[a.rank_code] = counts.get(a.rank_code, 0) + 1
    quotas = {c: int(((version.rules or {}).get("quotas") or {}).get(c, 0)) for c in codes}
    return alloc.Allocation(
        awards=awards, not_awarded=others, quotas=quotas, counts=counts,
        unfilled=dict.fromkeys(codes, 0), notes=(), ranks=ranks, per_group=bool(kind),
    )


def _entry_label(entry_id: int) -> str:
    entry = db.session.get(Entry, entry_id)
    return f"{entry.code} “{entry.title}”" if entry is not None else f"#{entry_id}"


def adjust_award(version: ResultVersion, entry_id: int, new_rank_code: str | None, reason: str, *,
                 actor, remote_addr: str | None = None) -> Award | None:
    """Change one entry's prize in a draft (``None``: no prize), with a reason.

    The entry must be one of the version's awards or a scored entry of the level. The
    change is written to the award (``adjusted``, ``adjust_reason``), a line in the
    version's notes and the audit log (old rank, new rank, reason, who). Returns the
    award row, or None when the prize was taken away."""
    _status_problem(version, "draft", "điều chỉnh giải")
    reason = normalize_text(reason or "")
    if not reason:
        raise ResultsError("Cần ghi rõ lý do điều chỉnh giải.")
    if new_rank_code in ("", "none"):
        new_rank_code = None
    try:
        entry_id = int(entry_id)
    except (TypeError, ValueError):
        raise ResultsError("Mã bài dự thi không hợp lệ.") from None
    current = _allocation_of(version)
    ranks = current.ranks
    try:
        old_rank = current.rank_of(entry_id)
    except KeyError:
        raise ResultsError("Bài dự thi này không có điểm ở cấp thi của bản kết quả.") from None
    if old_rank == new_rank_code:
        raise ResultsError(f"Bài dự thi đã ở mức “{rank_label(old_rank, ranks)}”; không có gì thay đổi.")
    try:
        changed = alloc.adjust(current, [(entry_id, new_rank_code, reason)])
    except ValueError as exc:
        raise ResultsError(str(exc)) from None
    result = changed.result_for(entry_id)
    amounts = (version.rules or {}).get("amounts") or {}
    row = next((a for a in version.awards if a.entry_id == entry_id), None)
    if new_rank_code is None:
        version.awards.remove(row)
        row = None
    elif row is not None:
        row.rank_code = new_rank_code
        row.reason = result.reason
        row.adjusted = True
        row.adjust_reason = reason
        row.prize_money = amounts.get(new_rank_code)
    else:
        row = Award(
            entry_id=entry_id, rank_code=new_rank_code, place=result.place,
            score=Decimal(result.score), group_key=None if result.group is None else str(result.group),
            reason=result.reason, adjusted=True, adjust_reason=reason,
            prize_money=amounts.get(new_rank_code),
        )
        version.awards.append(row)
    version.notes = list(version.notes or []) + [
        f"Điều chỉnh bài {_entry_label(entry_id)}: {rank_label(old_rank, ranks)} → "
        f"{rank_label(new_rank_code, ranks)}. Lý do: {reason}"
    ]
    db.session.flush()
    audit.record("results.adjust", "result_version", version.id, user=actor, reason=reason,
                 remote_addr=remote_addr,
                 old={"entry_id": entry_id, "rank": old_rank},
                 new={"entry_id": entry_id, "rank": new_rank_code})
    return row


def approve(version: ResultVersion, *, decision_number: str, decision_date: date, actor,
            remote_addr: str | None = None) -> ResultVersion:
    """Draft → approved, with the number and date of the award decision."""
    _one_at_a_time(version.edition_id, version)
    _status_problem(version, "draft", "phê duyệt")
    number = normalize_text(decision_number or "")
    if not number:
        raise ResultsError("Cần nhập số quyết định công nhận giải.")
    if len(number) > MAX_DECISION_NUMBER:
        raise ResultsError(f"Số quyết định dài quá {MAX_DECISION_NUMBER} ký tự.")
    if not isinstance(decision_date, date):
        raise ResultsError("Cần nhập ngày quyết định (dd/mm/yyyy).")
    if not version.awards:
        raise ResultsError("Bản kết quả chưa có giải nào; không thể phê duyệt.")
    if version.supersedes_id is not None and not (version.change_note or "").strip():
        raise ResultsError("Bản đính chính cần ghi rõ nội dung đính chính.")
    other = db.session.scalar(
        select(ResultVersion).where(
            ResultVersion.edition_id == version.edition_id, ResultVersion.level_id == version.level_id,
            ResultVersion.status == "approved", ResultVersion.id != version.id)
    )
    if other is not None:
        raise ResultsError(f"Bản số {other.number} của cấp thi này đã được phê duyệt và đang chờ công bố.")
    freeze_names(version)
    version.status = "approved"
    version.decision_number = number
    version.decision_date = decision_date
    version.approved_at = utcnow()
    version.approved_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("results.approve", "result_version", version.id, user=actor, remote_addr=remote_addr,
                 old={"status": "draft"},
                 new={"status": "approved", "decision_number": number,
                      "decision_date": decision_date.isoformat(), "awards": len(version.awards)})
    return version


def publish(version: ResultVersion, *, actor, remote_addr: str | None = None) -> ResultVersion:
    """Approved → published. The previously published version of the level becomes
    "superseded"; the public pages are re-rendered after the commit."""
    from contest.results import cache

    _one_at_a_time(version.edition_id, version)
    _status_problem(version, "approved", "công bố")
    previous = db.session.scalar(
        select(ResultVersion).where(
            ResultVersion.edition_id == version.edition_id, ResultVersion.level_id == version.level_id,
            ResultVersion.status == "published", ResultVersion.id != version.id)
    )
    if previous is not None:
        previous.status = "superseded"
        if version.supersedes_id is None:
            version.supersedes_id = previous.id
    version.status = "published"
    version.published_at = utcnow()
    version.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    cache.invalidate_on_commit(db.session)
    audit.record("results.publish", "result_version", version.id, user=actor, remote_addr=remote_addr,
                 old={"status": "approved", "superseded": previous.id if previous else None},
                 new={"status": "published", "number": version.number})
    return version


def correct(published: ResultVersion, *, change_note: str, actor,
            remote_addr: str | None = None) -> ResultVersion:
    """A new draft copying a published version's awards, to be adjusted, approved and
    published in its place; ``change_note`` (what is corrected and why) is shown on the
    public page as "Đính chính"."""
    _one_at_a_time(published.edition_id, published)
    _status_problem(published, "published", "đính chính")
    note = normalize_text(change_note or "")
    if not note:
        raise ResultsError("Cần ghi rõ nội dung đính chính.")
    pending = open_version(published.edition, published.level)
    if pending is not None:
        raise ResultsError(
            f"Đang có bản số {pending.number} ({pending.status_label}) chưa công bố; "
            "hãy hoàn tất bản đó trước."
        )
    version = ResultVersion(
        edition_id=published.edition_id,
        level_id=published.level_id,
        number=_next_number(published.edition, published.level),
        status="draft",
        rules=dict(published.rules or {}),
        notes=list(published.notes or []),
        change_note=note,
        supersedes_id=published.id,
        created_by_id=getattr(actor, "id", None),
    )
    for a in published.awards:
        version.awards.append(Award(
            entry_id=a.entry_id, rank_code=a.rank_code, place=a.place, score=a.score,
            group_key=a.group_key, reason=a.reason, adjusted=a.adjusted,
            adjust_reason=a.adjust_reason, prize_money=a.prize_money,
        ))
    db.session.add(version)
    db.session.flush()
    audit.record("results.correct", "result_version", version.id, user=actor, reason=note,
                 remote_addr=remote_addr, new={"supersedes": published.id, "number": version.number})
    return version


# ---------------------------------------------------------------------------
# Totals and money
# ---------------------------------------------------------------------------


def counts_of(version: ResultVersion) -> dict[str, int]:
    """Prizes per rank code, best rank first (every rank listed)."""
    counts = {r.code: 0 for r in _version_ranks(version)}
    for a in version.awards:
        counts[a.rank_code] = counts.get(a.rank_code, 0) + 1
    return counts


def money_summary(version: ResultVersion) -> MoneySummary:
    """Prize money per rank and in total (VND) from the amounts frozen with the version.
    Raises ResultsError when a rank with prizes has no amount."""
    amounts = {k: int(v) for k, v in ((version.rules or {}).get("amounts") or {}).items()}
    try:
        return prize_money(counts_of(version), amounts)
    except ValueError as exc:
        ranks = _version_ranks(version)
        missing = [r.label for r in ranks if counts_of(version).get(r.code) and r.code not in amounts]
        if missing:
            raise ResultsError("Chưa có mức tiền thưởng cho: " + ", ".join(missing) + ".") from None
        raise ResultsError(str(exc)) from None


def quota_warnings(version: ResultVersion) -> list[str]:
    """Ranks holding more prizes than their quota (after adjustments)."""
    quotas = (version.rules or {}).get("quotas") or {}
    warnings = []
    for rank in _version_ranks(version):
        n = counts_of(version).get(rank.code, 0)
        quota = int(quotas.get(rank.code, 0))
        if n > quota:
            warnings.append(f"{rank.label} có {n} giải, nhiều hơn số lượng {quota} của cơ cấu giải.")
    return warnings


# ---------------------------------------------------------------------------
# Rows for pages and exports
# ---------------------------------------------------------------------------


@dataclass
class AwardRow:
    """One awarded entry with what the organiser's pages and the official lists show."""

    award_id: int
    entry_id: int
    code: str
    title: str
    authors: list[str]
    institution: str
    category: str
    division: str
    area: str
    rank_code: str
    rank_label: str
    rank_order: int
    place: int
    score: Decimal | None
    group: str
    reason: str
    adjusted: bool
    adjust_reason: str
    prize_money: int | None
    photo_ids: list[int] = field(default_factory=list)
    category_code: str = ""
    division_code: str = ""
    area_code: str = ""

    @property
    def names(self) -> str:
        return ", ".join(self.authors)

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""

    @property
    def representative(self) -> str:
        """The name on the money list: the author, or the group's first author."""
        if len(self.authors) > 1:
            return f"{self.authors[0]} (đại diện nhóm {len(self.authors)} tác giả)"
        return self.first_author

    def sort_key(self) -> tuple:
        return (self.rank_order, name_sort_key(self.first_author or self.title), self.title.casefold(), self.code)


def _decision_fields(entry: Entry, kind: str | None) -> dict[str, Any]:
    """What an award decision says about an entry (JSON-safe: it is frozen into
    ``Award.snapshot`` at approval)."""
    area = entry.area_unit or (entry.institution.unit if entry.institution is not None else None)
    group = ""
    if kind == "category" and entry.category is not None:
        group = entry.category.name
    elif kind == "division" and entry.division is not None:
        group = entry.division.name
    return {
        "code": entry.code, "title": entry.title,
        "authors": [p.full_name for p in entry.authors],
        "institution": entry.institution.name if entry.institution is not None else "",
        "category": entry.category.name if entry.category is not None else "",
        "category_code": entry.category.code if entry.category is not None else "",
        "division": entry.division.name if entry.division is not None else "",
        "division_code": entry.division.code if entry.division is not None else "",
        "area": area.name if area is not None else "",
        "area_code": area.code if area is not None else "",
        "group": group,
    }


def freeze_names(version: ResultVersion) -> None:
    """Write into each award what the decision names as of now (done at approval)."""
    kind = (version.rules or {}).get("per_group")
    for award in version.awards:
        award.snapshot = _decision_fields(award.entry, kind)


def award_rows(version: ResultVersion) -> list[AwardRow]:
    """Every award of the version, best prize first, names sorted by given name within a
    prize (the order of the official annex)."""
    ranks = _version_ranks(version)
    order = {r.code: r.order for r in ranks}
    awards = db.session.scalars(
        select(Award)
        .where(Award.version_id == version.id)
        .options(
            selectinload(Award.entry).selectinload(Entry.people),
            selectinload(Award.entry).selectinload(Entry.files),
            selectinload(Award.entry).selectinload(Entry.institution).selectinload(Institution.unit),
            selectinload(Award.entry).selectinload(Entry.category),
            selectinload(Award.entry).selectinload(Entry.division),
            selectinload(Award.entry).selectinload(Entry.area_unit),
        )
    ).all()
    kind = (version.rules or {}).get("per_group")
    rows = []
    for a in awards:
        e = a.entry
        named = a.snapshot or _decision_fields(e, kind)
        rows.append(AwardRow(
            award_id=a.id, entry_id=e.id, code=named["code"], title=named["title"],
            authors=list(named["authors"]), institution=named["institution"],
            category=named["category"], division=named["division"], area=named["area"],
            rank_code=a.rank_code, rank_label=rank_label(a.rank_code, ranks) if a.rank_code in order else a.rank_code,
            rank_order=order.get(a.rank_code, 99), place=a.place, score=a.score, group=named["group"],
            reason=a.reason or "", adjusted=bool(a.adjusted), adjust_reason=a.adjust_reason or "",
            prize_money=a.prize_money, photo_ids=[f.id for f in e.photos if f.thumb_name],
            category_code=named["category_code"], division_code=named["division_code"],
            area_code=named["area_code"],
        ))
    rows.sort(key=AwardRow.sort_key)
    return rows


@dataclass
class OtherRow:
    entry_id: int
    code: str
    title: str
    institution: str
    score: Decimal
    place: int


def not_awarded_rows(version: ResultVersion) -> list[OtherRow]:
    """Scored entries of the level without a prize in this version, best score first."""
    kind = (version.rules or {}).get("per_group")
    scored, _ = _scored(version.edition, version.level, kind)
    awarded = {a.entry_id for a in version.awards}
    places = _places(scored)
    others = [s for s in scored if s.entry_id not in awarded]
    if not others:
        return []
    info = {
        eid: (code, title, inst)
        for eid, code, title, inst in db.session.execute(
            select(Entry.id, Entry.code, Entry.title, Institution.name)
            .join(Institution, Institution.id == Entry.institution_id)
            .where(Entry.id.in_([s.entry_id for s in others]))
        )
    }
    rows = [OtherRow(s.entry_id, *info[s.entry_id], s.score, places[s.entry_id]) for s in others]
    rows.sort(key=lambda r: (-r.score, r.code))
    return rows


# ---------------------------------------------------------------------------
# Follow-on lists
# ---------------------------------------------------------------------------


@dataclass
class Honours:
    bang_khen: HonourList
    labour: HonourList | None
    youth: HonourList
    nominations: AdvancementResult
    nominations_n: int
    reference_date: date
    entries: dict[int, Entry]
    rank_labels: dict[str, str]


def honours(version: ResultVersion) -> Honours:
    """Bằng khen (first prizes), Bằng Lao động sáng tạo (technical contest, third prize or
    higher, trade-union members), Huy hiệu Tuổi trẻ sáng tạo (first-prize authors aged
    16–30 on the decision date) and the national nominations (best N scores)."""
    edition = version.edition
    ranks = _version_ranks(version)
    entries = {
        e.id: e for e in db.session.scalars(
            select(Entry).where(Entry.id.in_([a.entry_id for a in version.awards]))
            .options(selectinload(Entry.people), selectinload(Entry.institution))
        )
    }
    people = [
        Author(p.id, p.full_name, e.id, p.birth_date, p.trade_union_member)
        for e in entries.values() for p in e.authors
    ]
    awards = sorted(version.awards, key=lambda a: ({r.code: r.order for r in ranks}.get(a.rank_code, 99),
                                                   a.place, a.entry_id))
    codes = [r.code for r in ranks]
    first = codes[:1]
    reference = version.decision_date or date.today()
    labour = None
    if edition.contest.kind == "technical_innovation":
        labour = labour_creativity_proposals(awards, people, rank_codes=codes[:3], ranks=ranks)
    kind = (version.rules or {}).get("per_group")
    scored, _ = _scored(edition, version.level, kind)
    n = (version.rules or {}).get("nominations")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        n = nominations_of(edition, level_settings(edition, version.level))
    nominations = national_nominations(scored, n)
    nominated_ids = [d.entry_id for d in nominations.decisions if d.status != "not_advanced"]
    for e in db.session.scalars(
        select(Entry).where(Entry.id.in_([i for i in nominated_ids if i not in entries]))
        .options(selectinload(Entry.people), selectinload(Entry.institution))
    ):
        entries[e.id] = e
    return Honours(
        bang_khen=bang_khen_proposals(awards, people, rank_codes=first, ranks=ranks),
        labour=labour,
        youth=youth_badge_proposals(awards, people, reference_date=reference, rank_codes=first, ranks=ranks),
        nominations=nominations,
        nominations_n=n,
        reference_date=reference,
        entries=entries,
        rank_labels={r.code: r.label for r in ranks},
    )


def award_of(version: ResultVersion, entry_id: int) -> Award | None:
    return next((a for a in version.awards if a.entry_id == entry_id), None)


# The flush guard that keeps published results immutable is active wherever these
# services are used (the web app, the CLI, the demo pipeline, scripts).
from contest.results import publication as _publication  # noqa: E402,F401
