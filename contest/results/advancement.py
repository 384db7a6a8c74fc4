"""Moving entries up an edition's chain of levels, and follow-on honour lists.

Pure functions over plain dataclasses. An *area* is the unit that sends entries to
the next level (a district before July 2025; a commune/ward or a cluster after), so
areas are opaque keys here. Every decision carries a Vietnamese reason.

Honour lists (Bằng khen, Bằng Lao động sáng tạo, Huy hiệu Tuổi trẻ sáng tạo) are
filters over awards and authors; the office checks and submits them.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Literal

from contest.results.allocation import Score, _check_score, _sort_key, format_score
from contest.results.ranks import PRIZE_RANKS, PrizeRank, rank_label

__all__ = [
    "AdvancementCandidate",
    "AdvancementResult",
    "Author",
    "Decision",
    "HonourList",
    "HonourProposal",
    "ManualWithinQuota",
    "MissingData",
    "QuotaPerArea",
    "ScoreCutoff",
    "TieAtCut",
    "advance",
    "age_on",
    "bang_khen_proposals",
    "labour_creativity_proposals",
    "national_nominations",
    "youth_badge_proposals",
]

Status = Literal["advanced", "not_advanced", "pending"]


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdvancementCandidate:
    """An entry's result at one level and the area (unit) that sends it up."""

    entry_id: Hashable
    score: Score
    area: Hashable


@dataclass(frozen=True)
class QuotaPerArea:
    """Top ``n`` by score within each area; ``default`` for areas not listed.

    A tie across the cut is always reported; ``include_ties=True`` sends all tied
    entries up, otherwise they stay ``pending`` until the area chooses.
    """

    quotas: Mapping[Hashable, int]
    default: int | None = None
    include_ties: bool = False


@dataclass(frozen=True)
class ScoreCutoff:
    """Every entry scoring at least ``min_score`` goes up."""

    min_score: Score


@dataclass(frozen=True)
class ManualWithinQuota:
    """The area organiser's choice within its quota, each choice with a reason.

    An area absent from ``chosen`` has not chosen yet: its entries are ``pending``.
    """

    quotas: Mapping[Hashable, int]
    chosen: Mapping[Hashable, Sequence[Hashable]]
    reasons: Mapping[Hashable, str]
    default: int | None = None


Rule = QuotaPerArea | ScoreCutoff | ManualWithinQuota


@dataclass(frozen=True)
class Decision:
    entry_id: Hashable
    area: Hashable
    score: Score
    rank_in_area: int
    status: Status
    reason: str

    @property
    def advanced(self) -> bool:
        return self.status == "advanced"


@dataclass(frozen=True)
class TieAtCut:
    """Entries tied on ``score`` across an area's cut: ``seats`` places left for them."""

    area: Hashable
    score: Score
    quota: int
    seats: int
    entry_ids: tuple[Hashable, ...]


@dataclass(frozen=True)
class AdvancementResult:
    """Ids in decision order (area, rank in area, entry id)."""

    advanced: tuple[Hashable, ...]
    not_advanced: tuple[Hashable, ...]
    pending: tuple[Hashable, ...]
    decisions: tuple[Decision, ...]
    ties: tuple[TieAtCut, ...] = ()
    notes: tuple[str, ...] = ()

    @cached_property
    def _by_id(self) -> dict[Hashable, Decision]:
        return {item.entry_id: item for item in self.decisions}

    def decision(self, entry_id: Hashable) -> Decision:
        return self._by_id[entry_id]


# ---------------------------------------------------------------------------
# Advancement
# ---------------------------------------------------------------------------


def _by_area(candidates: Iterable[Any], area_of) -> dict[Hashable, list[Any]]:
    seen: set[Hashable] = set()
    areas: dict[Hashable, list[Any]] = {}
    for candidate in candidates:
        if candidate.entry_id in seen:
            raise ValueError(f"Bài dự thi {candidate.entry_id} xuất hiện hai lần.")
        seen.add(candidate.entry_id)
        _check_score(candidate.score, f"Điểm của bài dự thi {candidate.entry_id}")
        areas.setdefault(area_of(candidate), []).append(candidate)
    return {
        area: sorted(items, key=lambda c: (-c.score, _sort_key(c.entry_id)))
        for area, items in sorted(areas.items(), key=lambda kv: _sort_key(kv[0]))
    }


def _places(items: list[Any]) -> list[int]:
    """Competition places (1, 2, 2, 4) of items sorted by score descending."""
    places: list[int] = []
    for k, item in enumerate(items):
        if k and item.score == items[k - 1].score:
            places.append(places[-1])
        else:
            places.append(k + 1)
    return places


def _quota_for(area: Hashable, quotas: Mapping[Hashable, int], default: int | None) -> int:
    n = quotas.get(area, default)
    if n is None:
        raise ValueError(f"Đơn vị {area} chưa có hạn ngạch.")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"Hạn ngạch của đơn vị {area} phải là số nguyên không âm: {n!r}.")
    return n


def _result(decisions: list[Decision], ties: list[TieAtCut], notes: list[str]) -> AdvancementResult:
    return AdvancementResult(
        advanced=tuple(d.entry_id for d in decisions if d.status == "advanced"),
        not_advanced=tuple(d.entry_id for d in decisions if d.status == "not_advanced"),
        pending=tuple(d.entry_id for d in decisions if d.status == "pending"),
        decisions=tuple(decisions),
        ties=tuple(ties),
        notes=tuple(notes),
    )


def _cut(
    area: Hashable,
    items: list[Any],
    n: int,
    include_ties: bool,
    area_of,
    inside: str,
    outside: str,
    who: str,
) -> tuple[list[Decision], TieAtCut | None, str | None]:
    """Top ``n`` of ``items`` (sorted), with ties across the cut reported."""
    places = _places(items)
    tie_start = tie_end = min(n, len(items))
    if 0 < n < len(items) and items[n].score == items[n - 1].score:
        tie_start = places[n - 1] - 1
        tie_end = n
        while tie_end < len(items) and items[tie_end].score == items[n - 1].score:
            tie_end += 1
    decisions: list[Decision] = []
    tie: TieAtCut | None = None
    note: str | None = None
    if tie_end > tie_start:
        seats = n - tie_start
        count = tie_end - tie_start
        score = format_score(items[tie_start].score)
        tie = TieAtCut(
            area,
            items[tie_start].score,
            n,
            seats,
            tuple(c.entry_id for c in items[tie_start:tie_end]),
        )
        if include_ties:
            note = (
                f"{who}: {count} bài đồng {score} điểm ở vị trí cuối hạn ngạch {n}; "
                f"lấy tất cả, đi tiếp {tie_end} bài."
            )
        else:
            note = (
                f"{who}: {count} bài đồng {score} điểm tranh {seats} suất cuối của hạn ngạch {n}; "
                "cần chọn."
            )
    for k, item in enumerate(items):
        if k < tie_start:
            status: Status = "advanced"
            reason = inside
        elif k < tie_end and include_ties:
            status = "advanced"
            reason = (
                f"Đồng {format_score(item.score)} điểm ở vị trí cuối hạn ngạch {n}; "
                "lấy tất cả các bài đồng điểm"
            )
        elif k < tie_end:
            status = "pending"
            reason = (
                f"Đồng {format_score(item.score)} điểm ở vị trí cuối hạn ngạch {n}: "
                f"{tie_end - tie_start} bài cho {n - tie_start} suất, cần chọn"
            )
        else:
            status = "not_advanced"
            reason = f"{outside} (xếp thứ {places[k]})"
        decisions.append(
            Decision(item.entry_id, area_of(item), item.score, places[k], status, reason)
        )
    return decisions, tie, note


def advance(candidates: Iterable[AdvancementCandidate], rule: Rule) -> AdvancementResult:
    """Decide which entries go up to the next level under ``rule``."""
    areas = _by_area(candidates, lambda c: c.area)
    decisions: list[Decision] = []
    ties: list[TieAtCut] = []
    notes: list[str] = []

    if isinstance(rule, QuotaPerArea):
        for area, items in areas.items():
            n = _quota_for(area, rule.quotas, rule.default)
            part, tie, note = _cut(
                area,
                items,
                n,
                rule.include_ties,
                lambda c: c.area,
                inside=f"Trong hạn ngạch {n} của đơn vị",
                outside=f"Ngoài hạn ngạch {n} của đơn vị",
                who=f"Đơn vị {area}",
            )
            decisions.extend(part)
            if tie is not None:
                ties.append(tie)
            if note is not None:
                notes.append(note)
        return _result(decisions, ties, notes)

    if isinstance(rule, ScoreCutoff):
        _check_score(rule.min_score, "Điểm sàn")
        floor = format_score(rule.min_score)
        for area, items in areas.items():
            for item, place in zip(items, _places(items), strict=True):
                if item.score >= rule.min_score:
                    decisions.append(
                        Decision(
                            item.entry_id,
                            area,
                            item.score,
                            place,
                            "advanced",
                            f"Đạt điểm sàn {floor}",
                        )
                    )
                else:
                    decisions.append(
                        Decision(
                            item.entry_id,
                            area,
                            item.score,
                            place,
                            "not_advanced",
                            f"Dưới điểm sàn {floor}",
                        )
                    )
        return _result(decisions, ties, notes)

    if isinstance(rule, ManualWithinQuota):
        area_of_entry = {item.entry_id: area for area, items in areas.items() for item in items}
        for area, chosen in rule.chosen.items():
            n = _quota_for(area, rule.quotas, rule.default)
            if len(set(chosen)) != len(chosen):
                raise ValueError(f"Đơn vị {area} chọn trùng bài dự thi.")
            if len(chosen) > n:
                raise ValueError(f"Đơn vị {area} chọn {len(chosen)} bài, vượt hạn ngạch {n} bài.")
            for entry_id in chosen:
                if area_of_entry.get(entry_id, object()) != area:
                    raise ValueError(f"Bài dự thi {entry_id} không thuộc đơn vị {area}.")
                reason = rule.reasons.get(entry_id)
                if not isinstance(reason, str) or not reason.strip():
                    raise ValueError(f"Cần ghi lý do chọn bài dự thi {entry_id} của đơn vị {area}.")
        for area, items in areas.items():
            n = _quota_for(area, rule.quotas, rule.default)
            chosen_set = set(rule.chosen.get(area, ()))
            for item, place in zip(items, _places(items), strict=True):
                if area not in rule.chosen:
                    status: Status = "pending"
                    reason = f"Đơn vị chưa chọn bài đi tiếp (hạn ngạch {n})"
                elif item.entry_id in chosen_set:
                    status = "advanced"
                    reason = (
                        f"Đơn vị chọn trong hạn ngạch {n}: {rule.reasons[item.entry_id].strip()}"
                    )
                else:
                    status = "not_advanced"
                    reason = f"Đơn vị không chọn (hạn ngạch {n}, xếp thứ {place})"
                decisions.append(Decision(item.entry_id, area, item.score, place, status, reason))
            if area in rule.chosen and len(chosen_set) < n:
                notes.append(f"Đơn vị {area} chọn {len(chosen_set)}/{n} bài trong hạn ngạch.")
        return _result(decisions, ties, notes)

    raise TypeError(f"Unknown advancement rule: {rule!r}")


def national_nominations(
    ranked: Iterable[Any], n: int, *, include_ties: bool = False
) -> AdvancementResult:
    """The best ``n`` entries overall, nominated to the national contest.

    ``ranked`` holds objects with ``entry_id`` and ``score`` (and optionally ``area`` or
    ``group``, kept in the decisions). A tie across the cut is reported as for
    :class:`QuotaPerArea`.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"Số bài đề cử phải là số nguyên không âm: {n!r}.")

    def origin(c: Any) -> Hashable:
        return getattr(c, "area", getattr(c, "group", None))

    items = next(iter(_by_area(ranked, lambda c: None).values()), [])
    decisions, tie, note = _cut(
        None,
        items,
        n,
        include_ties,
        origin,
        inside=f"Trong {n} bài điểm cao nhất toàn tỉnh, đề cử dự thi toàn quốc",
        outside=f"Ngoài {n} bài điểm cao nhất toàn tỉnh",
        who="Đề cử toàn quốc",
    )
    return _result(decisions, [tie] if tie else [], [note] if note else [])


# ---------------------------------------------------------------------------
# Honour lists
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """An author of an entry (one record per person and entry), private data included.

    ``trade_union_member`` is None when unknown.
    """

    person_id: Hashable
    full_name: str
    entry_id: Hashable
    birth_date: date | None = None
    trade_union_member: bool | None = None


@dataclass(frozen=True)
class HonourProposal:
    person_id: Hashable
    full_name: str
    entry_id: Hashable
    rank_code: str
    reason: str


@dataclass(frozen=True)
class MissingData:
    """An author who might qualify but whose data is missing."""

    person_id: Hashable
    full_name: str
    entry_id: Hashable
    reason: str


@dataclass(frozen=True)
class HonourList:
    proposals: tuple[HonourProposal, ...] = ()
    missing_data: tuple[MissingData, ...] = ()


def _awarded_authors(
    awards: Iterable[Any], people: Iterable[Author], rank_codes: Collection[str]
) -> list[tuple[Any, Author]]:
    """(award, author) pairs for awards of the given ranks, in award then author order."""
    authors: dict[Hashable, list[Author]] = {}
    for person in people:
        authors.setdefault(person.entry_id, []).append(person)
    return [
        (award, person)
        for award in awards
        if award.rank_code is not None and award.rank_code in rank_codes
        for person in authors.get(award.entry_id, [])
    ]


def age_on(birth_date: date, reference: date) -> int:
    """Age in full years on ``reference``."""
    before_birthday = (reference.month, reference.day) < (birth_date.month, birth_date.day)
    return reference.year - birth_date.year - int(before_birthday)


def bang_khen_proposals(
    awards: Iterable[Any],
    people: Iterable[Author],
    *,
    rank_codes: Collection[str] = ("nhat",),
    ranks: Sequence[PrizeRank] = PRIZE_RANKS,
) -> HonourList:
    """Authors of prizes of ``rank_codes`` (first prizes by default) for a Bằng khen."""
    proposals = tuple(
        HonourProposal(
            person.person_id,
            person.full_name,
            award.entry_id,
            award.rank_code,
            f"{rank_label(award.rank_code, ranks)}; đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
        )
        for award, person in _awarded_authors(awards, people, rank_codes)
    )
    return HonourList(proposals)


def labour_creativity_proposals(
    awards: Iterable[Any],
    people: Iterable[Author],
    *,
    rank_codes: Collection[str] = ("nhat", "nhi", "ba"),
    ranks: Sequence[PrizeRank] = PRIZE_RANKS,
) -> HonourList:
    """Trade-union members among the authors of third prizes or higher (technical contest)."""
    proposals: list[HonourProposal] = []
    missing: list[MissingData] = []
    for award, person in _awarded_authors(awards, people, rank_codes):
        label = rank_label(award.rank_code, ranks)
        if person.trade_union_member is None:
            missing.append(
                MissingData(
                    person.person_id,
                    person.full_name,
                    award.entry_id,
                    f"{label}; chưa rõ có phải đoàn viên công đoàn",
                )
            )
        elif person.trade_union_member:
            proposals.append(
                HonourProposal(
                    person.person_id,
                    person.full_name,
                    award.entry_id,
                    award.rank_code,
                    f"{label}; đoàn viên công đoàn; đề nghị tặng Bằng Lao động sáng tạo",
                )
            )
    return HonourList(tuple(proposals), tuple(missing))


def youth_badge_proposals(
    awards: Iterable[Any],
    people: Iterable[Author],
    *,
    reference_date: date,
    min_age: int = 16,
    max_age: int = 30,
    rank_codes: Collection[str] = ("nhat",),
    ranks: Sequence[PrizeRank] = PRIZE_RANKS,
) -> HonourList:
    """First-prize authors of youth age for the Huy hiệu Tuổi trẻ sáng tạo.

    Youth age is ``min_age``..``max_age`` full years inclusive on ``reference_date``
    (the Youth Union counts youth from 16 to 30).
    """
    if min_age > max_age:
        raise ValueError("Độ tuổi tối thiểu lớn hơn độ tuổi tối đa.")
    when = reference_date.strftime("%d/%m/%Y")
    proposals: list[HonourProposal] = []
    missing: list[MissingData] = []
    for award, person in _awarded_authors(awards, people, rank_codes):
        label = rank_label(award.rank_code, ranks)
        if person.birth_date is None:
            missing.append(
                MissingData(
                    person.person_id,
                    person.full_name,
                    award.entry_id,
                    f"{label}; thiếu ngày sinh, chưa xét được độ tuổi",
                )
            )
            continue
        age = age_on(person.birth_date, reference_date)
        if min_age <= age <= max_age:
            proposals.append(
                HonourProposal(
                    person.person_id,
                    person.full_name,
                    award.entry_id,
                    award.rank_code,
                    f"{label}; {age} tuổi tại ngày {when}; đề nghị tặng Huy hiệu Tuổi trẻ sáng tạo",
                )
            )
    return HonourList(tuple(proposals), tuple(missing))
