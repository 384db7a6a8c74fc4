"""Prize allocation from a ranked result: pure functions over plain dataclasses.

Rules applied by :func:`allocate` (per pool: the whole field, or each group when
``PrizeRules.per_group`` is set):

* Candidates are ordered by score (higher first); under ``tie_policy="cascade"`` equal
  scores are then ordered by the ``tiebreak`` tuple (higher first, compared element by
  element). The entry id only fixes the display order of entries that are tied; it
  never decides a prize.
* Ranks are filled best first, each from the top of the candidates still without a
  prize, up to the rank's quota.
* Thresholds (``min_scores``): a candidate below a rank's minimum cannot get that rank.
  As candidates are taken in score order, the rank stops at the first candidate below
  its minimum; its remaining prizes stay unfilled (they are *not* passed to the next
  rank), and that candidate may still get a lower rank whose minimum it meets.
* Ties straddling the last place of a rank ("share", the Vietnamese practice): all the
  tied entries receive the higher prize, and the number of prizes of the following
  ranks is reduced by the number of extra prizes given, so the cumulative number of
  prizes down to each rank stays as planned (2 first prizes with 3 entries tied for
  second place gives 3 first prizes and one second prize less). With
  ``share_overflow="extend"`` the following ranks keep their counts instead and the
  total number of prizes grows. A tie across the last place of the lowest rank always
  makes the total grow. Every such case is reported in ``Allocation.notes``.
* "cascade" separates equal scores by the tiebreak tuple; entries equal in score *and*
  tiebreak are never separated: the rule falls back to "share" and says so in a note.
* Groups (``per_group``): each group (field, division, age group) is a separate pool.
  Its quotas are either fixed (``group_quotas``) or a global quota split, rank by rank,
  across groups in proportion to the number of entries in each group by the largest
  remainder (Hamilton) method, see :func:`largest_remainder`.

Scores should be of one numeric type (Decimal preferred); a Decimal and a float are
equal only when they are exactly the same number.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Literal, NamedTuple

from contest.results.ranks import PRIZE_RANKS, PrizeRank, rank_label, validate_ranks

Score = Decimal | float | int
TiePolicy = Literal["share", "cascade"]
GroupSplit = Literal["fixed", "proportional"]
ShareOverflow = Literal["reduce_lower", "extend"]

__all__ = [
    "Allocation",
    "Award",
    "Candidate",
    "ChangeRecord",
    "MoneySummary",
    "PrizeRules",
    "RankMoney",
    "adjust",
    "allocate",
    "format_score",
    "largest_remainder",
    "prize_money",
]


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One entry of a ranked result.

    ``tiebreak`` holds secondary values, higher is better, compared in order, e.g.
    (points on the heaviest criterion, median judge total). Used only by "cascade".
    """

    entry_id: Hashable
    score: Score
    group: Hashable | None = None
    tiebreak: tuple[Score, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.tiebreak, tuple):
            object.__setattr__(self, "tiebreak", tuple(self.tiebreak))


@dataclass(frozen=True)
class PrizeRules:
    """How prizes are given for one level of one edition (data, from the Thể lệ).

    ``quotas`` maps rank code to the number of prizes: for the whole field, or, when
    ``per_group`` with ``group_split="proportional"``, the global number split across
    groups. With ``group_split="fixed"``, ``group_quotas`` maps group -> {rank: n};
    ``quotas`` may then be left empty or must equal the per-rank sums.
    """

    quotas: Mapping[str, int] = field(default_factory=dict)
    min_scores: Mapping[str, Score] = field(default_factory=dict)
    tie_policy: TiePolicy = "share"
    per_group: bool = False
    group_split: GroupSplit = "proportional"
    group_quotas: Mapping[Hashable, Mapping[str, int]] | None = None
    share_overflow: ShareOverflow = "reduce_lower"
    ranks: Sequence[PrizeRank] = PRIZE_RANKS

    def __post_init__(self) -> None:
        ranks = validate_ranks(self.ranks)
        object.__setattr__(self, "ranks", ranks)
        codes = {rank.code for rank in ranks}
        if self.tie_policy not in ("share", "cascade"):
            raise ValueError(f"Cách xử lý đồng điểm không hợp lệ: {self.tie_policy!r}.")
        if self.group_split not in ("fixed", "proportional"):
            raise ValueError(f"Cách chia giải theo nhóm không hợp lệ: {self.group_split!r}.")
        if self.share_overflow not in ("reduce_lower", "extend"):
            raise ValueError(
                f"Cách xử lý giải dôi ra do đồng điểm không hợp lệ: {self.share_overflow!r}."
            )
        _check_quotas(self.quotas, codes)
        for code, minimum in self.min_scores.items():
            if code not in codes:
                raise ValueError(f"Hạng giải không xác định: {code!r}.")
            _check_score(minimum, f"Điểm sàn của {rank_label(code, ranks)}")
        if self.per_group and self.group_split == "fixed":
            if self.group_quotas is None:
                raise ValueError(
                    "Chia giải cố định theo nhóm nhưng chưa có số lượng giải của từng nhóm."
                )
            sums = dict.fromkeys(codes, 0)
            for quotas in self.group_quotas.values():
                _check_quotas(quotas, codes)
                for code, n in quotas.items():
                    sums[code] += n
            if any(self.quotas.get(code, 0) != sums[code] for code in codes if self.quotas):
                raise ValueError("Tổng số giải của các nhóm không khớp với số lượng giải chung.")


@dataclass(frozen=True)
class Award:
    """The result of one entry; ``rank_code`` is None when it gets no prize.

    ``place`` is the competition place within its pool (equal entries share a place:
    1, 2, 2, 4); ``reason`` is the Vietnamese explanation shown to the organiser.
    """

    entry_id: Hashable
    rank_code: str | None
    place: int
    group: Hashable | None
    reason: str
    score: Score


@dataclass(frozen=True)
class ChangeRecord:
    """One manual adjustment by the organiser: old rank, new rank and why."""

    entry_id: Hashable
    old_rank: str | None
    new_rank: str | None
    reason: str


@dataclass(frozen=True)
class Allocation:
    """The outcome of :func:`allocate` (and of :func:`adjust`).

    ``awards`` holds the entries with a prize, ``not_awarded`` the others, both ordered
    by (group when per_group, rank, place, entry id). ``quotas``, ``counts`` and
    ``unfilled`` are per rank code, summed over groups; ``unfilled`` counts prizes not
    given at allocation time because too few entries met the thresholds (or there were
    too few entries); :func:`adjust` leaves it unchanged.
    """

    awards: tuple[Award, ...]
    not_awarded: tuple[Award, ...]
    quotas: dict[str, int]
    counts: dict[str, int]
    unfilled: dict[str, int]
    notes: tuple[str, ...]
    ranks: tuple[PrizeRank, ...]
    per_group: bool = False
    group_quotas: dict[Hashable, dict[str, int]] = field(default_factory=dict)
    group_counts: dict[Hashable, dict[str, int]] = field(default_factory=dict)
    group_unfilled: dict[Hashable, dict[str, int]] = field(default_factory=dict)
    changes: tuple[ChangeRecord, ...] = ()

    @property
    def results(self) -> tuple[Award, ...]:
        return self.awards + self.not_awarded

    @cached_property
    def _by_id(self) -> dict[Hashable, Award]:
        return {award.entry_id: award for award in self.results}

    def result_for(self, entry_id: Hashable) -> Award:
        """The result of one entry (with or without a prize); KeyError if unknown."""
        return self._by_id[entry_id]

    def rank_of(self, entry_id: Hashable) -> str | None:
        return self.result_for(entry_id).rank_code

    @property
    def total_awards(self) -> int:
        return len(self.awards)


class RankMoney(NamedTuple):
    count: int
    amount: int
    subtotal: int


@dataclass(frozen=True)
class MoneySummary:
    per_rank: dict[str, RankMoney]
    total: int


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def format_score(score: Score) -> str:
    """Score as a Vietnamese reader writes it: decimal comma (85,5)."""
    if isinstance(score, Decimal):
        text = format(score, "f")
    elif isinstance(score, float):
        text = f"{score:.4f}".rstrip("0").rstrip(".")
    else:
        text = str(score)
    return text.replace(".", ",")


def _sort_key(value: Any) -> tuple:
    """Total order over ids/group keys of mixed types (None first, numbers, text)."""
    if value is None:
        return (0, 0, "")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return (1, value, "")
    return (2, 0, str(value))


def _check_score(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{what} không phải là số: {value!r}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} không hợp lệ: {value}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{what} không hợp lệ: {value}.")


def _check_quotas(quotas: Mapping[str, int], codes: set[str]) -> None:
    for code, n in quotas.items():
        if code not in codes:
            raise ValueError(f"Hạng giải không xác định: {code!r}.")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"Số lượng giải phải là số nguyên không âm: {code} = {n!r}.")


def _group_label(group: Hashable | None) -> str:
    return "không phân nhóm" if group is None else str(group)


def _validated(ranked: Iterable[Candidate], cascade: bool) -> list[Candidate]:
    seen: set[Hashable] = set()
    result: list[Candidate] = []
    for candidate in ranked:
        entry_id = candidate.entry_id
        if entry_id in seen:
            raise ValueError(f"Bài dự thi {entry_id} xuất hiện hai lần trong danh sách xếp hạng.")
        seen.add(entry_id)
        _check_score(candidate.score, f"Điểm của bài dự thi {entry_id}")
        for value in candidate.tiebreak:
            _check_score(value, f"Tiêu chí phụ của bài dự thi {entry_id}")
        result.append(candidate)
    if cascade and len({len(c.tiebreak) for c in result}) > 1:
        raise ValueError("Tiêu chí phụ của các bài dự thi phải có cùng số thành phần.")
    return result


# ---------------------------------------------------------------------------
# Largest remainder (Hamilton)
# ---------------------------------------------------------------------------


def _hamilton(total: int, weights: Mapping[Hashable, Score]) -> tuple[dict[Hashable, int], bool]:
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ValueError(f"Tổng số cần chia phải là số nguyên không âm: {total!r}.")
    exact_weights: dict[Hashable, Fraction] = {}
    for key, weight in weights.items():
        _check_score(weight, f"Trọng số của {key}")
        if weight < 0:
            raise ValueError(f"Trọng số của {key} không được âm.")
        exact_weights[key] = Fraction(weight)
    if total == 0:
        return dict.fromkeys(weights, 0), False
    weight_sum = sum(exact_weights.values(), Fraction(0))
    if weight_sum == 0:
        raise ValueError("Không thể chia khi tổng trọng số bằng 0.")
    shares = {key: total * w / weight_sum for key, w in exact_weights.items()}
    result = {key: math.floor(share) for key, share in shares.items()}
    left = total - sum(result.values())
    order = sorted(
        exact_weights,
        key=lambda k: (-(shares[k] - result[k]), -exact_weights[k], _sort_key(k)),
    )
    for key in order[:left]:
        result[key] += 1
    tie_broken = 0 < left < len(order) and shares[order[left - 1]] - math.floor(
        shares[order[left - 1]]
    ) == shares[order[left]] - math.floor(shares[order[left]])
    return {key: result[key] for key in weights}, tie_broken


def largest_remainder(total: int, weights: Mapping[Hashable, Score]) -> dict[Hashable, int]:
    """Split ``total`` seats in proportion to ``weights`` (Hamilton / Hare-Niemeyer).

    Each key gets the integer part of its exact quota ``total * w / sum(w)``; the seats
    left go one each to the largest fractional remainders. Equal remainders go to the
    larger weight, then to the smaller key. Exact arithmetic (fractions) is used, so
    the result always sums to ``total``. Keys keep the order of ``weights``.
    """
    return _hamilton(total, weights)[0]


# ---------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------


@dataclass
class _Pool:
    group: Hashable | None
    candidates: list[Candidate]
    quotas: dict[str, int]


@dataclass
class _PoolOutcome:
    results: list[Award]
    counts: dict[str, int]
    unfilled: dict[str, int]
    notes: list[str]


def _blocks(items: list[Candidate], key) -> list[tuple[int, int]]:
    """For each position, the (start, end) of its run of equal keys."""
    spans: list[tuple[int, int]] = [(0, 0)] * len(items)
    start = 0
    for k in range(1, len(items) + 1):
        if k == len(items) or key(items[k]) != key(items[start]):
            for m in range(start, k):
                spans[m] = (start, k)
            start = k
    return spans


def _allocate_pool(pool: _Pool, rules: PrizeRules, prefix: str) -> _PoolOutcome:
    ranks: tuple[PrizeRank, ...] = tuple(rules.ranks)
    cascade = rules.tie_policy == "cascade"

    def order_key(c: Candidate) -> tuple:
        secondary = tuple(-t for t in c.tiebreak) if cascade else ()
        return (-c.score, secondary, _sort_key(c.entry_id))

    ordered = sorted(pool.candidates, key=order_key)
    n = len(ordered)
    if cascade:
        spans = _blocks(ordered, lambda c: (c.score, c.tiebreak))
    else:
        spans = _blocks(ordered, lambda c: c.score)

    rank_at: list[int | None] = [None] * n
    flags: list[set[str]] = [set() for _ in range(n)]
    targets: dict[str, int] = {}
    counts = {rank.code: 0 for rank in ranks}
    unfilled = {rank.code: 0 for rank in ranks}
    notes: list[str] = []
    later_positive = [
        any(pool.quotas.get(r.code, 0) > 0 for r in ranks[idx + 1 :]) for idx in range(len(ranks))
    ]

    start = 0
    debt = 0
    for idx, rank in enumerate(ranks):
        quota = pool.quotas.get(rank.code, 0)
        reduced = min(debt, quota)
        debt -= reduced
        target = quota - reduced
        targets[rank.code] = target
        if reduced:
            notes.append(
                f"{prefix}{rank.label}: trao {target}/{quota} giải vì {reduced} giải đã dành "
                "cho các bài đồng điểm cùng nhận giải cao hơn."
            )
        minimum = rules.min_scores.get(rank.code)
        end = start
        while (
            end < n and end - start < target and (minimum is None or ordered[end].score >= minimum)
        ):
            end += 1
        take = end - start
        overflow = 0
        if take > 0 and end < n and spans[end][0] == spans[end - 1][0]:
            block_start, block_end = spans[end - 1]
            overflow = block_end - end
            for k in range(block_start, block_end):
                flags[k].add("shared")
            tied = block_end - block_start
            place = block_start + 1
            score = format_score(ordered[block_start].score)
            if overflow and not later_positive[idx]:
                effect = f"tổng số giải tăng thêm {overflow}"
            elif rules.share_overflow == "reduce_lower":
                effect = f"số giải của các hạng sau giảm tương ứng {overflow}"
            else:
                effect = f"số giải của các hạng sau giữ nguyên, tổng số giải tăng thêm {overflow}"
            if cascade:
                for k in range(block_start, block_end):
                    flags[k].add("fallback")
                notes.append(
                    f"{prefix}{rank.label}: {tied} bài đồng hạng {place} trùng cả điểm ({score}) "
                    "và tiêu chí phụ ở vị trí cuối của giải, không phân định được; áp dụng "
                    f"nguyên tắc đồng giải, cùng nhận {rank.label}; {effect}."
                )
            else:
                notes.append(
                    f"{prefix}{rank.label}: {tied} bài đồng hạng {place} ({score} điểm) ở vị trí "
                    f"cuối của giải; theo thông lệ các bài đồng điểm cùng nhận giải cao hơn, "
                    f"{effect}."
                )
            end = block_end
        if take < target:
            unfilled[rank.code] = target - take
            if minimum is not None and start + take < n:
                notes.append(
                    f"{prefix}{rank.label}: điểm sàn {format_score(minimum)}; chỉ {take} bài đạt, "
                    f"{target - take} giải không trao."
                )
            else:
                notes.append(
                    f"{prefix}{rank.label}: không đủ bài dự thi, {target - take} giải không trao."
                )
        for k in range(start, end):
            rank_at[k] = idx
        counts[rank.code] = end - start
        if overflow and later_positive[idx] and rules.share_overflow == "reduce_lower":
            debt += overflow
        start = end
    if debt:
        notes.append(
            f"{prefix}Các hạng sau không đủ giải để giảm; tổng số giải tăng thêm {debt} do đồng điểm."
        )

    # Equal scores separated by the tiebreak (cascade only: "share" never splits them).
    score_spans = _blocks(ordered, lambda c: c.score)
    for s, e in sorted(set(score_spans)):
        ranks_in_block = {rank_at[k] for k in range(s, e)}
        if len(ranks_in_block) > 1:
            for k in range(s, e):
                flags[k].add("tiebreak")
            labels = ", ".join(
                rank_label(None if r is None else ranks[r].code, ranks)
                for r in sorted(ranks_in_block, key=lambda r: len(ranks) if r is None else r)
            )
            notes.append(
                f"{prefix}Các bài đồng {format_score(ordered[s].score)} điểm được phân định "
                f"bằng tiêu chí phụ ({labels})."
            )

    lowest = max(
        (idx for idx, r in enumerate(ranks) if pool.quotas.get(r.code, 0) > 0), default=None
    )
    results: list[Award] = []
    for k, candidate in enumerate(ordered):
        block_start, block_end = spans[k]
        place = block_start + 1
        head = "Đồng hạng" if block_end - block_start > 1 else "Hạng"
        head = f"{head} {place} ({format_score(candidate.score)} điểm)"
        idx = rank_at[k]
        if idx is not None:
            label = ranks[idx].label
            if "fallback" in flags[k]:
                reason = (
                    f"{head}, trùng cả điểm và tiêu chí phụ ở vị trí cuối {label}; "
                    f"cùng nhận {label}"
                )
            elif "shared" in flags[k]:
                reason = f"{head} ở vị trí cuối {label}; các bài đồng điểm cùng nhận {label}"
            else:
                reason = f"{head}, trong số {targets[ranks[idx].code]} {label}"
            code: str | None = ranks[idx].code
        else:
            code = None
            minimum = rules.min_scores.get(ranks[lowest].code) if lowest is not None else None
            if minimum is not None and candidate.score < minimum:
                reason = f"{head}, dưới điểm sàn {format_score(minimum)} của {ranks[lowest].label}"
            else:
                reason = f"{head}, ngoài số lượng giải"
        if "tiebreak" in flags[k]:
            reason += "; phân định với bài đồng điểm bằng tiêu chí phụ"
        results.append(
            Award(candidate.entry_id, code, place, candidate.group, reason, candidate.score)
        )
    return _PoolOutcome(results, counts, unfilled, notes)


def _pools(candidates: list[Candidate], rules: PrizeRules) -> tuple[list[_Pool], list[str]]:
    codes = [rank.code for rank in rules.ranks]
    if not rules.per_group:
        quotas = {code: rules.quotas.get(code, 0) for code in codes}
        return [_Pool(None, candidates, quotas)], []

    members: dict[Hashable, list[Candidate]] = {}
    for candidate in candidates:
        members.setdefault(candidate.group, []).append(candidate)
    notes: list[str] = []
    if rules.group_split == "fixed":
        assert rules.group_quotas is not None
        missing = [g for g in members if g not in rules.group_quotas]
        if missing:
            names = ", ".join(_group_label(g) for g in sorted(missing, key=_sort_key))
            raise ValueError(f"Chưa có số lượng giải cho nhóm: {names}.")
        groups = sorted(set(members) | set(rules.group_quotas), key=_sort_key)
        quotas_by_group = {
            g: {code: rules.group_quotas.get(g, {}).get(code, 0) for code in codes} for g in groups
        }
    else:
        groups = sorted(members, key=_sort_key)
        sizes = {g: len(members[g]) for g in groups}
        quotas_by_group = {g: {} for g in groups}
        for rank in rules.ranks:
            total = rules.quotas.get(rank.code, 0)
            if not groups:
                continue
            split, tie_broken = _hamilton(total, sizes)
            for g in groups:
                quotas_by_group[g][rank.code] = split[g]
            if total:
                parts = "; ".join(
                    f"{_group_label(g)}: {split[g]} giải/{sizes[g]} bài" for g in groups
                )
                note = (
                    f"{rank.label}: {total} giải chia cho các nhóm theo số bài dự thi "
                    f"(phương pháp số dư lớn nhất) — {parts}."
                )
                if tie_broken:
                    note += " Số dư bằng nhau: ưu tiên nhóm nhiều bài hơn, rồi theo mã nhóm."
                notes.append(note)
    pools = [_Pool(g, members.get(g, []), quotas_by_group[g]) for g in groups]
    return pools, notes


def allocate(ranked: Iterable[Candidate], rules: PrizeRules) -> Allocation:
    """Allocate prizes to a ranked result according to ``rules`` (see module docstring).

    The result depends only on the candidates' data, never on their input order.
    """
    candidates = _validated(ranked, rules.tie_policy == "cascade")
    ranks = tuple(rules.ranks)
    codes = [rank.code for rank in ranks]
    pools, notes = _pools(candidates, rules)

    awards: list[Award] = []
    others: list[Award] = []
    quotas = dict.fromkeys(codes, 0)
    counts = dict.fromkeys(codes, 0)
    unfilled = dict.fromkeys(codes, 0)
    group_quotas: dict[Hashable, dict[str, int]] = {}
    group_counts: dict[Hashable, dict[str, int]] = {}
    group_unfilled: dict[Hashable, dict[str, int]] = {}
    all_notes = list(notes)
    for pool in pools:
        prefix = f"[{_group_label(pool.group)}] " if rules.per_group else ""
        outcome = _allocate_pool(pool, rules, prefix)
        awards.extend(a for a in outcome.results if a.rank_code is not None)
        others.extend(a for a in outcome.results if a.rank_code is None)
        for code in codes:
            quotas[code] += pool.quotas.get(code, 0)
            counts[code] += outcome.counts[code]
            unfilled[code] += outcome.unfilled[code]
        if rules.per_group:
            group_quotas[pool.group] = dict(pool.quotas)
            group_counts[pool.group] = outcome.counts
            group_unfilled[pool.group] = outcome.unfilled
        all_notes.extend(outcome.notes)

    return Allocation(
        awards=tuple(awards),
        not_awarded=tuple(others),
        quotas=quotas,
        counts=counts,
        unfilled=unfilled,
        notes=tuple(all_notes),
        ranks=ranks,
        per_group=rules.per_group,
        group_quotas=group_quotas,
        group_counts=group_counts,
        group_unfilled=group_unfilled,
    )


# ---------------------------------------------------------------------------
# Manual adjustment
# ---------------------------------------------------------------------------


def adjust(
    allocation: Allocation,
    changes: Iterable[tuple[Hashable, str | None, str]],
) -> Allocation:
    """Apply the organiser's manual changes ``(entry_id, new_rank_code or None, reason)``.

    Every change needs a non-empty reason and a known entry (one of ``awards`` or
    ``not_awarded``); otherwise ``ValueError`` is raised and nothing is changed.
    Returns a new allocation with the changes appended to ``changes`` (the log), counts
    recomputed and a note for each rank that ends above its quota. ``quotas`` and
    ``unfilled`` are those of the original allocation. Who made the change and when is
    recorded by the caller.
    """
    ranks = allocation.ranks
    codes = {rank.code for rank in ranks}
    current = {award.entry_id: award for award in allocation.results}
    log: list[ChangeRecord] = []
    for change in changes:
        try:
            entry_id, new_rank, reason = change
        except (TypeError, ValueError):
            raise ValueError(
                "Mỗi điều chỉnh gồm: mã bài dự thi, hạng giải mới (hoặc không giải) và lý do."
            ) from None
        if entry_id not in current:
            raise ValueError(f"Không tìm thấy bài dự thi {entry_id} trong kết quả xét giải.")
        if new_rank is not None and new_rank not in codes:
            raise ValueError(f"Hạng giải không xác định: {new_rank!r}.")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"Cần ghi rõ lý do điều chỉnh giải của bài dự thi {entry_id}.")
        reason = reason.strip()
        old = current[entry_id]
        current[entry_id] = replace(
            old,
            rank_code=new_rank,
            reason=(
                f"Ban Tổ chức điều chỉnh từ {rank_label(old.rank_code, ranks)} thành "
                f"{rank_label(new_rank, ranks)}: {reason}"
            ),
        )
        log.append(ChangeRecord(entry_id, old.rank_code, new_rank, reason))
    if not log:
        return allocation

    position = {rank.code: i for i, rank in enumerate(ranks)}

    def order(award: Award) -> tuple:
        group_key = _sort_key(award.group) if allocation.per_group else ()
        rank_key = len(ranks) if award.rank_code is None else position[award.rank_code]
        return (group_key, rank_key, award.place, _sort_key(award.entry_id))

    results = sorted(current.values(), key=order)
    counts = {rank.code: 0 for rank in ranks}
    group_counts: dict[Hashable, dict[str, int]] = {
        g: {rank.code: 0 for rank in ranks} for g in allocation.group_counts
    }
    for award in results:
        if award.rank_code is not None:
            counts[award.rank_code] += 1
            if allocation.per_group:
                group_counts.setdefault(award.group, {r.code: 0 for r in ranks})
                group_counts[award.group][award.rank_code] += 1

    notes = list(allocation.notes)
    notes.append(f"Ban Tổ chức điều chỉnh {len(log)} kết quả (xem nhật ký điều chỉnh).")
    for rank in ranks:
        quota = allocation.quotas.get(rank.code, 0)
        if counts[rank.code] > quota:
            notes.append(
                f"Sau điều chỉnh, {rank.label} có {counts[rank.code]} giải, "
                f"nhiều hơn số lượng {quota}."
            )
    return replace(
        allocation,
        awards=tuple(a for a in results if a.rank_code is not None),
        not_awarded=tuple(a for a in results if a.rank_code is None),
        counts=counts,
        group_counts=group_counts if allocation.per_group else {},
        notes=tuple(notes),
        changes=allocation.changes + tuple(log),
    )


# ---------------------------------------------------------------------------
# Prize money
# ---------------------------------------------------------------------------


def prize_money(counts: Mapping[str, int], amounts: Mapping[str, int]) -> MoneySummary:
    """Prize money per rank and in total, in VND.

    ``amounts`` (VND per prize, integers) are edition settings from the provincial
    resolution in force; a rank with prizes but no amount raises ``ValueError``.
    Ranks are listed in the order of ``counts``.
    """
    per_rank: dict[str, RankMoney] = {}
    for code, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"Số giải không hợp lệ: {code} = {count!r}.")
        amount = amounts.get(code)
        if amount is None:
            if count:
                raise ValueError(f"Chưa có mức tiền thưởng cho hạng giải {code!r}.")
            amount = 0
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError(
                f"Mức tiền thưởng phải là số nguyên đồng không âm: {code} = {amount!r}."
            )
        per_rank[code] = RankMoney(count, amount, count * amount)
    return MoneySummary(per_rank, sum(item.subtotal for item in per_rank.values()))
